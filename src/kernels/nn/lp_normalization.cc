// LpNormalization (ONNX opset 1): x divided by its L1 or L2 norm along `axis` (default -1, p default
// 2). A slice whose norm is 0 gives zeros, as onnxruntime does. Norms accumulate in double; the
// loops run over [outer, n, inner] with the contiguous inner axis innermost.
#include <cmath>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

template <typename T>
void Normalize(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, int64_t p) {
  const int64_t slice = n * inner;
  exec::ParallelFor(outer, nn::RowGrain(2 * slice), [&](int64_t begin, int64_t end) {
    std::vector<double> norm(static_cast<size_t>(inner));
    for (int64_t o = begin; o < end; ++o) {
      const T* in = x + o * slice;
      T* out = y + o * slice;
      std::fill(norm.begin(), norm.end(), 0.0);
      for (int64_t j = 0; j < n; ++j) {
        const T* row = in + j * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const double v = static_cast<double>(row[i]);
          norm[i] += p == 1 ? std::abs(v) : v * v;
        }
      }
      for (int64_t i = 0; i < inner; ++i) norm[i] = p == 1 ? norm[i] : std::sqrt(norm[i]);
      for (int64_t j = 0; j < n; ++j) {
        const T* row = in + j * inner;
        T* dst = out + j * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = norm[i] != 0 ? static_cast<T>(row[i] / norm[i]) : T(0);
      }
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateLpNormalization(const exec::KernelInfo& info) {
  const int64_t axis = info.node().GetInt("axis", -1);
  const int64_t p = info.node().GetInt("p", 2);
  if (p != 1 && p != 2) return info.Invalid("p must be 1 or 2, got " + std::to_string(p));
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, x->rank(), ctx.node().Describe()));
    if (x->rank() == 0) return ctx.Error("input must have rank >= 1");
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      Normalize<T>(x->data<T>(), y.data<T>(), nn::Product(x->shape(), 0, a), x->dim(a),
                   nn::Product(x->shape(), a + 1, x->rank()), p);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
