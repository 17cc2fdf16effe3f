#include "quantize/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace xquant::quantize {

StatisticsCollector::StatisticsCollector(const std::map<std::string, int>& watched) {
  for (const auto& [name, axis] : watched) accumulators_[name].channel_axis = axis;
}

Status StatisticsCollector::OnTensor(const TensorEvent& event) { return Add(event.name, event.tensor); }

Status StatisticsCollector::Add(const std::string& name, const Tensor& tensor) {
  auto it = accumulators_.find(name);
  if (it == accumulators_.end() || tensor.dtype() != DataType::kFloat32 || tensor.size() == 0) return Status::Ok();
  Accumulator& a = it->second;
  const float* x = tensor.data<float>();
  const int64_t n = tensor.size();
  a.histogram.Add(x, n);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    lo = std::min<double>(lo, x[i]);
    hi = std::max<double>(hi, x[i]);
  }
  if (lo <= hi) {
    a.min = a.count ? std::min(a.min, lo) : lo;
    a.max = a.count ? std::max(a.max, hi) : hi;
    a.count += n;
  }
  const int rank = tensor.rank();
  const int axis = a.channel_axis < 0 ? a.channel_axis + rank : a.channel_axis;
  if (axis < 0 || axis >= rank) return Status::Ok();
  const int64_t channels = tensor.dim(axis);
  int64_t inner = 1;
  for (int d = axis + 1; d < rank; ++d) inner *= tensor.dim(d);
  const int64_t outer = n / (channels * inner);
  if (a.channel_sum.empty()) {
    a.channel_sum.assign(channels, 0.0);
    a.channel_min.assign(channels, std::numeric_limits<double>::infinity());
    a.channel_max.assign(channels, -std::numeric_limits<double>::infinity());
  }
  if (static_cast<int64_t>(a.channel_sum.size()) != channels) return Status::Ok();  // shape changed: keep the first
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c) {
      const float* row = x + (o * channels + c) * inner;
      double sum = 0.0, cmin = a.channel_min[c], cmax = a.channel_max[c];
      for (int64_t i = 0; i < inner; ++i) {
        if (!std::isfinite(row[i])) continue;  // as the global min/max: a stray inf/NaN spoils no mean
        sum += row[i];
        cmin = std::min<double>(cmin, row[i]);
        cmax = std::max<double>(cmax, row[i]);
      }
      a.channel_sum[c] += sum;
      a.channel_min[c] = cmin;
      a.channel_max[c] = cmax;
    }
  a.per_channel_count += outer * inner;
  return Status::Ok();
}

std::map<std::string, TensorStatistics> StatisticsCollector::Finish() const {
  std::map<std::string, TensorStatistics> result;
  for (const auto& [name, a] : accumulators_) {
    if (a.count == 0) continue;
    TensorStatistics& s = result[name];
    s.channel_axis = a.channel_axis;
    s.histogram = a.histogram.Finish(2048);
    s.min = a.min;
    s.max = a.max;
    s.count = a.count;
    s.channel_min = a.channel_min;
    s.channel_max = a.channel_max;
    for (double sum : a.channel_sum)
      s.channel_mean.push_back(a.per_channel_count ? sum / static_cast<double>(a.per_channel_count) : 0.0);
  }
  return result;
}

StatusOr<std::map<std::string, TensorStatistics>> CollectStatistics(
    Session& session, Dataset& dataset, const std::map<std::string, int>& watched, int64_t batch_size,
    int64_t max_samples, const std::function<void(const std::string&)>& progress) {
  StatisticsCollector collector(watched);
  const int64_t total = max_samples > 0 ? std::min(max_samples, dataset.size()) : dataset.size();
  if (total == 0) return InvalidArgumentError("the representative dataset " + dataset.Describe() + " is empty");
  const int64_t batches = (total + batch_size - 1) / batch_size;
  for (int64_t b = 0; b < batches; ++b) {
    const int64_t first = b * batch_size;
    XQ_ASSIGN_OR_RETURN(auto inputs, dataset.ReadBatch(first, std::min(batch_size, total - first)));
    for (const auto& [name, tensor] : inputs) XQ_RETURN_IF_ERROR(collector.Add(name, tensor));
    auto outputs = session.Run(inputs, &collector);
    if (!outputs.ok()) return outputs.status().WithContext("statistics, batch " + std::to_string(b + 1));
    if (progress) progress("statistics: batch " + std::to_string(b + 1) + "/" + std::to_string(batches));
  }
  return collector.Finish();
}

}  // namespace xquant::quantize
