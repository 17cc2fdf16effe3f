// Unary math ops, every opset (1-17): Abs, Neg, Sign (numeric; Abs/Neg wrap around for the most
// negative integer), Exp, Log, Sqrt, Reciprocal, Floor, Ceil, Round (half to even), Sin, Cos, Tan,
// Asin, Acos, Atan, Sinh, Cosh, Asinh, Acosh, Atanh, Erf (float32/float64), IsNaN, IsInf (float
// to bool; IsInf's detect_negative/detect_positive), Not (bool).
// Opsets before 6 carried a `consumed_inputs` attribute, an in-place hint with no effect on the
// result: ignored. float32 Exp and Erf use the vectorisable polynomials of vector_math.h.
#include <cmath>
#include <limits>

#include "kernels/elementwise/elementwise.h"
#include "kernels/vector_math.h"

namespace xquant::kernels {
namespace {

using elementwise::kExpGrain;
using elementwise::kLibmGrain;
using elementwise::MakeUnaryKernel;
using elementwise::TypeSet;

// A kernel applying a floating-point function: `fn` is a generic lambda over float and double.
template <typename Fn>
StatusOr<std::unique_ptr<Kernel>> FloatUnary(const KernelInfo& info, Fn fn, int64_t grain = kLibmGrain) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, fn, grain);
}

// A kernel mapping floats to a bool tensor.
template <typename Pred>
StatusOr<std::unique_ptr<Kernel>> FloatPredicate(const KernelInfo& info, Pred pred) {
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kFloat));
  return MakeKernel([pred](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32, DataType::kFloat64}));
    Tensor y(DataType::kBool, x->shape());
    if (x->dtype() == DataType::kFloat32) elementwise::UnaryLoop(x->data<float>(), y.data<bool>(), x->size(), pred);
    else elementwise::UnaryLoop(x->data<double>(), y.data<bool>(), x->size(), pred);
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateAbs(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kNumeric>(info, [](auto v) -> decltype(v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T>) return std::fabs(v);
    else if constexpr (std::is_signed_v<T>) return v < 0 ? elementwise::WrapNeg(v) : v;
    else return v;
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateNeg(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kSigned>(info, [](auto v) { return elementwise::WrapNeg(v); });
}

StatusOr<std::unique_ptr<Kernel>> CreateSign(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kNumeric>(info, [](auto v) -> decltype(v) {
    using T = decltype(v);
    // Zero and NaN map to themselves, as numpy.sign does.
    return v > T{0} ? T{1} : (v < T{0} ? static_cast<T>(-1) : v);
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateExp(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) -> decltype(v) {
    if constexpr (std::is_same_v<decltype(v), float>) return elementwise::ExpF(v);
    else return std::exp(v);
  }, kExpGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateErf(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) -> decltype(v) {
    if constexpr (std::is_same_v<decltype(v), float>) return elementwise::ErfF(v);
    else return std::erf(v);
  }, kExpGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateLog(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::log(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateSqrt(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::sqrt(v); }, exec::kElementwiseGrain);
}
StatusOr<std::unique_ptr<Kernel>> CreateReciprocal(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) -> decltype(v) { return decltype(v){1} / v; }, exec::kElementwiseGrain);
}
StatusOr<std::unique_ptr<Kernel>> CreateFloor(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::floor(v); }, exec::kElementwiseGrain);
}
StatusOr<std::unique_ptr<Kernel>> CreateCeil(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::ceil(v); }, exec::kElementwiseGrain);
}
StatusOr<std::unique_ptr<Kernel>> CreateRound(const KernelInfo& info) {
  // nearbyint rounds in the current mode, which is round-half-to-even unless someone changed it.
  return FloatUnary(info, [](auto v) { return std::nearbyint(v); }, exec::kElementwiseGrain);
}
StatusOr<std::unique_ptr<Kernel>> CreateSin(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::sin(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateCos(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::cos(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateTan(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::tan(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAsin(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::asin(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAcos(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::acos(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAtan(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::atan(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateSinh(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::sinh(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateCosh(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::cosh(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAsinh(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::asinh(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAcosh(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::acosh(v); });
}
StatusOr<std::unique_ptr<Kernel>> CreateAtanh(const KernelInfo& info) {
  return FloatUnary(info, [](auto v) { return std::atanh(v); });
}

StatusOr<std::unique_ptr<Kernel>> CreateIsNaN(const KernelInfo& info) {
  return FloatPredicate(info, [](auto v) { return v != v; });
}

StatusOr<std::unique_ptr<Kernel>> CreateIsInf(const KernelInfo& info) {
  const bool negative = info.node().GetInt("detect_negative", 1) != 0;
  const bool positive = info.node().GetInt("detect_positive", 1) != 0;
  return FloatPredicate(info, [negative, positive](auto v) {
    using T = decltype(v);
    constexpr T kInf = std::numeric_limits<T>::infinity();
    return (positive && v == kInf) || (negative && v == -kInf);
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateNot(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kBool>(info, [](auto v) -> decltype(v) { return !v; });
}

}  // namespace xquant::kernels
