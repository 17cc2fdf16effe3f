// Conv (ONNX opsets 1, 11; the attributes are the same in both): 1-D, 2-D and 3-D convolution
// with group (depthwise included), dilations, strides, explicit or automatic (SAME_UPPER,
// SAME_LOWER, VALID) padding and an optional bias, on oneDNN. float32 only.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/onednn/conv_attributes.h"
#include "kernels/onednn/conv_primitive.h"
#include "kernels/onednn/engine.h"

namespace xquant::kernels {
namespace onednn {
namespace {

// Output channels in [0, M): bias[m], or 0 without bias, over every output position. For outputs
// no input contributes to (zero input channels).
void FillWithBias(const Tensor* bias, Tensor& y) {
  const int64_t channels = y.dim(1);
  const int64_t inner = channels == 0 ? 0 : y.size() / std::max<int64_t>(1, y.dim(0) * channels);
  float* out = y.data<float>();
  for (int64_t p = 0; p < y.dim(0) * channels; ++p)
    std::fill_n(out + p * inner, inner, bias ? bias->data<float>()[p % channels] : 0.0f);
}

}  // namespace

// Conv and ConvTranspose differ only in the weights' layout and the geometry.
StatusOr<std::unique_ptr<exec::Kernel>> CreateConvKernel(const exec::KernelInfo& info,
                                                         bool transpose) {
  XQ_ASSIGN_OR_RETURN(ConvAttributes attrs, ParseConvAttributes(info, transpose));
  if (attrs.kernel_shape.size() > 3)
    return info.Unsupported("only 1-D, 2-D and 3-D convolutions are supported");
  const Tensor* w = info.ConstantInput(1);
  if (w && w->dtype() == DataType::kFloat32 && w->rank() > 5)
    return info.Unsupported("only 1-D, 2-D and 3-D convolutions are supported; W has shape " +
                            ShapeToString(w->shape()));
  auto primitive = std::make_unique<ConvPrimitive>(
      transpose, attrs.group, w && w->dtype() == DataType::kFloat32 ? *w : Tensor());
  return MakeKernel([attrs, primitive = std::move(primitive)](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* w, RequireInput(ctx, 1));
    const Tensor* b = ctx.input(2);
    for (const Tensor* t : {x, w, b})
      if (t && t->dtype() != DataType::kFloat32)
        return NotSupportedError(ctx.node().Describe() + ": element type " +
                                 DataTypeName(t->dtype()) + " is not supported (float32 only)");
    XQ_ASSIGN_OR_RETURN(ConvGeometry g, ResolveConvGeometry(ctx, attrs, x->shape(), w->shape()));
    if (g.out.size() > 3)
      return NotSupportedError(ctx.node().Describe() +
                               ": only 1-D, 2-D and 3-D convolutions are supported; X has shape " +
                               ShapeToString(x->shape()));
    const int64_t out_channels = attrs.transpose ? w->dim(1) * attrs.group : w->dim(0);
    if (b && (b->rank() != 1 || b->dim(0) != out_channels))
      return ctx.Error("bias B " + ShapeToString(b->shape()) + " must have shape [" +
                       std::to_string(out_channels) + "]");
    Shape y_shape = {x->dim(0), out_channels};
    y_shape.insert(y_shape.end(), g.out.begin(), g.out.end());
    Tensor y(DataType::kFloat32, y_shape);
    if (y.size() > 0) {
      if (x->size() == 0 || w->size() == 0) {
        FillWithBias(b, y);  // oneDNN does not take zero-sized dimensions
      } else {
        try {
          primitive->Run(g, *x, *w, b, y);
        } catch (const dnnl::error& e) {
          return DnnlErrorToStatus(
              ctx.node(), e,
              attrs.transpose ? "running the transposed convolution" : "running the convolution");
        }
      }
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace onednn

StatusOr<std::unique_ptr<exec::Kernel>> CreateConv(const exec::KernelInfo& info) {
  return onednn::CreateConvKernel(info, false);
}

}  // namespace xquant::kernels
