// BatchNormalization, inference form (ONNX opsets 1, 6, 7, 9, 14, 15):
//   y = (x - mean) / sqrt(var + epsilon) * scale + B, per channel (axis 1 of [N, C, ...]),
// computed as y = x * a[c] + b[c] with a = scale / sqrt(var + epsilon), b = B - mean * a (the fold
// onnxruntime uses), one (n, c) plane per ParallelFor row.
//
// Opset differences handled:
//   - spatial = 0 (opsets < 9): the parameters have shape [C, D1, ...], one value per element of
//     a sample instead of one per channel.
//   - training: opsets < 14 train when the node asks for the running/saved statistics outputs
//     (is_test = 0 at opsets 1 and 6); opsets 14 and 15 when training_mode = 1. Training is not
//     supported (NotSupported): xquant runs inference.
//   - opset 15 lets scale/B and mean/var have different float types; all are read as doubles.
//   - consumed_inputs (opset 1) and momentum only matter for training and are ignored.
#include <cmath>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

template <typename T>
void ApplyAffine(const T* x, T* y, int64_t rows, int64_t channels, int64_t inner, const std::vector<T>& a,
                 const std::vector<T>& b, bool per_channel) {
  exec::ParallelFor(rows, nn::RowGrain(inner), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t c = row % channels;
      const T* in = x + row * inner;
      T* out = y + row * inner;
      if (per_channel) {
        const T ac = a[c], bc = b[c];
        for (int64_t i = 0; i < inner; ++i) out[i] = in[i] * ac + bc;
      } else {
        const T* ac = a.data() + c * inner;
        const T* bc = b.data() + c * inner;
        for (int64_t i = 0; i < inner; ++i) out[i] = in[i] * ac[i] + bc[i];
      }
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateBatchNormalization(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const int64_t opset = info.opset();
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  if (!(epsilon >= 0)) return info.Invalid("epsilon must be non-negative");
  if (opset >= 14) {
    if (node.GetInt("training_mode", 0) != 0)
      return info.Unsupported("training_mode=1 is not supported (xquant runs inference only)");
  } else {
    int outputs = 0;
    for (ValueId v : node.outputs) outputs += v != kNoValue;
    if (outputs > 1)
      return info.Unsupported("training (the running/saved statistics outputs) is not supported; xquant runs inference only");
  }
  const bool per_channel = opset >= 9 || node.GetInt("spatial", 1) != 0;
  if (info.num_inputs() != 5) return info.Invalid("needs 5 inputs (X, scale, B, input_mean, input_var)");
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() < 2) return ctx.Error("input must have rank >= 2 ([N, C, ...]), got " + ShapeToString(x->shape()));
    const int64_t channels = x->dim(1);
    const int64_t inner = nn::Product(x->shape(), 2, x->rank());
    const int64_t param_size = per_channel ? channels : channels * inner;
    static const char* const kNames[] = {"scale", "B", "input_mean", "input_var"};
    std::vector<double> params[4];
    for (int i = 0; i < 4; ++i) {
      XQ_ASSIGN_OR_RETURN(const Tensor* t, RequireInput(ctx, i + 1));
      XQ_ASSIGN_OR_RETURN(params[i], nn::ToDoubleVector(*t, ctx.node().Describe() + ": " + kNames[i]));
      if (static_cast<int64_t>(params[i].size()) != param_size)
        return ctx.Error(std::string(kNames[i]) + " has " + std::to_string(params[i].size()) + " values; expected " +
                         std::to_string(param_size) + (per_channel ? " (one per channel)" : " (spatial=0: one per element of a sample)"));
    }
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> a(param_size), b(param_size);
      for (int64_t i = 0; i < param_size; ++i) {
        const double scale = params[0][i] / std::sqrt(params[3][i] + epsilon);
        a[i] = static_cast<T>(scale);
        b[i] = static_cast<T>(params[1][i] - params[2][i] * scale);
      }
      ApplyAffine<T>(x->data<T>(), y.data<T>(), x->dim(0) * channels, channels, inner, a, b, per_channel);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
