// Sony MCT look-up-table weight quantizers (domain mct_quantizers): WeightsLUTSymmetricQuantizer
// and WeightsLUTPOTQuantizer (x, lut_values[K], threshold[C]), as MCT's onnxruntime implementation
// evaluates them, in float32:
//   m = 2^(L − s)  (L = lut_values_bitwidth, default 8; s = signed, default 1)
//   t = clip((x / (T + eps)) · m, −2^(L−1), 2^(L−1) − 1)   (unsigned: [0, 2^L − 1]); not rounded
//   j = the first index minimising |t − lut_values[j]|      (NaN t gives j = 0, as numpy's argmin)
//   y = (lut_values[j] / m) · T
// T is per tensor or per channel along `channel_axis`; eps defaults to 1e-8. `num_bits` (the
// effective bit width, log2 of the table size) does not enter the arithmetic. POT requires the
// thresholds to be powers of two.
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {
namespace {

struct LutAttributes {
  int64_t lut_bits = 8;
  bool is_signed = true;
  float eps = 1e-8f;
  bool per_channel = false;
  int64_t axis = 0;
  int64_t input_rank = -1;  // -1: not given
};

StatusOr<LutAttributes> ReadLutAttributes(const KernelInfo& info) {
  LutAttributes a;
  XQ_ASSIGN_OR_RETURN(a.lut_bits, dialect::OptionalInt(info, "lut_values_bitwidth", 8));
  if (a.lut_bits < 1 || a.lut_bits > 24)
    return info.Invalid("attribute 'lut_values_bitwidth' is " + std::to_string(a.lut_bits) + "; expected 1 to 24");
  XQ_ASSIGN_OR_RETURN(a.is_signed, dialect::OptionalFlag(info, "signed", true));
  XQ_ASSIGN_OR_RETURN(a.eps, dialect::OptionalFloat(info, "eps", 1e-8f));
  if (!std::isfinite(a.eps) || a.eps < 0.0f)
    return info.Invalid("attribute 'eps' must be a non-negative number, got " + std::to_string(a.eps));
  XQ_ASSIGN_OR_RETURN(a.per_channel, dialect::OptionalFlag(info, "per_channel", false));
  if (a.per_channel && !info.node().HasAttribute("channel_axis"))
    return info.Invalid("attribute 'channel_axis' is required when per_channel = 1");
  XQ_ASSIGN_OR_RETURN(a.axis, dialect::OptionalInt(info, "channel_axis", 0));
  XQ_ASSIGN_OR_RETURN(a.input_rank, dialect::OptionalInt(info, "input_rank", -1));
  XQ_ASSIGN_OR_RETURN(int64_t bits, dialect::OptionalInt(info, "num_bits", 0));
  if ((info.node().HasAttribute("num_bits") && bits < 1) || bits < 0 || bits > a.lut_bits)
    return info.Invalid("attribute 'num_bits' is " + std::to_string(bits) + "; expected 1 to lut_values_bitwidth (" +
                        std::to_string(a.lut_bits) + ")");
  return a;
}

struct LutParams {
  std::vector<float> scaled_lut;  // lut_values[j] / m
  std::vector<float> lut;
  std::vector<float> threshold, denominator;  // T and T + eps, per channel
};

StatusOr<LutParams> ReadLutParams(const KernelContext& ctx, const LutAttributes& a, bool power_of_two) {
  LutParams p;
  XQ_ASSIGN_OR_RETURN(p.lut, dialect::ParamValues(ctx, 1, "lut_values"));
  XQ_ASSIGN_OR_RETURN(p.threshold, dialect::ParamValues(ctx, 2, "threshold"));
  if (p.lut.empty()) return ctx.Error("lut_values is empty");
  if (p.threshold.empty()) return ctx.Error("threshold is empty");
  if (!a.per_channel && p.threshold.size() != 1)
    return ctx.Error("threshold has " + std::to_string(p.threshold.size()) +
                     " values but per_channel is 0 (expected one)");
  const float m = std::ldexp(1.0f, static_cast<int>(a.lut_bits - (a.is_signed ? 1 : 0)));
  for (size_t j = 0; j < p.lut.size(); ++j) {
    if (!std::isfinite(p.lut[j]))
      return ctx.Error("lut_values[" + std::to_string(j) + "] is not a finite number");
    p.scaled_lut.push_back(p.lut[j] / m);
  }
  for (size_t c = 0; c < p.threshold.size(); ++c) {
    const float t = p.threshold[c];
    int exponent = 0;
    if (!std::isfinite(t) || t <= 0.0f)
      return ctx.Error("threshold[" + std::to_string(c) + "] must be a positive number, got " + std::to_string(t));
    if (power_of_two && std::frexp(t, &exponent) != 0.5f)
      return ctx.Error("threshold[" + std::to_string(c) + "] must be a power of two for a POT quantizer, got " +
                       std::to_string(t));
    p.denominator.push_back(t + a.eps);
  }
  return p;
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateLutQuantizer(const KernelInfo& info, bool power_of_two) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 3, "x, lut_values, threshold"));
  XQ_ASSIGN_OR_RETURN(LutAttributes attrs, ReadLutAttributes(info));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(
      info, {1, 2}, [&](const KernelContext& ctx) { return ReadLutParams(ctx, attrs, power_of_two).status(); }));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    if (attrs.input_rank >= 0 && attrs.input_rank != x->rank())
      return ctx.Error("attribute 'input_rank' is " + std::to_string(attrs.input_rank) + " but the input " +
                       ShapeToString(x->shape()) + " has rank " + std::to_string(x->rank()));
    XQ_ASSIGN_OR_RETURN(LutParams p, ReadLutParams(ctx, attrs, power_of_two));
    int64_t axis = attrs.axis;
    if (p.threshold.size() > 1) {
      XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, x->rank(), ctx.node().Describe() + " attribute 'channel_axis'"));
      axis = a;
    }
    XQ_ASSIGN_OR_RETURN(auto t_view, dialect::ChannelView(ctx, p.threshold, axis, x->shape(), "threshold"));
    XQ_ASSIGN_OR_RETURN(auto d_view, dialect::ChannelView(ctx, p.denominator, axis, x->shape(), "threshold"));
    const float m = std::ldexp(1.0f, static_cast<int>(attrs.lut_bits - (attrs.is_signed ? 1 : 0)));
    const float lo = attrs.is_signed ? -std::ldexp(1.0f, static_cast<int>(attrs.lut_bits - 1)) : 0.0f;
    const float hi = attrs.is_signed ? std::ldexp(1.0f, static_cast<int>(attrs.lut_bits - 1)) - 1.0f
                                     : std::ldexp(1.0f, static_cast<int>(attrs.lut_bits)) - 1.0f;
    const std::vector<float>& lut = p.lut;
    const std::vector<float>& scaled = p.scaled_lut;
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<2>(*x, {t_view, d_view}, y.data<float>(), [&](float v, const std::array<float, 2>& q) {
      const float t = dialect::ClampKeepNan((v / q[1]) * m, lo, hi);
      size_t best = 0;
      float best_distance = std::fabs(t - lut[0]);
      for (size_t j = 1; j < lut.size(); ++j) {
        const float d = std::fabs(t - lut[j]);
        if (d < best_distance) {
          best_distance = d;
          best = j;
        }
      }
      return scaled[best] * q[0];
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctWeightsLutSymmetricQuantizer(const exec::KernelInfo& info) {
  return CreateLutQuantizer(info, /*power_of_two=*/false);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctWeightsLutPotQuantizer(const exec::KernelInfo& info) {
  return CreateLutQuantizer(info, /*power_of_two=*/true);
}

}  // namespace xquant::kernels
