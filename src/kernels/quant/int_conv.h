// The integer convolution shared by QLinearConv and ConvInteger (ONNX opset 10): Conv's attributes
// and output geometry (any number of spatial dims, groups, pads, strides, dilations, auto_pad), and
// acc[n, m, p] = sum over (c, kernel offset) of (x - x_zp) * (w - w_zp[m]) in int32, computed as
// im2col + an int32 GEMM row per output channel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/kernel.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels {

// Conv attributes as written in the node (checked for self-consistency at preparation time).
struct ConvAttributes {
  std::string auto_pad = "NOTSET";  // NOTSET, SAME_UPPER, SAME_LOWER, VALID
  std::vector<int64_t> kernel_shape;  // empty: taken from the weights
  std::vector<int64_t> strides;      // empty: all 1
  std::vector<int64_t> dilations;    // empty: all 1
  std::vector<int64_t> pads;         // empty: all 0; else [begin..., end...]
  int64_t group = 1;
};

StatusOr<ConvAttributes> ReadConvAttributes(const exec::KernelInfo& info);

// The resolved shapes of one convolution.
struct ConvGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;   // C
  int64_t out_channels = 0;  // M
  int64_t group = 1;
  std::vector<int64_t> in_spatial, kernel, strides, dilations, pad_begin, out_spatial;
  int64_t in_image = 1;   // prod(in_spatial)
  int64_t out_image = 1;  // prod(out_spatial) = P
  int64_t patch = 1;      // (C / group) * prod(kernel) = K of the GEMM
  Shape output_shape;     // [N, M, out_spatial...]
};

// Checks x [N, C, D...] and w [M, C/group, k...] against the attributes and resolves the padding.
StatusOr<ConvGeometry> ComputeConvGeometry(const exec::KernelContext& ctx, const ConvAttributes& attrs, const Shape& x,
                                           const Shape& w);

// The weights minus their zero point, widened to int32, laid out [M, patch]. `w_zero_point` is
// nullptr (0), one value, or one per output channel (shape [M]). REQUIRES: w int8/uint8, the zero
// point of w's type and size 1 or M (checked by the caller).
std::vector<int32_t> WeightsMinusZeroPoint(const Tensor& w, const Tensor* w_zero_point);

// acc[n, m, p] for every image n, output channel m and output position p (a buffer of
// ElementCount(g.output_shape) int32). REQUIRES: x int8/uint8 with shape [N, C, in_spatial...].
void ConvolveS32(const ConvGeometry& g, const Tensor& x, int32_t x_zero_point, const std::vector<int32_t>& w_s32,
                 int32_t* acc);

}  // namespace xquant::kernels
