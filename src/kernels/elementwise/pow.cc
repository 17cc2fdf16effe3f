// Pow, every opset (1-15): Z = X ^ Y with numpy broadcasting (broadcast=1/axis before opset 7),
// Z of X's type. Opset 12 let X and Y differ in type; all numeric combinations are accepted:
//   - floating X: Y converted to X's type, std::pow;
//   - integer X, integer Y: exact repeated squaring with wrap-around; a negative exponent gives
//     the truncated result (0, or +-1 for a base of +-1) instead of numpy's error;
//   - integer X, floating Y: std::pow in double, truncated toward zero as onnxruntime's cast does.
#include <cmath>

#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {
namespace {

using elementwise::WrapMul;

template <typename T>
T IntPow(T base, int64_t exponent) {
  if (exponent < 0) {
    if (base == T{1}) return T{1};
    if constexpr (std::is_signed_v<T>) {
      if (base == T{-1}) return (exponent & 1) ? T{-1} : T{1};
    }
    return T{0};
  }
  T result = 1;
  while (exponent) {
    if (exponent & 1) result = WrapMul(result, base);
    base = WrapMul(base, base);
    exponent >>= 1;
  }
  return result;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreatePow(const KernelInfo& info) {
  using elementwise::TypeSet;
  if (info.num_inputs() != 2) return info.Invalid("expects inputs X and Y");
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kNumeric));
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 1, TypeSet::kNumeric));
  const elementwise::LegacyBroadcast legacy = elementwise::ReadLegacyBroadcast(info);
  return MakeKernel([legacy](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* y, RequireInput(ctx, 1));
    if (!elementwise::IsNumericType(x->dtype()) || !elementwise::IsNumericType(y->dtype()))
      return ctx.Error("inputs have element types " + DataTypeName(x->dtype()) + " and " + DataTypeName(y->dtype()) +
                       "; expected numeric types");
    XQ_ASSIGN_OR_RETURN(Shape y_shape, elementwise::LegacyShapeOfB(ctx, legacy, x->shape(), y->shape()));
    const bool float_exponent = elementwise::IsFloatType(y->dtype());
    Status result;
    XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      auto finish = [&](StatusOr<Tensor> z) {
        if (z.ok()) ctx.output(0) = std::move(z).value();
        else result = z.status();
      };
      if constexpr (std::is_floating_point_v<T>) {
        auto exponent = elementwise::ConvertTensor(*y, DataTypeOf<T>(), false, ctx.node().Describe());
        if (!exponent.ok()) return finish(exponent.status());
        finish(elementwise::Binary<T, T, T>(ctx, *x, x->shape(), *exponent, y_shape,
                                            [](T a, T b) -> T { return std::pow(a, b); }, elementwise::kLibmGrain));
      } else if (float_exponent) {
        auto exponent = elementwise::ConvertTensor(*y, DataType::kFloat64, false, ctx.node().Describe());
        if (!exponent.ok()) return finish(exponent.status());
        finish(elementwise::Binary<T, double, T>(ctx, *x, x->shape(), *exponent, y_shape, [](T a, double b) -> T {
          return elementwise::FloatToInt<T>(std::pow(static_cast<double>(a), b));
        }, elementwise::kLibmGrain));
      } else {
        auto exponent = elementwise::ConvertTensor(*y, DataType::kInt64, false, ctx.node().Describe());
        if (!exponent.ok()) return finish(exponent.status());
        finish(elementwise::Binary<T, int64_t, T>(ctx, *x, x->shape(), *exponent, y_shape,
                                                  [](T a, int64_t b) { return IntPow(a, b); }));
      }
    }));
    return result;
  });
}

}  // namespace xquant::kernels
