// Turning decoded 8-bit pixels into one sample of a model input: bilinear resize, scale,
// per-channel mean/std, NCHW or NHWC. Kept apart from decoding so it can be checked by hand.
#pragma once

#include <cstdint>
#include <vector>

namespace xquant::data {

struct ImageGeometry {
  int64_t height = 0;  // output size
  int64_t width = 0;
  int64_t channels = 0;        // 1 or 3; the decoded pixels have as many
  bool channels_first = true;  // NCHW (else NHWC)
};

// Bilinear interpolation with half-pixel centres (PyTorch's align_corners=False, OpenCV's
// INTER_LINEAR): output pixel i samples the input at (i + 0.5) * in / out - 0.5, clamped to
// [0, in - 1]. No antialiasing when shrinking, no rounding to 8 bits in between.
// `pixels` is interleaved (height x width x channels); `out` receives geometry.height x
// geometry.width x geometry.channels floats, then ((value * scale) - mean[c]) / std[c], laid out
// per `geometry.channels_first`. REQUIRES: mean and std hold 1 or `channels` values.
void ImageToSample(const uint8_t* pixels, int64_t height, int64_t width,
                   const ImageGeometry& geometry, float scale, const std::vector<float>& mean,
                   const std::vector<float>& std, float* out);

}  // namespace xquant::data
