#include "fix/selection.h"

#include <cmath>

#include "xquant/fix.h"

namespace xquant {
namespace fix {
namespace {

// -1, 0, 1: how `a` compares with `b` under the rule, with `margin` on the SQNR.
int Compare(const Score& a, const Score& b, double margin) {
  if (a.accuracy && b.accuracy && *a.accuracy != *b.accuracy) return *a.accuracy > *b.accuracy ? 1 : -1;
  // +inf dB: outputs identical to the float model's; NaN: not measured.
  const bool a_known = !std::isnan(a.output_sqnr_db);
  const bool b_known = !std::isnan(b.output_sqnr_db);
  if (!a_known) return b_known ? -1 : 0;
  if (!b_known) return 1;
  if (a.output_sqnr_db >= b.output_sqnr_db + margin && a.output_sqnr_db > b.output_sqnr_db) return 1;
  if (b.output_sqnr_db >= a.output_sqnr_db + margin && b.output_sqnr_db > a.output_sqnr_db) return -1;
  return 0;
}

}  // namespace

bool Beats(const Score& candidate, const Score& reference) {
  return Compare(candidate, reference, kMinOutputSqnrGainDb) > 0;
}

int ChooseBest(const std::vector<std::optional<Score>>& scores, const Score& original) {
  int best = -1;
  for (size_t k = 0; k < scores.size(); ++k) {
    if (!scores[k] || !Beats(*scores[k], original)) continue;
    // Among the winners no margin: the higher score wins, the earlier candidate on a tie.
    if (best < 0 || Compare(*scores[k], *scores[best], 0.0) > 0) best = static_cast<int>(k);
  }
  return best;
}

}  // namespace fix
}  // namespace xquant
