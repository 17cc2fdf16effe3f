// Outlier removal (spec §5.1): a degraded layer whose float activations have values far from their
// mean, measured by z-scores over the layer's histogram of the representative data
// (outlier_stats.h). Such values stretch the quantization range, so the bulk of the values gets
// few levels; the quantizer's z_threshold (or clipping) drops them before the range is chosen.
//
// Only degraded layers are judged, in the report's first-detection order (the reference's); a
// degraded layer without a histogram is a warning, not a finding. Each finding names the image
// the report writer draws (Finding::note = "outlier_histgrams/<stem>.png", relative to the report
// directory; Finding::message = the same path under report_dir, the reference's warning line).
#include <algorithm>
#include <filesystem>

#include "troubleshoot/judge.h"
#include "troubleshoot/outlier_stats.h"

namespace xquant::troubleshoot {
namespace {

// Degraded compare points in the order of report.degraded_layers; degraded points that list does
// not name (a hand-made context) follow in graph order.
std::vector<size_t> DegradedInDetectionOrder(const JudgeContext& context) {
  const std::vector<ComparePoint>& points = context.report.points;
  const std::vector<std::string>& order = context.report.degraded_layers;
  std::vector<size_t> indices;
  for (size_t i = 0; i < points.size() && i < context.degraded.size(); ++i) {
    if (context.degraded[i]) indices.push_back(i);
  }
  const auto rank = [&](size_t i) {
    return std::find(order.begin(), order.end(), points[i].name) - order.begin();
  };
  std::stable_sort(indices.begin(), indices.end(), [&](size_t a, size_t b) { return rank(a) < rank(b); });
  return indices;
}

class OutlierRemovalJudge : public Judge {
 public:
  const JudgeInfo& info() const override { return Judges()[0]; }

  std::string Headline() const override {
    return "There are output values that deviate significantly from the average. Refer to the "
           "following images and the xquant troubleshooting manual of 'Outlier Removal' "
           "(docs/troubleshooting/outlier_removal.md).";
  }

  StatusOr<std::vector<Finding>> Run(const JudgeContext& context,
                                     std::vector<std::string>* warnings) const override {
    const ReportResult& report = context.report;
    const double threshold = context.config.threshold_zscore_outlier_removal;
    std::vector<Finding> findings;
    std::vector<std::string> used_stems;
    for (size_t index : DegradedInDetectionOrder(context)) {
      const std::string& layer = report.points[index].name;
      if (index >= report.histograms.size() || report.histograms[index].counts.empty()) {
        if (warnings != nullptr) warnings->push_back("outlier removal: no histogram of the representative data for layer '" +
                            layer + "'; its outliers were not judged");
        continue;
      }
      const OutlierStats stats = ComputeOutlierStats(report.histograms[index], threshold);
      if (!stats.valid || !stats.detected) continue;

      Finding finding;
      finding.judge = info().id;
      finding.layer = layer;
      finding.layers = {layer};
      finding.on_degraded_layer = true;
      finding.note = std::string(kOutlierImageDir) + "/" + OutlierImageStem(layer, &used_stems) + ".png";
      finding.message = (std::filesystem::path(context.config.report_dir) / finding.note).string();
      finding.evidence = {
          {"lower_max_zscore", stats.lower_max_zscore},
          {"upper_max_zscore", stats.upper_max_zscore},
          {"mu", stats.mu},
          {"sigma", stats.sigma},
          {"threshold", threshold},
          {"share_beyond_threshold", stats.share_beyond()},
          {"bins_beyond_threshold", static_cast<double>(stats.bins_beyond)},
          {"tail_share", stats.tail_share()},
          {"suggested_z_threshold", stats.suggested_z_threshold},
          {"share_dropped_at_suggested", stats.dropped_share_at_suggestion()},
      };
      findings.push_back(std::move(finding));
    }
    return findings;
  }
};

}  // namespace

std::unique_ptr<Judge> MakeOutlierRemovalJudge() { return std::make_unique<OutlierRemovalJudge>(); }

}  // namespace xquant::troubleshoot
