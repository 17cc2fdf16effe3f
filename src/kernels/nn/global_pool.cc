// GlobalAveragePool, GlobalMaxPool (ONNX opset 1) and GlobalLpPool (opsets 1, 2): one value per
// (n, c) plane of an [N, C, spatial...] tensor; the output keeps the rank with spatial sizes 1.
// GlobalLpPool's p is a float attribute at opset 1 and an int from opset 2 (default 2).
#include <cmath>
#include <limits>

#include "kernels/blocked.h"
#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

enum class GlobalKind { kAverage, kMax, kLp };

template <typename T>
T ReducePlane(const T* x, int64_t size, GlobalKind kind, double p) {
  switch (kind) {
    case GlobalKind::kAverage: {
      T sum = 0;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < size; ++i) sum += x[i];
      return sum / static_cast<T>(size);
    }
    case GlobalKind::kMax: {
      T best = std::numeric_limits<T>::lowest();
#pragma omp simd reduction(max : best)
      for (int64_t i = 0; i < size; ++i) best = x[i] > best ? x[i] : best;
      return best;
    }
    case GlobalKind::kLp: {
      T sum = 0;
      if (p == 2) {
#pragma omp simd reduction(+ : sum)
        for (int64_t i = 0; i < size; ++i) sum += x[i] * x[i];
        return std::sqrt(sum);
      }
      for (int64_t i = 0; i < size; ++i) sum += static_cast<T>(std::pow(std::abs(x[i]), p));
      return static_cast<T>(std::pow(sum, 1.0 / p));
    }
  }
  return T(0);
}

// The average of each channel of a channel-blocked [N, C, spatial...] tensor (exec/blocked_layout.h),
// written in plain order to out[n * C + c]: 16 channels side by side, summed over the positions
// in four interleaved partial sums (as the plain loop's vector reduction keeps several).
void BlockedAverage(const float* x, const exec::BlockedShape& b, float* out) {
  constexpr int64_t kLanes = exec::kChannelBlock;
  exec::ParallelFor(b.batch * b.blocks, nn::RowGrain(b.spatial * kLanes), [&](int64_t begin, int64_t end) {
    for (int64_t block = begin; block < end; ++block) {
      const float* in = x + block * b.spatial * kLanes;
      alignas(64) float acc[4][kLanes] = {};
      int64_t s = 0;
      for (; s + 4 <= b.spatial; s += 4)
        for (int k = 0; k < 4; ++k)
#pragma omp simd
          for (int64_t l = 0; l < kLanes; ++l) acc[k][l] += in[(s + k) * kLanes + l];
      for (; s < b.spatial; ++s)
#pragma omp simd
        for (int64_t l = 0; l < kLanes; ++l) acc[0][l] += in[s * kLanes + l];
      const int64_t n = block / b.blocks, cb = block % b.blocks;
      float* dst = out + n * b.channels + cb * kLanes;
      for (int64_t l = 0; l < b.lanes(cb); ++l)
        dst[l] = ((acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l])) / static_cast<float>(b.spatial);
    }
  });
}

class GlobalPoolKernel final : public exec::Kernel {
 public:
  GlobalPoolKernel(GlobalKind kind, double p) : kind_(kind), p_(p) {}

  Status Compute(exec::KernelContext& ctx) override {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() < 2) return ctx.Error("input must have rank >= 2 ([N, C, ...]), got " + ShapeToString(x->shape()));
    Shape out_shape = x->shape();
    for (int i = 2; i < x->rank(); ++i) out_shape[i] = 1;
    const int64_t planes = x->dim(0) * x->dim(1);
    const int64_t plane = nn::Product(x->shape(), 2, x->rank());
    if (plane == 0 && planes > 0) return ctx.Error("cannot pool over empty spatial axes " + ShapeToString(x->shape()));
    Tensor y(x->dtype(), out_shape);  // plain: a [N, C, 1...] result is too small to gain from blocks
    if (ctx.input_blocked()) {
      XQ_RETURN_IF_ERROR(CheckBlockedInputs(ctx));
      if (kind_ != GlobalKind::kAverage) return ctx.Error("was handed a channel-blocked input it cannot read");
      BlockedAverage(x->data<float>(), exec::BlockedShapeOf(x->shape()), y.data<float>());
      ctx.output(0) = std::move(y);
      return Status::Ok();
    }
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const T* in = x->data<T>();
      T* out = y.data<T>();
      exec::ParallelFor(planes, nn::RowGrain(plane), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) out[i] = ReducePlane<T>(in + i * plane, plane, kind_, p_);
      });
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  }

  // GlobalAveragePool reads a convolution's blocked output directly (squeeze-excitation blocks).
  bool AcceptsBlockedInput(size_t i) const override { return i == 0 && kind_ == GlobalKind::kAverage; }

 private:
  GlobalKind kind_;
  double p_;
};

StatusOr<std::unique_ptr<exec::Kernel>> CreateGlobalPool(const exec::KernelInfo& info, GlobalKind kind) {
  double p = 2.0;
  if (const Attribute* a = info.node().FindAttribute("p"))
    p = a->kind == Attribute::Kind::kFloat ? a->f : static_cast<double>(a->i);
  if (kind == GlobalKind::kLp && !(p > 0)) return info.Invalid("p must be positive");
  return std::unique_ptr<exec::Kernel>(std::make_unique<GlobalPoolKernel>(kind, p));
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateGlobalAveragePool(const exec::KernelInfo& info) {
  return CreateGlobalPool(info, GlobalKind::kAverage);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateGlobalMaxPool(const exec::KernelInfo& info) {
  return CreateGlobalPool(info, GlobalKind::kMax);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateGlobalLpPool(const exec::KernelInfo& info) {
  return CreateGlobalPool(info, GlobalKind::kLp);
}

}  // namespace xquant::kernels
