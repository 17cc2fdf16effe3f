// A histogram of a stream of float batches whose global range is not known in advance.
//
// The reference bins every activation of the representative data into 2048 equal bins over the
// global [min, max]. Finding that range first would cost a whole extra pass over the data, so the
// histogram is kept at 8x finer resolution over a range that grows by doubling (pairs of fine
// bins merge, so no count moves to a wrong place) and is mapped onto 2048 bins over the exact
// global [min, max] at the end: each fine bin goes to the output bin that contains its centre.
// The range only doubles when a value falls outside it, so the data keeps spanning a large share
// of the fine range (over half after growing on one side, over a quarter after growing on both),
// each output bin is made of several fine bins, and a value lands at most one fine bin width away
// from the output bin an exact two-pass histogram would give it. min, max, count, sum and sum of
// squares are exact.
#pragma once

#include <cstdint>
#include <vector>

#include "xquant/report.h"

namespace xquant::analysis {

class StreamingHistogram {
 public:
  static constexpr int kFineBins = 16384;

  // Adds n values; NaNs are counted in nan_count() and otherwise ignored; +-inf are ignored too.
  void Add(const float* values, int64_t n);

  // The histogram of everything added, as `bins` equal bins over [min, max]. An empty histogram
  // has no bins; a constant stream puts everything in one bin of range [v, v].
  Histogram Finish(int bins = 2048) const;

  int64_t nan_count() const { return nan_count_; }

 private:
  void Grow(double lo, double hi);

  bool initialised_ = false;
  double lo_ = 0.0;     // left edge of fine bin 0
  double width_ = 0.0;  // fine bin width; 0 while every value seen is the same
  std::vector<int64_t> fine_;
  double min_ = 0.0, max_ = 0.0, sum_ = 0.0, sum_squares_ = 0.0;
  int64_t count_ = 0;
  int64_t nan_count_ = 0;
};

}  // namespace xquant::analysis
