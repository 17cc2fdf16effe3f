#include "report/chart.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "report/chart_canvas.h"

namespace xquant::report {
namespace {

constexpr double kMarginOuter = 12.0;
constexpr double kTitleBand = 46.0;   // above the plot: title, then the legend row
constexpr double kMarkerInset = 7.0;  // non-finite marks sit this far inside the plot's edge
constexpr double kHighlightRadius = 6.0;

// Where a value that the y axis cannot show is marked.
enum class Unplottable { kNone, kPositiveInfinity, kNegative, kNaN };

Unplottable Classify(double value, bool log) {
  if (std::isnan(value)) return Unplottable::kNaN;
  if (value == std::numeric_limits<double>::infinity()) return Unplottable::kPositiveInfinity;
  if (value == -std::numeric_limits<double>::infinity() || (log && value <= 0.0))
    return Unplottable::kNegative;
  return Unplottable::kNone;
}

// True when a log axis suits `values` under AxisScale::kAuto: all positive, > 3 decades apart.
bool WantsLog(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    if (v <= 0.0) return false;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > 0.0 && hi / lo > 1e3;
}

void Triangle(cairo_t* cr, double x, double y, double size, bool up) {
  const double tip = up ? -size : size;
  cairo_move_to(cr, x, y + tip);
  cairo_line_to(cr, x - size * 0.9, y - tip * 0.6);
  cairo_line_to(cr, x + size * 0.9, y - tip * 0.6);
  cairo_close_path(cr);
}

void Diamond(cairo_t* cr, double x, double y, double size) {
  cairo_move_to(cr, x, y - size);
  cairo_line_to(cr, x + size, y);
  cairo_line_to(cr, x, y + size);
  cairo_line_to(cr, x - size, y);
  cairo_close_path(cr);
}

void DrawMark(cairo_t* cr, Unplottable kind, double x, double y) {
  cairo_save(cr);
  cairo_set_source_rgb(cr, kChartMarker.r, kChartMarker.g, kChartMarker.b);
  if (kind == Unplottable::kNaN) {
    Diamond(cr, x, y, 4.0);
  } else {
    Triangle(cr, x, y, 4.5, kind == Unplottable::kPositiveInfinity);
  }
  cairo_fill(cr);
  cairo_restore(cr);
}

// The legend row names only the marks that appear, right-aligned above the plot.
void DrawLegend(Canvas& canvas, const PlotRect& plot, const std::vector<Unplottable>& kinds,
                bool log) {
  std::vector<std::pair<Unplottable, std::string>> entries;
  const auto present = [&](Unplottable k) {
    return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
  };
  if (present(Unplottable::kPositiveInfinity))
    entries.push_back({Unplottable::kPositiveInfinity, "inf"});
  if (present(Unplottable::kNegative))
    entries.push_back({Unplottable::kNegative, log ? "\xE2\x89\xA4 0 or -inf" : "-inf"});
  if (present(Unplottable::kNaN)) entries.push_back({Unplottable::kNaN, "NaN"});
  if (entries.empty()) return;
  TextMeasurer measurer;
  TextStyle style;
  style.size = kChartTickFont;
  style.v_align = VAlign::kMiddle;
  const double y = plot.y - 10.0;
  double x = plot.right();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    x -= measurer.Width(it->second, style.size);
    canvas.DrawText(it->second, x, y, style);
    x -= 9.0;
    DrawMark(canvas.cr(), it->first, x, y);
    x -= 16.0;
  }
  style.h_align = HAlign::kRight;
  canvas.DrawText("not on the axis:", x + 8.0, y, style);
}

}  // namespace

StatusOr<std::string> RenderLineChart(const LineChart& chart, ImageFormat format) {
  const size_t n = chart.categories.size();
  if (chart.values.size() != n || (!chart.highlighted.empty() && chart.highlighted.size() != n)) {
    return InvalidArgumentError("line chart '" + chart.title + "': " + std::to_string(n) +
                                " categories but " + std::to_string(chart.values.size()) +
                                " values and " + std::to_string(chart.highlighted.size()) +
                                " highlight flags");
  }
  const auto highlighted = [&](size_t i) {
    return !chart.highlighted.empty() && chart.highlighted[i];
  };

  // The y range covers the plottable values and the reference lines (a threshold far from the
  // data still shows).
  std::vector<double> range_values = chart.values;
  for (const ReferenceLine& line : chart.horizontal_lines) range_values.push_back(line.value);
  bool log = chart.y_scale == AxisScale::kLog ||
             (chart.y_scale == AxisScale::kAuto && WantsLog(range_values));
  double lo = 0.0, hi = 1.0;
  if (!PaddedRange(range_values, log, &lo, &hi)) {
    log = false;
    if (!PaddedRange(range_values, false, &lo, &hi)) {
      lo = 0.0;  // nothing finite at all: an empty unit axis
      hi = 1.0;
    }
  }
  const std::vector<double> ticks = ValueScale(lo, hi, log, 0.0, 1.0).Ticks();

  TextMeasurer measurer;
  std::vector<std::string> labels;
  double label_width = 0.0;
  for (const std::string& category : chart.categories) {
    labels.push_back(measurer.TruncateLeft(category, kChartTickFont, kLineChartMaxLabelWidth));
    label_width = std::max(label_width, measurer.Width(labels.back(), kChartTickFont));
  }
  const double left =
      kMarginOuter + ValueAxisMargin(measurer, ValueScale(lo, hi, log, 0.0, 1.0), ticks);
  const double right = kMarginOuter + 8.0;
  const double bottom = 7.0 + label_width + 8.0 + kChartAxisTitleFont * 1.2 + kMarginOuter;
  const double plot_width =
      std::max(static_cast<double>(n) * kLineChartSlot, kLineChartMinWidth - left - right);
  const int width = static_cast<int>(std::ceil(left + plot_width + right));
  const int height = static_cast<int>(std::ceil(kTitleBand + kLineChartPlotHeight + bottom));
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<Canvas> canvas,
                      Canvas::Create(format, width, height, chart.title));
  cairo_t* cr = canvas->cr();

  const PlotRect plot{left, kTitleBand, plot_width, kLineChartPlotHeight};
  const ValueScale y_scale(lo, hi, log, plot.bottom(), plot.y);
  const auto x_of = [&](size_t i) {
    return plot.x + (static_cast<double>(i) + 0.5) * plot.width / n;
  };

  // Grid under everything: one vertical line per category, one horizontal per y tick.
  for (size_t i = 0; i < n; ++i)
    canvas->DrawLine(x_of(i), plot.y, x_of(i), plot.bottom(), kChartGrid, 0.8);
  for (double t : ticks) {
    canvas->DrawLine(plot.x, y_scale.ToPixel(t), plot.right(), y_scale.ToPixel(t), kChartGrid, 0.8);
  }

  // The data line, broken wherever a value cannot be placed on the axis.
  std::vector<Unplottable> kinds(n);
  std::vector<double> point_y(n);
  for (size_t i = 0; i < n; ++i) {
    kinds[i] = Classify(chart.values[i], log);
    point_y[i] = kinds[i] == Unplottable::kNone               ? y_scale.ToPixel(chart.values[i])
                 : kinds[i] == Unplottable::kPositiveInfinity ? plot.y + kMarkerInset
                                                              : plot.bottom() - kMarkerInset;
  }
  cairo_save(cr);
  cairo_set_source_rgb(cr, kChartBlue.r, kChartBlue.g, kChartBlue.b);
  cairo_set_line_width(cr, 1.5);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (size_t i = 0; i < n; ++i) {
    if (kinds[i] != Unplottable::kNone) continue;
    if (i == 0 || kinds[i - 1] != Unplottable::kNone) {
      cairo_move_to(cr, x_of(i), point_y[i]);
    } else {
      cairo_line_to(cr, x_of(i), point_y[i]);
    }
  }
  cairo_stroke(cr);
  // Dots keep a lone value between two gaps visible.
  for (size_t i = 0; i < n; ++i) {
    if (kinds[i] != Unplottable::kNone) continue;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x_of(i), point_y[i], 2.0, 0.0, 2 * std::numbers::pi);
  }
  cairo_fill(cr);
  cairo_restore(cr);
  for (size_t i = 0; i < n; ++i) {
    if (kinds[i] != Unplottable::kNone) DrawMark(cr, kinds[i], x_of(i), point_y[i]);
  }

  for (const ReferenceLine& line : chart.horizontal_lines) {
    if (Classify(line.value, log) != Unplottable::kNone) continue;
    const double y = y_scale.ToPixel(line.value);
    canvas->DrawLine(plot.x, y, plot.right(), y, line.color, 1.5, line.dashed);
    TextStyle style;
    style.color = line.color;
    style.v_align = VAlign::kBottom;
    canvas->DrawLabel(line.label, plot.x + 4.0, y - 2.0, style);
  }

  cairo_save(cr);
  cairo_set_source_rgb(cr, kChartRed.r, kChartRed.g, kChartRed.b);
  cairo_set_line_width(cr, 2.0);
  for (size_t i = 0; i < n; ++i) {
    if (!highlighted(i)) continue;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x_of(i), point_y[i], kHighlightRadius, 0.0, 2 * std::numbers::pi);
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, plot.x, plot.y, plot.width, plot.height);
  cairo_stroke(cr);
  cairo_restore(cr);

  // Categorical x axis: rotated names ending at their tick, degraded ones in red.
  TextStyle label_style;
  label_style.size = kChartTickFont;
  label_style.angle_degrees = 90.0;
  label_style.h_align = HAlign::kRight;
  label_style.v_align = VAlign::kMiddle;
  for (size_t i = 0; i < n; ++i) {
    canvas->DrawLine(x_of(i), plot.bottom(), x_of(i), plot.bottom() + 4.0, kChartBlack, 1.0);
    label_style.color = highlighted(i) ? kChartRed : kChartBlack;
    canvas->DrawText(labels[i], x_of(i), plot.bottom() + 7.0, label_style);
  }
  TextStyle axis_title;
  axis_title.size = kChartAxisTitleFont;
  axis_title.h_align = HAlign::kCenter;
  axis_title.v_align = VAlign::kTop;
  canvas->DrawText(chart.x_label, plot.x + plot.width / 2, plot.bottom() + 7.0 + label_width + 8.0,
                   axis_title);
  DrawValueAxis(*canvas, plot, AxisSide::kLeft, y_scale, ticks,
                log ? chart.y_label + " (log scale)" : chart.y_label);

  TextStyle title_style;
  title_style.size = kChartTitleFont;
  title_style.h_align = HAlign::kCenter;
  title_style.v_align = VAlign::kTop;
  canvas->DrawText(chart.title, plot.x + plot.width / 2, 8.0, title_style);
  DrawLegend(*canvas, plot, kinds, log);
  if (n == 0) {
    TextStyle empty;
    empty.size = kChartAxisTitleFont;
    empty.h_align = HAlign::kCenter;
    empty.v_align = VAlign::kMiddle;
    canvas->DrawText("no layers to show", plot.x + plot.width / 2, plot.y + plot.height / 2, empty);
  }
  return canvas->Finish();
}

}  // namespace xquant::report
