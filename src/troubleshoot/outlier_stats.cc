#include "troubleshoot/outlier_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace xquant::troubleshoot {
namespace {

constexpr size_t kMaxStemBytes = 120;  // leaves room for "_<n>.png" under NAME_MAX (255)

double Share(int64_t part, int64_t total) {
  return total > 0 ? static_cast<double>(part) / static_cast<double>(total) : 0.0;
}

// The reference's tail rule (see the header), in bin indices: `m` and `sd` are μ and σ in bins.
void MarkTail(const std::vector<int64_t>& counts, double m, double sd, OutlierStats* stats) {
  const int n = static_cast<int>(counts.size());
  stats->tail.assign(n, false);
  const double reach = stats->threshold * sd;
  for (int i = 1; i < n; ++i) {
    if (i - m > reach && counts[i] > counts[i - 1]) {
      std::fill(stats->tail.begin() + i, stats->tail.end(), true);
      break;
    }
  }
  for (int i = n - 2; i >= 0; --i) {
    if (m - i > reach && counts[i] > counts[i + 1]) {
      std::fill(stats->tail.begin(), stats->tail.begin() + i + 1, true);
      break;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (stats->tail[i] && counts[i] > 0) {
      stats->tail_samples += counts[i];
      stats->has_tail = true;
    }
  }
}

double SuggestWithTail(const std::vector<int64_t>& counts, const OutlierStats& stats) {
  double innermost_tail = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] > 0 && stats.tail[k]) innermost_tail = std::min(innermost_tail, stats.zscores[k]);
  }
  double outermost_kept = 0.0;
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] > 0 && stats.zscores[k] < innermost_tail)
      outermost_kept = std::max(outermost_kept, stats.zscores[k]);
  }
  const double middle = (outermost_kept + innermost_tail) / 2;
  // Two decimals read better in a config file, as long as they still separate kept from dropped.
  const double rounded = std::round(middle * 100.0) / 100.0;
  return rounded >= outermost_kept && rounded < innermost_tail ? rounded : middle;
}

double SuggestWithoutTail(const std::vector<int64_t>& counts, const OutlierStats& stats) {
  std::vector<std::pair<double, int64_t>> bins;  // (z, count) of non-empty bins
  for (size_t k = 0; k < counts.size(); ++k) {
    if (counts[k] > 0) bins.push_back({stats.zscores[k], counts[k]});
  }
  std::sort(bins.begin(), bins.end());
  const double allowed = kSuggestedDropShare * static_cast<double>(stats.total);
  double dropped = 0.0;
  double z = bins.back().first;
  for (size_t j = bins.size() - 1; j > 0; --j) {
    if (dropped + static_cast<double>(bins[j].second) > allowed) break;
    dropped += static_cast<double>(bins[j].second);
    z = bins[j - 1].first;
  }
  return std::max(z, stats.threshold);
}

}  // namespace

double OutlierStats::ZScore(double value) const { return sigma > 0 ? std::fabs(value - mu) / sigma : 0.0; }
double OutlierStats::share_beyond() const { return Share(samples_beyond, total); }
double OutlierStats::tail_share() const { return Share(tail_samples, total); }
double OutlierStats::dropped_share_at_suggestion() const {
  return Share(samples_dropped_at_suggestion, total);
}

double BinLeftEdge(const Histogram& histogram, size_t k) {
  const double n = static_cast<double>(histogram.counts.size());
  return histogram.min + static_cast<double>(k) * (histogram.max - histogram.min) / n;
}

OutlierStats ComputeOutlierStats(const Histogram& histogram, double threshold) {
  OutlierStats stats;
  const std::vector<int64_t>& counts = histogram.counts;
  const size_t n = counts.size();
  if (n == 0 || !std::isfinite(histogram.min) || !std::isfinite(histogram.max)) return stats;
  int64_t total = 0;
  double index_sum = 0.0;
  for (size_t k = 0; k < n; ++k) {
    if (counts[k] <= 0) continue;
    total += counts[k];
    index_sum += static_cast<double>(k) * static_cast<double>(counts[k]);
  }
  if (total == 0) return stats;
  const double m = index_sum / static_cast<double>(total);
  double spread = 0.0;
  for (size_t k = 0; k < n; ++k) {
    if (counts[k] <= 0) continue;
    const double d = static_cast<double>(k) - m;
    spread += d * d * static_cast<double>(counts[k]);
  }
  const double sd = std::sqrt(spread / static_cast<double>(total));  // σ in bins
  const double width = (histogram.max - histogram.min) / static_cast<double>(n);
  if (!(sd > 0.0) || !(width > 0.0)) return stats;

  stats.valid = true;
  stats.threshold = threshold;
  stats.total = total;
  stats.mu = histogram.min + width * m;
  stats.sigma = width * sd;
  stats.zscores.resize(n);
  for (size_t k = 0; k < n; ++k) {
    stats.zscores[k] = std::fabs(static_cast<double>(k) - m) / sd;
    if (counts[k] <= 0) continue;
    if (stats.first_bin < 0) stats.first_bin = static_cast<int>(k);
    stats.last_bin = static_cast<int>(k);
    if (stats.zscores[k] >= threshold) {
      stats.samples_beyond += counts[k];
      ++stats.bins_beyond;
    }
  }
  stats.detected = stats.bins_beyond > 0;
  stats.lower_max_zscore = stats.zscores[stats.first_bin];
  stats.upper_max_zscore = stats.zscores[stats.last_bin];

  MarkTail(counts, m, sd, &stats);
  stats.suggested_z_threshold =
      stats.has_tail ? SuggestWithTail(counts, stats) : SuggestWithoutTail(counts, stats);
  for (size_t k = 0; k < n; ++k) {
    if (counts[k] > 0 && stats.zscores[k] > stats.suggested_z_threshold)
      stats.samples_dropped_at_suggestion += counts[k];
  }
  return stats;
}

std::string OutlierImageStem(std::string_view layer, std::vector<std::string>* used) {
  std::string stem;
  for (char c : layer) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    stem += keep ? c : '_';
  }
  stem.erase(0, stem.find_first_not_of("_."));
  if (stem.size() > kMaxStemBytes) stem.resize(kMaxStemBytes);
  if (stem.empty()) stem = "layer";
  std::string unique = stem;
  for (int suffix = 2; std::find(used->begin(), used->end(), unique) != used->end(); ++suffix)
    unique = stem + "_" + std::to_string(suffix);
  used->push_back(unique);
  return unique;
}

}  // namespace xquant::troubleshoot
