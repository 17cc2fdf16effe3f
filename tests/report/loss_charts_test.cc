// WriteLossCharts: one PNG and one SVG per detection, named like the reference's files.
#include "report/loss_charts.h"

#include <gtest/gtest.h>

#include <set>

#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"

namespace xquant::testing {
namespace {

TEST(LossCharts, OnePngAndOneSvgPerDetection) {
  const auto dir = ScratchDir();
  const ReportResult result = MakeSyntheticReport(5);
  ASSERT_TRUE(report::WriteLossCharts(result, dir.string()).ok());
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    files.insert(entry.path().filename().string());
  std::set<std::string> expected;
  for (const char* metric : {"mse", "cs", "sqnr"}) {
    for (const char* dataset : {"repr", "val"}) {
      for (const char* ext : {".png", ".svg"}) {
        expected.insert(std::string("quant_loss_") + metric + "_" + dataset + ext);
      }
    }
  }
  EXPECT_EQ(files, expected);
  for (const std::string& name : files) {
    const std::string bytes = ReadFile(dir / name);
    if (name.ends_with(".png")) {
      const Pixels pixels = DecodePng(bytes);
      EXPECT_EQ(pixels.width, report::kLineChartMinWidth) << name;
    } else {
      const std::string stem = name.substr(0, name.size() - 4);
      EXPECT_NE(bytes.find("<title>" + stem + "</title>"), std::string::npos) << name;
    }
  }
  const std::string mse_svg = ReadFile(dir / "quant_loss_mse_repr.svg");
  EXPECT_NE(mse_svg.find(">threshold=0.1</text>"), std::string::npos);
  EXPECT_NE(mse_svg.find(">layer_2/Conv</text>"), std::string::npos);
}

TEST(LossCharts, ChartCarriesThePrimaryValuesAndTheDetection) {
  ReportResult result = MakeSyntheticReport(4);
  const report::LineChart chart = report::MakeLossChart(result, result.detections[1]);  // mse, val
  EXPECT_EQ(chart.title, "quant_loss_mse_val");
  EXPECT_EQ(chart.y_label, "mse");
  EXPECT_EQ(chart.categories[0], "input");
  EXPECT_EQ(chart.values[2], 0.25);
  EXPECT_EQ(chart.highlighted, (std::vector<bool>{false, false, true, false}));
  ASSERT_EQ(chart.horizontal_lines.size(), 1u);
  EXPECT_EQ(chart.horizontal_lines[0].label, "threshold=0.1");
  result.compare_at = CompareAt::kPreQuant;
  EXPECT_EQ(report::MakeLossChart(result, result.detections[1]).values[2], 0.125);
  EXPECT_EQ(report::MakeLossChart(result, result.detections[4]).y_scale,
            report::AxisScale::kAuto);  // sqnr
}

TEST(LossCharts, CustomMetricNamesBecomeSafeFileNames) {
  Detection detection;
  detection.metric = "my/metric name";
  detection.dataset = "val";
  EXPECT_EQ(report::LossChartStem(detection), "quant_loss_my_metric_name_val");
}

TEST(LossCharts, BadDetectionIsAnError) {
  ReportResult result = MakeSyntheticReport(3);
  result.detections[0].dataset = "test";
  EXPECT_EQ(report::WriteLossCharts(result, ScratchDir().string()).code(),
            StatusCode::kInvalidArgument);
  result = MakeSyntheticReport(3);
  result.detections[0].degraded.pop_back();
  EXPECT_EQ(report::WriteLossCharts(result, ScratchDir().string()).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xquant::testing
