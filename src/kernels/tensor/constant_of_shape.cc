// ConstantOfShape (ONNX opsets 9, 20): a tensor of the shape given by input 0 (int64, 1-D; empty =
// scalar; zero dimensions allowed) filled with the one-element `value` attribute, whose type
// becomes the output's; float32 0 when absent.
#include <cstring>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateConstantOfShape(const exec::KernelInfo& info) {
  const Attribute* attr = info.node().FindAttribute("value");
  Tensor value = Tensor::Scalar<float>(0.0f);
  if (attr) {
    if (attr->kind != Attribute::Kind::kTensor || !attr->t.defined())
      return info.Invalid("'value' must be a tensor");
    if (attr->t.size() != 1) return info.Invalid("'value' must have exactly one element");
    value = attr->t;
  }
  return MakeKernel([value](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* shape_input, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        ToInt64Vector(*shape_input, ctx.node().Describe() + ": shape"));
    for (int64_t d : shape)
      if (d < 0) return ctx.Error("shape " + ShapeToString(shape) + " has a negative dimension");
    Tensor y(value.dtype(), shape);
    XQ_RETURN_IF_ERROR(DispatchBySize(value.dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      T v;
      std::memcpy(&v, value.raw_data(), sizeof(T));
      std::fill_n(y.data<T>(), y.size(), v);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
