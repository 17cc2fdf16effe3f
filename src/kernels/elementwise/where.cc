// Where (opsets 9 and 16): out = condition ? X : Y with numpy broadcasting over all three inputs.
// X and Y share any element type; the loop only moves bytes, so it is instantiated per element size.
#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<Kernel>> CreateWhere(const KernelInfo& info) {
  if (info.num_inputs() != 3) return info.Invalid("expects inputs condition, X and Y");
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, elementwise::TypeSet::kBool));
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* cond, RequireInput(ctx, 0, {DataType::kBool}));
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(const Tensor* y, RequireInput(ctx, 2, {x->dtype()}));
    auto plan = elementwise::PlanBroadcast({cond->shape(), x->shape(), y->shape()});
    if (!plan.ok()) return ctx.Error(plan.status().message());
    Tensor out(x->dtype(), plan->out_shape);
    return DispatchBySize(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const bool* c = cond->data<bool>();
      const T* px = static_cast<const T*>(x->raw_data());
      const T* py = static_cast<const T*>(y->raw_data());
      T* po = static_cast<T*>(out.raw_data());
      const int64_t sc = plan->inner_stride[0], sx = plan->inner_stride[1], sy = plan->inner_stride[2];
      elementwise::ForEachRun<3>(*plan, exec::kElementwiseGrain, [&](const std::array<int64_t, 3>& off, int64_t begin, int64_t count) {
        const bool* __restrict rc = c + off[0];
        const T* __restrict rx = px + off[1];
        const T* __restrict ry = py + off[2];
        T* __restrict ro = po + begin;
        if (sc && sx && sy) {
          for (int64_t i = 0; i < count; ++i) ro[i] = rc[i] ? rx[i] : ry[i];
        } else {
          for (int64_t i = 0; i < count; ++i) ro[i] = rc[i * sc] ? rx[i * sx] : ry[i * sy];
        }
      });
      ctx.output(0) = std::move(out);
    });
  });
}

}  // namespace xquant::kernels
