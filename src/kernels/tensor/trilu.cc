// Trilu (ONNX opset 14): keeps the upper (upper=1, default) or lower triangle of the last two axes
// and zeroes the rest: element (i, j) stays when j - i >= k (upper) or j - i <= k (lower); k is the
// optional scalar input 1 (default 0). Zero is all-zero bytes in every type, so this only moves
// bytes.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateTrilu(const exec::KernelInfo& info) {
  const bool upper = info.node().GetInt("upper", 1) != 0;
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() < 2)
      return ctx.Error("input must have rank >= 2, got " + ShapeToString(x->shape()));
    int64_t k = 0;
    if (ctx.input(1)) {
      XQ_ASSIGN_OR_RETURN(std::vector<int64_t> kv,
                          ToInt64Vector(*ctx.input(1), ctx.node().Describe() + ": k"));
      if (kv.size() != 1) return ctx.Error("k must be a scalar");
      k = kv[0];
    }
    const int64_t rows = x->dim(x->rank() - 2), cols = x->dim(x->rank() - 1);
    const int64_t matrices = rows * cols == 0 ? 0 : x->size() / (rows * cols);
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(DispatchBySize(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = x->data<T>();
      T* dst = y.data<T>();
      exec::ParallelFor(matrices * rows,
                        std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, cols)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t r = begin; r < end; ++r) {
                            const int64_t i = r % rows;
                            // Kept columns [lo, hi) of row i.
                            const int64_t lo = upper ? std::clamp<int64_t>(i + k, 0, cols) : 0;
                            const int64_t hi =
                                upper ? cols : std::clamp<int64_t>(i + k + 1, 0, cols);
                            const T* s = src + r * cols;
                            T* d = dst + r * cols;
                            std::fill(d, d + lo, T(0));
                            std::copy(s + lo, s + std::max(lo, hi), d + lo);
                            std::fill(d + std::max(lo, hi), d + cols, T(0));
                          }
                        });
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
