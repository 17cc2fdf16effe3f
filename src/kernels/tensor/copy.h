// Byte-moving building blocks shared by the tensor kernels: a strided copy (Slice, Expand, Tile,
// Pad, Transpose when the innermost axis stays innermost) and a cache-blocked transpose (Transpose,
// DepthToSpace, SpaceToDepth). Both work on element sizes, not types, so one code path serves
// every dtype including bool and int64.
#pragma once

#include <cstdint>
#include <vector>

#include "xquant/tensor.h"

namespace xquant::kernels {

// Copies the `shape`-shaped view of `src` into the view of `dst`: element (i0, .., in) goes from
// src + sum(ik * src_strides[k]) to dst + sum(ik * dst_strides[k]). Strides are in elements and
// may be zero (broadcast: src only) or negative (src only: reversed slices). Adjacent dimensions
// that are contiguous in both views are merged first, so the inner loop is as long as possible
// (a memcpy when both inner strides are 1). Runs in parallel for large copies.
// REQUIRES: elem_size is 1, 2, 4 or 8; all vectors have shape.size() entries; dst positions are
// distinct.
void StridedCopy(size_t elem_size, const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const std::vector<int64_t>& dst_strides, const Shape& shape);

// Same, for a contiguous destination.
void StridedCopy(size_t elem_size, const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const Shape& shape);

// C-order strides (in elements) of `shape`.
std::vector<int64_t> ContiguousStrides(const Shape& shape);

// y = transpose(x, perm): y.shape[k] = x.shape[perm[k]]. Axes that stay adjacent are merged; an
// identity permutation (after merging) returns a tensor sharing x's buffer; a permutation that
// keeps the innermost axis copies whole rows; any other runs a cache-blocked 2-D transpose between
// the input's innermost axis and the output's, with 8x8 AVX register transposes for 4-byte elements
// (NCHW <-> NHWC and last-two-axes swaps are the batched 2-D case).
// REQUIRES: perm is a permutation of [0, x.rank()); x's element size is 1, 2, 4 or 8.
Tensor TransposeTensor(const Tensor& x, const std::vector<int>& perm);

}  // namespace xquant::kernels
