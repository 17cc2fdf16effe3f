#include "report/chart_canvas.h"

#include <cairo-svg.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "report/png_encoder.h"
#include "report/text_format.h"

namespace xquant::report {
namespace {

constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026
constexpr double kTickLength = 4.0;
constexpr double kTickGap = 3.0;     // between a tick mark and its label
constexpr double kTitleGap = 6.0;    // between tick labels and the axis title
constexpr double kLineHeight = 1.2;  // text height as a multiple of the font size

// Chart text is one line: tabs and line breaks in a name would draw as boxes.
std::string ChartText(std::string_view text) {
  std::string out = ValidUtf8(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return out;
}

void SelectFont(cairo_t* cr, double size, bool bold) {
  cairo_select_font_face(cr, kChartFont, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double AdvanceWidth(cairo_t* cr, const std::string& text) {
  cairo_text_extents_t extents;
  cairo_text_extents(cr, text.c_str(), &extents);
  return extents.x_advance;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

std::string FormatNumber(const char* format, int precision, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, precision, value);
  return buffer;
}

}  // namespace

// ---- TextMeasurer ------------------------------------------------------------------------------

TextMeasurer::TextMeasurer()
    : surface_(cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1)), cr_(cairo_create(surface_)) {}

TextMeasurer::~TextMeasurer() {
  cairo_destroy(cr_);
  cairo_surface_destroy(surface_);
}

double TextMeasurer::Width(std::string_view text, double size, bool bold) const {
  SelectFont(cr_, size, bold);
  return AdvanceWidth(cr_, ChartText(text));
}

std::string TextMeasurer::TruncateLeft(std::string_view text, double size, double max_width) const {
  std::string clean = ChartText(text);
  SelectFont(cr_, size, false);
  if (AdvanceWidth(cr_, clean) <= max_width) return clean;
  // Character starts, so a cut never splits a UTF-8 sequence.
  std::vector<size_t> starts;
  for (size_t pos = 0; pos < clean.size(); ++pos) {
    if ((static_cast<unsigned char>(clean[pos]) & 0xC0) != 0x80) starts.push_back(pos);
  }
  // The width of "…" + tail shrinks as the cut moves right: binary search the first cut that fits.
  size_t lo = 0, hi = starts.size();
  while (lo < hi) {
    const size_t mid = (lo + hi) / 2;
    if (AdvanceWidth(cr_, kEllipsis + clean.substr(starts[mid])) <= max_width) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo < starts.size() ? kEllipsis + clean.substr(starts[lo]) : std::string(kEllipsis);
}

// ---- Canvas ------------------------------------------------------------------------------------

StatusOr<std::unique_ptr<Canvas>> Canvas::Create(ImageFormat format, int width, int height,
                                                 std::string title) {
  if (width <= 0 || height <= 0 || width > 32767 || height > 32767) {
    return InvalidArgumentError("chart size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is outside cairo's 1..32767 pixels");
  }
  std::unique_ptr<Canvas> canvas(new Canvas());
  canvas->format_ = format;
  canvas->width_ = width;
  canvas->height_ = height;
  canvas->title_ = std::move(title);
  if (format == ImageFormat::kPng) {
    canvas->surface_ = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
  } else {
    canvas->surface_ =
        cairo_svg_surface_create_for_stream(AppendToString, &canvas->bytes_, width, height);
    // Pixels, not cairo's default points, so the SVG shows at the same size as the PNG.
    cairo_svg_surface_set_document_unit(canvas->surface_, CAIRO_SVG_UNIT_PX);
  }
  if (cairo_surface_status(canvas->surface_) != CAIRO_STATUS_SUCCESS) {
    return InternalError(std::string("cairo cannot create a chart surface: ") +
                         cairo_status_to_string(cairo_surface_status(canvas->surface_)));
  }
  canvas->cr_ = cairo_create(canvas->surface_);
  cairo_set_source_rgb(canvas->cr_, 1.0, 1.0, 1.0);
  cairo_paint(canvas->cr_);
  return canvas;
}

Canvas::~Canvas() {
  if (cr_ != nullptr) cairo_destroy(cr_);
  if (surface_ != nullptr) cairo_surface_destroy(surface_);
}

void Canvas::DrawText(std::string_view text, double x, double y, const TextStyle& style) {
  const std::string clean = ChartText(text);
  cairo_save(cr_);
  SelectFont(cr_, style.size, style.bold);
  cairo_set_source_rgb(cr_, style.color.r, style.color.g, style.color.b);
  cairo_font_extents_t font;
  cairo_font_extents(cr_, &font);
  const double advance = AdvanceWidth(cr_, clean);
  double dx = 0.0, dy = 0.0;
  switch (style.h_align) {
    case HAlign::kLeft:
      break;
    case HAlign::kCenter:
      dx = -advance / 2;
      break;
    case HAlign::kRight:
      dx = -advance;
      break;
  }
  switch (style.v_align) {
    case VAlign::kTop:
      dy = font.ascent;
      break;
    case VAlign::kMiddle:
      dy = (font.ascent - font.descent) / 2;
      break;
    case VAlign::kBaseline:
      break;
    case VAlign::kBottom:
      dy = -font.descent;
      break;
  }
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, -style.angle_degrees * std::numbers::pi / 180.0);
  cairo_move_to(cr_, dx, dy);
  cairo_show_text(cr_, clean.c_str());
  cairo_restore(cr_);

  if (format_ == ImageFormat::kSvg && !clean.empty()) {
    char geometry[256];
    std::snprintf(geometry, sizeof(geometry),
                  "<text transform=\"translate(%.2f %.2f) rotate(%.2f)\" x=\"%.2f\" y=\"%.2f\" "
                  "font-size=\"%.1f\" textLength=\"%.2f\" lengthAdjust=\"spacingAndGlyphs\">",
                  x, y, -style.angle_degrees, dx, dy, style.size, advance);
    text_layer_ += geometry + EscapeXml(clean) + "</text>\n";
  }
}

void Canvas::DrawLabel(std::string_view text, double x, double y, const TextStyle& style) {
  // The box is computed for unrotated, left/baseline-aligned text: the only kind labels use.
  cairo_save(cr_);
  SelectFont(cr_, style.size, style.bold);
  cairo_font_extents_t font;
  cairo_font_extents(cr_, &font);
  const double width = AdvanceWidth(cr_, ChartText(text));
  const double baseline = style.v_align == VAlign::kBottom ? y - font.descent : y;
  cairo_set_source_rgba(cr_, 1.0, 1.0, 1.0, 0.85);
  cairo_rectangle(cr_, x - 2.0, baseline - font.ascent, width + 4.0, font.ascent + font.descent);
  cairo_fill(cr_);
  cairo_restore(cr_);
  DrawText(text, x, y, style);
}

void Canvas::DrawLine(double x0, double y0, double x1, double y1, Rgb color, double width,
                      bool dashed) {
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, color.r, color.g, color.b);
  cairo_set_line_width(cr_, width);
  if (dashed) {
    const double dashes[] = {6.0, 4.0};
    cairo_set_dash(cr_, dashes, 2, 0.0);
  }
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
  cairo_restore(cr_);
}

StatusOr<std::string> Canvas::Finish() {
  cairo_status_t status = cairo_status(cr_);
  if (status != CAIRO_STATUS_SUCCESS) {
    return InternalError(std::string("cairo failed while drawing a chart: ") +
                         cairo_status_to_string(status));
  }
  cairo_destroy(cr_);
  cr_ = nullptr;
  if (format_ == ImageFormat::kPng) {
    // libpng with faster settings than cairo_surface_write_to_png_stream uses: see png_encoder.h.
    cairo_surface_flush(surface_);
    return EncodeRgb24Png(cairo_image_surface_get_data(surface_), cairo_image_surface_get_width(surface_),
                          cairo_image_surface_get_height(surface_), cairo_image_surface_get_stride(surface_));
  }
  cairo_surface_finish(surface_);  // streams the document into bytes_
  status = cairo_surface_status(surface_);
  if (status != CAIRO_STATUS_SUCCESS) {
    return InternalError(std::string("cairo cannot encode a chart: ") +
                         cairo_status_to_string(status));
  }
  const size_t root = bytes_.find("<svg");
  const size_t root_end = root == std::string::npos ? root : bytes_.find('>', root);
  const size_t close = bytes_.rfind("</svg>");
  if (root_end == std::string::npos || close == std::string::npos || close < root_end) {
    return InternalError("cairo wrote an SVG document without an <svg> root element");
  }
  bytes_.insert(close, "<g fill-opacity=\"0\" font-family=\"DejaVu Sans, sans-serif\">\n" +
                           text_layer_ + "</g>\n");
  bytes_.insert(root_end + 1, "\n<title>" + EscapeXml(title_) + "</title>");
  return std::move(bytes_);
}

// ---- value axes --------------------------------------------------------------------------------

ValueScale::ValueScale(double lo, double hi, bool log, double pixel_lo, double pixel_hi)
    : lo_(lo), hi_(hi), log_(log), pixel_lo_(pixel_lo), pixel_hi_(pixel_hi) {}

double ValueScale::ToPixel(double value) const {
  const double t = log_
                       ? (std::log10(value) - std::log10(lo_)) / (std::log10(hi_) - std::log10(lo_))
                       : (value - lo_) / (hi_ - lo_);
  return pixel_lo_ + t * (pixel_hi_ - pixel_lo_);
}

std::vector<double> ValueScale::Ticks(int target) const {
  std::vector<double> ticks;
  if (log_) {
    const double first = std::ceil(std::log10(lo_) - 1e-9);
    const double last = std::floor(std::log10(hi_) + 1e-9);
    const bool few_decades = std::log10(hi_ / lo_) < 2.0;
    const double stride = std::max(1.0, std::ceil((last - first + 1) / (target + 2)));
    for (double e = first - 1; e <= last; e += 1) {
      const double decade = std::pow(10.0, e);
      for (double m : {1.0, 2.0, 5.0}) {
        if (m != 1.0 && !few_decades) continue;
        if (m == 1.0 && std::fmod(e - first, stride) != 0.0) continue;
        const double v = m * decade;
        if (v >= lo_ * (1 - 1e-9) && v <= hi_ * (1 + 1e-9)) ticks.push_back(v);
      }
    }
    if (ticks.size() >= 2) return ticks;
    ticks.clear();  // a narrow log range: linear ticks read better than one lonely power of ten
  }
  const double raw = (hi_ - lo_) / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
  for (double k = std::ceil(lo_ / step - 1e-9); k <= std::floor(hi_ / step + 1e-9); k += 1) {
    ticks.push_back(k * step == 0.0 ? 0.0 : k * step);  // no "-0"
  }
  return ticks;
}

std::string ValueScale::TickLabel(double value, const std::vector<double>& ticks) const {
  // %.6g: plain digits up to 100000, then exponents (1e+06).
  if (log_) return FormatNumber("%.*g", 6, value);
  const double step = ticks.size() >= 2 ? ticks[1] - ticks[0] : std::fabs(value);
  const double largest = std::max(std::fabs(lo_), std::fabs(hi_));
  const int step_exponent = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  if (largest >= 1e5 || largest < 1e-3) {
    const int digits = static_cast<int>(std::floor(std::log10(largest))) - step_exponent + 1;
    return FormatNumber("%.*g", std::clamp(digits, 1, 15), value);
  }
  return FormatNumber("%.*f", std::max(0, -step_exponent), value);
}

bool PaddedRange(const std::vector<double>& values, bool log, double* lo, double* hi) {
  bool any = false;
  double low = 0.0, high = 0.0;
  for (double v : values) {
    if (!std::isfinite(v) || (log && v <= 0.0)) continue;
    const double t = log ? std::log10(v) : v;
    low = any ? std::min(low, t) : t;
    high = any ? std::max(high, t) : t;
    any = true;
  }
  if (!any) return false;
  const double span = high - low;
  if (span <= 1e-12 * std::max(1.0, std::fabs(high))) {
    const double half = log ? 0.5 : (high != 0.0 ? std::fabs(high) * 0.1 : 1.0);
    low -= half;
    high += half;
  } else {
    low -= span * 0.05;
    high += span * 0.05;
  }
  *lo = log ? std::pow(10.0, low) : low;
  *hi = log ? std::pow(10.0, high) : high;
  return true;
}

double ValueAxisMargin(const TextMeasurer& measurer, const ValueScale& scale,
                       const std::vector<double>& ticks) {
  double widest = 0.0;
  for (double t : ticks)
    widest = std::max(widest, measurer.Width(scale.TickLabel(t, ticks), kChartTickFont));
  return kTickLength + kTickGap + widest + kTitleGap + kChartAxisTitleFont * kLineHeight;
}

void DrawValueAxis(Canvas& canvas, const PlotRect& plot, AxisSide side, const ValueScale& scale,
                   const std::vector<double>& ticks, const std::string& title,
                   const std::function<std::string(double)>& label) {
  const bool vertical = side == AxisSide::kLeft || side == AxisSide::kRight;
  // Unit vector pointing away from the plot, and where the axis line is.
  const double out_x = side == AxisSide::kLeft ? -1 : side == AxisSide::kRight ? 1 : 0;
  const double out_y = side == AxisSide::kTop ? -1 : side == AxisSide::kBottom ? 1 : 0;
  const double line = side == AxisSide::kLeft    ? plot.x
                      : side == AxisSide::kRight ? plot.right()
                      : side == AxisSide::kTop   ? plot.y
                                                 : plot.bottom();
  TextStyle tick_style;
  tick_style.size = kChartTickFont;
  tick_style.h_align = side == AxisSide::kLeft    ? HAlign::kRight
                       : side == AxisSide::kRight ? HAlign::kLeft
                                                  : HAlign::kCenter;
  tick_style.v_align = vertical                 ? VAlign::kMiddle
                       : side == AxisSide::kTop ? VAlign::kBottom
                                                : VAlign::kTop;
  TextMeasurer measurer;
  double extent = 0.0;  // how far the tick labels reach out from the axis
  for (double t : ticks) {
    const double p = scale.ToPixel(t);
    const double x = vertical ? line : p;
    const double y = vertical ? p : line;
    canvas.DrawLine(x, y, x + out_x * kTickLength, y + out_y * kTickLength, kChartBlack, 1.0);
    const std::string text = label ? label(t) : scale.TickLabel(t, ticks);
    const double offset = kTickLength + kTickGap;
    canvas.DrawText(text, x + out_x * offset, y + out_y * offset, tick_style);
    extent = std::max(
        extent, vertical ? measurer.Width(text, kChartTickFont) : kChartTickFont * kLineHeight);
  }
  if (title.empty()) return;
  TextStyle title_style;
  title_style.size = kChartAxisTitleFont;
  title_style.h_align = HAlign::kCenter;
  const double reach = kTickLength + kTickGap + extent + kTitleGap;
  if (vertical) {
    title_style.angle_degrees = 90.0;
    // Rotated 90°, the text's "down" points right: on the left axis its bottom touches the anchor.
    title_style.v_align = side == AxisSide::kLeft ? VAlign::kBottom : VAlign::kTop;
    canvas.DrawText(title, line + out_x * reach, plot.y + plot.height / 2, title_style);
  } else {
    title_style.v_align = side == AxisSide::kTop ? VAlign::kBottom : VAlign::kTop;
    canvas.DrawText(title, plot.x + plot.width / 2, line + out_y * reach, title_style);
  }
}

}  // namespace xquant::report
