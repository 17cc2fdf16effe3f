// PRelu, every opset (1-16): y = x < 0 ? slope * x : x, slope broadcast to x unidirectionally
// (opset 7+: numpy rules, the result keeps x's shape). Before opset 7 the slope was per channel:
// a 1-D slope of x.dim(1) elements that does not broadcast numpy-style is aligned with axis 1.
// Opset 9 added integer types; all numeric types are accepted.
#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<Kernel>> CreatePRelu(const KernelInfo& info) {
  using elementwise::TypeSet;
  if (info.num_inputs() != 2) return info.Invalid("expects inputs X and slope");
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kNumeric));
  const bool per_channel_legacy = info.opset() < 7;
  return MakeKernel([per_channel_legacy](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* slope, RequireInput(ctx, 1, {x->dtype()}));
    if (!elementwise::IsNumericType(x->dtype()))
      return ctx.Error("X has element type " + DataTypeName(x->dtype()) + "; expected a numeric type");
    Shape slope_shape = slope->shape();
    auto joined = BroadcastShapes(x->shape(), slope_shape);
    if ((!joined.ok() || *joined != x->shape()) && per_channel_legacy && slope->rank() == 1 && x->rank() >= 2 &&
        slope->dim(0) == x->dim(1)) {
      slope_shape.resize(x->rank() - 1, 1);  // [C] -> [C, 1, ..., 1]
      joined = BroadcastShapes(x->shape(), slope_shape);
    }
    if (!joined.ok() || *joined != x->shape())
      return ctx.Error("slope " + ShapeToString(slope->shape()) + " does not broadcast to X " + ShapeToString(x->shape()));
    Status result;
    XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      auto y = elementwise::Binary<T, T, T>(ctx, *x, x->shape(), *slope, slope_shape, [](T v, T s) -> T {
        return v < T{0} ? elementwise::WrapMul(s, v) : v;
      });
      if (y.ok()) ctx.output(0) = std::move(y).value();
      else result = y.status();
    }));
    return result;
  });
}

}  // namespace xquant::kernels
