// CumSum (ONNX opsets 11, 14): running sums along the axis given by input 1 (a scalar int32/int64
// tensor, negative counts from the rank). `exclusive` leaves out the element itself (the first
// output is 0); `reverse` sums from the end. Viewed as [outer, n, inner], each step adds a whole
// contiguous row of `inner` elements to the previous output row.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateCumSum(const exec::KernelInfo& info) {
  const bool exclusive = info.node().GetInt("exclusive", 0) != 0;
  const bool reverse = info.node().GetInt("reverse", 0) != 0;
  if (!info.HasInput(1)) return info.Invalid("needs the axis input");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* axis_input, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> axis_value,
                        ToInt64Vector(*axis_input, ctx.node().Describe() + ": axis"));
    if (axis_value.size() != 1) return ctx.Error("axis must be a scalar");
    const int rank = x->rank();
    if (rank == 0) return ctx.Error("input must have rank >= 1");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_value[0], rank, ctx.node().Describe()));
    const int64_t n = x->dim(axis);
    int64_t outer = 1, inner = 1;
    for (int k = 0; k < axis; ++k) outer *= x->dim(k);
    for (int k = axis + 1; k < rank; ++k) inner *= x->dim(k);
    Tensor y(x->dtype(), x->shape());
    if (y.size() > 0) {
      XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
        using T = decltype(tag);
        const T* src = x->data<T>();
        T* dst = y.data<T>();
        exec::ParallelFor(outer, std::max<int64_t>(1, exec::kElementwiseGrain / (n * inner)),
                          [&](int64_t begin, int64_t end) {
                            for (int64_t o = begin; o < end; ++o) {
                              const T* xs = src + o * n * inner;
                              T* ys = dst + o * n * inner;
                              for (int64_t t = 0; t < n; ++t) {
                                const int64_t i = reverse ? n - 1 - t : t;
                                T* d = ys + i * inner;
                                if (t == 0) {
                                  if (exclusive)
                                    std::fill_n(d, inner, T(0));
                                  else
                                    std::copy_n(xs + i * inner, inner, d);
                                  continue;
                                }
                                const int64_t p =
                                    reverse ? i + 1 : i - 1;  // the previous step's row
                                const T* prev = ys + p * inner;
                                const T* add = xs + (exclusive ? p : i) * inner;
                                for (int64_t k = 0; k < inner; ++k)
                                  d[k] = static_cast<T>(prev[k] + add[k]);
                              }
                            }
                          });
      }));
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
