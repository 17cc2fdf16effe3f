// Similarity metrics of a float tensor x and a quantized tensor y, evaluated per batch and
// averaged over batches (the reference's protocol).
//
// Built-in metrics, on the flattened batch tensor of n elements:
//   mse           = sum((x - y)^2) / n
//   cs            = x.y / (max(|x|, 1e-8) * max(|y|, 1e-8))
//   sqnr          = sum(x^2) / sum((x - y)^2), linear, no epsilon: inf when y == x != 0, NaN for 0/0
//   sqnr_db       = 10 log10(sqnr) of the averaged sqnr (not an average of per-batch dB values)
//   mae           = sum(|x - y|) / n                  (extra: on request)
//   max_abs_error = max(|x - y|)                      (extra: on request)
// One pass over the data computes the sums every built-in metric needs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xquant/report.h"

namespace xquant::analysis {

// The sums one pass over (x, y) yields; double accumulation.
struct PairSums {
  double diff_sq = 0.0;  // sum (x - y)^2
  double dot = 0.0;      // sum x*y
  double x_sq = 0.0;     // sum x^2
  double y_sq = 0.0;     // sum y^2
  double abs_diff = 0.0; // sum |x - y|
  double max_abs_diff = 0.0;
  int64_t count = 0;
  bool has_nan = false;  // any NaN in x or y
};

// Uses both cores for large tensors.
PairSums ComputePairSums(const float* x, const float* y, int64_t n);

// The sums of the three pairs of one compare point in a single pass over the three tensors:
// (f, post) accumulated, (f, pre) pre-quantization, (pre, post) local.
struct PointSums {
  PairSums accumulated, pre_quant, local;
};
PointSums ComputePointSums(const float* f, const float* pre, const float* post, int64_t n);

// The metrics of a report, in report order: mse, cs, sqnr, sqnr_db, then the extras.
class MetricSet {
 public:
  // Fails for an unknown metric name in config.custom_similarity_metrics (listing the known ones).
  static StatusOr<MetricSet> Create(const XQuantConfig& config);

  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return names_.size(); }

  // The per-batch value of every metric (sqnr_db slot holds the batch's linear sqnr; Finish turns
  // the averaged sqnr into dB).
  void Evaluate(const float* x, const float* y, int64_t n, double* out) const;
  // The same from sums already computed for (x, y) (functions still read x and y).
  void EvaluateFromSums(const PairSums& sums, const float* x, const float* y, int64_t n, double* out) const;

 private:
  enum class Kind { kMse, kCs, kSqnr, kSqnrDb, kMae, kMaxAbs, kFunction };
  std::vector<std::string> names_;
  std::vector<Kind> kinds_;
  std::vector<MetricFunction> functions_;  // for kFunction, same index
  friend class MetricAccumulator;
};

// The running arithmetic mean over batches of every metric of a MetricSet.
class MetricAccumulator {
 public:
  MetricAccumulator() = default;
  explicit MetricAccumulator(const MetricSet* set) : set_(set), sums_(set->size(), 0.0) {}
  // Adds one batch's values (as written by MetricSet::Evaluate).
  void Add(const double* values);
  int64_t batches() const { return batches_; }
  // The means, with sqnr_db derived from the mean sqnr; NaN for every metric when no batch was added.
  MetricValues Finish() const;

 private:
  const MetricSet* set_ = nullptr;
  std::vector<double> sums_;
  int64_t batches_ = 0;
};

}  // namespace xquant::analysis
