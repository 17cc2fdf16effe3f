// Statistics of the prepared float model on the representative data, gathered batch by batch
// through the Session observer (nothing but the running sums is kept between batches):
// a histogram (2048 bins over the exact global [min, max]) and the min/max of each watched tensor,
// and per channel the min, max and mean along its channel axis.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/histogram.h"
#include "xquant/dataset.h"
#include "xquant/session.h"

namespace xquant::quantize {

struct TensorStatistics {
  int channel_axis = 1;  // negative: counted from the end; an axis the tensor lacks: no per-channel stats
  Histogram histogram;   // filled by Finish()
  double min = 0.0, max = 0.0;
  std::vector<double> channel_min, channel_max, channel_mean;
  int64_t count = 0;
};

class StatisticsCollector final : public Observer {
 public:
  // `watched`: tensor name -> its channel axis.
  explicit StatisticsCollector(const std::map<std::string, int>& watched);

  Status OnTensor(const TensorEvent& event) override;
  // Graph inputs are not produced by a run; the caller shows them here.
  Status Add(const std::string& name, const Tensor& tensor);
  // The statistics of every watched tensor that was seen (float32 only).
  std::map<std::string, TensorStatistics> Finish() const;

 private:
  struct Accumulator {
    int channel_axis = 1;
    analysis::StreamingHistogram histogram;
    double min = 0.0, max = 0.0;
    int64_t count = 0;
    std::vector<double> channel_sum, channel_min, channel_max;
    int64_t per_channel_count = 0;
  };
  std::map<std::string, Accumulator> accumulators_;
};

// Runs `session` over the first `max_samples` samples (0 = all) of `dataset` in batches and returns
// the statistics of the watched tensors. `progress` gets one line per batch.
StatusOr<std::map<std::string, TensorStatistics>> CollectStatistics(
    Session& session, Dataset& dataset, const std::map<std::string, int>& watched, int64_t batch_size,
    int64_t max_samples, const std::function<void(const std::string&)>& progress);

}  // namespace xquant::quantize
