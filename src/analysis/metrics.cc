#include "analysis/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "exec/parallel.h"

namespace xquant {

double FindMetric(const MetricValues& values, std::string_view name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

namespace analysis {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kNormFloor = 1e-8;  // the reference's floor on each norm in the cosine

// Sums over a chunk. The float partial sums run in kLanes independent lanes (the compiler turns
// each lane array into vector registers; summing in lanes is a reassociation we choose, which
// -ffp-contract=off compilation would otherwise forbid) and are flushed into double every
// kFlush elements, so float rounding never accumulates over more than a few hundred values.
constexpr int kLanes = 8;
constexpr int64_t kFlush = 512;

struct LaneSums {
  float diff_sq[kLanes] = {}, dot[kLanes] = {}, a_sq[kLanes] = {}, b_sq[kLanes] = {}, abs_diff[kLanes] = {},
        max_abs[kLanes] = {};
  void Flush(PairSums* s, bool square_a, bool square_b) {
    for (int j = 0; j < kLanes; ++j) {
      s->diff_sq += diff_sq[j];
      s->dot += dot[j];
      if (square_a) s->x_sq += a_sq[j];
      if (square_b) s->y_sq += b_sq[j];
      s->abs_diff += abs_diff[j];
      s->max_abs_diff = std::max<double>(s->max_abs_diff, max_abs[j]);
    }
    *this = LaneSums();
  }
};

inline void AccumulateLane(LaneSums& l, int j, float a, float b) {
  const float d = a - b;
  l.diff_sq[j] += d * d;
  l.dot[j] += a * b;
  l.a_sq[j] += a * a;
  l.b_sq[j] += b * b;
  const float ad = std::fabs(d);
  l.abs_diff[j] += ad;
  l.max_abs[j] = ad > l.max_abs[j] ? ad : l.max_abs[j];
}

PairSums SumChunk(const float* x, const float* y, int64_t n) {
  PairSums s;
  LaneSums l;
  int64_t k = 0;
  while (k < n) {
    const int64_t end = std::min(n, k + kFlush);
    for (; k + kLanes <= end; k += kLanes)
      for (int j = 0; j < kLanes; ++j) AccumulateLane(l, j, x[k + j], y[k + j]);
    for (; k < end; ++k) AccumulateLane(l, 0, x[k], y[k]);
    l.Flush(&s, true, true);
  }
  s.count = n;
  return s;
}

PointSums SumPointChunk(const float* f, const float* p, const float* q, int64_t n) {
  PointSums s;
  LaneSums fq, fp, pq;
  int64_t k = 0;
  auto step = [&](int j, int64_t i) {
    AccumulateLane(fq, j, f[i], q[i]);
    AccumulateLane(fp, j, f[i], p[i]);
    AccumulateLane(pq, j, p[i], q[i]);
  };
  while (k < n) {
    const int64_t end = std::min(n, k + kFlush);
    for (; k + kLanes <= end; k += kLanes)
      for (int j = 0; j < kLanes; ++j) step(j, k + j);
    for (; k < end; ++k) step(0, k);
    fq.Flush(&s.accumulated, true, true);
    fp.Flush(&s.pre_quant, true, true);
    pq.Flush(&s.local, true, true);
  }
  for (PairSums* p : {&s.accumulated, &s.pre_quant, &s.local}) p->count = n;
  return s;
}

void Merge(PairSums* total, const PairSums& part) {
  total->diff_sq += part.diff_sq;
  total->dot += part.dot;
  total->x_sq += part.x_sq;
  total->y_sq += part.y_sq;
  total->abs_diff += part.abs_diff;
  total->max_abs_diff = std::max(total->max_abs_diff, part.max_abs_diff);
  total->count += part.count;
}

// One parallel region per tensor, and only for tensors big enough to repay waking a second
// thread (on a busy machine a region can cost a scheduler time slice).
constexpr int64_t kParallelGrain = 1 << 18;

}  // namespace

PairSums ComputePairSums(const float* x, const float* y, int64_t n) {
  PairSums total;
  std::mutex mutex;
  exec::ParallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    PairSums part = SumChunk(x + begin, y + begin, end - begin);
    std::lock_guard<std::mutex> lock(mutex);
    Merge(&total, part);
  });
  total.has_nan = std::isnan(total.diff_sq);
  return total;
}

PointSums ComputePointSums(const float* f, const float* pre, const float* post, int64_t n) {
  PointSums total;
  std::mutex mutex;
  exec::ParallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    PointSums part = SumPointChunk(f + begin, pre + begin, post + begin, end - begin);
    std::lock_guard<std::mutex> lock(mutex);
    Merge(&total.accumulated, part.accumulated);
    Merge(&total.pre_quant, part.pre_quant);
    Merge(&total.local, part.local);
  });
  for (PairSums* p : {&total.accumulated, &total.pre_quant, &total.local}) p->has_nan = std::isnan(p->diff_sq);
  return total;
}

StatusOr<MetricSet> MetricSet::Create(const XQuantConfig& config) {
  MetricSet set;
  auto add = [&](const std::string& name, Kind kind) {
    auto custom = config.custom_metric_functions.find(name);
    set.names_.push_back(name);
    if (custom != config.custom_metric_functions.end() && kind != Kind::kSqnrDb) {
      set.kinds_.push_back(Kind::kFunction);
      set.functions_.push_back(custom->second);
    } else {
      set.kinds_.push_back(kind);
      set.functions_.push_back(nullptr);
    }
  };
  add("mse", Kind::kMse);
  add("cs", Kind::kCs);
  add("sqnr", Kind::kSqnr);
  add("sqnr_db", Kind::kSqnrDb);
  auto present = [&](const std::string& name) {
    return std::find(set.names_.begin(), set.names_.end(), name) != set.names_.end();
  };
  for (const std::string& name : config.custom_similarity_metrics) {
    if (present(name)) continue;
    if (name == "mae") {
      add(name, Kind::kMae);
    } else if (name == "max_abs_error") {
      add(name, Kind::kMaxAbs);
    } else if (config.custom_metric_functions.count(name)) {
      add(name, Kind::kFunction);
    } else {
      std::string known = "mae, max_abs_error";
      for (const auto& [fn_name, fn] : config.custom_metric_functions) known += ", " + fn_name;
      return InvalidArgumentError("custom_similarity_metrics: unknown metric '" + name +
                                  "'; built-in extra metrics and registered functions: " + known);
    }
  }
  // Functions registered through the API but not named in the config still take part.
  for (const auto& [name, fn] : config.custom_metric_functions) {
    if (!present(name)) add(name, Kind::kFunction);
  }
  return set;
}

void MetricSet::Evaluate(const float* x, const float* y, int64_t n, double* out) const {
  bool need_sums = false;
  for (Kind kind : kinds_) need_sums |= kind != Kind::kFunction;
  PairSums s;
  if (need_sums) s = ComputePairSums(x, y, n);
  EvaluateFromSums(s, x, y, n, out);
}

void MetricSet::EvaluateFromSums(const PairSums& s, const float* x, const float* y, int64_t n, double* out) const {
  const double count = static_cast<double>(n);
  // mean(x^2) / mean((x-y)^2) with IEEE division: inf for identical non-zero tensors, NaN for 0/0.
  const double sqnr = s.has_nan ? kNan : (s.x_sq / count) / (s.diff_sq / count);
  for (size_t k = 0; k < kinds_.size(); ++k) {
    switch (kinds_[k]) {
      case Kind::kMse:
        out[k] = s.has_nan ? kNan : s.diff_sq / count;
        break;
      case Kind::kCs:
        out[k] = s.has_nan ? kNan
                           : s.dot / (std::max(std::sqrt(s.x_sq), kNormFloor) * std::max(std::sqrt(s.y_sq), kNormFloor));
        break;
      case Kind::kSqnr:
      case Kind::kSqnrDb:
        out[k] = sqnr;
        break;
      case Kind::kMae:
        out[k] = s.has_nan ? kNan : s.abs_diff / count;
        break;
      case Kind::kMaxAbs:
        out[k] = s.has_nan ? kNan : s.max_abs_diff;
        break;
      case Kind::kFunction:
        out[k] = functions_[k](std::span<const float>(x, n), std::span<const float>(y, n));
        break;
    }
  }
}

void MetricAccumulator::Add(const double* values) {
  for (size_t k = 0; k < sums_.size(); ++k) sums_[k] += values[k];
  ++batches_;
}

MetricValues MetricAccumulator::Finish() const {
  MetricValues out;
  for (size_t k = 0; k < sums_.size(); ++k) {
    double mean = batches_ > 0 ? sums_[k] / static_cast<double>(batches_) : kNan;
    if (set_->kinds_[k] == MetricSet::Kind::kSqnrDb) mean = 10.0 * std::log10(mean);  // inf->inf, 0->-inf
    out.emplace_back(set_->names_[k], mean);
  }
  return out;
}

}  // namespace analysis
}  // namespace xquant
