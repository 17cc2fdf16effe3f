// The cairo chart module: PNG/SVG output, canvas size growing with the layer count, long names,
// non-finite values, axis ticks.
#include "report/chart.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "report/chart_canvas.h"
#include "report_test_util.h"

namespace xquant::testing {
namespace {

using report::ImageFormat;
using report::LineChart;
using report::RenderLineChart;

LineChart MakeChart(int n) {
  LineChart chart;
  chart.title = "quant_loss_mse_repr";
  chart.x_label = "layer name";
  chart.y_label = "mse";
  for (int i = 0; i < n; ++i) {
    chart.categories.push_back("layer_" + std::to_string(i));
    chart.values.push_back(i == 2 ? 0.25 : 0.001 * (i + 1));
    chart.highlighted.push_back(i == 2);
  }
  chart.horizontal_lines.push_back({0.1, "threshold=0.1"});
  return chart;
}

Pixels Render(const LineChart& chart) {
  StatusOr<std::string> png = RenderLineChart(chart, ImageFormat::kPng);
  EXPECT_TRUE(png.ok()) << png.status().ToString();
  if (!png.ok()) return {};
  EXPECT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  return DecodePng(*png);
}

TEST(LineChart, PngDecodesAtTheMinimumWidthForFewLayers) {
  const Pixels pixels = Render(MakeChart(5));
  EXPECT_EQ(pixels.width, report::kLineChartMinWidth);
  EXPECT_GT(pixels.height, report::kLineChartPlotHeight);
  EXPECT_LT(pixels.height, 800);
}

TEST(LineChart, WidthGrowsWithTheLayerCount) {
  const Pixels pixels = Render(MakeChart(250));
  EXPECT_GE(pixels.width, 250 * report::kLineChartSlot);
  EXPECT_LT(pixels.width, 250 * report::kLineChartSlot + 300);
}

// The degraded point (layer 2, the highest value) gets a red ring; without the flag it has none.
TEST(LineChart, DegradedPointIsCircledInRed) {
  const auto find_peak = [](const Pixels& p, int* peak_x, int* peak_y) {
    *peak_y = p.height;
    for (int y = 0; y < p.height && *peak_y == p.height; ++y) {
      for (int x = 0; x < p.width; ++x) {
        if (p.IsBlue(x, y)) {
          *peak_x = x;
          *peak_y = y;
          break;
        }
      }
    }
  };
  const auto red_near = [](const Pixels& p, int cx, int cy, int radius) {
    int count = 0;
    for (int y = std::max(0, cy - radius); y <= std::min(p.height - 1, cy + radius); ++y) {
      for (int x = std::max(0, cx - radius); x <= std::min(p.width - 1, cx + radius); ++x)
        count += p.IsRed(x, y);
    }
    return count;
  };
  LineChart chart = MakeChart(5);
  const Pixels marked = Render(chart);
  int x = 0, y = 0;
  find_peak(marked, &x, &y);
  ASSERT_LT(y, marked.height / 2) << "the peak of the line should be in the upper half";
  EXPECT_GT(red_near(marked, x, y + 2, 10), 20);

  chart.highlighted.assign(5, false);
  const Pixels plain = Render(chart);
  int x2 = 0, y2 = 0;
  find_peak(plain, &x2, &y2);
  EXPECT_EQ(x2, x);
  EXPECT_EQ(red_near(plain, x2, y2 + 2, 10), 0);

  // The degraded layer's rotated name, below the plot at the same x, is red too.
  int lowest_blue = 0;
  for (int yy = 0; yy < marked.height; ++yy) {
    for (int xx = 0; xx < marked.width; ++xx)
      lowest_blue = marked.IsBlue(xx, yy) ? yy : lowest_blue;
  }
  int red_label = 0, red_label_plain = 0;
  for (int yy = lowest_blue + 12; yy < marked.height; ++yy) {
    for (int xx = x - 6; xx <= x + 6; ++xx) {
      red_label += marked.IsRed(xx, yy);
      red_label_plain += plain.IsRed(xx, yy);
    }
  }
  EXPECT_GT(red_label, 10);
  EXPECT_EQ(red_label_plain, 0);
}

TEST(LineChart, SvgIsADocumentWithSearchableText) {
  LineChart chart = MakeChart(4);
  chart.categories[1] = "a<b&c";
  StatusOr<std::string> svg = RenderLineChart(chart, ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(svg->rfind("<?xml", 0), 0u);
  EXPECT_NE(svg->find("<svg"), std::string::npos);
  EXPECT_NE(svg->find("<title>quant_loss_mse_repr</title>"), std::string::npos);
  EXPECT_NE(svg->find(">threshold=0.1</text>"), std::string::npos);
  EXPECT_NE(svg->find(">a&lt;b&amp;c</text>"), std::string::npos);
  EXPECT_EQ(svg->find("a<b"), std::string::npos);
  EXPECT_NE(svg->find("width=\"800px\""), std::string::npos) << svg->substr(0, 300);
  const size_t end = svg->rfind("</svg>");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(svg->find_first_not_of(" \r\n", end + 6), std::string::npos);
}

TEST(LineChart, LongNamesAreCutFromTheLeftAndKeepTheirTail) {
  const std::string long_name = std::string(300, 'x') + "/the/informative/tail/Conv";
  report::TextMeasurer measurer;
  const std::string cut = measurer.TruncateLeft(long_name, 10.0, report::kLineChartMaxLabelWidth);
  EXPECT_EQ(cut.rfind("\xE2\x80\xA6", 0), 0u);  // starts with an ellipsis
  EXPECT_EQ(cut.substr(cut.size() - 26), "/the/informative/tail/Conv");
  EXPECT_LE(measurer.Width(cut, 10.0), report::kLineChartMaxLabelWidth);
  EXPECT_GT(measurer.Width(cut, 10.0), report::kLineChartMaxLabelWidth - 12);
  EXPECT_EQ(measurer.TruncateLeft("short", 10.0, 200.0), "short");
  // Never splits a multi-byte character: a name of 'é' (2 bytes each) stays valid UTF-8.
  const std::string accents = [] {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "\xC3\xA9";
    return s;
  }();
  const std::string cut_accents = measurer.TruncateLeft(accents, 10.0, 100.0);
  EXPECT_EQ((cut_accents.size() - 3) % 2, 0u);

  LineChart chart = MakeChart(3);
  chart.categories[0] = long_name;
  const Pixels with_long = Render(chart);
  const Pixels short_names = Render(MakeChart(3));
  EXPECT_LE(with_long.height, short_names.height + report::kLineChartMaxLabelWidth);
  EXPECT_LT(with_long.height, 700);
}

TEST(LineChart, NonFiniteValuesAreMarkedNotPlotted) {
  LineChart chart = MakeChart(6);
  chart.values[1] = std::numeric_limits<double>::infinity();
  chart.values[3] = std::numeric_limits<double>::quiet_NaN();
  chart.values[4] = -std::numeric_limits<double>::infinity();
  const Pixels pixels = Render(chart);
  ASSERT_GT(pixels.width, 0);
  StatusOr<std::string> svg = RenderLineChart(chart, ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find(">inf</text>"), std::string::npos);  // the legend names the marks
  EXPECT_NE(svg->find(">NaN</text>"), std::string::npos);
  EXPECT_NE(svg->find(">-inf</text>"), std::string::npos);

  LineChart nothing = MakeChart(3);
  nothing.values.assign(3, std::numeric_limits<double>::quiet_NaN());
  nothing.horizontal_lines.clear();
  EXPECT_GT(Render(nothing).width, 0);
  LineChart empty = MakeChart(0);
  EXPECT_GT(Render(empty).width, 0);
}

TEST(LineChart, AutoScaleGoesLogOnlyForWideRanges) {
  LineChart chart = MakeChart(5);
  chart.y_label = "sqnr";
  chart.y_scale = report::AxisScale::kAuto;
  chart.values = {1e5, 1e4, 300.0, 20.0, 5.0};
  chart.horizontal_lines = {{0.1, "threshold=0.1"}};
  StatusOr<std::string> log_svg = RenderLineChart(chart, ImageFormat::kSvg);
  ASSERT_TRUE(log_svg.ok());
  EXPECT_NE(log_svg->find(">sqnr (log scale)</text>"), std::string::npos);
  chart.values = {50.0, 40.0, 30.0, 20.0, 5.0};
  chart.horizontal_lines = {{1.0, "threshold=1"}};
  StatusOr<std::string> linear_svg = RenderLineChart(chart, ImageFormat::kSvg);
  ASSERT_TRUE(linear_svg.ok());
  EXPECT_EQ(linear_svg->find("log scale"), std::string::npos);
}

TEST(LineChart, MismatchedSizesAreInvalidArgument) {
  LineChart chart = MakeChart(3);
  chart.values.pop_back();
  EXPECT_EQ(RenderLineChart(chart, ImageFormat::kPng).status().code(),
            StatusCode::kInvalidArgument);
  chart = MakeChart(3);
  chart.highlighted.push_back(true);
  EXPECT_EQ(RenderLineChart(chart, ImageFormat::kSvg).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ValueScale, LinearTicksAreRoundSteps) {
  const std::vector<double> unit = report::ValueScale(0.0, 1.0, false, 0, 100).Ticks();
  const std::vector<double> expected = {0, 0.2, 0.4, 0.6, 0.8, 1.0};
  ASSERT_EQ(unit.size(), expected.size());
  for (size_t i = 0; i < unit.size(); ++i) EXPECT_NEAR(unit[i], expected[i], 1e-12);
  const report::ValueScale scale(-0.0125, 0.2625, false, 0, 100);
  const std::vector<double> ticks = scale.Ticks();
  ASSERT_EQ(ticks.size(), 6u);
  EXPECT_DOUBLE_EQ(ticks.front(), 0.0);
  EXPECT_DOUBLE_EQ(ticks.back(), 0.25);
  EXPECT_EQ(scale.TickLabel(0.05, ticks), "0.05");
  EXPECT_EQ(scale.TickLabel(0.0, ticks), "0.00");
  EXPECT_DOUBLE_EQ(scale.ToPixel(-0.0125), 0.0);
  EXPECT_DOUBLE_EQ(scale.ToPixel(0.2625), 100.0);
}

TEST(ValueScale, LogTicksArePowersOfTen) {
  const report::ValueScale scale(0.05, 2e5, true, 300, 0);
  const std::vector<double> ticks = scale.Ticks();
  EXPECT_EQ(ticks, (std::vector<double>{0.1, 1, 10, 100, 1000, 1e4, 1e5}));
  EXPECT_EQ(scale.TickLabel(1e5, ticks), "100000");
  EXPECT_EQ(scale.TickLabel(1e6, ticks), "1e+06");
  EXPECT_EQ(scale.TickLabel(0.1, ticks), "0.1");
  EXPECT_DOUBLE_EQ(scale.ToPixel(std::sqrt(0.05 * 2e5)), 150.0);  // geometric mean → middle
}

TEST(PaddedRange, PadsFivePercentAndSkipsNonFinite) {
  double lo = 0, hi = 0;
  ASSERT_TRUE(report::PaddedRange({0.0, 1.0, std::numeric_limits<double>::infinity(), NAN}, false,
                                  &lo, &hi));
  EXPECT_DOUBLE_EQ(lo, -0.05);
  EXPECT_DOUBLE_EQ(hi, 1.05);
  ASSERT_TRUE(report::PaddedRange({2.0, 2.0}, false, &lo, &hi));
  EXPECT_DOUBLE_EQ(lo, 1.8);
  EXPECT_DOUBLE_EQ(hi, 2.2);
  ASSERT_TRUE(report::PaddedRange({0.0, 1.0, 100.0}, true, &lo, &hi));  // 0 has no log
  EXPECT_DOUBLE_EQ(lo, std::pow(10.0, -0.1));
  EXPECT_DOUBLE_EQ(hi, std::pow(10.0, 2.1));
  EXPECT_FALSE(report::PaddedRange({NAN}, false, &lo, &hi));
}

}  // namespace
}  // namespace xquant::testing
