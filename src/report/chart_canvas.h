// Drawing primitives shared by the report's charts (private to src/report): a cairo canvas that
// renders to PNG or SVG bytes in memory, text placement with alignment and rotation, and numeric
// axes (linear or log) with "nice" ticks. chart.cc builds whole charts from these.
#pragma once

#include <cairo.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "report/chart.h"
#include "xquant/status.h"

namespace xquant::report {

inline constexpr char kChartFont[] = "DejaVu Sans";
inline constexpr double kChartTitleFont = 14.0;  // pixels
inline constexpr double kChartAxisTitleFont = 12.0;
inline constexpr double kChartTickFont = 10.0;

enum class HAlign { kLeft, kCenter, kRight };
// kMiddle centres the font's ascent-descent box, so labels of different letters line up.
enum class VAlign { kTop, kMiddle, kBaseline, kBottom };

struct TextStyle {
  double size = 10.0;  // pixels
  Rgb color = kChartBlack;
  HAlign h_align = HAlign::kLeft;
  VAlign v_align = VAlign::kBaseline;
  double angle_degrees = 0.0;  // counter-clockwise; 90 reads bottom to top
  bool bold = false;
};

// Text measurement before a canvas exists (to size margins). Owns a 1×1 scratch surface.
class TextMeasurer {
 public:
  TextMeasurer();
  ~TextMeasurer();
  TextMeasurer(const TextMeasurer&) = delete;
  TextMeasurer& operator=(const TextMeasurer&) = delete;

  // Advance width of `text` in pixels.
  double Width(std::string_view text, double size, bool bold = false) const;
  // `text` if it fits in `max_width`, else "…" + the longest tail that fits (whole UTF-8
  // characters): for layer names the end ("…/conv.2/Conv") is the informative part.
  std::string TruncateLeft(std::string_view text, double size, double max_width) const;

 private:
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

// One drawing of width × height pixels on a white background. PNG: an RGB image surface; SVG: a
// vector surface in px units. For SVG, every DrawText is also written as transparent <text> on top
// of cairo's glyph outlines, so the chart's words can be searched and selected.
class Canvas {
 public:
  static StatusOr<std::unique_ptr<Canvas>> Create(ImageFormat format, int width, int height,
                                                  std::string title);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;

  // For paths the helpers below do not cover; callers restore any state they change.
  cairo_t* cr() const { return cr_; }

  void DrawText(std::string_view text, double x, double y, const TextStyle& style);
  // DrawText over a white, slightly transparent box, for labels that sit on lines and grid.
  void DrawLabel(std::string_view text, double x, double y, const TextStyle& style);
  void DrawLine(double x0, double y0, double x1, double y1, Rgb color, double width,
                bool dashed = false);
  // Ends the drawing and returns the file's bytes. REQUIRES: called once; nothing drawn after.
  StatusOr<std::string> Finish();

 private:
  Canvas() = default;

  ImageFormat format_ = ImageFormat::kPng;
  int width_ = 0;
  int height_ = 0;
  std::string title_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
  std::string bytes_;       // the SVG surface streams here as it draws
  std::string text_layer_;  // SVG <text> elements, appended before </svg>
};

// Maps data values in [lo, hi] onto pixels [pixel_lo, pixel_hi] (pixel_hi may be smaller, as for a
// y axis), linearly or logarithmically. REQUIRES: lo < hi, and lo > 0 when log.
class ValueScale {
 public:
  ValueScale(double lo, double hi, bool log, double pixel_lo, double pixel_hi);
  double ToPixel(double value) const;
  bool log() const { return log_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  // Tick values inside [lo, hi]: 1/2/5×10^k steps (about `target` of them) on a linear scale,
  // powers of ten (with 2 and 5 between them when the range is under two decades) on a log scale.
  std::vector<double> Ticks(int target = 6) const;
  // A tick label short enough for an axis: decimals follow the tick step; very large or very
  // small magnitudes in exponent form.
  std::string TickLabel(double value, const std::vector<double>& ticks) const;

 private:
  double lo_, hi_;
  bool log_;
  double pixel_lo_, pixel_hi_;
};

// Padded data range for a value axis: the span of `values` (finite ones; positive ones for log)
// widened by 5% on each side (in log space for log); a degenerate span becomes a small interval
// around the value. Returns false when no value qualifies.
bool PaddedRange(const std::vector<double>& values, bool log, double* lo, double* hi);

enum class AxisSide { kLeft, kRight, kBottom, kTop };

// Draws a value axis along one side of `plot` (x, y, width, height): tick marks outside the plot,
// tick labels (from `label`, or scale.TickLabel), and the axis title centred along the side
// (rotated for left/right). A top axis can label the bottom axis's ticks in other units by passing
// a `label` that converts (e.g. a histogram's z-score axis).
struct PlotRect {
  double x, y, width, height;
  double right() const { return x + width; }
  double bottom() const { return y + height; }
};
void DrawValueAxis(Canvas& canvas, const PlotRect& plot, AxisSide side, const ValueScale& scale,
                   const std::vector<double>& ticks, const std::string& title,
                   const std::function<std::string(double)>& label = nullptr);

// Pixels a left/right value axis needs outside the plot (tick marks, labels, title).
double ValueAxisMargin(const TextMeasurer& measurer, const ValueScale& scale,
                       const std::vector<double>& ticks);

}  // namespace xquant::report
