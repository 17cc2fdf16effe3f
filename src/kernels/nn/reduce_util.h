// Reductions over any set of axes without transposing (private to src/kernels/nn): the Reduce*
// ops and MeanVarianceNormalization.
//
// The input is viewed with its size-1 axes dropped and neighbouring axes of the same kind (reduced
// or kept) merged, so [N, C, H, W] reduced over {2, 3} becomes [kept N*C, reduced H*W]. The
// innermost merged group decides the loop order:
//   - reduced innermost: every output reduces contiguous runs of `inner` elements (rows);
//   - kept innermost: `inner` neighbouring outputs are reduced together, one input row of `inner`
//     elements at a time, so the inner loop is contiguous and vectorisable either way.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels::nn {

struct ReducePlan {
  int64_t outputs = 1;         // output elements (product of the kept axes)
  int64_t reduced = 1;         // input elements per output (product of the reduced axes)
  bool inner_reduced = false;  // the innermost merged group is reduced
  int64_t inner = 1;           // size of the innermost merged group
  // inner_reduced: input offset of each output / of each reduced run of `inner` elements.
  // otherwise: input offset of each block of `inner` outputs / of each reduced index.
  std::vector<int64_t> kept_offsets;
  std::vector<int64_t> reduced_offsets;
};

// Offsets (in elements) of every index of the axes (size, stride), row-major; {0} for no axes.
inline std::vector<int64_t> EnumerateOffsets(const std::vector<std::pair<int64_t, int64_t>>& axes) {
  std::vector<int64_t> offsets = {0};
  for (const auto& [size, stride] : axes) {
    std::vector<int64_t> next;
    next.reserve(offsets.size() * static_cast<size_t>(size));
    for (int64_t base : offsets)
      for (int64_t i = 0; i < size; ++i) next.push_back(base + i * stride);
    offsets = std::move(next);
  }
  return offsets;
}

// REQUIRES: reduce_axis.size() == shape.size().
inline ReducePlan MakeReducePlan(const Shape& shape, const std::vector<bool>& reduce_axis) {
  struct Group {
    int64_t size;
    bool reduced;
  };
  std::vector<Group> groups;
  for (size_t a = 0; a < shape.size(); ++a) {
    if (shape[a] == 1) continue;
    if (!groups.empty() && groups.back().reduced == reduce_axis[a]) groups.back().size *= shape[a];
    else groups.push_back({shape[a], reduce_axis[a]});
  }
  ReducePlan plan;
  if (groups.empty()) {  // a scalar or all sizes 1: every output reduces one element
    plan.kept_offsets = {0};
    plan.reduced_offsets = {0};
    return plan;
  }
  std::vector<std::pair<int64_t, int64_t>> kept, reduced;  // (size, stride), outer to inner
  int64_t stride = 1;
  std::vector<int64_t> strides(groups.size());
  for (size_t g = groups.size(); g-- > 0;) {
    strides[g] = stride;
    stride *= groups[g].size;
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    (groups[g].reduced ? plan.reduced : plan.outputs) *= groups[g].size;
    if (g + 1 < groups.size()) (groups[g].reduced ? reduced : kept).push_back({groups[g].size, strides[g]});
  }
  plan.inner_reduced = groups.back().reduced;
  plan.inner = groups.back().size;
  plan.kept_offsets = EnumerateOffsets(kept);
  plan.reduced_offsets = EnumerateOffsets(reduced);
  return plan;
}

// A reduction operation, for RunReduction:
//   using Acc, Out;                         accumulator and output element types
//   Acc Init() const;                       identity of Combine
//   Acc Map(T v, Acc shift) const;          the term one element contributes
//   Acc Combine(Acc a, Acc b) const;
//   Out Finish(Acc acc, int64_t count, Acc shift) const;
// `shift` is a per-output value (ReduceLogSumExp's maximum), 0 when RunReduction gets none.

// Combines the terms of p[0, n) into acc, with 8 independent lanes so that the loop vectorises
// without reassociating floating-point sums.
template <typename T, typename Op>
typename Op::Acc AccumulateRow(const T* p, int64_t n, const Op& op, typename Op::Acc shift, typename Op::Acc acc) {
  constexpr int kLanes = 8;
  using Acc = typename Op::Acc;
  int64_t i = 0;
  if (n >= kLanes) {
    Acc lanes[kLanes];
    for (int j = 0; j < kLanes; ++j) lanes[j] = op.Init();
    for (; i + kLanes <= n; i += kLanes)
      for (int j = 0; j < kLanes; ++j) lanes[j] = op.Combine(lanes[j], op.Map(p[i + j], shift));
    for (int j = 0; j < kLanes; ++j) acc = op.Combine(acc, lanes[j]);
  }
  for (; i < n; ++i) acc = op.Combine(acc, op.Map(p[i], shift));
  return acc;
}

// y[k] = Finish(Combine over the reduced elements of output k of Map(x)), in parallel over outputs.
template <typename T, typename Op>
void RunReduction(const T* x, typename Op::Out* y, const ReducePlan& plan, const Op& op,
                  const typename Op::Acc* shift = nullptr) {
  using Acc = typename Op::Acc;
  if (plan.outputs == 0) return;
  const int64_t count = plan.reduced;
  if (plan.inner_reduced) {
    const int64_t runs = static_cast<int64_t>(plan.reduced_offsets.size());
    exec::ParallelFor(plan.outputs, RowGrain(count), [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        const Acc s = shift ? shift[k] : Acc(0);
        Acc acc = op.Init();
        const T* base = x + plan.kept_offsets[k];
        for (int64_t r = 0; r < runs; ++r) acc = AccumulateRow(base + plan.reduced_offsets[r], plan.inner, op, s, acc);
        y[k] = op.Finish(acc, count, s);
      }
    });
    return;
  }
  // Kept innermost: blocks of `inner` outputs, split into tiles so that the accumulators stay in
  // cache and a single large block still spreads over the threads.
  constexpr int64_t kTile = 2048;
  const int64_t inner = plan.inner;
  const int64_t tiles = (inner + kTile - 1) / kTile;
  const int64_t blocks = static_cast<int64_t>(plan.kept_offsets.size());
  exec::ParallelFor(blocks * tiles, RowGrain(count * std::min(inner, kTile)), [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(static_cast<size_t>(std::min(inner, kTile)));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / tiles, first = (item % tiles) * kTile;
      const int64_t n = std::min(kTile, inner - first);
      const Acc* s = shift ? shift + b * inner + first : nullptr;
      for (int64_t i = 0; i < n; ++i) acc[i] = op.Init();
      for (int64_t r : plan.reduced_offsets) {
        const T* row = x + plan.kept_offsets[b] + r + first;
        if (s) {
          for (int64_t i = 0; i < n; ++i) acc[i] = op.Combine(acc[i], op.Map(row[i], s[i]));
        } else {
          for (int64_t i = 0; i < n; ++i) acc[i] = op.Combine(acc[i], op.Map(row[i], Acc(0)));
        }
      }
      typename Op::Out* out = y + b * inner + first;
      for (int64_t i = 0; i < n; ++i) out[i] = op.Finish(acc[i], count, s ? s[i] : Acc(0));
    }
  });
}

}  // namespace xquant::kernels::nn
