// PNG encoding of the charts' pixels (private to src/report).
//
// cairo's own PNG writer goes through libpng with its defaults: every row tries all five PNG
// filters and keeps the best, then zlib level 6. On a chart (flat white with thin lines and text)
// choosing the filters took as long as compressing, and encoding was most of the time spent
// writing a report. The same libpng told to store rows unfiltered and deflate at level 3 writes
// them about three times faster, in files 5-20% larger (docs/report.md, the charts' section).
#pragma once

#include <cstdint>
#include <string>

#include "xquant/status.h"

namespace xquant::report {

// PNG file bytes (8-bit RGB, no alpha, no interlacing) of a `width` x `height` image whose rows
// start `stride` bytes apart, each pixel a native-endian uint32 0x00RRGGBB (cairo's RGB24).
// Errors (Internal): a size below 1x1 or a stride shorter than a row, or libpng failing.
StatusOr<std::string> EncodeRgb24Png(const unsigned char* pixels, int width, int height, int stride);

}  // namespace xquant::report
