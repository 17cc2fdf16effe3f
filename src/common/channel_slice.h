// Multiplying part of a float tensor along one axis: the concatenation scaling's weight changes
// (src/fix/concat_scaling.cc) and the report's compare rescales (src/analysis/report_runner.cc)
// are the same operation on different tensors.
#pragma once

#include <cstdint>

#include "xquant/tensor.h"

namespace xquant {

// data[..., c, ...] *= factor for c in [begin, end) of `axis` (clamped to the dimension) of a
// tensor of `shape` in C order; every element when axis < 0.
inline void MultiplyChannels(float* data, const Shape& shape, int axis, int64_t begin, int64_t end, float factor) {
  if (axis < 0) {
    const int64_t n = ElementCount(shape);
    for (int64_t k = 0; k < n; ++k) data[k] *= factor;
    return;
  }
  // [outer, dim(axis), inner] view of the tensor.
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t dim = shape[axis];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = begin; c < end && c < dim; ++c)
      for (int64_t i = 0; i < inner; ++i) data[(o * dim + c) * inner + i] *= factor;
}

}  // namespace xquant
