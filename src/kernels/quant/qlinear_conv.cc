// QLinearConv (ONNX opset 10, its only version):
//   y = saturate(round_half_even(conv(x - x_zp, w - w_zp) + B) * (x_scale * w_scale / y_scale)) + y_zp)
// x, w, y each uint8 or int8; x and y per tensor; w_scale and w_zero_point per tensor or per output
// channel ([M]); B optional int32 [M] (scale x_scale * w_scale, zero point 0); Conv's group, pads,
// strides, dilations, auto_pad and kernel_shape, any number of spatial dims.
// Bit-exact with onnxruntime: the int32 accumulator plus bias, times the float32 combined scale
// computed as (x_scale * w_scale[m]) / y_scale, rounded with nearbyintf, then the zero point added
// (see Requantize in int_gemm.h).
#include <vector>

#include "kernels/common.h"
#include "kernels/quant/int_conv.h"
#include "kernels/quant/int_gemm.h"
#include "kernels/quant/quant_inputs.h"

namespace xquant::kernels {
namespace {

const std::initializer_list<DataType> kQuantTypes = {DataType::kUint8, DataType::kInt8};

template <typename Q>
void RequantizeConv(const ConvGeometry& g, const std::vector<int32_t>& acc, const int32_t* bias,
                    const std::vector<float>& scales, int32_t zero_point, Q* y) {
  const int64_t rows = g.batch * g.out_channels;
  const int64_t grain = std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, g.out_image));
  exec::ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t m = row % g.out_channels;
      const float scale = scales[scales.size() > 1 ? m : 0];
      const int32_t b = bias ? bias[m] : 0;
      const int32_t* in = acc.data() + row * g.out_image;
      Q* out = y + row * g.out_image;
      for (int64_t p = 0; p < g.out_image; ++p) out[p] = Requantize<Q>(WrappingAdd(in[p], b), scale, zero_point);
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateQLinearConv(const exec::KernelInfo& info) {
  if (info.num_inputs() < 8)
    return info.Invalid("needs inputs x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point (and optional B)");
  XQ_ASSIGN_OR_RETURN(ConvAttributes attrs, ReadConvAttributes(info));
  return MakeKernel([attrs](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, QuantInput(ctx, 0, "x", kQuantTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* x_scale, QuantInput(ctx, 1, "x_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* x_zp, QuantInput(ctx, 2, "x_zero_point", kQuantTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* w, QuantInput(ctx, 3, "w", kQuantTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* w_scale, QuantInput(ctx, 4, "w_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* w_zp, QuantInput(ctx, 5, "w_zero_point", kQuantTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* y_scale, QuantInput(ctx, 6, "y_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* y_zp, QuantInput(ctx, 7, "y_zero_point", kQuantTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* bias, QuantInput(ctx, 8, "B", {DataType::kInt32}, /*optional=*/true));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, x_scale, "x_scale"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, x_zp, "x_zero_point"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, y_scale, "y_scale"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, y_zp, "y_zero_point"));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, x_zp, *x, "x_zero_point", "x"));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, w_zp, *w, "w_zero_point", "w"));
    XQ_ASSIGN_OR_RETURN(ConvGeometry g, ComputeConvGeometry(ctx, attrs, x->shape(), w->shape()));
    const int64_t channels = g.out_channels;
    auto per_channel_ok = [channels](const Tensor* t) {
      return !t || t->size() == 1 || (t->rank() == 1 && t->dim(0) == channels);
    };
    if (!per_channel_ok(w_scale))
      return ctx.Error("w_scale has shape " + ShapeToString(w_scale->shape()) + "; expected one value or [" +
                       std::to_string(channels) + "] (per output channel)");
    if (!per_channel_ok(w_zp))
      return ctx.Error("w_zero_point has shape " + ShapeToString(w_zp->shape()) + "; expected one value or [" +
                       std::to_string(channels) + "] (per output channel)");
    if (bias && (bias->rank() != 1 || bias->dim(0) != channels))
      return ctx.Error("B has shape " + ShapeToString(bias->shape()) + "; expected [" + std::to_string(channels) + "]");

    std::vector<float> scales(static_cast<size_t>(w_scale->size()));
    const float xs = x_scale->data<float>()[0];
    const float ys = y_scale->data<float>()[0];
    for (size_t m = 0; m < scales.size(); ++m) scales[m] = xs * w_scale->data<float>()[m] / ys;

    std::vector<int32_t> acc(static_cast<size_t>(ElementCount(g.output_shape)));
    ConvolveS32(g, *x, x_zp ? ZeroPointAt(*x_zp, 0) : 0, WeightsMinusZeroPoint(*w, w_zp), acc.data());
    Tensor y(y_zp->dtype(), g.output_shape);
    const int32_t* b = bias ? bias->data<int32_t>() : nullptr;
    const int32_t yzp = ZeroPointAt(*y_zp, 0);
    if (y.dtype() == DataType::kInt8)
      RequantizeConv<int8_t>(g, acc, b, scales, yzp, y.data<int8_t>());
    else
      RequantizeConv<uint8_t>(g, acc, b, scales, yzp, y.data<uint8_t>());
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
