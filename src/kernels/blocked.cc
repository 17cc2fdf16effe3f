#include "kernels/blocked.h"

#include <string>
#include <vector>

namespace xquant::kernels {

Tensor UnblockedCopy(const Tensor& blocked) {
  Tensor plain(DataType::kFloat32, blocked.shape());
  UnblockingUnaryLoop(blocked.data<float>(), plain.data<float>(), blocked.shape(), [](float v) { return v; });
  return plain;
}

Status CheckBlockedInputs(const exec::KernelContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.input(i);
    if (!t || !ctx.input_blocked(i)) continue;
    if (t->dtype() != DataType::kFloat32 || !exec::IsBlockableShape(t->shape()))
      return ctx.Error("was handed a channel-blocked input " + std::to_string(i) + " of shape " +
                       ShapeToString(t->shape()) + " and type " + DataTypeName(t->dtype()) +
                       "; blocked inputs must be float32 of rank 3 to 5");
  }
  return Status::Ok();
}

Status ComputeOnPlainInputs(exec::Kernel& plain, exec::KernelContext& ctx) {
  XQ_RETURN_IF_ERROR(CheckBlockedInputs(ctx));
  std::vector<Tensor> unblocked(ctx.num_inputs());
  std::vector<const Tensor*> inputs(ctx.num_inputs());
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    inputs[i] = ctx.input(i);
    if (!inputs[i] || !ctx.input_blocked(i)) continue;
    unblocked[i] = UnblockedCopy(*inputs[i]);
    inputs[i] = &unblocked[i];
  }
  std::vector<Tensor> outputs(ctx.num_outputs());
  exec::KernelContext plain_ctx(ctx.node(), std::move(inputs), &outputs);
  XQ_RETURN_IF_ERROR(plain.Compute(plain_ctx));
  for (size_t i = 0; i < outputs.size(); ++i) ctx.output(i) = std::move(outputs[i]);
  return Status::Ok();
}

}  // namespace xquant::kernels
