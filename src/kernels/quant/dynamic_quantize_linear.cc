// DynamicQuantizeLinear (ONNX opset 11, its only version): float32 x -> uint8 y, y_scale, y_zero_point
//   min = min(0, min(x)), max = max(0, max(x))
//   y_scale = (max - min) / 255, y_zero_point = round_half_even(clamp(0 - min / y_scale, 0, 255))
//   y = saturate(round_half_even(x / y_scale) + y_zero_point)
// in float32 as onnxruntime computes it, including its answer to the spec's 0/0 for an all-zero
// (or empty) x: y_scale = 1, y_zero_point = 0.
#include <algorithm>
#include <cmath>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateDynamicQuantizeLinear(const exec::KernelInfo& info) {
  if (info.num_inputs() < 1) return info.Invalid("needs input x");
  return MakeKernel([](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    const float* in = x->data<float>();
    const int64_t count = x->size();
    float lo = 0.0f;
    float hi = 0.0f;
    for (int64_t i = 0; i < count; ++i) {
      lo = std::min(lo, in[i]);
      hi = std::max(hi, in[i]);
    }
    constexpr float kQmin = 0.0f;
    constexpr float kQmax = 255.0f;
    const float scale = hi == lo ? 1.0f : (hi - lo) / (kQmax - kQmin);
    const float zp = std::nearbyintf(std::max(kQmin, std::min(kQmax, kQmin - lo / scale)));
    Tensor y(DataType::kUint8, x->shape());
    uint8_t* out = y.data<uint8_t>();
    exec::ParallelFor(count, exec::kElementwiseGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float v = std::nearbyintf(in[i] / scale) + zp;
        v = std::min(std::max(v, kQmin), kQmax);
        out[i] = static_cast<uint8_t>(v);
      }
    });
    ctx.output(0) = std::move(y);
    if (ctx.num_outputs() > 1) ctx.output(1) = Tensor::Scalar<float>(scale);
    if (ctx.num_outputs() > 2) ctx.output(2) = Tensor::Scalar<uint8_t>(static_cast<uint8_t>(zp));
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
