#include "analysis/detection.h"

#include <algorithm>
#include <cmath>

namespace xquant::analysis {

void DetectDegradedLayers(ReportResult* result, const std::function<void(const std::string&)>& log) {
  auto warn = [&](const std::string& message) {
    result->warnings.push_back(message);
    if (log) log("WARNING: " + message);
  };
  const XQuantConfig& config = result->config;
  result->detections.clear();
  result->degraded_layers.clear();
  for (const std::string& name : result->metric_names) {
    const bool has_threshold =
        std::any_of(config.threshold_quantize_error.begin(), config.threshold_quantize_error.end(),
                    [&](const auto& entry) { return entry.first == name; });
    if (!has_threshold && name != "sqnr_db")
      warn("metric '" + name + "' has no threshold in threshold_quantize_error; it takes no part in detection");
  }
  std::vector<bool> in_union(result->points.size(), false);
  for (const auto& [metric, threshold] : config.threshold_quantize_error) {
    if (std::find(result->metric_names.begin(), result->metric_names.end(), metric) == result->metric_names.end()) {
      warn("threshold_quantize_error names metric '" + metric + "', which the report does not compute; skipped");
      continue;
    }
    bool under = false;
    auto flag = config.is_detect_under_threshold_quantize_error.find(metric);
    if (flag == config.is_detect_under_threshold_quantize_error.end()) {
      warn("metric '" + metric + "' has no entry in is_detect_under_threshold_quantize_error; values >= " +
           "its threshold count as degraded");
    } else {
      under = flag->second;
    }
    for (const DatasetMetrics* dataset : {&result->repr, &result->val}) {
      Detection detection;
      detection.metric = metric;
      detection.dataset = dataset->name;
      detection.threshold = threshold;
      detection.under = under;
      detection.degraded.assign(result->points.size(), false);
      for (size_t i = 0; i < result->points.size() && i < dataset->layers.size(); ++i) {
        const double value = FindMetric(result->Primary(*dataset, i), metric);
        const bool degraded = !std::isnan(value) && (under ? value <= threshold : value >= threshold);
        detection.degraded[i] = degraded;
        if (degraded && !in_union[i]) {
          in_union[i] = true;
          result->degraded_layers.push_back(result->points[i].name);
        }
      }
      result->detections.push_back(std::move(detection));
    }
  }
}

}  // namespace xquant::analysis
