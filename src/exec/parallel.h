// Data parallelism over the cores, on OpenMP (the runtime oneDNN uses too, so the two never
// oversubscribe the machine).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace xquant::exec {

// Calls fn(begin, end) on disjoint chunks covering [0, n), in parallel when n is at least twice
// `min_chunk`. fn must be safe to call concurrently on disjoint ranges.
template <typename F>
void ParallelFor(int64_t n, int64_t min_chunk, F&& fn) {
  if (n <= 0) return;
  const int64_t max_threads = omp_get_max_threads();
  const int64_t threads = std::min<int64_t>(max_threads, std::max<int64_t>(1, n / std::max<int64_t>(1, min_chunk)));
  if (threads <= 1 || omp_in_parallel()) {
    fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(static_cast<int>(threads))
  {
    const int64_t t = omp_get_thread_num();
    const int64_t begin = n * t / threads;
    const int64_t end = n * (t + 1) / threads;
    if (begin < end) fn(begin, end);
  }
}

// Elements per chunk below which splitting costs more than it saves (simple elementwise ops).
constexpr int64_t kElementwiseGrain = 1 << 15;

}  // namespace xquant::exec
