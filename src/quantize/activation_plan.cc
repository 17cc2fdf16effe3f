// Which tensors get an activation quantizer, with which grid, and which get a shift-negative
// correction. The rules follow MCT's defaults:
//   - graph inputs and the outputs of computing nodes are quantized; ops that only move or select
//     values (Reshape, Transpose, MaxPool, ...) keep their input's grid and get no quantizer;
//   - a linear op (Conv, Gemm, MatMul, Add, ...) followed only by an activation (Relu, Clip,
//     HardSwish, ...) is fused with it: only the activation's output is quantized;
//   - signedness from the data (min < 0: signed);
//   - a negative-valued activation (LeakyRelu, PRelu, HardSwish, Gelu, Elu, Selu, Mish, SiLU as
//     x * Sigmoid(x)) read only by a Conv without padding or a Gemm is shifted by -min so it can be
//     quantized unsigned, when |min| / threshold > shift_negative_ratio; the layer's bias compensates.
#include <algorithm>
#include <cmath>
#include <set>

#include "quantize/graph_edit.h"
#include "quantize/plan.h"
#include "quantize/threshold_search.h"
#include "quantize/weight_quantization.h"

namespace xquant::quantize {
namespace {

const std::set<std::string> kPassThrough = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "MaxPool",
                                            "GlobalMaxPool", "Identity", "Dropout", "Slice", "Gather", "Split",
                                            "Expand", "Tile", "DepthToSpace", "SpaceToDepth", "ReduceMax",
                                            "ReduceMin", "Pad", "Shape", "Size", "Cast"};
const std::set<std::string> kLinear = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Sub", "Mul"};
const std::set<std::string> kFusableActivations = {"Relu", "Clip", "LeakyRelu", "PRelu", "HardSwish", "HardSigmoid",
                                                   "Sigmoid", "Tanh", "Elu", "Selu", "Gelu", "Softplus", "Mish"};
const std::set<std::string> kNegativeActivations = {"LeakyRelu", "PRelu", "HardSwish", "Gelu", "Elu", "Selu", "Mish"};

bool IsSilu(const Graph& graph, const Node& n) {
  if (n.op_type != "Mul" || n.inputs.size() != 2) return false;
  for (int k = 0; k < 2; ++k) {
    const ValueId s = n.inputs[k], x = n.inputs[1 - k];
    if (s == kNoValue || x == kNoValue) continue;
    const NodeId p = graph.values[s].producer;
    if (p != kNoNode && graph.nodes[p].op_type == "Sigmoid" && graph.nodes[p].inputs[0] == x) return true;
  }
  return false;
}

// Whether value `v` (produced by `producer`) gets its own quantizer.
bool WantsQuantizer(const Graph& graph, ValueId v) {
  const Value& value = graph.values[v];
  if (value.constant) return false;
  if (value.dtype != DataType::kFloat32 && value.dtype != DataType::kUndefined) return false;
  if (value.producer == kNoNode) return value.is_graph_input;
  const Node& p = graph.nodes[value.producer];
  if (!p.domain.empty() && p.domain != "com.microsoft") return false;
  if (kPassThrough.count(p.op_type)) return false;
  if (kLinear.count(p.op_type) && !value.is_graph_output && value.consumers.size() == 1 &&
      kFusableActivations.count(graph.nodes[value.consumers[0]].op_type))
    return false;
  return true;
}

// The weighted layer reading `v` alone as its data input whose bias can absorb a shift of `v`, or kNoNode.
NodeId CompensatingLayer(const Graph& graph, ValueId v) {
  const NodeId c = SoleConsumer(graph, v);
  if (c == kNoNode) return kNoNode;
  const Node& n = graph.nodes[c];
  if (n.inputs.empty() || n.inputs[0] != v || WeightAxis(graph, n) < 0) return kNoNode;
  if (n.op_type == "Conv") {
    for (int64_t p : n.GetInts("pads", {})) if (p != 0) return kNoNode;  // padded zeros would not be shifted
    const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
    return auto_pad == "NOTSET" || auto_pad == "VALID" ? c : kNoNode;
  }
  if (n.op_type == "Gemm") return n.GetFloat("alpha", 1.0f) == 1.0f && n.GetFloat("beta", 1.0f) == 1.0f ? c : kNoNode;
  return kNoNode;
}

int ActivationBits(const QuantizationConfig& config, const Graph& graph, ValueId v, const PreparationState& prep) {
  const auto& per_layer = config.activation_n_bits_per_layer;
  if (auto it = per_layer.find(graph.values[v].name); it != per_layer.end()) return it->second;
  const NodeId p = graph.values[v].producer;
  if (p != kNoNode) {
    if (auto it = per_layer.find(graph.nodes[p].name); it != per_layer.end()) return it->second;
    if (auto it = per_layer.find(prep.OriginOf(graph.nodes[p].name)); it != per_layer.end()) return it->second;
  }
  return config.activation_n_bits;
}

WeightedPoints Shifted(WeightedPoints points, double shift) {
  for (double& x : points.values) x += shift;
  points.min += shift;
  points.max += shift;
  return points;
}

}  // namespace

bool PassesGridThrough(const std::string& op_type) { return kPassThrough.count(op_type) > 0; }

std::map<std::string, int> WatchedTensors(const Graph& graph) {
  std::map<std::string, int> watched;
  for (size_t v = 0; v < graph.values.size(); ++v)
    if (WantsQuantizer(graph, static_cast<ValueId>(v))) watched[graph.values[v].name] = 1;
  for (const Node& n : graph.nodes) {
    const int axis = WeightAxis(graph, n);
    if (axis < 0 || n.inputs[0] == kNoValue) continue;
    watched[graph.values[n.inputs[0]].name] = n.op_type == "Conv" ? 1 : -1;
  }
  return watched;
}

std::vector<ActivationPlan> PlanActivations(const Graph& graph, const std::map<std::string, TensorStatistics>& stats,
                                            const QuantizationConfig& config, const PreparationState& preparation,
                                            std::vector<std::string>* warnings) {
  std::vector<ActivationPlan> plans;
  for (size_t vi = 0; vi < graph.values.size(); ++vi) {
    const ValueId v = static_cast<ValueId>(vi);
    if (!WantsQuantizer(graph, v)) continue;
    auto it = stats.find(graph.values[v].name);
    if (it == stats.end()) continue;  // not float32, or never produced
    const TensorStatistics& s = it->second;
    const WeightedPoints all = PointsFromHistogram(s.histogram.min, s.histogram.max, s.histogram.counts);
    const WeightedPoints points = RemoveOutliers(all, config.z_threshold);

    ActivationPlan plan;
    plan.value = v;
    ActivationQuantization& info = plan.info;
    info.tensor = graph.values[v].name;
    info.node = graph.values[v].producer == kNoNode ? "" : graph.nodes[graph.values[v].producer].name;
    info.bits = ActivationBits(config, graph, v, preparation);
    info.method = config.activation_quantization_method;
    info.error_method = config.activation_error_method;
    info.observed_min = s.min;
    info.observed_max = s.max;
    info.histogram_counts = s.histogram.counts;
    info.histogram_min = s.histogram.min;
    info.histogram_max = s.histogram.max;
    info.channel_min = s.channel_min;
    info.channel_max = s.channel_max;
    info.channel_mean = s.channel_mean;

    SearchSettings settings;
    settings.method = config.activation_quantization_method;
    settings.error_method = config.activation_error_method;
    settings.p = config.l_p_value;
    settings.bits = info.bits;
    settings.is_signed = points.min < 0.0;
    RangeChoice choice = SearchRange(points, settings);

    const NodeId producer = graph.values[v].producer;
    const bool negative_activation =
        producer != kNoNode &&
        (kNegativeActivations.count(graph.nodes[producer].op_type) || IsSilu(graph, graph.nodes[producer]));
    if (config.shift_negative_activation_correction && negative_activation && points.min < 0.0 &&
        config.activation_quantization_method != QuantizationMethod::kUniform &&
        CompensatingLayer(graph, v) != kNoNode && -points.min / choice.threshold > config.shift_negative_ratio) {
      info.shift = -points.min;
      SearchSettings shifted = settings;
      shifted.is_signed = false;
      choice = SearchRange(Shifted(points, info.shift), shifted);
      settings.is_signed = false;
    }
    info.is_signed = settings.is_signed;
    plan.grid = choice.grid;
    plan.grid.scale = static_cast<float>(plan.grid.scale);
    info.threshold = choice.threshold;
    info.range_min = plan.grid.lower();
    info.range_max = plan.grid.upper();
    info.scale = plan.grid.scale;
    info.zero_point = plan.grid.zero_point;
    if (s.histogram.counts.empty() && warnings) warnings->push_back("tensor '" + info.tensor + "' has no finite values");
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::vector<LayerPlan> PlanLayers(const Graph& graph, const std::vector<ActivationPlan>& activations,
                                  const std::map<std::string, TensorStatistics>& stats) {
  std::map<ValueId, const ActivationPlan*> by_value;
  for (const ActivationPlan& a : activations) by_value[a.value] = &a;
  std::vector<LayerPlan> layers;
  for (size_t ni = 0; ni < graph.nodes.size(); ++ni) {
    const Node& n = graph.nodes[ni];
    const int axis = WeightAxis(graph, n);
    if (axis < 0) continue;
    LayerPlan l;
    l.node = static_cast<NodeId>(ni);
    l.name = n.name;
    l.op_type = n.op_type;
    l.axis = axis;
    l.weight = n.inputs[1];
    l.input = n.inputs[0];
    l.bias_supported = n.op_type == "Conv" ||
                       (n.op_type == "Gemm" && n.GetFloat("alpha", 1.0f) == 1.0f && n.GetFloat("beta", 1.0f) == 1.0f);
    // The grid of the input: its own quantizer, or the one before ops that pass grids through.
    for (ValueId v = l.input; v != kNoValue;) {
      if (auto it = by_value.find(v); it != by_value.end()) {
        l.input_scale = it->second->grid.scale;
        if (v == l.input) l.input_shift = it->second->info.shift;
        break;
      }
      const NodeId p = graph.values[v].producer;
      if (p == kNoNode || !PassesGridThrough(graph.nodes[p].op_type) || graph.nodes[p].inputs.empty()) break;
      v = graph.nodes[p].inputs[0];
    }
    if (auto it = stats.find(graph.values[l.input].name); it != stats.end()) {
      l.input_mean = it->second.channel_mean;
      for (double& m : l.input_mean) m += l.input_shift;
    }
    layers.push_back(std::move(l));
  }
  return layers;
}

}  // namespace xquant::quantize
