#include "report/report_data.h"

namespace xquant::report {

Status CheckReportShape(const ReportResult& result) {
  const size_t points = result.points.size();
  for (const DatasetMetrics* dataset : {&result.repr, &result.val}) {
    if (dataset->layers.size() != points) {
      return InvalidArgumentError("report result: dataset '" + dataset->name +
                                  "' has metrics for " + std::to_string(dataset->layers.size()) +
                                  " layers but there are " + std::to_string(points) +
                                  " compare points");
    }
  }
  for (const Detection& detection : result.detections) {
    if (FindDataset(result, detection.dataset) == nullptr) {
      return InvalidArgumentError("report result: detection of '" + detection.metric +
                                  "' names dataset '" + detection.dataset +
                                  "'; expected 'repr' or 'val'");
    }
    if (detection.degraded.size() != points) {
      return InvalidArgumentError(
          "report result: detection of '" + detection.metric + "' on '" + detection.dataset +
          "' has " + std::to_string(detection.degraded.size()) + " flags but there are " +
          std::to_string(points) + " compare points");
    }
  }
  return Status::Ok();
}

const DatasetMetrics* FindDataset(const ReportResult& result, const std::string& name) {
  if (name == "repr") return &result.repr;
  if (name == "val") return &result.val;
  return nullptr;
}

std::vector<std::string> DegradedBy(const ReportResult& result, const std::string& dataset,
                                    size_t index) {
  std::vector<std::string> metrics;
  for (const Detection& detection : result.detections) {
    if (detection.dataset == dataset && index < detection.degraded.size() &&
        detection.degraded[index]) {
      metrics.push_back(detection.metric);
    }
  }
  return metrics;
}

const Detection* FindDetection(const ReportResult& result, const std::string& metric,
                               const std::string& dataset) {
  for (const Detection& detection : result.detections) {
    if (detection.metric == metric && detection.dataset == dataset) return &detection;
  }
  return nullptr;
}

std::string CompareSetName(CompareSet compare) {
  return compare == CompareSet::kWeighted ? "weighted" : "all";
}

std::string CompareAtName(CompareAt compare_at) {
  return compare_at == CompareAt::kPreQuant ? "pre-quant" : "post-quant";
}

}  // namespace xquant::report
