#include "kernels/tensor/copy.h"

#include <algorithm>
#include <cstring>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "exec/parallel.h"

namespace xquant::kernels {
namespace {

// A copy problem after dropping size-1 dimensions and merging dimensions that are contiguous in
// both views. Never empty: a scalar copy is one dimension of size 1.
struct CopyLayout {
  Shape shape;
  std::vector<int64_t> src;
  std::vector<int64_t> dst;
};

CopyLayout Coalesce(const Shape& shape, const std::vector<int64_t>& src,
                    const std::vector<int64_t>& dst) {
  CopyLayout l;
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    // The outer dimension p and this one k merge when stepping p equals stepping k shape[k] times.
    if (!l.shape.empty() && l.src.back() == src[k] * shape[k] &&
        l.dst.back() == dst[k] * shape[k]) {
      l.shape.back() *= shape[k];
      l.src.back() = src[k];
      l.dst.back() = dst[k];
      continue;
    }
    l.shape.push_back(shape[k]);
    l.src.push_back(src[k]);
    l.dst.push_back(dst[k]);
  }
  if (l.shape.empty()) l = {{1}, {1}, {1}};
  return l;
}

template <typename T>
inline void CopyInner(const T* s, int64_t ss, T* d, int64_t ds, int64_t n) {
  if (ss == 1 && ds == 1) {
    std::memcpy(d, s, static_cast<size_t>(n) * sizeof(T));
  } else if (ss == 0) {
    const T v = *s;
    if (ds == 1)
      std::fill_n(d, n, v);
    else
      for (int64_t i = 0; i < n; ++i) d[i * ds] = v;
  } else if (ds == 1) {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i * ss];
  } else {
    for (int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

// Counters over the outer (all but the last) dimensions of a layout, advanced row by row so that
// only the first row of a chunk needs divisions.
class RowWalker {
 public:
  RowWalker(const CopyLayout& l, int64_t row) : l_(l), idx_(l.shape.size() - 1, 0) {
    for (size_t k = idx_.size(); k-- > 0;) {
      idx_[k] = row % l.shape[k];
      row /= l.shape[k];
      src_ += idx_[k] * l.src[k];
      dst_ += idx_[k] * l.dst[k];
    }
  }
  int64_t src() const { return src_; }
  int64_t dst() const { return dst_; }
  void Next() {
    for (size_t k = idx_.size(); k-- > 0;) {
      src_ += l_.src[k];
      dst_ += l_.dst[k];
      if (++idx_[k] < l_.shape[k]) return;
      src_ -= l_.src[k] * l_.shape[k];
      dst_ -= l_.dst[k] * l_.shape[k];
      idx_[k] = 0;
    }
  }

 private:
  const CopyLayout& l_;
  std::vector<int64_t> idx_;
  int64_t src_ = 0;
  int64_t dst_ = 0;
};

template <typename T>
void StridedCopyTyped(const T* src, T* dst, const CopyLayout& l) {
  const int64_t n = l.shape.back();
  const int64_t ss = l.src.back();
  const int64_t ds = l.dst.back();
  int64_t rows = 1;
  for (size_t k = 0; k + 1 < l.shape.size(); ++k) rows *= l.shape[k];
  exec::ParallelFor(rows, std::max<int64_t>(1, exec::kElementwiseGrain / n),
                    [&](int64_t begin, int64_t end) {
                      RowWalker walk(l, begin);
                      for (int64_t row = begin; row < end; ++row, walk.Next())
                        CopyInner(src + walk.src(), ss, dst + walk.dst(), ds, n);
                    });
}

template <typename F>
void BySize(size_t elem_size, F&& fn) {
  switch (elem_size) {
    case 1:
      fn(uint8_t{});
      break;
    case 2:
      fn(uint16_t{});
      break;
    case 4:
      fn(uint32_t{});
      break;
    default:
      fn(uint64_t{});
      break;
  }
}

// One tile of the 2-D transpose: dst[r * dst_row_stride + c] = src[r + c * src_col_stride] for r in
// [r0, r1), c in [c0, c1).
template <typename T>
inline void TransposeTile(const T* src, int64_t src_col_stride, T* dst, int64_t dst_row_stride,
                          int64_t r0, int64_t r1, int64_t c0, int64_t c1) {
  for (int64_t r = r0; r < r1; ++r) {
    T* drow = dst + r * dst_row_stride;
    const T* scol = src + r;
    for (int64_t c = c0; c < c1; ++c) drow[c] = scol[c * src_col_stride];
  }
}

#if defined(__AVX__)
// 8x8 transpose of 32-bit elements in registers (unpack, shuffle, lane permute): 8 loads and 8
// stores instead of 64 scalar moves. The float instructions only move bits, so any 4-byte type is
// safe, NaN payloads included.
inline void Transpose8x8(const uint32_t* src, int64_t src_col_stride, uint32_t* dst,
                         int64_t dst_row_stride) {
  auto load = [&](int c) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(src + c * src_col_stride));
  };
  const __m256 r0 = load(0), r1 = load(1), r2 = load(2), r3 = load(3), r4 = load(4), r5 = load(5),
               r6 = load(6), r7 = load(7);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  auto store = [&](int r, __m256 v) {
    _mm256_storeu_ps(reinterpret_cast<float*>(dst + r * dst_row_stride), v);
  };
  store(0, _mm256_permute2f128_ps(u0, u4, 0x20));
  store(1, _mm256_permute2f128_ps(u1, u5, 0x20));
  store(2, _mm256_permute2f128_ps(u2, u6, 0x20));
  store(3, _mm256_permute2f128_ps(u3, u7, 0x20));
  store(4, _mm256_permute2f128_ps(u0, u4, 0x31));
  store(5, _mm256_permute2f128_ps(u1, u5, 0x31));
  store(6, _mm256_permute2f128_ps(u2, u6, 0x31));
  store(7, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// 32-bit elements (float32, int32: the common case) go through 8x8 register transposes; the ragged
// edges of the tile fall back to scalar moves.
template <>
inline void TransposeTile<uint32_t>(const uint32_t* src, int64_t src_col_stride, uint32_t* dst,
                                    int64_t dst_row_stride, int64_t r0, int64_t r1, int64_t c0,
                                    int64_t c1) {
  int64_t r = r0;
  for (; r + 8 <= r1; r += 8) {
    int64_t c = c0;
    for (; c + 8 <= c1; c += 8)
      Transpose8x8(src + r + c * src_col_stride, src_col_stride, dst + r * dst_row_stride + c,
                   dst_row_stride);
    if (c < c1) {
      for (int64_t rr = r; rr < r + 8; ++rr)
        for (int64_t cc = c; cc < c1; ++cc)
          dst[rr * dst_row_stride + cc] = src[rr + cc * src_col_stride];
    }
  }
  for (; r < r1; ++r)
    for (int64_t c = c0; c < c1; ++c) dst[r * dst_row_stride + c] = src[r + c * src_col_stride];
}
#endif

// Output = transpose of a merged input, where the input's innermost axis (stride 1 in the source)
// lands on output axis `q` and the output's innermost axis reads the source with stride
// src_strides[m - 1].
// Square tiles of kBlock x kBlock keep both the source lines and the destination lines in cache.
template <typename T>
void BlockedTranspose(const T* src, T* dst, const Shape& out_shape,
                      const std::vector<int64_t>& src_strides, int q) {
  constexpr int64_t kBlock = 16;
  const int m = static_cast<int>(out_shape.size());
  const std::vector<int64_t> dst_strides = ContiguousStrides(out_shape);
  const int64_t rows = out_shape[q];
  const int64_t cols = out_shape[m - 1];
  const int64_t src_col_stride = src_strides[m - 1];
  const int64_t dst_row_stride = dst_strides[q];
  // The remaining axes, iterated in output order; a trailing 1 keeps the walker non-empty.
  CopyLayout outer;
  for (int k = 0; k < m - 1; ++k) {
    if (k == q) continue;
    outer.shape.push_back(out_shape[k]);
    outer.src.push_back(src_strides[k]);
    outer.dst.push_back(dst_strides[k]);
  }
  outer.shape.push_back(1);
  outer.src.push_back(0);
  outer.dst.push_back(0);
  int64_t outer_count = 1;
  for (size_t k = 0; k + 1 < outer.shape.size(); ++k) outer_count *= outer.shape[k];
  const int64_t row_blocks = (rows + kBlock - 1) / kBlock;
  const int64_t tasks = outer_count * row_blocks;
  exec::ParallelFor(tasks, std::max<int64_t>(1, exec::kElementwiseGrain / (kBlock * cols)),
                    [&](int64_t begin, int64_t end) {
                      RowWalker walk(outer, begin / row_blocks);
                      int64_t rb = begin % row_blocks;
                      for (int64_t t = begin; t < end; ++t) {
                        const T* s = src + walk.src();
                        T* d = dst + walk.dst();
                        const int64_t r0 = rb * kBlock;
                        const int64_t r1 = std::min(rows, r0 + kBlock);
                        for (int64_t c0 = 0; c0 < cols; c0 += kBlock)
                          TransposeTile(s, src_col_stride, d, dst_row_stride, r0, r1, c0,
                                        std::min(cols, c0 + kBlock));
                        if (++rb == row_blocks) {
                          rb = 0;
                          walk.Next();
                        }
                      }
                    });
}

}  // namespace

std::vector<int64_t> ContiguousStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t k = shape.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= shape[k];
  }
  return strides;
}

void StridedCopy(size_t elem_size, const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const std::vector<int64_t>& dst_strides, const Shape& shape) {
  if (ElementCount(shape) == 0) return;
  const CopyLayout l = Coalesce(shape, src_strides, dst_strides);
  BySize(elem_size, [&](auto t) {
    using T = decltype(t);
    StridedCopyTyped(static_cast<const T*>(src), static_cast<T*>(dst), l);
  });
}

void StridedCopy(size_t elem_size, const void* src, const std::vector<int64_t>& src_strides,
                 void* dst, const Shape& shape) {
  StridedCopy(elem_size, src, src_strides, dst, ContiguousStrides(shape), shape);
}

Tensor TransposeTensor(const Tensor& x, const std::vector<int>& perm) {
  const int rank = x.rank();
  Shape out_shape(rank);
  for (int k = 0; k < rank; ++k) out_shape[k] = x.dim(perm[k]);
  if (x.size() == 0) return Tensor(x.dtype(), out_shape);

  // Drop size-1 input axes, then merge runs of input axes that stay adjacent and in order in the
  // output: the result is the smallest equivalent transpose.
  std::vector<int> renumber(rank, -1);
  int kept = 0;
  for (int a = 0; a < rank; ++a)
    if (x.dim(a) != 1) renumber[a] = kept++;
  std::vector<int> reduced;  // output order, renumbered input axes
  for (int k = 0; k < rank; ++k)
    if (renumber[perm[k]] >= 0) reduced.push_back(renumber[perm[k]]);
  std::vector<int> group_first;  // per merged output axis: its first (renumbered) input axis
  std::vector<int> group_of(kept);
  for (size_t k = 0; k < reduced.size(); ++k) {
    if (k == 0 || reduced[k] != reduced[k - 1] + 1) group_first.push_back(reduced[k]);
    group_of[reduced[k]] = static_cast<int>(group_first.size()) - 1;
  }
  const int m = static_cast<int>(group_first.size());
  // Merged input shape (groups in input order) and the merged permutation.
  std::vector<int> input_order(m);  // merged input axis -> group
  for (int g = 0; g < m; ++g) input_order[g] = g;
  std::sort(input_order.begin(), input_order.end(),
            [&](int a, int b) { return group_first[a] < group_first[b]; });
  std::vector<int> group_input_axis(m);
  for (int i = 0; i < m; ++i) group_input_axis[input_order[i]] = i;
  bool identity = true;
  for (int g = 0; g < m; ++g) identity = identity && group_input_axis[g] == g;
  if (identity) return x.Reshaped(out_shape);

  Shape merged_in(m, 1);
  for (int a = 0; a < rank; ++a)
    if (renumber[a] >= 0) merged_in[group_input_axis[group_of[renumber[a]]]] *= x.dim(a);
  const std::vector<int64_t> in_strides = ContiguousStrides(merged_in);
  Shape merged_out(m);
  std::vector<int64_t> src_strides(m);
  int q = -1;
  for (int g = 0; g < m; ++g) {
    merged_out[g] = merged_in[group_input_axis[g]];
    src_strides[g] = in_strides[group_input_axis[g]];
    if (group_input_axis[g] == m - 1) q = g;
  }

  Tensor y(x.dtype(), out_shape);
  const size_t elem_size = DataTypeSize(x.dtype());
  if (q == m - 1) {  // the innermost axis stays innermost: whole rows move
    StridedCopy(elem_size, x.raw_data(), src_strides, y.raw_data(), merged_out);
    return y;
  }
  BySize(elem_size, [&](auto t) {
    using T = decltype(t);
    BlockedTranspose(x.data<T>(), y.data<T>(), merged_out, src_strides, q);
  });
  return y;
}

}  // namespace xquant::kernels
