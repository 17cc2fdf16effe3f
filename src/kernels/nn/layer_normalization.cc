// LayerNormalization (ONNX opset 17): normalise each sample over the trailing axes [axis, rank):
//   Mean = mean(x), InvStdDev = 1 / sqrt(var(x) + epsilon),
//   Y = (x - Mean) * InvStdDev * Scale + B
// Scale and the optional B broadcast (numpy rules) to the normalised shape x.shape[axis:]; a
// broadcast that also varies along the leading axes is not supported. The optional outputs Mean
// and InvStdDev have shape x.shape[:axis] + [1] * (rank - axis) and the stash_type element type
// (float32, the default, or float64). Statistics are accumulated in double over two passes.
#include <cmath>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

// `param` broadcast to `norm_shape` (the trailing axes of x), as norm_size values.
StatusOr<std::vector<double>> ExpandToNormalizedShape(const Tensor& param, const Shape& norm_shape, const std::string& what,
                                                      const exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(std::vector<double> values, nn::ToDoubleVector(param, ctx.node().Describe() + ": " + what));
  Shape shape = param.shape();
  while (shape.size() > norm_shape.size() && shape.front() == 1) shape.erase(shape.begin());
  if (shape.size() > norm_shape.size())
    return NotSupportedError(ctx.node().Describe() + ": " + what + " of shape " + ShapeToString(param.shape()) +
                             " varies along the leading (not normalised) axes");
  const size_t offset = norm_shape.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && shape[i] != norm_shape[i + offset])
      return ctx.Error(what + " of shape " + ShapeToString(param.shape()) + " does not broadcast to the normalised shape " +
                       ShapeToString(norm_shape));
  const int64_t size = ElementCount(norm_shape);
  if (static_cast<int64_t>(values.size()) == size) return values;
  const std::vector<int64_t> strides = BroadcastStrides(shape, norm_shape);
  std::vector<double> expanded(static_cast<size_t>(size));
  const int rank = static_cast<int>(norm_shape.size());
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < size; ++i) {
    int64_t src = 0;
    for (int d = 0; d < rank; ++d) src += index[d] * strides[d];
    expanded[i] = values[src];
    for (int d = rank - 1; d >= 0 && ++index[d] == norm_shape[d]; --d) index[d] = 0;
  }
  return expanded;
}

template <typename T, typename U>
void LayerNorm(const T* x, T* y, U* mean_out, U* inv_std_out, int64_t rows, int64_t size, const std::vector<T>& scale,
               const std::vector<T>& bias, double epsilon) {
  exec::ParallelFor(rows, nn::RowGrain(2 * size), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* in = x + r * size;
      T* out = y + r * size;
      double mean = 0, variance = 0;
      nn::MeanVariance(in, size, &mean, &variance);
      const double inv_std = 1.0 / std::sqrt(variance + epsilon);
      if (mean_out) mean_out[r] = static_cast<U>(mean);
      if (inv_std_out) inv_std_out[r] = static_cast<U>(inv_std);
      const T m = static_cast<T>(mean), s = static_cast<T>(inv_std);
      if (bias.empty()) {
        for (int64_t i = 0; i < size; ++i) out[i] = (in[i] - m) * s * scale[i];
      } else {
        for (int64_t i = 0; i < size; ++i) out[i] = (in[i] - m) * s * scale[i] + bias[i];
      }
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateLayerNormalization(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const int64_t axis = node.GetInt("axis", -1);
  const double epsilon = node.GetFloat("epsilon", 1e-5f);
  if (!(epsilon >= 0)) return info.Invalid("epsilon must be non-negative");
  const int64_t stash_type = node.GetInt("stash_type", 1);
  if (stash_type != static_cast<int64_t>(DataType::kFloat32) && stash_type != static_cast<int64_t>(DataType::kFloat64))
    return info.Unsupported("stash_type " + std::to_string(stash_type) + " (float32 = 1 or float64 = 11)");
  const DataType stash = static_cast<DataType>(stash_type);
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* scale_t, RequireInput(ctx, 1));
    const Tensor* bias_t = ctx.input(2);
    XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, x->rank(), ctx.node().Describe()));
    const Shape norm_shape(x->shape().begin() + a, x->shape().end());
    XQ_ASSIGN_OR_RETURN(std::vector<double> scale, ExpandToNormalizedShape(*scale_t, norm_shape, "Scale", ctx));
    std::vector<double> bias;
    if (bias_t) {
      XQ_ASSIGN_OR_RETURN(bias, ExpandToNormalizedShape(*bias_t, norm_shape, "B", ctx));
    }
    const int64_t rows = nn::Product(x->shape(), 0, a);
    const int64_t size = ElementCount(norm_shape);
    Shape stat_shape = x->shape();
    for (int i = a; i < x->rank(); ++i) stat_shape[i] = 1;
    Tensor y(x->dtype(), x->shape());
    Tensor mean = nn::WantsOutput(ctx, 1) ? Tensor(stash, stat_shape) : Tensor();
    Tensor inv_std = nn::WantsOutput(ctx, 2) ? Tensor(stash, stat_shape) : Tensor();
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const std::vector<T> s(scale.begin(), scale.end()), b(bias.begin(), bias.end());
      auto run = [&](auto stash_tag) {
        using U = decltype(stash_tag);
        LayerNorm<T, U>(x->data<T>(), y.data<T>(), mean.defined() ? mean.data<U>() : nullptr,
                        inv_std.defined() ? inv_std.data<U>() : nullptr, rows, size, s, b, epsilon);
      };
      if (stash == DataType::kFloat64) run(double{});
      else run(float{});
    }));
    ctx.output(0) = std::move(y);
    if (mean.defined()) ctx.output(1) = std::move(mean);
    if (inv_std.defined()) ctx.output(2) = std::move(inv_std);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
