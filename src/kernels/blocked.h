// Loops over the executor's channel-blocked layout (exec/blocked_layout.h) shared by the kernels
// that accept blocked inputs (Kernel::AcceptsBlockedInput): unblocking on the way through an op,
// and the fallback that runs a plain kernel on unblocked copies of its inputs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "exec/blocked_layout.h"
#include "exec/kernel.h"
#include "exec/parallel.h"

namespace xquant::kernels {

using exec::kChannelBlock;

#if defined(__AVX__)
// dst[r * dst_stride + c] = src[c * src_stride + r] for r, c in [0, 8): an 8x8 float transpose in
// registers (pairs interleaved, then quadruples, then 128-bit halves swapped), so that rows are
// written with 8 vector stores instead of 64 scalar ones. Scalar stores to lines that miss the cache
// fill the store buffer: unblocking a 38 MB tensor took 0.65 ns/element more than UnaryLoop with
// them, 0.23 with this.
inline void Transpose8x8(const float* src, int64_t src_stride, float* dst, int64_t dst_stride) {
  __m256 a[8], b[8];
  for (int i = 0; i < 8; ++i) a[i] = _mm256_loadu_ps(src + i * src_stride);
  for (int i = 0; i < 8; i += 2) {
    b[i] = _mm256_unpacklo_ps(a[i], a[i + 1]);
    b[i + 1] = _mm256_unpackhi_ps(a[i], a[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    a[i] = _mm256_shuffle_ps(b[i], b[i + 2], 0x44);
    a[i + 1] = _mm256_shuffle_ps(b[i], b[i + 2], 0xEE);
    a[i + 2] = _mm256_shuffle_ps(b[i + 1], b[i + 3], 0x44);
    a[i + 3] = _mm256_shuffle_ps(b[i + 1], b[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + i * dst_stride, _mm256_permute2f128_ps(a[i], a[i + 4], 0x20));
    _mm256_storeu_ps(dst + (i + 4) * dst_stride, _mm256_permute2f128_ps(a[i], a[i + 4], 0x31));
  }
}
#endif

// y = op(x) where x holds `shape` ([N, C, spatial...]) channel-blocked (exec/blocked_layout.h)
// and y is written in plain C order: the reorder a convolution would otherwise run before handing
// over a plain tensor, done while the values pass through op anyway. Block (n, cb) is S*16
// contiguous inputs, and its valid channels' plain rows of S start at (n*C + cb*16)*S.
// op runs on a contiguous tile (vectorised like UnaryLoop), which is then transposed into the rows
// from L1; each element gets the same op as in UnaryLoop, so results are bit for bit the same.
template <typename T, typename Op>
void UnblockingUnaryLoop(const T* x, T* y, const Shape& shape, const Op& op, int64_t grain = exec::kElementwiseGrain) {
  const exec::BlockedShape geometry = exec::BlockedShapeOf(shape);
  const int64_t spatial = geometry.spatial;
  const int64_t block_size = spatial * kChannelBlock;
  if (block_size == 0) return;
  exec::ParallelFor(geometry.batch * geometry.blocks, std::max<int64_t>(1, grain / block_size), [&](int64_t begin, int64_t end) {
    constexpr int64_t kTile = 64;  // spatial positions per tile: 64 x 16 floats = 4 KiB
    alignas(64) T tile[kTile * kChannelBlock];
    for (int64_t b = begin; b < end; ++b) {
      const int64_t n = b / geometry.blocks, cb = b % geometry.blocks;
      const int64_t lanes = geometry.lanes(cb);
      const T* in = x + b * block_size;
      T* out = y + (n * geometry.channels + cb * kChannelBlock) * spatial;
      for (int64_t s0 = 0; s0 < spatial; s0 += kTile) {
        const int64_t count = std::min(kTile, spatial - s0);
        const T* __restrict src = in + s0 * kChannelBlock;
        T* __restrict values = tile;
        for (int64_t i = 0; i < count * kChannelBlock; ++i) values[i] = op(src[i]);
        int64_t s = 0;
#if defined(__AVX__)
        if constexpr (std::is_same_v<T, float>) {
          if (lanes % 8 == 0) {
            for (; s + 8 <= count; s += 8)
              for (int64_t c = 0; c < lanes; c += 8)
                Transpose8x8(values + s * kChannelBlock + c, kChannelBlock, out + c * spatial + s0 + s, spatial);
          }
        }
#endif
        for (int64_t c = 0; c < lanes; ++c) {
          T* __restrict row = out + c * spatial + s0;
          for (int64_t r = s; r < count; ++r) row[r] = values[r * kChannelBlock + c];
        }
      }
    }
  });
}

// Ok when every input ctx marks blocked is float32 of rank 3 to 5, the only tensors the hand-off
// produces; else the error a kernel returns (the executor broke its contract).
Status CheckBlockedInputs(const exec::KernelContext& ctx);

// A plain C-order copy of float32 `blocked`, which holds its elements channel-blocked.
Tensor UnblockedCopy(const Tensor& blocked);

// Runs `plain` (a kernel that reads plain C order only) on ctx's inputs, the blocked ones unblocked
// into temporaries first; its outputs become ctx's, in plain order. The fallback of kernels that
// accept blocked inputs for the forms they have no blocked loop for.
Status ComputeOnPlainInputs(exec::Kernel& plain, exec::KernelContext& ctx);

}  // namespace xquant::kernels
