// Degraded-layer detection on the reference's documented threshold cases: thresholds 1.0, 2.0
// and 3.0 with values just above, equal to and just below each, for an "over" metric, an "under"
// metric and a custom metric.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/detection.h"

namespace xquant::analysis {
namespace {

// One layer per value, the metric `name` set to it (other metrics neutral).
ReportResult Layers(const std::string& name, const std::vector<double>& values) {
  ReportResult r;
  r.metric_names = {"mse", "cs", "sqnr", "sqnr_db", name};
  r.repr.name = "repr";
  r.val.name = "val";
  for (size_t i = 0; i < values.size(); ++i) {
    ComparePoint p;
    p.name = "layer" + std::to_string(i);
    r.points.push_back(p);
    LayerMetrics m;
    m.accumulated = {{"mse", 0.0}, {"cs", 1.0}, {"sqnr", 1e9}, {"sqnr_db", 90.0}};
    if (name != "mse" && name != "cs" && name != "sqnr") m.accumulated.emplace_back(name, values[i]);
    for (auto& [key, v] : m.accumulated)
      if (key == name) v = values[i];
    r.repr.layers.push_back(m);
    r.val.layers.push_back(m);
  }
  return r;
}

std::vector<bool> Degraded(const std::string& metric, double threshold, bool under, const std::vector<double>& values) {
  ReportResult r = Layers(metric, values);
  r.config.threshold_quantize_error = {{metric, threshold}};
  r.config.is_detect_under_threshold_quantize_error = {{metric, under}};
  DetectDegradedLayers(&r);
  EXPECT_EQ(r.detections.size(), 2u);
  return r.detections.empty() ? std::vector<bool>{} : r.detections[0].degraded;
}

TEST(DetectionReferenceCases, OverMetricAtThresholdsOneTwoThree) {
  for (double t : {1.0, 2.0, 3.0}) {
    // above, equal, below
    EXPECT_THAT(Degraded("mse", t, false, {t + 0.01, t, t - 0.01}), ::testing::ElementsAre(true, true, false)) << t;
  }
}

TEST(DetectionReferenceCases, UnderMetricAtThresholdsOneTwoThree) {
  for (double t : {1.0, 2.0, 3.0}) {
    EXPECT_THAT(Degraded("sqnr", t, true, {t + 0.01, t, t - 0.01}), ::testing::ElementsAre(false, true, true)) << t;
  }
}

TEST(DetectionReferenceCases, CustomMetricWithThresholdTakesPart) {
  for (double t : {1.0, 2.0, 3.0}) {
    EXPECT_THAT(Degraded("my_metric", t, false, {t + 0.01, t, t - 0.01}), ::testing::ElementsAre(true, true, false));
    EXPECT_THAT(Degraded("my_metric", t, true, {t + 0.01, t, t - 0.01}), ::testing::ElementsAre(false, true, true));
  }
}

TEST(DetectionReferenceCases, NanIsNeverDegraded) {
  EXPECT_THAT(Degraded("mse", 1.0, false, {NAN}), ::testing::ElementsAre(false));
  EXPECT_THAT(Degraded("cs", 1.0, true, {NAN}), ::testing::ElementsAre(false));
}

}  // namespace
}  // namespace xquant::analysis
