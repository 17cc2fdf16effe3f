#include "quantize/weight_quantization.h"

#include <cmath>

#include "quantize/threshold_search.h"

namespace xquant::quantize {
namespace {

struct AxisLayout {
  int64_t outer = 1, channels = 1, inner = 1;
};

AxisLayout LayoutOf(const Tensor& w, int axis) {
  AxisLayout l;
  for (int d = 0; d < axis; ++d) l.outer *= w.dim(d);
  l.channels = w.dim(axis);
  for (int d = axis + 1; d < w.rank(); ++d) l.inner *= w.dim(d);
  return l;
}

}  // namespace

int WeightAxis(const Graph& graph, const Node& node) {
  if (!node.domain.empty() || node.inputs.size() < 2 || node.inputs[1] == kNoValue) return -1;
  const Value& w = graph.values[node.inputs[1]];
  if (!w.constant || w.constant->dtype() != DataType::kFloat32) return -1;
  const int rank = w.constant->rank();
  if (node.op_type == "Conv") return rank >= 3 ? 0 : -1;
  if (node.op_type == "Gemm") {
    if (rank != 2 || node.GetInt("transA", 0) != 0) return -1;
    return node.GetInt("transB", 0) ? 0 : 1;
  }
  if (node.op_type == "MatMul") return rank == 2 ? 1 : -1;
  return -1;
}

QuantizedWeights QuantizeWeights(const Tensor& w, int axis, int bits, const QuantizationConfig& config) {
  const AxisLayout l = LayoutOf(w, axis);
  QuantizedWeights q;
  q.bits = bits;
  q.axis = axis;
  q.codes = Tensor(bits <= 8 ? DataType::kInt8 : DataType::kInt32, w.shape());
  q.dequantized = Tensor(DataType::kFloat32, w.shape());
  q.thresholds.assign(l.channels, 0.0);
  q.scales.assign(l.channels, 0.0);
  SearchSettings settings;
  settings.method = config.weights_quantization_method;
  settings.error_method = config.weights_error_method;
  settings.p = config.l_p_value;
  settings.bits = bits;
  settings.is_signed = true;
  settings.symmetric_step = 0.025;
  settings.symmetric_min_ratio = 0.3;
  const float* src = w.data<float>();
#pragma omp parallel for schedule(dynamic)
  for (int64_t c = 0; c < l.channels; ++c) {
    std::vector<float> values;
    values.reserve(l.outer * l.inner);
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t i = 0; i < l.inner; ++i) values.push_back(src[(o * l.channels + c) * l.inner + i]);
    const RangeChoice choice = SearchRange(PointsFromValues(values), settings);
    q.thresholds[c] = choice.threshold;
    q.scales[c] = choice.grid.scale;
    // The stored scale is float32; codes and dequantized values use exactly that scale.
    Grid grid = choice.grid;
    grid.scale = static_cast<float>(grid.scale);
    for (int64_t o = 0; o < l.outer; ++o)
      for (int64_t i = 0; i < l.inner; ++i) {
        const int64_t index = (o * l.channels + c) * l.inner + i;
        const int64_t code = grid.Code(src[index]);
        if (bits <= 8) {
          q.codes.data<int8_t>()[index] = static_cast<int8_t>(code);
        } else {
          q.codes.data<int32_t>()[index] = static_cast<int32_t>(code);
        }
        q.dequantized.data<float>()[index] = static_cast<float>(code) * static_cast<float>(grid.scale);
      }
  }
  return q;
}

std::vector<double> ExpectedOutputShift(const Node& node, const Tensor& w_before, const Tensor& w_after, int axis,
                                        const std::vector<double>& input_mean) {
  const AxisLayout l = LayoutOf(w_before, axis);
  std::vector<double> shift(l.channels, 0.0);
  if (input_mean.empty()) return shift;
  const float* a = w_before.data<float>();
  const float* b = w_after.data<float>();
  if (node.op_type == "Conv") {
    // W[M, C/g, k...]: axis 0, inner = C/g * kernel.
    const int64_t group = node.GetInt("group", 1);
    const int64_t per_group_out = l.channels / std::max<int64_t>(group, 1);
    const int64_t c_per_group = w_before.dim(1);
    const int64_t kernel = l.inner / c_per_group;
    for (int64_t o = 0; o < l.channels; ++o) {
      const int64_t g = o / per_group_out;
      double s = 0.0;
      for (int64_t c = 0; c < c_per_group; ++c) {
        const size_t in = static_cast<size_t>(g * c_per_group + c);
        const double mean = in < input_mean.size() ? input_mean[in] : 0.0;
        for (int64_t k = 0; k < kernel; ++k) {
          const int64_t index = (o * c_per_group + c) * kernel + k;
          s += (static_cast<double>(b[index]) - a[index]) * mean;
        }
      }
      shift[o] = s;
    }
    return shift;
  }
  // Gemm / MatMul, rank 2: axis 1 = [K, N], axis 0 = [N, K].
  const int64_t k_dim = axis == 1 ? w_before.dim(0) : w_before.dim(1);
  for (int64_t n = 0; n < l.channels; ++n) {
    double s = 0.0;
    for (int64_t k = 0; k < k_dim; ++k) {
      const int64_t index = axis == 1 ? k * l.channels + n : n * k_dim + k;
      const double mean = static_cast<size_t>(k) < input_mean.size() ? input_mean[k] : 0.0;
      s += (static_cast<double>(b[index]) - a[index]) * mean;
    }
    shift[n] = s;
  }
  return shift;
}

std::vector<double> OutputChannelSums(const Tensor& w, int axis) {
  const AxisLayout l = LayoutOf(w, axis);
  std::vector<double> sums(l.channels, 0.0);
  const float* x = w.data<float>();
  for (int64_t o = 0; o < l.outer; ++o)
    for (int64_t c = 0; c < l.channels; ++c)
      for (int64_t i = 0; i < l.inner; ++i) sums[c] += x[(o * l.channels + c) * l.inner + i];
  return sums;
}

}  // namespace xquant::quantize
