// InstanceNormalization (ONNX opsets 1, 6) and GroupNormalization (opsets 18, 21): normalise each
// group of channels of each sample of an [N, C, spatial...] tensor to zero mean and unit variance,
// then apply a per-channel scale and bias:
//   y = (x - mean) / sqrt(var + epsilon) * scale + bias
// InstanceNormalization is the case of one channel per group. GroupNormalization's scale and bias
// have one value per group at opset 18 and one per channel from 21; the number of values tells
// which (they coincide when groups == channels). Statistics are accumulated in double over two
// passes; one (n, group) slice per ParallelFor item. consumed_inputs (opset 1) is ignored.
#include <cmath>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

// `slices` = N * groups contiguous slices of `channels_per_group * inner` elements each.
template <typename T>
void NormalizeGroups(const T* x, T* y, int64_t slices, int64_t groups, int64_t channels_per_group, int64_t inner,
                     const std::vector<double>& scale, const std::vector<double>& bias, bool per_channel, double epsilon) {
  const int64_t slice = channels_per_group * inner;
  exec::ParallelFor(slices, nn::RowGrain(2 * slice), [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) {
      const int64_t g = s % groups;
      const T* in = x + s * slice;
      T* out = y + s * slice;
      double mean = 0, variance = 0;
      nn::MeanVariance(in, slice, &mean, &variance);
      const double inv_std = 1.0 / std::sqrt(variance + epsilon);
      for (int64_t c = 0; c < channels_per_group; ++c) {
        const int64_t p = per_channel ? g * channels_per_group + c : g;
        const T a = static_cast<T>(scale[p] * inv_std);
        const T b = static_cast<T>(bias[p] - mean * scale[p] * inv_std);
        const T* xc = in + c * inner;
        T* yc = out + c * inner;
        for (int64_t i = 0; i < inner; ++i) yc[i] = xc[i] * a + b;
      }
    }
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateNormalization(const exec::KernelInfo& info, bool instance) {
  const Node& node = info.node();
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  if (!(epsilon >= 0)) return info.Invalid("epsilon must be non-negative");
  int64_t num_groups = 0;
  if (!instance) {
    if (!node.HasAttribute("num_groups")) return info.Invalid("the num_groups attribute is required");
    num_groups = node.GetInt("num_groups", 0);
    if (num_groups <= 0) return info.Invalid("num_groups must be positive");
    if (node.GetInt("stash_type", 1) != 1) return info.Unsupported("stash_type other than 1 (float32)");
  }
  if (info.num_inputs() != 3) return info.Invalid("needs 3 inputs (X, scale, B)");
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (x->rank() < 2) return ctx.Error("input must have rank >= 2 ([N, C, ...]), got " + ShapeToString(x->shape()));
    const int64_t channels = x->dim(1);
    const int64_t groups = instance ? channels : num_groups;
    if (groups > 0 && channels % groups != 0)
      return ctx.Error(std::to_string(channels) + " channels cannot be split into " + std::to_string(groups) + " groups");
    XQ_ASSIGN_OR_RETURN(const Tensor* scale_t, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(const Tensor* bias_t, RequireInput(ctx, 2));
    XQ_ASSIGN_OR_RETURN(std::vector<double> scale, nn::ToDoubleVector(*scale_t, ctx.node().Describe() + ": scale"));
    XQ_ASSIGN_OR_RETURN(std::vector<double> bias, nn::ToDoubleVector(*bias_t, ctx.node().Describe() + ": B"));
    const int64_t n = static_cast<int64_t>(scale.size());
    if (n != static_cast<int64_t>(bias.size()) || (n != channels && n != groups))
      return ctx.Error("scale and B must both have " + std::to_string(channels) + " (per channel)" +
                       (instance ? std::string() : " or " + std::to_string(groups) + " (per group)") +
                       " values; got " + std::to_string(scale.size()) + " and " + std::to_string(bias.size()));
    const bool per_channel = n == channels;
    Tensor y(x->dtype(), x->shape());
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      NormalizeGroups<T>(x->data<T>(), y.data<T>(), x->dim(0) * groups, groups, groups ? channels / groups : 0,
                         nn::Product(x->shape(), 2, x->rank()), scale, bias, per_channel, epsilon);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateInstanceNormalization(const exec::KernelInfo& info) {
  return CreateNormalization(info, /*instance=*/true);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateGroupNormalization(const exec::KernelInfo& info) {
  return CreateNormalization(info, /*instance=*/false);
}

}  // namespace xquant::kernels
