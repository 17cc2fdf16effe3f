// Attributes shared by Conv and ConvTranspose (ONNX opsets 1-17; the attributes did not change
// across versions): group, kernel_shape, strides, dilations, pads, auto_pad, and ConvTranspose's
// output_padding / output_shape; and the per-axis geometry they give for concrete input shapes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "exec/kernel.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels::onednn {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

struct ConvAttributes {
  bool transpose = false;  // ConvTranspose
  int64_t group = 1;
  AutoPad auto_pad = AutoPad::kNotSet;
  // Empty when the attribute is absent; the spatial rank then comes from the weights.
  std::vector<int64_t> kernel_shape, strides, dilations, pads;
  std::vector<int64_t> output_padding, output_shape;  // ConvTranspose only
};

// Reads and checks the attributes (values in range, lengths consistent with each other and with
// the weights when those are constant).
StatusOr<ConvAttributes> ParseConvAttributes(const exec::KernelInfo& info, bool transpose);

// The geometry of one call. All vectors have one entry per spatial axis.
struct ConvGeometry {
  std::vector<int64_t> kernel, strides, dilations;
  // Conv: the padding of the input. ConvTranspose: the crop of the full transposed-convolution
  // output at each end (negative = the output extends beyond it; output_padding included in
  // pad_end, so out = (in - 1) * stride + dilated kernel - pad_begin - pad_end).
  std::vector<int64_t> pad_begin, pad_end;
  std::vector<int64_t> out;  // output spatial sizes
};

// Checks x [N, C, spatial...] and w against each other and the attributes; computes the output.
// Conv: w [M, C / group, k...]. ConvTranspose: w [C, M / group, k...].
StatusOr<ConvGeometry> ResolveConvGeometry(const exec::KernelContext& ctx,
                                           const ConvAttributes& attrs, const Shape& x,
                                           const Shape& w);

// The kernel of Conv (transpose = false) and ConvTranspose (true), defined in conv.cc.
StatusOr<std::unique_ptr<exec::Kernel>> CreateConvKernel(const exec::KernelInfo& info,
                                                         bool transpose);

}  // namespace xquant::kernels::onednn
