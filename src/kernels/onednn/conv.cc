// Conv (ONNX opsets 1, 11; the attributes are the same in both): 1-D, 2-D and 3-D convolution
// with group (depthwise included), dilations, strides, explicit or automatic (SAME_UPPER,
// SAME_LOWER, VALID) padding and an optional bias, on oneDNN. float32 only.
#include <algorithm>
#include <optional>

#include "exec/blocked_layout.h"
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
class ConvKernel final : public exec::Kernel {
 public:
  ConvKernel(ConvAttributes attrs, Tensor constant_weights, std::optional<exec::Clamp> clamp)
      : attrs_(std::move(attrs)),
        constant_weights_(constant_weights),
        clamp_(clamp),
        primitive_(attrs_.transpose, attrs_.group, std::move(constant_weights), clamp) {}

  Status Compute(exec::KernelContext& ctx) override;

  // oneDNN applies the clamp as an eltwise post-op on the accumulated sum plus bias, the value the
  // separate op would read. ConvTranspose's cropped outputs are not covered (bias-only borders).
  std::unique_ptr<exec::Kernel> WithClamp(const exec::Clamp& clamp) const override {
    if (attrs_.transpose || clamp_) return nullptr;
    return std::make_unique<ConvKernel>(attrs_, constant_weights_, clamp);
  }

  // Conv reads and writes oneDNN's channel-blocked order directly (ConvPrimitive::Run), which
  // saves the reorders between consecutive convolutions. ConvTranspose always converts.
  bool AcceptsBlockedInput(size_t i) const override { return i == 0 && !attrs_.transpose; }

 private:
  ConvAttributes attrs_;
  Tensor constant_weights_;
  std::optional<exec::Clamp> clamp_;
  ConvPrimitive primitive_;
};

Status ConvKernel::Compute(exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  XQ_ASSIGN_OR_RETURN(const Tensor* w, RequireInput(ctx, 1));
  const Tensor* b = ctx.input(2);
  for (const Tensor* t : {x, w, b})
    if (t && t->dtype() != DataType::kFloat32)
      return NotSupportedError(ctx.node().Describe() + ": element type " +
                               DataTypeName(t->dtype()) + " is not supported (float32 only)");
  XQ_ASSIGN_OR_RETURN(ConvGeometry g, ResolveConvGeometry(ctx, attrs_, x->shape(), w->shape()));
  if (g.out.size() > 3)
    return NotSupportedError(ctx.node().Describe() +
                             ": only 1-D, 2-D and 3-D convolutions are supported; X has shape " +
                             ShapeToString(x->shape()));
  const int64_t out_channels = attrs_.transpose ? w->dim(1) * attrs_.group : w->dim(0);
  if (b && (b->rank() != 1 || b->dim(0) != out_channels))
    return ctx.Error("bias B " + ShapeToString(b->shape()) + " must have shape [" +
                     std::to_string(out_channels) + "]");
  Shape y_shape = {x->dim(0), out_channels};
  y_shape.insert(y_shape.end(), g.out.begin(), g.out.end());
  // A blocked output needs room for its padding channels (exec/blocked_layout.h).
  const bool may_block = ctx.may_block_output() && !attrs_.transpose && exec::IsBlockableShape(y_shape);
  Tensor y = may_block ? exec::NewBlockedTensor(y_shape) : Tensor(DataType::kFloat32, y_shape);
  if (y.size() > 0) {
    if (x->size() == 0 || w->size() == 0) {
      FillWithBias(b, y);  // oneDNN does not take zero-sized dimensions
      if (clamp_) {
        float* out = y.data<float>();
        for (int64_t i = 0; i < y.size(); ++i)
          out[i] = std::min(std::max(out[i], clamp_->lower), clamp_->upper);
      }
    } else {
      const bool src_blocked = ctx.input_blocked();
      if (src_blocked && (attrs_.transpose || !exec::IsBlockableShape(x->shape())))
        return InternalError(ctx.node().Describe() + ": channel-blocked input X " +
                             ShapeToString(x->shape()) + " cannot be read (the executor's hand-off)");
      try {
        if (primitive_.Run(g, *x, *w, b, y, src_blocked, may_block)) ctx.MarkOutputBlocked();
      } catch (const dnnl::error& e) {
        return DnnlErrorToStatus(
            ctx.node(), e,
            attrs_.transpose ? "running the transposed convolution" : "running the convolution");
      }
    }
  }
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateConvKernel(const exec::KernelInfo& info,
                                                         bool transpose) {
  XQ_ASSIGN_OR_RETURN(ConvAttributes attrs, ParseConvAttributes(info, transpose));
  if (attrs.kernel_shape.size() > 3)
    return info.Unsupported("only 1-D, 2-D and 3-D convolutions are supported");
  const Tensor* w = info.ConstantInput(1);
  if (w && w->dtype() == DataType::kFloat32 && w->rank() > 5)
    return info.Unsupported("only 1-D, 2-D and 3-D convolutions are supported; W has shape " +
                            ShapeToString(w->shape()));
  return std::unique_ptr<exec::Kernel>(std::make_unique<ConvKernel>(
      std::move(attrs), w && w->dtype() == DataType::kFloat32 ? *w : Tensor(), std::nullopt));
}

}  // namespace onednn

StatusOr<std::unique_ptr<exec::Kernel>> CreateConv(const exec::KernelInfo& info) {
  return onednn::CreateConvKernel(info, false);
}

}  // namespace xquant::kernels
