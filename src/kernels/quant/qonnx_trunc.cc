// QONNX Trunc (domains qonnx.custom_op.general, onnx.brevitas, finn.custom_op.general): drops
// low-order bits of an already quantized tensor, as QONNX's reference implementation does it in
// float32. rounding_mode (default "FLOOR") rounds the truncated value.
//
// Version 1, five inputs (x, scale, zeropt, in_bitwidth, out_bitwidth):
//   v = round_half_even(x / scale + zeropt); v = v / 2^(in_bitwidth − out_bitwidth);
//   v = round_mode(v); y = (v − zeropt) · scale
// Version 2, six inputs (x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth), attributes
// signed (1) and narrow (0):
//   v = round_half_even(x / scale + zeropt); t = 2^round_half_even(log2(out_scale / scale));
//   v = clamp(v / t, min_int, max_int) for out_bitwidth; v = round_mode(v);
//   y = (v − zeropt / t) · out_scale
// The version is told by the number of inputs. scale, zeropt and out_scale broadcast against x.
#include <cmath>

#include "kernels/quant/dialect_params.h"

namespace xquant::kernels {
namespace {

using dialect::RoundingMode;

struct TruncParams {
  std::vector<float> scale, zero_point, out_scale;
  int in_bits = 8, out_bits = 8;
};

StatusOr<TruncParams> ReadTruncParams(const KernelContext& ctx, bool v2) {
  TruncParams p;
  XQ_ASSIGN_OR_RETURN(p.scale, dialect::ScaleValues(ctx, 1, "scale"));
  XQ_ASSIGN_OR_RETURN(p.zero_point, dialect::ParamValues(ctx, 2, "zeropt"));
  XQ_ASSIGN_OR_RETURN(p.in_bits, dialect::BitWidthParam(ctx, 3, "in_bitwidth"));
  if (v2) {
    XQ_ASSIGN_OR_RETURN(p.out_scale, dialect::ScaleValues(ctx, 4, "out_scale"));
    XQ_ASSIGN_OR_RETURN(p.out_bits, dialect::BitWidthParam(ctx, 5, "out_bitwidth"));
  } else {
    XQ_ASSIGN_OR_RETURN(p.out_bits, dialect::BitWidthParam(ctx, 4, "out_bitwidth"));
    if (p.out_bits > p.in_bits)
      return ctx.Error("out_bitwidth (" + std::to_string(p.out_bits) + ") is larger than in_bitwidth (" +
                       std::to_string(p.in_bits) + "): Trunc only removes bits");
  }
  return p;
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateQonnxTrunc(const exec::KernelInfo& info) {
  const size_t n = info.num_inputs();
  if (n != 5 && n != 6)
    return info.Invalid("has " + std::to_string(n) +
                        " inputs; expected 5 (version 1: x, scale, zeropt, in_bitwidth, out_bitwidth) or 6 "
                        "(version 2: x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth)");
  const bool v2 = n == 6;
  XQ_RETURN_IF_ERROR(dialect::RequireInputs(info, n, v2 ? "x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth"
                                                        : "x, scale, zeropt, in_bitwidth, out_bitwidth"));
  XQ_ASSIGN_OR_RETURN(RoundingMode mode, dialect::ParseRoundingMode(info, "FLOOR"));
  XQ_ASSIGN_OR_RETURN(bool is_signed, dialect::OptionalFlag(info, "signed", true));
  XQ_ASSIGN_OR_RETURN(bool narrow, dialect::OptionalFlag(info, "narrow", false));
  XQ_RETURN_IF_ERROR(dialect::CheckConstantParams(info, v2 ? std::initializer_list<size_t>{1, 2, 3, 4, 5}
                                                           : std::initializer_list<size_t>{1, 2, 3, 4},
                                                  [=](const KernelContext& ctx) { return ReadTruncParams(ctx, v2).status(); }));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(TruncParams p, ReadTruncParams(ctx, v2));
    XQ_ASSIGN_OR_RETURN(auto scale, dialect::BroadcastView(ctx, p.scale, ctx.input(1)->shape(), x->shape(), "scale"));
    XQ_ASSIGN_OR_RETURN(auto zp, dialect::BroadcastView(ctx, p.zero_point, ctx.input(2)->shape(), x->shape(), "zeropt"));
    Tensor y(DataType::kFloat32, x->shape());
    if (!v2) {
      const float trunc_scale = std::ldexp(1.0f, p.in_bits - p.out_bits);
      dialect::MapWithParams<2>(*x, {scale, zp}, y.data<float>(), [=](float v, const std::array<float, 2>& q) {
        const float level = dialect::Round(mode, std::nearbyintf(v / q[0] + q[1]) / trunc_scale);
        return (level - q[1]) * q[0];
      });
    } else {
      XQ_ASSIGN_OR_RETURN(auto out_scale,
                          dialect::BroadcastView(ctx, p.out_scale, ctx.input(4)->shape(), x->shape(), "out_scale"));
      const dialect::IntRange range = dialect::QonnxIntRange(p.out_bits, is_signed, narrow);
      dialect::MapWithParams<3>(*x, {scale, zp, out_scale}, y.data<float>(), [=](float v, const std::array<float, 3>& q) {
        const float trunc_scale = std::exp2(std::nearbyintf(std::log2(q[2] / q[0])));
        const float shifted = std::nearbyintf(v / q[0] + q[1]) / trunc_scale;
        const float level = dialect::Round(mode, dialect::ClampKeepNan(shifted, range.min, range.max));
        return (level - q[1] / trunc_scale) * q[2];
      });
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
