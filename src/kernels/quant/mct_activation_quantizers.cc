// Sony MCT activation quantizers (domain mct_quantizers), as MCT's own onnxruntime implementation
// evaluates them. Per tensor; the parameters are attributes.
//
// ActivationPOTQuantizer, ActivationSymmetricQuantizer (threshold T, num_bits n, signed s):
//   Δ = T / 2^(n − s); y = round_half_even(clip(x, lo, T − Δ) / Δ) · Δ, lo = −T (signed) or 0.
//   Δ and the bounds are computed in double from the float32 attribute and rounded to float32
//   once; the rest is float32. POT requires T to be a power of two.
// ActivationUniformQuantizer (min_range, max_range, num_bits n):
//   the range is first moved so that 0 lies on the grid (double precision, as MCT computes it from
//   its Python float attributes): s = (max − min)/(2^n − 1), a = s·round(min/s), b = max − min + a;
//   a range entirely above 0 becomes [0, max], entirely below 0 [min, 0]; then a = min(a, 0),
//   b = max(b, 0) and Δ = (b − a)/(2^n − 1). In float32: y = Δ·round((clip(x, a, b) − a)/Δ) + a.
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {
namespace {

using dialect::ClampKeepNan;

bool IsPowerOfTwo(float v) {
  int exponent = 0;
  return v > 0.0f && std::frexp(v, &exponent) == 0.5f;
}

StatusOr<int64_t> ReadNumBits(const KernelInfo& info, int64_t min_bits) {
  XQ_ASSIGN_OR_RETURN(int64_t bits, dialect::RequiredInt(info, "num_bits"));
  if (bits < min_bits || bits > 31)
    return info.Invalid("attribute 'num_bits' is " + std::to_string(bits) + "; expected " + std::to_string(min_bits) +
                        " to 31");
  return bits;
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateActivationThresholdQuantizer(const KernelInfo& info, bool power_of_two) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 1, "x"));
  XQ_ASSIGN_OR_RETURN(float threshold, dialect::RequiredFloat(info, "threshold"));
  XQ_ASSIGN_OR_RETURN(int64_t bits, ReadNumBits(info, 1));
  XQ_ASSIGN_OR_RETURN(int64_t is_signed, dialect::RequiredInt(info, "signed"));
  if (is_signed != 0 && is_signed != 1)
    return info.Invalid("attribute 'signed' must be 0 or 1, got " + std::to_string(is_signed));
  if (!std::isfinite(threshold) || threshold <= 0.0f)
    return info.Invalid("attribute 'threshold' must be a positive number, got " + std::to_string(threshold));
  if (power_of_two && !IsPowerOfTwo(threshold))
    return info.Invalid("attribute 'threshold' must be a power of two for a POT quantizer, got " +
                        std::to_string(threshold));
  const double t = threshold;
  const double step = t / std::ldexp(1.0, static_cast<int>(bits - is_signed));
  const float delta = static_cast<float>(step);
  const float lo = is_signed ? static_cast<float>(-t) : 0.0f;
  const float hi = static_cast<float>(t - step);
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<0>(*x, {}, y.data<float>(), [=](float v, const std::array<float, 0>&) {
      return std::nearbyintf(ClampKeepNan(v, lo, hi) / delta) * delta;
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctActivationPotQuantizer(const exec::KernelInfo& info) {
  return CreateActivationThresholdQuantizer(info, /*power_of_two=*/true);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctActivationSymmetricQuantizer(const exec::KernelInfo& info) {
  return CreateActivationThresholdQuantizer(info, /*power_of_two=*/false);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctActivationUniformQuantizer(const exec::KernelInfo& info) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 1, "x"));
  XQ_ASSIGN_OR_RETURN(float min_attr, dialect::RequiredFloat(info, "min_range"));
  XQ_ASSIGN_OR_RETURN(float max_attr, dialect::RequiredFloat(info, "max_range"));
  XQ_ASSIGN_OR_RETURN(int64_t bits, ReadNumBits(info, 1));
  if (!std::isfinite(min_attr) || !std::isfinite(max_attr) || !(max_attr > min_attr))
    return info.Invalid("attributes 'min_range' (" + std::to_string(min_attr) + ") and 'max_range' (" +
                        std::to_string(max_attr) + ") must be finite with max_range > min_range: a zero-width "
                        "range has no quantization step");
  // The zero-including range, in double (MCT's attributes are Python floats there).
  const double mn = min_attr, mx = max_attr;
  const double levels = std::ldexp(1.0, static_cast<int>(bits)) - 1.0;
  const double s = (mx - mn) / levels;
  double a = s * std::nearbyint(mn / s);
  double b = mx - mn + a;
  const double min_positive = mn > 0 ? 1.0 : 0.0, max_negative = mx < 0 ? 1.0 : 0.0;
  const double mid = (min_positive == 0.0 && max_negative == 0.0) ? 1.0 : 0.0;
  a = a * mid + max_negative * mn;
  b = b * mid + min_positive * mx;
  // numpy's minimum/maximum return the second operand on ties, so a -0 bound becomes +0.
  a = a < 0.0 ? a : 0.0;
  b = b > 0.0 ? b : 0.0;
  const float delta = static_cast<float>((b - a) / levels);
  const float lo = static_cast<float>(a), hi = static_cast<float>(b);
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<0>(*x, {}, y.data<float>(), [=](float v, const std::array<float, 0>&) {
      return delta * std::nearbyintf((ClampKeepNan(v, lo, hi) - lo) / delta) + lo;
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
