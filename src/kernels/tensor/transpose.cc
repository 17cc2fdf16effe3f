// Transpose (ONNX opsets 1, 13, the same semantics): y.shape[k] = x.shape[perm[k]]; `perm`
// defaults to the reversed axes. The work is in TransposeTensor (copy.h): merged axes, shared
// buffer for identity permutations, row copies when the innermost axis stays put, cache-blocked
// tiles otherwise.
#include "kernels/common.h"
#include "kernels/tensor/copy.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateTranspose(const exec::KernelInfo& info) {
  const bool has_perm = info.node().HasAttribute("perm");
  const std::vector<int64_t> perm_attr = info.node().GetInts("perm");
  {
    std::vector<bool> seen(perm_attr.size(), false);
    for (int64_t p : perm_attr) {
      if (p < 0 || p >= static_cast<int64_t>(perm_attr.size()) || seen[p])
        return info.Invalid("perm " + ShapeToString(perm_attr) + " is not a permutation");
      seen[p] = true;
    }
  }
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const int rank = x->rank();
    std::vector<int> perm(rank);
    if (has_perm) {
      if (static_cast<int>(perm_attr.size()) != rank)
        return ctx.Error("perm " + ShapeToString(perm_attr) + " does not match the input's rank " +
                         std::to_string(rank));
      for (int k = 0; k < rank; ++k) perm[k] = static_cast<int>(perm_attr[k]);
    } else {
      for (int k = 0; k < rank; ++k) perm[k] = rank - 1 - k;
    }
    ctx.output(0) = TransposeTensor(*x, perm);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
