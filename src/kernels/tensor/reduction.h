// The `reduction` attribute of ScatterElements and ScatterND: how an update combines with the
// value already there. ONNX: none (opsets 11+), add and mul (16+), max and min (18+).
#pragma once

#include <algorithm>
#include <string>

#include "kernels/common.h"

namespace xquant::kernels {

enum class ScatterReduction { kNone, kAdd, kMul, kMax, kMin };

inline StatusOr<ScatterReduction> ParseScatterReduction(const KernelInfo& info) {
  const std::string r = info.node().GetString("reduction", "none");
  if (r == "none") return ScatterReduction::kNone;
  if (r == "add") return ScatterReduction::kAdd;
  if (r == "mul") return ScatterReduction::kMul;
  if (r == "max") return ScatterReduction::kMax;
  if (r == "min") return ScatterReduction::kMin;
  return info.Invalid("unknown reduction '" + r + "' (none, add, mul, max, min)");
}

template <typename T>
inline void Combine(ScatterReduction r, T& target, T update) {
  switch (r) {
    case ScatterReduction::kNone:
      target = update;
      break;
    case ScatterReduction::kAdd:
      target = static_cast<T>(target + update);
      break;
    case ScatterReduction::kMul:
      target = static_cast<T>(target * update);
      break;
    case ScatterReduction::kMax:
      target = std::max(target, update);
      break;
    case ScatterReduction::kMin:
      target = std::min(target, update);
      break;
  }
}

// Runs fn(T{}) over the element types the reduction supports: every type for `none` (only bytes
// move, so it dispatches by size), the numeric types otherwise.
template <typename F>
Status DispatchForReduction(ScatterReduction r, DataType dtype, const std::string& what, F&& fn) {
  if (r == ScatterReduction::kNone) return DispatchBySize(dtype, what, fn);
  return DispatchNumeric(dtype, what, fn);
}

}  // namespace xquant::kernels
