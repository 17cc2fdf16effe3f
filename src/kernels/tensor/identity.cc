// Identity, and the ops that are Identity at inference: Dropout (opsets 1-13; its optional mask
// output is all true) — outputs share the input's buffer, nothing is copied.
// Dropout in training mode (opset 12+: the training_mode input is true and the ratio input, default
// 0.5, is not 0) drops random elements; its result cannot be reproduced, so it is NotSupported.
#include <algorithm>

#include "kernels/blocked.h"
#include "kernels/common.h"

namespace xquant::kernels {
namespace {

Status PassThrough(exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  if (ctx.input_blocked(0) && ctx.may_block_output()) {
    ctx.output(0) = *x;  // the same buffer, padding channels included
    ctx.MarkOutputBlocked();
  } else {
    ctx.output(0) = ctx.input_blocked(0) ? UnblockedCopy(*x) : *x;
  }
  if (ctx.num_outputs() > 1) {  // Dropout's mask
    Tensor mask(DataType::kBool, x->shape());
    std::fill_n(mask.data<bool>(), mask.size(), true);
    ctx.output(1) = std::move(mask);
  }
  return Status::Ok();
}

// Identity and inference-time Dropout pass a channel-blocked input on as it is (see
// exec/blocked_layout.h), or unblock it where the output must be plain.
template <typename F>
class PassThroughKernel final : public exec::Kernel {
 public:
  explicit PassThroughKernel(F fn) : fn_(std::move(fn)) {}
  Status Compute(exec::KernelContext& ctx) override { return fn_(ctx); }
  bool AcceptsBlockedInput(size_t i) const override { return i == 0; }

 private:
  F fn_;
};

template <typename F>
std::unique_ptr<exec::Kernel> MakePassThrough(F fn) {
  return std::make_unique<PassThroughKernel<F>>(std::move(fn));
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateIdentity(const exec::KernelInfo&) {
  return MakePassThrough(PassThrough);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateDropout(const exec::KernelInfo&) {
  return MakePassThrough([](exec::KernelContext& ctx) -> Status {
    const Tensor* training = ctx.input(2);
    if (training && training->size() == 1 && training->GetAsDouble(0) != 0) {
      const Tensor* ratio = ctx.input(1);
      if (!ratio || ratio->size() != 1 || ratio->GetAsDouble(0) != 0)
        return NotSupportedError(ctx.node().Describe() +
                                 ": training-mode Dropout (random) is not supported");
    }
    return PassThrough(ctx);
  });
}

}  // namespace xquant::kernels
