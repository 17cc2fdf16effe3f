// Sony MCT weight quantizers (domain mct_quantizers), as MCT's own onnxruntime implementation
// evaluates them: per tensor or per channel along `channel_axis`, parameters as constant inputs,
// all arithmetic in float32 (the parameters are float32 arrays there).
//
// WeightsPOTQuantizer, WeightsSymmetricQuantizer (x, threshold[C]), num_bits n, signed:
//   Δ = T / 2^(n − 1), y = round_half_even(clip(x, −T, T − Δ) / Δ) · Δ. POT requires powers of two.
// WeightsUniformQuantizer (x, min_range[C], max_range[C]), num_bits n:
//   s = (max − min)/(2^n − 1), a = s·round(min/s), b = (max − min) + a; a range above 0 becomes
//   [0, max], below 0 [min, 0]; a = min(a, 0), b = max(b, 0); Δ = (b − a)/(2^n − 1);
//   y = round_half_even(clip(x, a, b) / Δ) · Δ   (note: unlike the activation quantizer, a is not
//   subtracted before rounding; a lies on the grid, so the two agree up to float rounding).
// Attributes: num_bits (required), per_channel (0), channel_axis (required when per_channel),
// signed (must be 1: MCT's weight quantizers are signed).
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {
namespace {

using dialect::ClampKeepNan;

struct ChannelLayout {
  int64_t bits = 8;
  bool per_channel = false;
  int64_t axis = 0;  // as written; normalised against x's rank at run time
};

// `symmetric`: the threshold quantizers, which MCT defines as signed only.
StatusOr<ChannelLayout> ReadChannelLayout(const KernelInfo& info, bool symmetric) {
  ChannelLayout layout;
  XQ_ASSIGN_OR_RETURN(layout.bits, dialect::RequiredInt(info, "num_bits"));
  if (layout.bits < 1 || layout.bits > 24)
    return info.Invalid("attribute 'num_bits' is " + std::to_string(layout.bits) + "; expected 1 to 24");
  XQ_ASSIGN_OR_RETURN(layout.per_channel, dialect::OptionalFlag(info, "per_channel", false));
  if (layout.per_channel && !info.node().HasAttribute("channel_axis"))
    return info.Invalid("attribute 'channel_axis' is required when per_channel = 1");
  XQ_ASSIGN_OR_RETURN(layout.axis, dialect::OptionalInt(info, "channel_axis", 0));
  XQ_ASSIGN_OR_RETURN(bool is_signed, dialect::OptionalFlag(info, "signed", true));
  if (!is_signed && symmetric)
    return info.Invalid("attribute 'signed' is 0, but MCT's symmetric and power-of-two weight quantizers are signed");
  return layout;
}

// The per-channel parameter input `i` checked against x: one value (per tensor) or x.dim(axis).
StatusOr<dialect::ParamView> ChannelParam(const KernelContext& ctx, const ChannelLayout& layout,
                                          const std::vector<float>& values, const Shape& x_shape,
                                          const std::string& field) {
  if (values.empty()) return ctx.Error(field + " is empty");
  if (!layout.per_channel && values.size() != 1)
    return ctx.Error(field + " has " + std::to_string(values.size()) + " values but per_channel is 0 (expected one)");
  int64_t axis = layout.axis;
  if (values.size() > 1) {
    XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, static_cast<int>(x_shape.size()),
                                             ctx.node().Describe() + " attribute 'channel_axis'"));
    axis = a;
  }
  return dialect::ChannelView(ctx, values, axis, x_shape, field);
}

StatusOr<std::vector<float>> Thresholds(const KernelContext& ctx, bool power_of_two) {
  XQ_ASSIGN_OR_RETURN(std::vector<float> t, dialect::ParamValues(ctx, 1, "threshold"));
  for (size_t c = 0; c < t.size(); ++c) {
    if (!std::isfinite(t[c]) || t[c] <= 0.0f)
      return ctx.Error("threshold[" + std::to_string(c) + "] must be a positive number, got " + std::to_string(t[c]));
    int exponent = 0;
    if (power_of_two && std::frexp(t[c], &exponent) != 0.5f)
      return ctx.Error("threshold[" + std::to_string(c) + "] must be a power of two for a POT quantizer, got " +
                       std::to_string(t[c]));
  }
  return t;
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateWeightsThresholdQuantizer(const KernelInfo& info, bool power_of_two) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 2, "x, threshold"));
  XQ_ASSIGN_OR_RETURN(ChannelLayout layout, ReadChannelLayout(info, /*symmetric=*/true));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(
      info, {1}, [&](const KernelContext& ctx) { return Thresholds(ctx, power_of_two).status(); }));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(std::vector<float> threshold, Thresholds(ctx, power_of_two));
    const float levels = std::ldexp(1.0f, static_cast<int>(layout.bits - 1));
    std::vector<float> delta(threshold.size()), lo(threshold.size()), hi(threshold.size());
    for (size_t c = 0; c < threshold.size(); ++c) {
      delta[c] = threshold[c] / levels;
      lo[c] = -threshold[c];
      hi[c] = threshold[c] - delta[c];
    }
    XQ_ASSIGN_OR_RETURN(auto delta_view, ChannelParam(ctx, layout, delta, x->shape(), "threshold"));
    XQ_ASSIGN_OR_RETURN(auto lo_view, ChannelParam(ctx, layout, lo, x->shape(), "threshold"));
    XQ_ASSIGN_OR_RETURN(auto hi_view, ChannelParam(ctx, layout, hi, x->shape(), "threshold"));
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<3>(*x, {delta_view, lo_view, hi_view}, y.data<float>(),
                              [](float v, const std::array<float, 3>& p) {
                                return std::nearbyintf(ClampKeepNan(v, p[1], p[2]) / p[0]) * p[0];
                              });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

struct UniformRanges {
  std::vector<float> a, b, delta;
};

StatusOr<UniformRanges> ReadUniformRanges(const KernelContext& ctx, int64_t bits) {
  XQ_ASSIGN_OR_RETURN(std::vector<float> mn, dialect::ParamValues(ctx, 1, "min_range"));
  XQ_ASSIGN_OR_RETURN(std::vector<float> mx, dialect::ParamValues(ctx, 2, "max_range"));
  if (mn.size() != mx.size())
    return ctx.Error("min_range has " + std::to_string(mn.size()) + " values but max_range has " +
                     std::to_string(mx.size()));
  const float levels = std::ldexp(1.0f, static_cast<int>(bits)) - 1.0f;
  UniformRanges r;
  for (size_t c = 0; c < mn.size(); ++c) {
    if (!std::isfinite(mn[c]) || !std::isfinite(mx[c]) || !(mx[c] > mn[c]))
      return ctx.Error("channel " + std::to_string(c) + ": min_range " + std::to_string(mn[c]) + " and max_range " +
                       std::to_string(mx[c]) + " must be finite with max_range > min_range: a zero-width range has "
                       "no quantization step");
    // float32 throughout, in MCT's order.
    const float s = (mx[c] - mn[c]) / levels;
    float a = s * std::nearbyintf(mn[c] / s);
    float b = (mx[c] - mn[c]) + a;
    const float min_positive = mn[c] > 0 ? 1.0f : 0.0f, max_negative = mx[c] < 0 ? 1.0f : 0.0f;
    const float mid = (min_positive == 0.0f && max_negative == 0.0f) ? 1.0f : 0.0f;
    a = a * mid + max_negative * mn[c];
    b = b * mid + min_positive * mx[c];
    // numpy's minimum/maximum return the second operand on ties, so a -0 bound becomes +0.
    a = a < 0.0f ? a : 0.0f;
    b = b > 0.0f ? b : 0.0f;
    r.a.push_back(a);
    r.b.push_back(b);
    r.delta.push_back((b - a) / levels);
  }
  return r;
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctWeightsPotQuantizer(const exec::KernelInfo& info) {
  return CreateWeightsThresholdQuantizer(info, /*power_of_two=*/true);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctWeightsSymmetricQuantizer(const exec::KernelInfo& info) {
  return CreateWeightsThresholdQuantizer(info, /*power_of_two=*/false);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateMctWeightsUniformQuantizer(const exec::KernelInfo& info) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 3, "x, min_range, max_range"));
  XQ_ASSIGN_OR_RETURN(ChannelLayout layout, ReadChannelLayout(info, /*symmetric=*/false));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(
      info, {1, 2}, [&](const KernelContext& ctx) { return ReadUniformRanges(ctx, layout.bits).status(); }));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(UniformRanges r, ReadUniformRanges(ctx, layout.bits));
    XQ_ASSIGN_OR_RETURN(auto a_view, ChannelParam(ctx, layout, r.a, x->shape(), "min_range"));
    XQ_ASSIGN_OR_RETURN(auto b_view, ChannelParam(ctx, layout, r.b, x->shape(), "max_range"));
    XQ_ASSIGN_OR_RETURN(auto delta_view, ChannelParam(ctx, layout, r.delta, x->shape(), "min_range"));
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<3>(*x, {a_view, b_view, delta_view}, y.data<float>(),
                              [](float v, const std::array<float, 3>& p) {
                                return std::nearbyintf(ClampKeepNan(v, p[0], p[1]) / p[2]) * p[2];
                              });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
