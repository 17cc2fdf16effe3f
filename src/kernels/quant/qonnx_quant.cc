// QONNX Quant and BipolarQuant (domains qonnx.custom_op.general, onnx.brevitas,
// finn.custom_op.general), as QONNX's reference implementation evaluates them, in float32.
//
// Quant(x, scale, zeropt, bitwidth); attributes signed (1), narrow (0), rounding_mode ("ROUND"):
//   v = x / scale + zeropt
//   b = 1 and signed:  v = (v >= 0 ? 1 : −1)                        (bipolar)
//   otherwise:         v = round_mode(clamp(v, min_int, max_int))   (clamp first, then round)
//   y = (v − zeropt) · scale
// min_int/max_int: dialect::QonnxIntRange. scale and zeropt broadcast against x (e.g. [C, 1, 1, 1]);
// bitwidth is one whole number.
// BipolarQuant(x, scale): y = (x >= 0 ? 1 : −1) · scale.
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {
namespace {

using dialect::RoundingMode;

struct QuantParams {
  std::vector<float> scale, zero_point;
  int bits = 8;
};

StatusOr<QuantParams> ReadQuantParams(const KernelContext& ctx) {
  QuantParams p;
  XQ_ASSIGN_OR_RETURN(p.scale, dialect::ScaleValues(ctx, 1, "scale"));
  XQ_ASSIGN_OR_RETURN(p.zero_point, dialect::ParamValues(ctx, 2, "zeropt"));
  XQ_ASSIGN_OR_RETURN(p.bits, dialect::BitWidthParam(ctx, 3, "bitwidth"));
  return p;
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateQonnxQuant(const exec::KernelInfo& info) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 4, "x, scale, zeropt, bitwidth"));
  XQ_ASSIGN_OR_RETURN(bool is_signed, dialect::OptionalFlag(info, "signed", true));
  XQ_ASSIGN_OR_RETURN(bool narrow, dialect::OptionalFlag(info, "narrow", false));
  XQ_ASSIGN_OR_RETURN(RoundingMode mode, dialect::ParseRoundingMode(info, "ROUND"));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(
      info, {1, 2, 3}, [](const KernelContext& ctx) { return ReadQuantParams(ctx).status(); }));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(QuantParams p, ReadQuantParams(ctx));
    XQ_ASSIGN_OR_RETURN(auto scale, dialect::BroadcastView(ctx, p.scale, ctx.input(1)->shape(), x->shape(), "scale"));
    XQ_ASSIGN_OR_RETURN(auto zp, dialect::BroadcastView(ctx, p.zero_point, ctx.input(2)->shape(), x->shape(), "zeropt"));
    Tensor y(DataType::kFloat32, x->shape());
    if (p.bits == 1 && is_signed) {
      dialect::MapWithParams<2>(*x, {scale, zp}, y.data<float>(), [](float v, const std::array<float, 2>& q) {
        const float level = (v / q[0] + q[1]) >= 0.0f ? 1.0f : -1.0f;
        return (level - q[1]) * q[0];
      });
    } else {
      const dialect::IntRange range = dialect::QonnxIntRange(p.bits, is_signed, narrow);
      dialect::MapWithParams<2>(*x, {scale, zp}, y.data<float>(), [=](float v, const std::array<float, 2>& q) {
        const float level = dialect::Round(mode, dialect::ClampKeepNan(v / q[0] + q[1], range.min, range.max));
        return (level - q[1]) * q[0];
      });
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateQonnxBipolarQuant(const exec::KernelInfo& info) {
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, 2, "x, scale"));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(
      info, {1}, [](const KernelContext& ctx) { return dialect::ScaleValues(ctx, 1, "scale").status(); }));
  return MakeKernel([](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(std::vector<float> values, dialect::ScaleValues(ctx, 1, "scale"));
    XQ_ASSIGN_OR_RETURN(auto scale, dialect::BroadcastView(ctx, values, ctx.input(1)->shape(), x->shape(), "scale"));
    Tensor y(DataType::kFloat32, x->shape());
    dialect::MapWithParams<1>(*x, {scale}, y.data<float>(), [](float v, const std::array<float, 1>& q) {
      return (v >= 0.0f ? 1.0f : -1.0f) * q[0];
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
