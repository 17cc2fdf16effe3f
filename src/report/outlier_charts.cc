#include "report/outlier_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "common/file_util.h"
#include "report/chart_canvas.h"
#include "report/text_format.h"
#include "troubleshoot/outlier_stats.h"

namespace xquant::report {
namespace {

using troubleshoot::BinLeftEdge;
using troubleshoot::OutlierStats;

constexpr double kMarginOuter = 12.0;
constexpr double kTopBand = 78.0;     // title, then the z-score axis with its title
constexpr double kBottomBand = 52.0;  // bin tick labels and the "bins" title
constexpr double kRightMargin = 24.0;
constexpr double kBarGapPixels = 3.0;  // bars wider than this get a 10% gap between them
constexpr double kMarkSpacing = 20.0;  // a ▼ mark needs this many pixels free of other bins

std::string Fixed2(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return buffer;
}

void FillRect(cairo_t* cr, double x0, double y0, double x1, double y1, Rgb color) {
  cairo_set_source_rgb(cr, color.r, color.g, color.b);
  cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
  cairo_fill(cr);
}

void DownTriangle(cairo_t* cr, double x, double tip_y, Rgb color) {
  cairo_set_source_rgb(cr, color.r, color.g, color.b);
  cairo_move_to(cr, x, tip_y);
  cairo_line_to(cr, x - 4.0, tip_y - 7.0);
  cairo_line_to(cr, x + 4.0, tip_y - 7.0);
  cairo_close_path(cr);
  cairo_fill(cr);
}

// Bars at their true extent [b_k, b_k + w), tail bins in red, and ▼ marks over the bins at z ≥ thr
// that are too short to see.
void DrawBars(Canvas& canvas, const PlotRect& plot, const ValueScale& x, const ValueScale& y,
              const Histogram& histogram, const OutlierStats& stats) {
  cairo_t* cr = canvas.cr();
  cairo_save(cr);
  cairo_rectangle(cr, plot.x, plot.y, plot.width, plot.height);
  cairo_clip(cr);
  const size_t n = histogram.counts.size();
  const double bin_pixels = x.ToPixel(BinLeftEdge(histogram, 1)) - x.ToPixel(BinLeftEdge(histogram, 0));
  const double gap = bin_pixels > kBarGapPixels ? 0.1 * bin_pixels : 0.0;
  const double bar_width = std::max(bin_pixels - gap, 1.0);
  // Blue first, red over it: where bins share a pixel column the tail stays visible.
  for (bool tail_pass : {false, true}) {
    for (size_t k = 0; k < n; ++k) {
      if (histogram.counts[k] <= 0 || stats.tail[k] != tail_pass) continue;
      const double left = x.ToPixel(BinLeftEdge(histogram, k)) + gap / 2;
      const double top =
          std::min(y.ToPixel(static_cast<double>(histogram.counts[k])), plot.bottom() - kOutlierMinBarPixels);
      FillRect(cr, left, top, left + bar_width, plot.bottom(), tail_pass ? kChartRed : kChartBlue);
    }
  }
  // Marks only where a bin stands alone: a short bar among other bars reads as part of a cluster,
  // and marking every one of them would bury the plot in triangles.
  const auto alone = [&](size_t bin, double center) {
    for (size_t k = 0; k < n; ++k) {
      if (k == bin || histogram.counts[k] <= 0) continue;
      if (std::fabs(x.ToPixel(BinLeftEdge(histogram, k)) + bin_pixels / 2 - center) <= kMarkSpacing) return false;
    }
    return true;
  };
  double last_mark = -1e9;
  for (size_t k = 0; k < n; ++k) {
    if (histogram.counts[k] <= 0 || stats.zscores[k] < stats.threshold) continue;
    const double top = y.ToPixel(static_cast<double>(histogram.counts[k]));
    if (plot.bottom() - top >= kOutlierMarkBelowPixels) continue;
    const double center = x.ToPixel(BinLeftEdge(histogram, k)) + bin_pixels / 2;
    if (center - last_mark < kMarkSpacing || !alone(k, center)) continue;
    DownTriangle(cr, center, plot.bottom() - kOutlierMinBarPixels - 3.0, stats.tail[k] ? kChartRed : kChartBlue);
    last_mark = center;
  }
  cairo_restore(cr);
}

// A dashed vertical line across the plot with its label on the given row; the label sits right of
// the line (or left of it, right-aligned, when `label_left`).
void VerticalLine(Canvas& canvas, const PlotRect& plot, double px, Rgb color, const std::string& label,
                  double label_y, bool label_left) {
  canvas.DrawLine(px, plot.y, px, plot.bottom(), color, 1.5, /*dashed=*/true);
  TextStyle style;
  style.color = color;
  style.v_align = VAlign::kMiddle;
  if (label_left) {
    TextMeasurer measurer;
    canvas.DrawLabel(label, px - 5.0 - measurer.Width(label, style.size), label_y, style);
  } else {
    canvas.DrawLabel(label, px + 5.0, label_y, style);
  }
}

void DrawThresholdLines(Canvas& canvas, const PlotRect& plot, const ValueScale& x, const OutlierStats& stats) {
  const std::string text = "threshold=" + FormatDouble(stats.threshold);
  const double row = plot.y + 0.05 * plot.height;
  const double lower = stats.mu - stats.threshold * stats.sigma;
  const double upper = stats.mu + stats.threshold * stats.sigma;
  TextStyle edge;
  edge.color = kChartRed;
  edge.v_align = VAlign::kMiddle;
  if (lower >= x.lo()) {
    VerticalLine(canvas, plot, x.ToPixel(lower), kChartRed, text, row, /*label_left=*/false);
  } else {
    canvas.DrawLabel("<- " + text, plot.x + 5.0, row, edge);
  }
  if (upper <= x.hi()) {
    VerticalLine(canvas, plot, x.ToPixel(upper), kChartRed, text, row, /*label_left=*/true);
  } else {
    const std::string arrow = text + " ->";
    canvas.DrawLabel(arrow, plot.right() - 5.0 - TextMeasurer().Width(arrow, edge.size), row, edge);
  }
}

}  // namespace

StatusOr<std::string> RenderOutlierChart(const std::string& layer, const Histogram& histogram,
                                         double threshold, ImageFormat format) {
  const OutlierStats stats = troubleshoot::ComputeOutlierStats(histogram, threshold);
  if (!stats.valid) {
    return InvalidArgumentError("outlier chart of layer '" + layer +
                                "': the histogram has no samples or a single value (sigma = 0); "
                                "there is nothing to draw");
  }
  // x: the histogram's range, 3% padding each side. y: linear from 0, like the reference, up to
  // 1.25 × the peak, so the labels in the top band do not cover bars.
  const double span = histogram.max - histogram.min;
  const ValueScale x_unit(histogram.min - 0.03 * span, histogram.max + 0.03 * span, false, 0.0, 1.0);
  const int64_t peak = *std::max_element(histogram.counts.begin(), histogram.counts.end());
  const ValueScale y_unit(0.0, static_cast<double>(peak) * 1.25, false, 0.0, 1.0);
  const std::vector<double> x_ticks = x_unit.Ticks(8);
  const std::vector<double> y_ticks = y_unit.Ticks(6);

  TextMeasurer measurer;
  // Whole pixels, so the 1-pixel frame below falls on pixel centres and stays sharp.
  const double left = std::ceil(kMarginOuter + ValueAxisMargin(measurer, y_unit, y_ticks));
  const PlotRect plot{left, kTopBand, kOutlierChartWidth - left - kRightMargin,
                      kOutlierChartHeight - kTopBand - kBottomBand - kMarginOuter};
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<Canvas> canvas,
                      Canvas::Create(format, kOutlierChartWidth, kOutlierChartHeight, layer));
  const ValueScale x(x_unit.lo(), x_unit.hi(), false, plot.x, plot.right());
  const ValueScale y(y_unit.lo(), y_unit.hi(), false, plot.bottom(), plot.y);

  DrawBars(*canvas, plot, x, y, histogram, stats);
  const double zscore_row = plot.y + 0.11 * plot.height;  // threshold labels at 0.05
  VerticalLine(*canvas, plot, x.ToPixel(BinLeftEdge(histogram, stats.first_bin)), kChartBlack,
               "lower zscore=" + Fixed2(stats.lower_max_zscore), zscore_row, /*label_left=*/false);
  VerticalLine(*canvas, plot, x.ToPixel(BinLeftEdge(histogram, stats.last_bin)), kChartBlack,
               "upper zscore=" + Fixed2(stats.upper_max_zscore), zscore_row, /*label_left=*/true);
  DrawThresholdLines(*canvas, plot, x, stats);

  cairo_t* cr = canvas->cr();
  cairo_save(cr);
  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  cairo_set_line_width(cr, 1.0);
  cairo_rectangle(cr, plot.x - 0.5, plot.y - 0.5, plot.width + 1.0, plot.height + 1.0);
  cairo_stroke(cr);
  cairo_restore(cr);
  DrawValueAxis(*canvas, plot, AxisSide::kBottom, x, x_ticks, "bins");
  DrawValueAxis(*canvas, plot, AxisSide::kTop, x, x_ticks, "z-score",
                [&stats](double tick) { return Fixed2(stats.ZScore(tick)); });
  DrawValueAxis(*canvas, plot, AxisSide::kLeft, y, y_ticks, "counts");

  TextStyle title;
  title.size = kChartTitleFont;
  title.h_align = HAlign::kCenter;
  title.v_align = VAlign::kTop;
  canvas->DrawText(measurer.TruncateLeft(layer, kChartTitleFont, plot.width), plot.x + plot.width / 2,
                   8.0, title);
  return canvas->Finish();
}

Status WriteOutlierCharts(const TroubleshootResult& result, const std::string& report_dir) {
  const ReportResult& report = result.report;
  for (const Finding& finding : result.findings) {
    if (finding.judge != "outlier_removal") continue;
    const auto point = std::find_if(report.points.begin(), report.points.end(),
                                    [&](const ComparePoint& p) { return p.name == finding.layer; });
    const size_t index = static_cast<size_t>(point - report.points.begin());
    if (point == report.points.end() || index >= report.histograms.size()) {
      return InvalidArgumentError("outlier finding for layer '" + finding.layer +
                                  "': the report has no such compare point or no histogram of it");
    }
    if (finding.note.empty()) {
      return InvalidArgumentError("outlier finding for layer '" + finding.layer +
                                  "' names no image (Finding::note is empty)");
    }
    double threshold = report.config.threshold_zscore_outlier_removal;
    for (const auto& [name, value] : finding.evidence) {
      if (name == "threshold") threshold = value;
    }
    std::filesystem::path path = std::filesystem::path(report_dir) / finding.note;
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) return IOError("cannot create " + path.parent_path().string() + ": " + error.message());
    for (ImageFormat format : {ImageFormat::kPng, ImageFormat::kSvg}) {
      path.replace_extension(format == ImageFormat::kPng ? ".png" : ".svg");
      StatusOr<std::string> bytes =
          RenderOutlierChart(finding.layer, report.histograms[index], threshold, format);
      if (!bytes.ok()) return bytes.status().WithContext(path.string());
      XQ_RETURN_IF_ERROR(WriteStringToFile(path.string(), *bytes));
    }
  }
  return Status::Ok();
}

}  // namespace xquant::report
