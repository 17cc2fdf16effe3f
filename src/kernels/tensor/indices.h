// Reading index tensors (Gather*, Scatter*, OneHot-like ops): int32 or int64, negative values count
// from the end of the indexed axis, anything outside [-bound, bound) is an error naming the value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {

// All of `t`'s values as int64 in [0, bound).
inline StatusOr<std::vector<int64_t>> ReadIndices(const KernelContext& ctx, const Tensor& t, int64_t bound,
                                                  const std::string& what) {
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> v, ToInt64Vector(t, ctx.node().Describe() + ": " + what));
  for (int64_t& i : v) {
    if (i < -bound || i >= bound)
      return ctx.Error(what + " value " + std::to_string(i) + " is out of range [-" + std::to_string(bound) + ", " +
                       std::to_string(bound) + ")");
    if (i < 0) i += bound;
  }
  return v;
}

// Product of shape[begin, end).
inline int64_t DimProduct(const Shape& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end && k < shape.size(); ++k) p *= shape[k];
  return p;
}

}  // namespace xquant::kernels
