// ConvInteger (ONNX opset 10, its only version):
//   y = conv(x - x_zero_point, w - w_zero_point), int32
// x and w each uint8 or int8; x_zero_point per tensor; w_zero_point per tensor or per output
// channel ([M]); both optional (0). Conv's group, pads, strides, dilations, auto_pad and
// kernel_shape, any number of spatial dims. Sums wrap in 32 bits (see int_gemm.h).
#include "kernels/common.h"
#include "kernels/quant/int_conv.h"
#include "kernels/quant/int_gemm.h"
#include "kernels/quant/quant_inputs.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateConvInteger(const exec::KernelInfo& info) {
  if (info.num_inputs() < 2) return info.Invalid("needs inputs x and w (and optional x_zero_point, w_zero_point)");
  XQ_ASSIGN_OR_RETURN(ConvAttributes attrs, ReadConvAttributes(info));
  return MakeKernel([attrs](exec::KernelContext& ctx) -> Status {
    const std::initializer_list<DataType> kTypes = {DataType::kUint8, DataType::kInt8};
    XQ_ASSIGN_OR_RETURN(const Tensor* x, QuantInput(ctx, 0, "x", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* w, QuantInput(ctx, 1, "w", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* x_zp, QuantInput(ctx, 2, "x_zero_point", kTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* w_zp, QuantInput(ctx, 3, "w_zero_point", kTypes, /*optional=*/true));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, x_zp, *x, "x_zero_point", "x"));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, w_zp, *w, "w_zero_point", "w"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, x_zp, "x_zero_point"));
    XQ_ASSIGN_OR_RETURN(ConvGeometry g, ComputeConvGeometry(ctx, attrs, x->shape(), w->shape()));
    if (w_zp && w_zp->size() != 1 && !(w_zp->rank() == 1 && w_zp->dim(0) == g.out_channels))
      return ctx.Error("w_zero_point has shape " + ShapeToString(w_zp->shape()) + "; expected one value or [" +
                       std::to_string(g.out_channels) + "] (per output channel)");
    Tensor y = Tensor::Zeros(DataType::kInt32, g.output_shape);
    ConvolveS32(g, *x, x_zp ? ZeroPointAt(*x_zp, 0) : 0, WeightsMinusZeroPoint(*w, w_zp), y.data<int32_t>());
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
