#include "data/image_transform.h"

#include <algorithm>
#include <cmath>

namespace xquant::data {
namespace {

// Where output index i of an axis reads: between input `low` and `high` with weight `frac` on high.
struct Tap {
  int64_t low = 0;
  int64_t high = 0;
  float frac = 0.0f;
};

std::vector<Tap> AxisTaps(int64_t in_size, int64_t out_size) {
  std::vector<Tap> taps(out_size);
  const double ratio = static_cast<double>(in_size) / static_cast<double>(out_size);
  for (int64_t out_idx = 0; out_idx < out_size; ++out_idx) {
    const double src =
        std::clamp((out_idx + 0.5) * ratio - 0.5, 0.0, static_cast<double>(in_size - 1));
    Tap& tap = taps[out_idx];
    tap.low = static_cast<int64_t>(std::floor(src));
    tap.high = std::min(tap.low + 1, in_size - 1);
    tap.frac = static_cast<float>(src - static_cast<double>(tap.low));
  }
  return taps;
}

}  // namespace

void ImageToSample(const uint8_t* pixels, int64_t height, int64_t width,
                   const ImageGeometry& geometry, float scale, const std::vector<float>& mean,
                   const std::vector<float>& std, float* out) {
  const int64_t channels = geometry.channels;
  const std::vector<Tap> rows = AxisTaps(height, geometry.height);
  const std::vector<Tap> cols = AxisTaps(width, geometry.width);
  const int64_t plane = geometry.height * geometry.width;
  auto at = [&](int64_t y, int64_t x, int64_t c) {
    return static_cast<float>(pixels[(y * width + x) * channels + c]);
  };
  for (int64_t c = 0; c < channels; ++c) {
    const float channel_mean = mean.size() == 1 ? mean[0] : mean[c];
    const float channel_std = std.size() == 1 ? std[0] : std[c];
    for (int64_t y = 0; y < geometry.height; ++y) {
      const Tap& row = rows[y];
      for (int64_t x = 0; x < geometry.width; ++x) {
        const Tap& col = cols[x];
        const float top =
            (1.0f - col.frac) * at(row.low, col.low, c) + col.frac * at(row.low, col.high, c);
        const float bottom =
            (1.0f - col.frac) * at(row.high, col.low, c) + col.frac * at(row.high, col.high, c);
        const float value = (1.0f - row.frac) * top + row.frac * bottom;
        const float normalised = (value * scale - channel_mean) / channel_std;
        const int64_t index = geometry.channels_first ? c * plane + y * geometry.width + x
                                                      : (y * geometry.width + x) * channels + c;
        out[index] = normalised;
      }
    }
  }
}

}  // namespace xquant::data
