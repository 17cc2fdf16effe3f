// The z-score statistics of a float histogram that the outlier-removal judge decides on and the
// outlier chart draws (one computation, used by both).
//
// Formula (the reference's, spec §5.1), over the histogram's bins k = 0..n−1 with left edges
// b_k = min + k·(max − min)/n and counts c_k:
//   μ = Σ b_k·c_k / Σ c_k,   σ = sqrt(Σ (b_k − μ)²·c_k / Σ c_k),   z_k = |b_k − μ| / σ.
// Only non-empty bins hold samples, so only they are judged: an empty bin contributes nothing to
// μ and σ, and its z says nothing about the data. (The reference tests every bin, but its bins
// span exactly [min, max], so its extreme bins are non-empty and the outcome is the same.)
// σ = 0 — a constant tensor, one non-empty bin, or min == max — is never an outlier.
// Computed in bin-index units (μ = min + w·m with m = Σ k·c_k / Σ c_k), so a single non-empty
// bin gives σ = 0 exactly instead of rounding noise that would make z ≈ 1.
//
// The outlier tail (drawn red): on the upper side, from the first bin beyond μ + thr·σ whose count
// is larger than its inner neighbour's, to the last bin; on the lower side the mirror image (the
// reference's rule: a tail that decays smoothly from the bulk is not a separate cluster, a rise
// beyond the threshold is).
//
// The suggested z threshold for a quantizer that drops bins with z > z_threshold before its
// threshold search:
//  - with a tail: halfway between the z of the outermost non-empty bin kept (the largest z below
//    the tail's innermost z) and the tail's innermost z — every bin of the tail is dropped, every
//    bin nearer to μ is kept; rounded to two decimals when the rounded value still separates them;
//  - without a tail (a long smooth tail): the smallest non-empty bin z that keeps at least
//    99.99% of the samples (at most 0.01% lie at a larger z), and never below the judge's threshold.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "xquant/report.h"

namespace xquant::troubleshoot {

// The share of samples the no-tail suggestion may drop.
inline constexpr double kSuggestedDropShare = 1e-4;

struct OutlierStats {
  bool valid = false;  // samples present and σ > 0; every other field below is 0 otherwise
  double mu = 0.0;
  double sigma = 0.0;
  double threshold = 0.0;  // the z threshold the stats were computed for
  int64_t total = 0;       // Σ c_k
  int first_bin = -1;      // lowest non-empty bin
  int last_bin = -1;       // highest non-empty bin
  double lower_max_zscore = 0.0;  // z of first_bin
  double upper_max_zscore = 0.0;  // z of last_bin
  std::vector<double> zscores;    // per bin (empty bins too, for drawing)
  int64_t samples_beyond = 0;     // samples in non-empty bins with z >= threshold
  int bins_beyond = 0;            // non-empty bins with z >= threshold
  bool detected = false;          // bins_beyond > 0
  std::vector<bool> tail;         // per bin: in the outlier tail
  int64_t tail_samples = 0;
  bool has_tail = false;
  double suggested_z_threshold = 0.0;
  int64_t samples_dropped_at_suggestion = 0;  // samples with z > suggested_z_threshold

  double ZScore(double value) const;          // |value − μ| / σ
  double share_beyond() const;                // samples_beyond / total
  double tail_share() const;                  // tail_samples / total
  double dropped_share_at_suggestion() const;  // samples_dropped_at_suggestion / total
};

// Left edge of bin `k`: min + k·(max − min)/n.
double BinLeftEdge(const Histogram& histogram, size_t k);

// The statistics above for `threshold` (threshold_zscore_outlier_removal). Not valid for an empty
// histogram, a zero total, non-finite min/max, or σ = 0.
OutlierStats ComputeOutlierStats(const Histogram& histogram, double threshold);

// A file stem for a layer's outlier image: every character other than [A-Za-z0-9._-] becomes
// '_', leading '_' and '.' are stripped (no hidden files, no ".."), the result is cut to 120
// bytes, and an empty result becomes "layer". Unique within `used` (a "_2", "_3", ... suffix);
// the chosen stem is added to `used`.
std::string OutlierImageStem(std::string_view layer, std::vector<std::string>* used);

// The folder of the outlier images inside the report directory (the reference's spelling).
inline constexpr char kOutlierImageDir[] = "outlier_histgrams";

}  // namespace xquant::troubleshoot
