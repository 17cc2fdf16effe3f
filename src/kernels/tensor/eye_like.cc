// EyeLike (ONNX opset 9): a 2-D tensor of the input's shape with ones on the diagonal j = i + k
// (`k`, default 0) and zeros elsewhere; `dtype` (default: the input's type) sets the output type.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateEyeLike(const exec::KernelInfo& info) {
  const bool has_dtype = info.node().HasAttribute("dtype");
  const DataType dtype_attr = static_cast<DataType>(info.node().GetInt("dtype", 0));
  if (has_dtype && !IsSupportedDataType(dtype_attr))
    return info.Unsupported("dtype " + DataTypeName(dtype_attr) + " is not supported");
  const int64_t k = info.node().GetInt("k", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() != 2) return ctx.Error("input must be 2-D, got " + ShapeToString(x->shape()));
    const DataType dtype = has_dtype ? dtype_attr : x->dtype();
    Tensor y = Tensor::Zeros(dtype, x->shape());
    const int64_t rows = x->dim(0), cols = x->dim(1);
    auto set_diagonal = [&](auto one) {
      using T = decltype(one);
      T* out = y.data<T>();
      for (int64_t i = std::max<int64_t>(0, -k); i < rows && i + k < cols; ++i)
        out[i * cols + i + k] = one;
    };
    if (dtype == DataType::kBool)
      set_diagonal(true);
    else
      XQ_RETURN_IF_ERROR(DispatchNumeric(dtype, ctx.node().Describe(),
                                         [&](auto tag) { set_diagonal(decltype(tag)(1)); }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
