#include "analysis/histogram.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "exec/parallel.h"

namespace xquant::analysis {
namespace {

struct BatchStats {
  float min = INFINITY, max = -INFINITY;
  double sum = 0.0, sum_squares = 0.0;
  int64_t finite = 0, nan = 0;
};

// The careful scan: skips and counts non-finite values one by one.
BatchStats ScanChunkChecked(const float* v, int64_t n) {
  BatchStats s;
  float lo = INFINITY, hi = -INFINITY;
  for (int64_t begin = 0; begin < n; begin += 1024) {
    const int64_t end = std::min(n, begin + 1024);
    float sum = 0.0f, sum_sq = 0.0f;
    for (int64_t k = begin; k < end; ++k) {
      const float x = v[k];
      if (!std::isfinite(x)) {
        s.nan += x != x;
        continue;
      }
      lo = x < lo ? x : lo;
      hi = x > hi ? x : hi;
      sum += x;
      sum_sq += x * x;
      ++s.finite;
    }
    s.sum += sum;
    s.sum_squares += sum_sq;
  }
  s.min = lo;
  s.max = hi;
  return s;
}

// The fast scan, in kLanes independent lanes the compiler keeps in vector registers (summing in
// lanes is a reassociation we choose). A non-finite value shows up as a non-finite sum or
// extreme; then the chunk is scanned again the careful way.
constexpr int kLanes = 8;
BatchStats ScanChunk(const float* v, int64_t n) {
  BatchStats s;
  float lo[kLanes], hi[kLanes];
  std::fill(lo, lo + kLanes, INFINITY);
  std::fill(hi, hi + kLanes, -INFINITY);
  int64_t k = 0;
  for (int64_t begin = 0; begin < n; begin += 1024) {
    const int64_t end = std::min(n, begin + 1024);
    float sum[kLanes] = {}, sum_sq[kLanes] = {};
    for (k = begin; k + kLanes <= end; k += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const float x = v[k + j];
        lo[j] = x < lo[j] ? x : lo[j];
        hi[j] = x > hi[j] ? x : hi[j];
        sum[j] += x;
        sum_sq[j] += x * x;
      }
    }
    for (; k < end; ++k) {
      const float x = v[k];
      lo[0] = x < lo[0] ? x : lo[0];
      hi[0] = x > hi[0] ? x : hi[0];
      sum[0] += x;
      sum_sq[0] += x * x;
    }
    for (int j = 0; j < kLanes; ++j) {
      s.sum += sum[j];
      s.sum_squares += sum_sq[j];
    }
  }
  s.min = *std::min_element(lo, lo + kLanes);
  s.max = *std::max_element(hi, hi + kLanes);
  s.finite = n;
  if (!std::isfinite(s.sum) || !std::isfinite(s.sum_squares) || (n > 0 && (!std::isfinite(s.min) || !std::isfinite(s.max))))
    return ScanChunkChecked(v, n);
  return s;
}

// Tensors below this are binned on one thread: waking the second costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 18;

}  // namespace

void StreamingHistogram::Grow(double lo, double hi) {
  if (!initialised_) {
    fine_.assign(kFineBins, 0);
    lo_ = lo;
    width_ = (hi - lo) / kFineBins;
    initialised_ = true;
    return;
  }
  if (width_ == 0.0) {
    // Everything so far equals lo_ (all counted in fine bin 0): start a real range around it.
    const int64_t held = fine_[0];
    const double new_lo = std::min(lo, lo_), new_hi = std::max(hi, lo_);
    if (new_hi == new_lo) return;
    fine_.assign(kFineBins, 0);
    width_ = (new_hi - new_lo) / kFineBins;
    const double old_value = lo_;
    lo_ = new_lo;
    fine_[std::clamp<int64_t>(static_cast<int64_t>((old_value - lo_) / width_), 0, kFineBins - 1)] = held;
    return;
  }
  while (lo < lo_ || hi > lo_ + width_ * kFineBins) {
    // Double the range towards the side that overflows; pairs of fine bins merge.
    std::vector<int64_t> merged(kFineBins, 0);
    const bool extend_left = lo < lo_;
    const int offset = extend_left ? kFineBins / 2 : 0;
    for (int b = 0; b < kFineBins; ++b) merged[offset + b / 2] += fine_[b];
    if (extend_left) lo_ -= width_ * kFineBins;
    width_ *= 2.0;
    fine_ = std::move(merged);
  }
}

void StreamingHistogram::Add(const float* values, int64_t n) {
  BatchStats stats;
  std::mutex mutex;
  exec::ParallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    BatchStats part = ScanChunk(values + begin, end - begin);
    std::lock_guard<std::mutex> lock(mutex);
    stats.min = std::min(stats.min, part.min);
    stats.max = std::max(stats.max, part.max);
    stats.sum += part.sum;
    stats.sum_squares += part.sum_squares;
    stats.finite += part.finite;
    stats.nan += part.nan;
  });
  nan_count_ += stats.nan;
  if (stats.finite == 0) return;
  if (count_ == 0) {
    min_ = stats.min;
    max_ = stats.max;
  } else {
    min_ = std::min<double>(min_, stats.min);
    max_ = std::max<double>(max_, stats.max);
  }
  count_ += stats.finite;
  sum_ += stats.sum;
  sum_squares_ += stats.sum_squares;
  Grow(stats.min, stats.max);

  if (width_ == 0.0) {
    if (stats.min == stats.max && stats.min == lo_) fine_[0] += stats.finite;
    return;
  }
  const double lo = lo_;
  const double inv_width = 1.0 / width_;
  const bool all_finite = stats.finite == n;
  std::vector<std::vector<int64_t>> partials;
  exec::ParallelFor(n, kParallelGrain, [&](int64_t begin, int64_t end) {
    // Four interleaved sets of counters: activations crowd into few bins, and consecutive
    // increments of one counter would wait for each other.
    constexpr int kSets = 4;
    std::vector<int64_t> counters(kSets * kFineBins, 0);
    int64_t* c0 = counters.data();
    int64_t* c1 = c0 + kFineBins;
    int64_t* c2 = c1 + kFineBins;
    int64_t* c3 = c2 + kFineBins;
    // Bin indices are computed a block at a time without branches (vectorised), then counted.
    constexpr int64_t kBlock = 256;
    int32_t bins[kBlock];
    for (int64_t block = begin; block < end; block += kBlock) {
      const int64_t count = std::min(kBlock, end - block);
      const float* x = values + block;
      for (int64_t k = 0; k < count; ++k) {
        // Clamped in double before the conversion, so the cast is defined for every x: NaN fails
        // the first comparison and becomes 0 (and is not counted below).
        double position = (x[k] - lo) * inv_width;
        position = position > 0.0 ? position : 0.0;
        position = position < kFineBins - 1 ? position : kFineBins - 1;
        bins[k] = static_cast<int32_t>(position);
      }
      if (all_finite) {
        int64_t k = 0;
        for (; k + kSets <= count; k += kSets) {
          ++c0[bins[k]];
          ++c1[bins[k + 1]];
          ++c2[bins[k + 2]];
          ++c3[bins[k + 3]];
        }
        for (; k < count; ++k) ++c0[bins[k]];
      } else {
        for (int64_t k = 0; k < count; ++k)
          if (std::isfinite(x[k])) ++c0[bins[k]];
      }
    }
    std::vector<int64_t> local(c0, c0 + kFineBins);
    for (int b = 0; b < kFineBins; ++b) local[b] += c1[b] + c2[b] + c3[b];
    std::lock_guard<std::mutex> lock(mutex);
    partials.push_back(std::move(local));
  });
  for (const auto& local : partials)
    for (int b = 0; b < kFineBins; ++b) fine_[b] += local[b];
}

Histogram StreamingHistogram::Finish(int bins) const {
  Histogram h;
  h.num = count_;
  h.sum = sum_;
  h.sum_squares = sum_squares_;
  if (count_ == 0) return h;
  h.min = min_;
  h.max = max_;
  if (width_ == 0.0 || min_ == max_) {
    h.counts.assign(1, count_);
    return h;
  }
  h.counts.assign(bins, 0);
  const double out_width = (max_ - min_) / bins;
  for (int b = 0; b < kFineBins; ++b) {
    if (fine_[b] == 0) continue;
    const double centre = lo_ + (b + 0.5) * width_;
    const int64_t out = std::clamp<int64_t>(static_cast<int64_t>(std::floor((centre - min_) / out_width)), 0, bins - 1);
    h.counts[out] += fine_[b];
  }
  return h;
}

}  // namespace xquant::analysis
