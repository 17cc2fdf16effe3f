// The charts' pixels through libpng into memory, with the two settings that make it fast on a
// chart: no per-row filter search (filter type None) and zlib level 3.
#include "report/png_encoder.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <vector>

namespace xquant::report {
namespace {

// Level 3 of zlib: the knee of time against size on the report's charts (levels 1-2 are barely
// faster and 5-20% larger; levels 4-6 take twice as long for 10-30% smaller files).
constexpr int kDeflateLevel = 3;

void AppendToString(png_structp png, png_bytep data, png_size_t length) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}

void NoFlush(png_structp) {}

// libpng reports errors by longjmp after calling this; keep its message for the Status.
void KeepMessage(png_structp png, png_const_charp message) {
  auto* text = static_cast<std::string*>(png_get_error_ptr(png));
  if (text) *text = message ? message : "unknown error";
  png_longjmp(png, 1);
}

}  // namespace

StatusOr<std::string> EncodeRgb24Png(const unsigned char* pixels, int width, int height, int stride) {
  if (width <= 0 || height <= 0 || stride < 4 * width) {
    return InternalError("PNG encoder: image " + std::to_string(width) + "x" + std::to_string(height) +
                         " with row stride " + std::to_string(stride) + " bytes is not a valid RGB24 image");
  }
  // Rows as RGB triples (cairo's RGB24 is a native-endian uint32 0x00RRGGBB per pixel).
  const size_t row_bytes = 3 * static_cast<size_t>(width);
  std::vector<unsigned char> rgb(row_bytes * static_cast<size_t>(height));
  std::vector<png_bytep> rows(static_cast<size_t>(height));
  for (int y = 0; y < height; ++y) {
    const unsigned char* source = pixels + static_cast<size_t>(y) * stride;
    unsigned char* row = rgb.data() + row_bytes * y;
    rows[y] = row;
    for (int x = 0; x < width; ++x) {
      uint32_t pixel;
      std::memcpy(&pixel, source + 4 * static_cast<size_t>(x), 4);
      row[3 * x] = static_cast<unsigned char>(pixel >> 16);
      row[3 * x + 1] = static_cast<unsigned char>(pixel >> 8);
      row[3 * x + 2] = static_cast<unsigned char>(pixel);
    }
  }

  std::string error;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &error, KeepMessage, nullptr);
  if (!png) return InternalError("PNG encoder: libpng could not start");
  png_infop info = png_create_info_struct(png);
  std::string out;
  // Nothing with a destructor is created between setjmp and the calls that may longjmp.
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    return InternalError("PNG encoder: libpng failed: " + (error.empty() ? std::string("out of memory") : error));
  }
  png_set_write_fn(png, &out, AppendToString, NoFlush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  png_set_compression_level(png, kDeflateLevel);
  png_write_info(png, info);
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace xquant::report
