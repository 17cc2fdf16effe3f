// Shape (ONNX opsets 1, 13, 15) and Size (1, 13): int64 facts about the input's shape.
// Shape returns the dimensions as a 1-D tensor; opset 15 adds `start` and `end` (negative values
// count from the rank, then both clamp to [0, rank]; start >= end gives an empty result).
// Size returns the element count as a scalar.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateShape(const exec::KernelInfo& info) {
  const int64_t start_attr = info.node().GetInt("start", 0);
  const bool has_end = info.node().HasAttribute("end");
  const int64_t end_attr = info.node().GetInt("end", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const int64_t rank = x->rank();
    auto clamp = [rank](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
    const int64_t start = clamp(start_attr);
    const int64_t end = has_end ? clamp(end_attr) : rank;
    const int64_t n = std::max<int64_t>(0, end - start);
    Tensor y(DataType::kInt64, {n});
    for (int64_t k = 0; k < n; ++k) y.data<int64_t>()[k] = x->dim(static_cast<int>(start + k));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateSize(const exec::KernelInfo&) {
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    ctx.output(0) = Tensor::Scalar<int64_t>(x->size());
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
