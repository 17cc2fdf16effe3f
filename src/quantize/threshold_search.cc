#include "quantize/threshold_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace xquant::quantize {
namespace {

double Power(double x, double p) {
  if (p == 2.0) return x * x;
  if (p == 1.0) return x;
  return std::pow(x, p);
}

double KlError(const WeightedPoints& points, const Grid& grid) {
  const double lower = grid.lower(), upper = grid.upper();
  // P: in-range masses, clipped mass moved onto the in-range point nearest each edge.
  int64_t low_edge = -1, high_edge = -1;
  double clipped_low = 0.0, clipped_high = 0.0;
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double x = points.values[i];
    if (x < lower) {
      clipped_low += points.weights[i];
    } else if (x > upper) {
      clipped_high += points.weights[i];
    } else {
      if (low_edge < 0 || x < points.values[low_edge]) low_edge = static_cast<int64_t>(i);
      if (high_edge < 0 || x > points.values[high_edge]) high_edge = static_cast<int64_t>(i);
    }
  }
  if (low_edge < 0) return std::numeric_limits<double>::infinity();  // everything clipped
  // Q: per grid code, the cell's own mass spread over its points that have mass.
  std::map<int64_t, std::pair<double, int64_t>> cells;  // code -> (mass, points with mass)
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double x = points.values[i];
    if (x < lower || x > upper || points.weights[i] <= 0.0) continue;
    auto& cell = cells[grid.Code(x)];
    cell.first += points.weights[i];
    cell.second += 1;
  }
  double total = 0.0;
  for (double w : points.weights) total += w;
  if (total <= 0.0) return 0.0;
  constexpr double kEpsilon = 1e-12;
  double kl = 0.0;
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double x = points.values[i];
    if (x < lower || x > upper) continue;
    double p = points.weights[i];
    if (static_cast<int64_t>(i) == low_edge) p += clipped_low;
    if (static_cast<int64_t>(i) == high_edge) p += clipped_high;
    if (p <= 0.0) continue;
    double q = 0.0;
    if (points.weights[i] > 0.0) {
      const auto& cell = cells[grid.Code(x)];
      q = cell.first / static_cast<double>(cell.second);
    }
    p /= total;
    q /= total;
    kl += p * std::log(p / std::max(q, kEpsilon));
  }
  return kl;
}

// A fresh grid for `settings` over [lo, hi] (uniform) or with threshold t (symmetric).
RangeChoice Choice(const Grid& grid, double threshold) {
  RangeChoice c;
  c.grid = grid;
  c.threshold = threshold;
  c.range_min = grid.lower();
  c.range_max = grid.upper();
  return c;
}

// KL compares distributions, so raw values (weight 1 each) are first binned: 2048 equal bins over
// the data's range, like an activation histogram.
WeightedPoints Binned(const WeightedPoints& points) {
  constexpr int kBins = 2048;
  std::vector<int64_t> counts(kBins, 0);
  const double width = (points.max - points.min) / kBins;
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double position = width > 0 ? (points.values[i] - points.min) / width : 0.0;
    if (!std::isfinite(position)) continue;
    const int bin = static_cast<int>(std::clamp(position, 0.0, static_cast<double>(kBins - 1)));
    counts[bin] += static_cast<int64_t>(std::llround(points.weights[i]));
  }
  return PointsFromHistogram(points.min, points.max, counts);
}

}  // namespace

WeightedPoints PointsFromHistogram(double min, double max, const std::vector<int64_t>& counts) {
  WeightedPoints points;
  const size_t n = counts.size();
  const double width = n ? (max - min) / static_cast<double>(n) : 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (counts[i] == 0) continue;
    points.values.push_back(min + (static_cast<double>(i) + 0.5) * width);
    points.weights.push_back(static_cast<double>(counts[i]));
  }
  points.min = min;
  points.max = max;
  return points;
}

WeightedPoints PointsFromValues(const std::vector<float>& values) {
  WeightedPoints points;
  points.values.assign(values.begin(), values.end());
  points.weights.assign(values.size(), 1.0);
  if (!values.empty()) {
    auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    points.min = *lo;
    points.max = *hi;
  }
  return points;
}

WeightedPoints RemoveOutliers(const WeightedPoints& points, double z) {
  if (!std::isfinite(z) || points.values.empty()) return points;
  double total = 0.0, sum = 0.0, sum_squares = 0.0;
  for (size_t i = 0; i < points.values.size(); ++i) {
    total += points.weights[i];
    sum += points.weights[i] * points.values[i];
    sum_squares += points.weights[i] * points.values[i] * points.values[i];
  }
  if (total <= 0.0) return points;
  const double mean = sum / total;
  const double std_dev = std::sqrt(std::max(0.0, sum_squares / total - mean * mean));
  WeightedPoints kept;
  bool first = true;
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double x = points.values[i];
    if (std::abs(x - mean) > z * std_dev) continue;
    kept.values.push_back(x);
    kept.weights.push_back(points.weights[i]);
    if (points.weights[i] > 0.0) {
      kept.min = first ? x : std::min(kept.min, x);
      kept.max = first ? x : std::max(kept.max, x);
      first = false;
    }
  }
  if (first) return points;  // z so small that nothing is left: keep the data as it is
  return kept;
}

double QuantizationError(const WeightedPoints& points, const Grid& grid, QuantizationErrorMethod method, double p) {
  if (method == QuantizationErrorMethod::kKl) return KlError(points, grid);
  const double exponent = method == QuantizationErrorMethod::kMae ? 1.0
                          : method == QuantizationErrorMethod::kLp ? p
                                                                   : 2.0;
  double error = 0.0, total = 0.0;
  for (size_t i = 0; i < points.values.size(); ++i) {
    const double x = points.values[i];
    error += points.weights[i] * Power(std::abs(grid.FakeQuantize(x) - x), exponent);
    total += points.weights[i];
  }
  return total > 0.0 ? error / total : 0.0;
}

RangeChoice SearchRange(const WeightedPoints& input, const SearchSettings& s) {
  const WeightedPoints points = s.error_method == QuantizationErrorMethod::kKl ? Binned(input) : input;
  const bool search = s.error_method != QuantizationErrorMethod::kNoClipping;
  std::vector<RangeChoice> candidates;
  if (s.method == QuantizationMethod::kUniform) {
    const double lo = std::min(points.min, 0.0), hi = std::max(points.max, 0.0);
    candidates.push_back(Choice(UniformGrid(lo, hi, s.bits), std::max(-lo, hi)));
    if (search) {
      constexpr int kSteps = 20;  // shrink factors 1, 0.95, ..., 0.05 for each end
      for (int a = 0; a < kSteps; ++a)
        for (int b = 0; b < kSteps; ++b) {
          if (a == 0 && b == 0) continue;
          const double l = lo * (1.0 - 0.05 * a), h = hi * (1.0 - 0.05 * b);
          if (h - l <= 0.0) continue;
          candidates.push_back(Choice(UniformGrid(l, h, s.bits), std::max(-l, h)));
        }
    }
  } else {
    const double max_abs = s.is_signed ? std::max(std::abs(points.min), std::abs(points.max)) : std::max(points.max, 0.0);
    if (s.method == QuantizationMethod::kPowerOfTwo) {
      const double t0 = PowerOfTwoCeil(max_abs);
      for (int i = 0; i <= (search ? 10 : 0); ++i) {
        const double t = std::ldexp(t0, -i);
        candidates.push_back(Choice(SymmetricGrid(t, s.bits, s.is_signed), t));
      }
    } else {
      const double top = max_abs > 0.0 ? max_abs : 1.0;
      candidates.push_back(Choice(SymmetricGrid(top, s.bits, s.is_signed), top));
      if (search)
        for (int k = 1;; ++k) {
          const double r = 1.0 - s.symmetric_step * k;
          if (r < s.symmetric_min_ratio - 1e-9) break;
          candidates.push_back(Choice(SymmetricGrid(top * r, s.bits, s.is_signed), top * r));
        }
    }
  }
  if (!search) return candidates.front();
  size_t best = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    candidates[i].error = QuantizationError(points, candidates[i].grid, s.error_method, s.p);
    if (candidates[i].error < candidates[best].error) best = i;
  }
  return candidates[best];
}

}  // namespace xquant::quantize
