// The choice of the best candidate (fix.h's kSelectionRule), kept apart so that the rule is
// written once and tested on its own.
#pragma once

#include <optional>
#include <vector>

#include "xquant/report.h"

namespace xquant::fix {

// What the rule looks at of one model.
struct Score {
  std::optional<double> accuracy;  // top-1 on the validation labels
  double output_sqnr_db = 0;       // model output vs float, validation data (NaN = unknown)
};

// True when `candidate` beats `reference` under the rule: higher accuracy (when both have one),
// or equal/no accuracy and an output SQNR at least kMinOutputSqnrGainDb higher. A NaN SQNR never
// beats anything; any finite SQNR beats a NaN one.
bool Beats(const Score& candidate, const Score& reference);

// Index of the best of `scores` that beats `original`, or -1.
int ChooseBest(const std::vector<std::optional<Score>>& scores, const Score& original);

}  // namespace xquant::fix
