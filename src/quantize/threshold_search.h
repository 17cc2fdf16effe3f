// Choosing a quantizer's range from observed values: the error methods and the candidate scans.
//
// The observed values are a weighted point set: an activation's histogram (bin centres weighted by
// their counts) or a weight channel's raw values (weight 1 each). For each candidate grid the error
// between the points and their quantized values is measured, and the candidate with the smallest
// error wins (ties: the widest range, i.e. the first candidate tried):
//   MSE  sum w |q(x) - x|^2 / sum w       MAE  sum w |q(x) - x| / sum w      LP  ... |q(x) - x|^p
//   KL   KL(P || Q) on 2048 bins over the data range: P = the masses, with the mass beyond the range
//        moved onto its edge bin;
//        Q = each grid cell's own mass spread evenly over its bins that have mass.
//   NOCLIPPING  no search: the range covers every point.
// Candidates: power-of-two t0 / 2^i, i = 0..10, t0 = 2^ceil(log2 max|x|) (MCT); symmetric
// max|x| * r for r stepping down from 1; uniform [min * a, max * b] over a grid of shrink factors.
#pragma once

#include <vector>

#include "quantize/quant_grid.h"
#include "xquant/quantize.h"

namespace xquant::quantize {

struct WeightedPoints {
  std::vector<double> values;
  std::vector<double> weights;  // same length; >= 0
  double min = 0.0;             // of the values with weight > 0 (the data's range)
  double max = 0.0;
};

// Points from a histogram of `counts.size()` equal bins over [min, max] (bin centres).
WeightedPoints PointsFromHistogram(double min, double max, const std::vector<int64_t>& counts);
// Points from raw values, weight 1 each.
WeightedPoints PointsFromValues(const std::vector<float>& values);

// z-threshold outlier removal: drops the points farther than z standard deviations from the
// weighted mean (the mean and deviation of all points) and recomputes min/max. z = inf: unchanged.
WeightedPoints RemoveOutliers(const WeightedPoints& points, double z);

// The error of `grid` on `points` by `method` (p used by LP).
double QuantizationError(const WeightedPoints& points, const Grid& grid, QuantizationErrorMethod method, double p);

struct RangeChoice {
  Grid grid;
  double threshold = 0.0;  // symmetric/POT threshold; uniform: max(|range_min|, |range_max|)
  double range_min = 0.0;  // the grid's representable range
  double range_max = 0.0;
  double error = 0.0;      // of the chosen grid (0 for NOCLIPPING, which measures nothing)
};

struct SearchSettings {
  QuantizationMethod method = QuantizationMethod::kPowerOfTwo;
  QuantizationErrorMethod error_method = QuantizationErrorMethod::kMse;
  double p = 2.0;
  int bits = 8;
  bool is_signed = false;
  // Symmetric scan: ratios 1, 1 - step, ... down to min_ratio.
  double symmetric_step = 0.01;
  double symmetric_min_ratio = 0.05;
};

// The best grid for `points` under `settings`.
RangeChoice SearchRange(const WeightedPoints& points, const SearchSettings& settings);

}  // namespace xquant::quantize
