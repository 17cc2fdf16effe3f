// Reading index tensors (Gather*, Scatter*, OneHot-like ops): int32 or int64, negative values count
// from the end of the indexed axis, anything outside [-bound, bound) is an error naming the value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {

// All of `t`'s values as int64 in [0, bound).
inline StatusOr<std::vector<int64_t>> ReadIndices(const KernelContext& ctx, const Tensor& t,
                                                  int64_t bound, const std::string& what) {
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> v,
                      ToInt64Vector(t, ctx.node().Describe() + ": " + what));
  for (int64_t& i : v) {
    if (i < -bound || i >= bound)
      return ctx.Error(what + " value " + std::to_string(i) + " is out of range [-" +
                       std::to_string(bound) + ", " + std::to_string(bound) + ")");
    if (i < 0) i += bound;
  }
  return v;
}

// GatherElements / ScatterElements: `indices` has data's rank and fits inside it on every axis but
// `axis`; returns its values as int64 in [0, data.dim(axis)).
inline StatusOr<std::vector<int64_t>> ReadElementIndices(const KernelContext& ctx, const Tensor& data,
                                                         const Tensor& indices, int axis) {
  bool fits = indices.rank() == data.rank();
  for (int k = 0; fits && k < data.rank(); ++k) fits = k == axis || indices.dim(k) <= data.dim(k);
  if (!fits)
    return ctx.Error("indices of shape " + ShapeToString(indices.shape()) + " do not fit data of shape " +
                     ShapeToString(data.shape()));
  return ReadIndices(ctx, indices, data.dim(axis), "indices");
}

// Product of shape[begin, end).
inline int64_t DimProduct(const Shape& shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t k = begin; k < end && k < shape.size(); ++k) p *= shape[k];
  return p;
}

// Calls fn(p, offset) for every position p (flat, C order) of `shape`, where offset is
// sum(coord_k * strides[k]) over every axis k except `axis`: the element of another tensor (with
// `strides`) that shares p's coordinates, before adding the axis term. GatherElements and
// ScatterElements add index * strides[axis] to it. Only one division per row-walk start.
template <typename F>
void ForEachOffsetSkippingAxis(const Shape& shape, const std::vector<int64_t>& strides, int axis,
                               F&& fn) {
  const size_t rank = shape.size();
  if (ElementCount(shape) == 0) return;
  const int64_t last = shape[rank - 1];
  const int64_t last_stride = static_cast<int>(rank) - 1 == axis ? 0 : strides[rank - 1];
  std::vector<int64_t> coord(rank - 1, 0);
  const int64_t rows = DimProduct(shape, 0, rank - 1);
  int64_t base = 0, p = 0;
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t k = 0; k < last; ++k) fn(p++, base + k * last_stride);
    for (size_t k = rank - 1; k-- > 0;) {
      const int64_t stride = static_cast<int>(k) == axis ? 0 : strides[k];
      base += stride;
      if (++coord[k] < shape[k]) break;
      base -= stride * shape[k];
      coord[k] = 0;
    }
  }
}

}  // namespace xquant::kernels
