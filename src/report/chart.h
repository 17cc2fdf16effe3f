// Charts of the report, drawn with cairo into PNG or SVG bytes. A chart is a plain description
// (what to show); Render* lays it out and draws it. The drawing primitives they share (canvas,
// text, value axes) are in chart_canvas.h, so other chart kinds — a histogram with a second, top
// axis in other units (z-score) — reuse the same axis and text code.
#pragma once

#include <string>
#include <vector>

#include "xquant/status.h"

namespace xquant::report {

enum class ImageFormat { kPng, kSvg };

struct Rgb {
  double r = 0.0, g = 0.0, b = 0.0;
};
inline constexpr Rgb kChartBlack{0.0, 0.0, 0.0};
inline constexpr Rgb kChartBlue{0.122, 0.467, 0.706};  // the data line
inline constexpr Rgb kChartRed{0.86, 0.0, 0.0};        // degraded points, thresholds
inline constexpr Rgb kChartGrid{0.86, 0.86, 0.86};
inline constexpr Rgb kChartMarker{0.45, 0.2, 0.6};  // values that cannot be plotted (inf, NaN)

// How a value axis maps data: kAuto is log when every plotted value is positive and they span
// more than three decades, else linear.
enum class AxisScale { kLinear, kLog, kAuto };

// A labelled straight line across the plot at a data value (a threshold).
struct ReferenceLine {
  double value = 0.0;
  std::string label;  // drawn above the line, at the left of the plot
  Rgb color = kChartRed;
  bool dashed = true;
};

// A line plot over categories (layers) in order. Non-finite values break the line and are marked
// at the plot's edge: ▲ +inf at the top, ▼ −inf at the bottom, ◆ NaN at the bottom (a legend
// names the marks present). On a log axis values ≤ 0 count as −inf.
struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;  // x tick labels, rotated; long ones keep their tail
  std::vector<double> values;           // one per category
  std::vector<bool> highlighted;        // empty, or one per category: red hollow circle + red label
  std::vector<ReferenceLine> horizontal_lines;
  AxisScale y_scale = AxisScale::kLinear;
};

// Layout constants of LineChart, exposed so callers and tests can reason about the size:
// the canvas grows by kLineChartSlot pixels per category and is at least kLineChartMinWidth wide.
inline constexpr double kLineChartSlot = 14.0;
inline constexpr int kLineChartMinWidth = 800;
inline constexpr double kLineChartPlotHeight = 320.0;
inline constexpr double kLineChartMaxLabelWidth = 230.0;  // rotated x labels are cut to this

// Returns the PNG or SVG file contents. Errors: sizes of values/highlighted not matching
// categories (InvalidArgument), cairo failures (Internal).
StatusOr<std::string> RenderLineChart(const LineChart& chart, ImageFormat format);

}  // namespace xquant::report
