// LRN, local response normalisation across channels (ONNX opsets 1, 13):
//   square_sum[n, c, ...] = sum of x[n, c', ...]^2 for c' in [c - floor((size - 1) / 2),
//                                                              c + ceil((size - 1) / 2)] ∩ [0, C)
//   y = x / (bias + alpha / size * square_sum) ^ beta
// Defaults alpha 1e-4, beta 0.75, bias 1; size is required. One (n, c) plane per ParallelFor row,
// the window sum accumulated along the contiguous spatial axis.
#include <cmath>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

template <typename T>
void Lrn(const T* x, T* y, int64_t batch, int64_t channels, int64_t inner, int64_t size, double alpha, double beta,
         double bias) {
  const int64_t before = (size - 1) / 2;
  const int64_t after = size - 1 - before;
  const double scale = alpha / static_cast<double>(size);
  exec::ParallelFor(batch * channels, nn::RowGrain(size * inner), [&](int64_t begin, int64_t end) {
    std::vector<double> square_sum(static_cast<size_t>(inner));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / channels, c = row % channels;
      std::fill(square_sum.begin(), square_sum.end(), 0.0);
      const int64_t first = std::max<int64_t>(0, c - before), last = std::min(channels - 1, c + after);
      for (int64_t k = first; k <= last; ++k) {
        const T* in = x + (n * channels + k) * inner;
        for (int64_t i = 0; i < inner; ++i) square_sum[i] += static_cast<double>(in[i]) * static_cast<double>(in[i]);
      }
      const T* in = x + row * inner;
      T* out = y + row * inner;
      for (int64_t i = 0; i < inner; ++i)
        out[i] = static_cast<T>(static_cast<double>(in[i]) / std::pow(bias + scale * square_sum[i], beta));
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateLRN(const exec::KernelInfo& info) {
  const Node& node = info.node();
  if (!node.HasAttribute("size")) return info.Invalid("the size attribute is required");
  const int64_t size = node.GetInt("size", 0);
  if (size <= 0) return info.Invalid("size must be positive");
  const double alpha = node.GetFloat("alpha", 1e-4f);
  const double beta = node.GetFloat("beta", 0.75f);
  const double bias = node.GetFloat("bias", 1.0f);
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() < 2) return ctx.Error("input must have rank >= 2 ([N, C, ...]), got " + ShapeToString(x->shape()));
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      Lrn<T>(x->data<T>(), y.data<T>(), x->dim(0), x->dim(1), nn::Product(x->shape(), 2, x->rank()), size, alpha,
             beta, bias);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
