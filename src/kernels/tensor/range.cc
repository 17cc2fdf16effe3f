// Range (ONNX opset 11): [start, start + delta, ...) up to but excluding `limit`, from three scalar
// inputs of one type (float32, float64, int16, int32, int64). The count is
// max(ceil((limit - start) / delta), 0); element i is start + i * delta (numpy.arange's formula,
// which the reference implementation uses). Integer counts are computed exactly.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateRange(const exec::KernelInfo&) {
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* start, RequireInput(ctx, 0));
    const DataType dtype = start->dtype();
    for (size_t i = 0; i < 3; ++i) {
      XQ_ASSIGN_OR_RETURN(const Tensor* t, RequireInput(ctx, i, {dtype}));
      if (t->size() != 1) return ctx.Error("input " + std::to_string(i) + " must be a scalar");
    }
    if (dtype != DataType::kFloat32 && dtype != DataType::kFloat64 && dtype != DataType::kInt16 &&
        dtype != DataType::kInt32 && dtype != DataType::kInt64)
      return NotSupportedError(ctx.node().Describe() + ": element type " + DataTypeName(dtype) +
                               " is not supported");
    Status status;
    XQ_RETURN_IF_ERROR(DispatchNumeric(dtype, ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const T s = *ctx.input(0)->data<T>();
      const T limit = *ctx.input(1)->data<T>();
      const T delta = *ctx.input(2)->data<T>();
      if (delta == T(0)) {
        status = ctx.Error("delta must not be 0");
        return;
      }
      int64_t n;
      if constexpr (std::is_floating_point_v<T>) {
        n = static_cast<int64_t>(
            std::max(std::ceil((static_cast<double>(limit) - s) / delta), 0.0));
      } else {
        const int64_t span = static_cast<int64_t>(limit) - s;
        const int64_t d = delta;
        n = (span > 0) == (d > 0) && span != 0 ? (std::abs(span) + std::abs(d) - 1) / std::abs(d)
                                               : 0;
      }
      Tensor y(dtype, {n});
      T* out = y.data<T>();
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(s + static_cast<T>(i) * delta);
      ctx.output(0) = std::move(y);
    }));
    return status;
  });
}

}  // namespace xquant::kernels
