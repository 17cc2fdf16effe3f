// Float32 loops compiled a second time for AVX-512 and chosen at run time. The build targets
// x86-64-v3 (AVX2) so that one binary runs on any recent x86 machine; on AVX2 the vectorised
// polynomials of vector_math.h (Sigmoid, SiLU, Tanh, Erf) are bound by their blends and
// conversions, and AVX-512's mask registers halve their time (SiLU on a 2-core Ice Lake: 1.6 ns
// per element on one core, 0.8 with AVX-512). Each element goes through the same IEEE operations
// either way (std::fma explicit, -ffp-contract=off), so both versions give the same bits.
#pragma once

#include <cstdint>

#include "exec/parallel.h"

// For a lambda or function whose body should be compiled for AVX-512; what it calls inline
// (default target, a subset of AVX-512's) is compiled with it.
#define XQ_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

namespace xquant::kernels {

// True when this CPU (and its OS) runs the AVX-512 subset XQ_TARGET_AVX512 asks for.
inline bool CpuHasAvx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  return has;
}

// y[i] = op(x[i]) for i in [0, n): inlined into the loops below.
template <typename TI, typename TO, typename Op>
__attribute__((always_inline)) inline void UnaryRange(const TI* __restrict x, TO* __restrict y, int64_t n, const Op& op) {
  for (int64_t i = 0; i < n; ++i) y[i] = op(x[i]);
}

// y[i] = op(x[i]) for i in [0, n), in parallel above `grain` elements per core, compiled for the
// build's target (AVX2) ...
template <typename TI, typename TO, typename Op>
void UnaryLoopDefaultTarget(const TI* x, TO* y, int64_t n, const Op& op, int64_t grain) {
  exec::ParallelFor(n, grain, [&](int64_t begin, int64_t end) { UnaryRange(x + begin, y + begin, end - begin, op); });
}

// ... and for AVX-512. REQUIRES: CpuHasAvx512().
template <typename TI, typename TO, typename Op>
void UnaryLoopAvx512(const TI* x, TO* y, int64_t n, const Op& op, int64_t grain) {
  exec::ParallelFor(n, grain, [&](int64_t begin, int64_t end) XQ_TARGET_AVX512 {
    UnaryRange(x + begin, y + begin, end - begin, op);
  });
}

}  // namespace xquant::kernels
