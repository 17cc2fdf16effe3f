// The (scale, zero point) layout shared by QuantizeLinear and DequantizeLinear.
//
// ONNX QuantizeLinear / DequantizeLinear:
//   opset 10: per tensor only (scalar scale and zero point);
//   opset 13: `axis` (default 1) and 1-D scale/zero point of length x.shape[axis] = per axis;
//   opset 19: float16/bfloat16 scales (converted to float32 by the loader), `saturate` for float8
//             (float8 types are refused when the model is loaded);
//   opset 21: int16/uint16, int4/uint4 (unpacked by the loader, one element per byte), `block_size`
//             (blocked along `axis`), `output_dtype`.
// com.microsoft QuantizeLinear/DequantizeLinear (onnxruntime contrib) follow the opset-13 form and
// allow 16- and 4-bit types earlier.
#pragma once

#include <cstdint>
#include <string>

#include "exec/kernel.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels {

// How the scale applies to x: x is viewed as [outer, axis_dim, inner]; element (o, a, i) uses
// scale index a / block_size (per axis / blocked) or 0 (per tensor).
struct QdqLayout {
  int64_t outer = 1;
  int64_t axis_dim = 1;
  int64_t inner = 1;
  int64_t block_size = 0;  // 0: per tensor (scale has one element) or per axis (block of 1)
  bool per_tensor = true;
  int64_t scale_count = 1;  // number of scale values along the axis
};

// Checks scale/zero point shapes against x and computes the layout.
StatusOr<QdqLayout> ComputeQdqLayout(const exec::KernelContext& ctx, const Tensor& x, const Tensor& scale,
                                     const Tensor* zero_point, int64_t axis, int64_t block_size);

// Scale index for element (a) along the axis (per tensor / per axis; blocked layouts use
// BlockedScaleOffset, since their scale also varies with the outer and inner indices).
inline int64_t ScaleIndex(const QdqLayout& l, int64_t a) {
  if (l.per_tensor) return 0;
  return l.block_size > 0 ? a / l.block_size : a;
}

// Blocked (block_size > 0): the scale has x's shape with scale_count along the axis, so element
// (o, a, i) of row = o * axis_dim + a uses scale[(o * scale_count + a / block_size) * inner + i].
// Returns that index for i = 0.
inline int64_t BlockedScaleOffset(const QdqLayout& l, int64_t row) {
  return ((row / l.axis_dim) * l.scale_count + (row % l.axis_dim) / l.block_size) * l.inner;
}

}  // namespace xquant::kernels
