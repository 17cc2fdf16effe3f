// Run-time checks of the scale / zero point inputs of the quantized linear ops, with messages that
// name the input.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <string>

#include "kernels/common.h"

namespace xquant::kernels {

// Input `i` ("x_scale", ...) as a tensor of one of `types`; nullptr when it is omitted and `optional`.
inline StatusOr<const Tensor*> QuantInput(const exec::KernelContext& ctx, size_t i, const std::string& name,
                                          std::initializer_list<DataType> types, bool optional = false) {
  const Tensor* t = ctx.input(i);
  if (!t) {
    if (optional) return static_cast<const Tensor*>(nullptr);
    return ctx.Error(name + " (input " + std::to_string(i) + ") is required");
  }
  if (std::find(types.begin(), types.end(), t->dtype()) == types.end()) {
    std::string allowed;
    for (DataType d : types) allowed += (allowed.empty() ? "" : " or ") + DataTypeName(d);
    return ctx.Error(name + " has type " + DataTypeName(t->dtype()) + "; expected " + allowed);
  }
  return t;
}

// Fails unless `t` (when present) holds exactly one value: a per-tensor scale or zero point.
inline Status RequirePerTensor(const exec::KernelContext& ctx, const Tensor* t, const std::string& name) {
  if (t && t->size() != 1)
    return ctx.Error(name + " must hold one value (per-tensor quantization), got shape " + ShapeToString(t->shape()));
  return Status::Ok();
}

// Fails unless the zero point (when present) has the type of the tensor it belongs to.
inline Status RequireSameType(const exec::KernelContext& ctx, const Tensor* zero_point, const Tensor& x,
                              const std::string& zp_name, const std::string& x_name) {
  if (zero_point && zero_point->dtype() != x.dtype())
    return ctx.Error(zp_name + " has type " + DataTypeName(zero_point->dtype()) + " but " + x_name + " has type " +
                     DataTypeName(x.dtype()));
  return Status::Ok();
}

}  // namespace xquant::kernels
