// NonZero (ONNX opsets 9, 13): the coordinates of the non-zero elements, as an int64 tensor
// [rank, count] in C order (numpy.nonzero stacked). A scalar is treated as a 1-element 1-D tensor,
// as numpy does, giving [1, count]. -0.0 is zero; NaN is not.
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateNonZero(const exec::KernelInfo&) {
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    std::vector<int64_t> hits;
    auto scan = [&](auto tag) {
      using T = decltype(tag);
      const T* v = x->data<T>();
      for (int64_t i = 0; i < x->size(); ++i)
        if (v[i] != T(0)) hits.push_back(i);
    };
    if (x->dtype() == DataType::kBool)
      scan(uint8_t{});
    else
      XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), scan));
    const Shape shape = x->rank() == 0 ? Shape{1} : x->shape();
    const int rank = static_cast<int>(shape.size());
    const int64_t count = static_cast<int64_t>(hits.size());
    Tensor y(DataType::kInt64, {rank, count});
    int64_t* out = y.data<int64_t>();
    for (int64_t j = 0; j < count; ++j) {
      int64_t flat = hits[j];
      for (int k = rank - 1; k >= 0; --k) {
        out[k * count + j] = flat % shape[k];
        flat /= shape[k];
      }
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
