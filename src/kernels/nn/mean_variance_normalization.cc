// MeanVarianceNormalization (ONNX opsets 9, 13): y = (x - mean) / (sqrt(var) + 1e-9) over `axes`
// (default [0, 2, 3]), with var = E[x^2] - E[x]^2 — the formula and epsilon of the op's function
// body. The statistics are reductions over any axes (reduce_util.h), accumulated in double.
#include <cmath>

#include "kernels/nn/reduce_util.h"

namespace xquant::kernels {
namespace {

// Sums x and x^2 together in one reduction.
template <typename T>
struct MomentsOp {
  struct Acc {
    double sum = 0, squares = 0;
    Acc() = default;
    explicit Acc(double v) : sum(v), squares(v * v) {}  // one element's contribution
    Acc(double s, double q) : sum(s), squares(q) {}
  };
  using Out = Acc;
  Acc Init() const { return Acc(0, 0); }
  Acc Map(T v, Acc) const { return Acc(static_cast<double>(v)); }
  Acc Combine(Acc a, Acc b) const { return Acc(a.sum + b.sum, a.squares + b.squares); }
  Out Finish(Acc acc, int64_t count, Acc) const {
    const double n = count > 0 ? static_cast<double>(count) : 1.0;
    return Acc(acc.sum / n, acc.squares / n);
  }
};

// y = (x - mean) * inv for every input element, visiting them in the plan's order.
template <typename T>
void Apply(const T* x, T* y, const nn::ReducePlan& plan, const std::vector<double>& mean, const std::vector<double>& inv) {
  if (plan.outputs == 0) return;
  if (plan.inner_reduced) {
    exec::ParallelFor(plan.outputs, nn::RowGrain(plan.reduced), [&](int64_t begin, int64_t end) {
      for (int64_t k = begin; k < end; ++k) {
        const double m = mean[k], s = inv[k];
        for (int64_t r : plan.reduced_offsets) {
          const int64_t base = plan.kept_offsets[k] + r;
          for (int64_t i = 0; i < plan.inner; ++i) y[base + i] = static_cast<T>((x[base + i] - m) * s);
        }
      }
    });
    return;
  }
  const int64_t blocks = static_cast<int64_t>(plan.kept_offsets.size());
  exec::ParallelFor(blocks, nn::RowGrain(plan.reduced * plan.inner), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const double* m = mean.data() + b * plan.inner;
      const double* s = inv.data() + b * plan.inner;
      for (int64_t r : plan.reduced_offsets) {
        const int64_t base = plan.kept_offsets[b] + r;
        for (int64_t i = 0; i < plan.inner; ++i) y[base + i] = static_cast<T>((x[base + i] - m[i]) * s[i]);
      }
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateMeanVarianceNormalization(const exec::KernelInfo& info) {
  const std::vector<int64_t> axes = info.node().GetInts("axes", {0, 2, 3});
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    std::vector<bool> reduce_axis(x->rank(), false);
    for (int64_t a : axes) {
      XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(a, x->rank(), ctx.node().Describe()));
      if (x->rank() > 0) reduce_axis[axis] = true;
    }
    const nn::ReducePlan plan = nn::MakeReducePlan(x->shape(), reduce_axis);
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      using Moments = typename MomentsOp<T>::Acc;
      std::vector<Moments> moments(static_cast<size_t>(plan.outputs));
      nn::RunReduction(x->data<T>(), moments.data(), plan, MomentsOp<T>{});
      std::vector<double> mean(moments.size()), inv(moments.size());
      for (size_t k = 0; k < moments.size(); ++k) {
        mean[k] = moments[k].sum;
        const double variance = std::max(0.0, moments[k].squares - mean[k] * mean[k]);
        inv[k] = 1.0 / (std::sqrt(variance) + 1e-9);
      }
      Apply<T>(x->data<T>(), y.data<T>(), plan, mean, inv);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
