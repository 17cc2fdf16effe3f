// Identity, and the ops that are Identity at inference: Dropout (opsets 1-13; its optional mask
// output is all true) — outputs share the input's buffer, nothing is copied.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateIdentity(const exec::KernelInfo&) {
  return MakeKernel([](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    ctx.output(0) = *x;
    if (ctx.num_outputs() > 1) {  // Dropout's mask
      Tensor mask(DataType::kBool, x->shape());
      std::fill_n(mask.data<bool>(), mask.size(), true);
      ctx.output(1) = std::move(mask);
    }
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
