#include "quantize/qdq_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quantize/graph_edit.h"

namespace xquant::quantize {
namespace {

ValueId AddNodeWithOutput(Graph* g, const std::string& op, const std::string& node_name, std::vector<ValueId> inputs,
                          const std::string& output_name, DataType dtype, const std::optional<std::vector<Dim>>& shape) {
  const ValueId out = g->AddValue(output_name);
  g->values[out].dtype = dtype;
  g->values[out].shape = shape;
  Node n;
  n.name = UniqueNodeName(*g, node_name);
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = {out};
  g->nodes.push_back(std::move(n));
  return out;
}

// A scalar of the integer type of a grid: int8 when signed codes, uint8 otherwise.
Tensor IntegerScalar(bool is_signed, int64_t value) {
  return is_signed ? Tensor::Scalar<int8_t>(static_cast<int8_t>(value)) : Tensor::Scalar<uint8_t>(static_cast<uint8_t>(value));
}

Status QuantizeWeightInput(Graph* g, const LayerPlan& l, const QuantizedWeights& q, WeightQuantization* entry) {
  const std::string w_name = g->values[l.weight].name;
  const auto shape = g->values[l.weight].shape;
  const int64_t channels = static_cast<int64_t>(q.scales.size());
  ValueId codes = AddConstant(g, w_name + "_quantized", q.codes);
  if (q.bits < 8) {
    const int64_t lo = -(int64_t{1} << (q.bits - 1)), hi = (int64_t{1} << (q.bits - 1)) - 1;
    const ValueId min_v = AddConstant(g, w_name + "_clip_min", Tensor::Scalar<int8_t>(static_cast<int8_t>(lo)));
    const ValueId max_v = AddConstant(g, w_name + "_clip_max", Tensor::Scalar<int8_t>(static_cast<int8_t>(hi)));
    // A constant Clip: our Session folds it at preparation; other runtimes see the bit width in it.
    codes = AddNodeWithOutput(g, "Clip", w_name + "_Clip", {codes, min_v, max_v},
                              UniqueValueName(*g, w_name + "_clipped"), DataType::kInt8, shape);
  }
  std::vector<float> scales(q.scales.begin(), q.scales.end());
  const ValueId scale_v = AddConstant(g, w_name + "_scale", Tensor::FromVector<float>({channels}, scales));
  std::vector<ValueId> dq_inputs = {codes, scale_v};
  if (q.bits <= 8)
    dq_inputs.push_back(AddConstant(g, w_name + "_zero_point", Tensor::Zeros(DataType::kInt8, {channels})));
  const ValueId dq = AddNodeWithOutput(g, "DequantizeLinear", w_name + "_DequantizeLinear", dq_inputs,
                                       UniqueValueName(*g, w_name + "_dequantized"), DataType::kFloat32, shape);
  g->nodes.back().attributes["axis"] = Attribute::Int(q.axis);
  g->nodes[l.node].inputs[1] = dq;
  entry->node = l.name;
  entry->tensor = w_name;
  entry->bits = q.bits;
  entry->axis = q.axis;
  entry->thresholds = q.thresholds;
  entry->scales = q.scales;
  entry->num_elements = q.codes.size();
  return Status::Ok();
}

// Corrects and quantizes the bias of layer `l` (see qdq_builder.h).
void QuantizeBias(Graph* g, const LayerPlan& l, const QuantizedWeights& q, const Tensor& w_float,
                  const QuantizationConfig& config, WeightQuantization* entry) {
  Node& n = g->nodes[l.node];
  const int64_t channels = static_cast<int64_t>(q.scales.size());
  std::vector<double> bias(channels, 0.0);
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] != kNoValue;
  if (has_bias) {
    const Tensor* b = FloatConstantInput(*g, n, 2);
    if (!b || b->size() != channels || b->rank() != 1) return;  // broadcast or non-constant bias: left as is
    for (int64_t o = 0; o < channels; ++o) bias[o] = b->data<float>()[o];
  }
  const bool correct = config.weights_bias_correction && !l.input_mean.empty();
  if (!has_bias && !correct && l.input_shift == 0.0) return;  // nothing to add
  if (l.input_shift != 0.0) {
    const std::vector<double> sums = OutputChannelSums(q.dequantized, q.axis);
    for (int64_t o = 0; o < channels; ++o) bias[o] -= l.input_shift * sums[o];
  }
  if (correct) {
    const std::vector<double> shift = ExpectedOutputShift(n, w_float, q.dequantized, q.axis, l.input_mean);
    for (int64_t o = 0; o < channels; ++o) bias[o] -= shift[o];
    entry->bias_corrected = true;
  }
  const std::string base = has_bias ? g->values[n.inputs[2]].name : l.name + ".bias";
  const std::optional<std::vector<Dim>> shape = std::vector<Dim>{Dim{channels, ""}};
  ValueId bias_value;
  if (l.input_scale) {
    std::vector<int32_t> codes(channels);
    std::vector<float> scales(channels);
    for (int64_t o = 0; o < channels; ++o) {
      scales[o] = static_cast<float>(*l.input_scale * q.scales[o]);
      double c = scales[o] > 0 ? std::nearbyint(bias[o] / scales[o]) : 0.0;
      if (std::isnan(c)) c = 0.0;  // a NaN input mean (no finite statistics): no correction
      codes[o] = static_cast<int32_t>(std::clamp<double>(c, std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max()));
    }
    const ValueId codes_v = AddConstant(g, base + "_quantized", Tensor::FromVector<int32_t>({channels}, codes));
    const ValueId scale_v = AddConstant(g, base + "_scale", Tensor::FromVector<float>({channels}, scales));
    bias_value = AddNodeWithOutput(g, "DequantizeLinear", base + "_DequantizeLinear", {codes_v, scale_v},
                                   UniqueValueName(*g, base + "_dequantized"), DataType::kFloat32, shape);
    g->nodes.back().attributes["axis"] = Attribute::Int(0);
  } else {
    std::vector<float> values(bias.begin(), bias.end());
    bias_value = AddConstant(g, base + "_corrected", Tensor::FromVector<float>({channels}, values));
  }
  Node& node = g->nodes[l.node];  // the vector grew: take the reference again
  node.inputs.resize(std::max<size_t>(node.inputs.size(), 3), kNoValue);
  node.inputs[2] = bias_value;
}

void QuantizeActivation(Graph* g, const ActivationPlan& a, size_t original_nodes) {
  const ValueId v = a.value;
  const std::string name = g->values[v].name;
  const auto shape = g->values[v].shape;
  const bool is_output = g->values[v].is_graph_output;
  const bool signed_codes = a.info.is_signed && a.info.method != QuantizationMethod::kUniform;
  const DataType int_type = signed_codes ? DataType::kInt8 : DataType::kUint8;
  ValueId source = v;
  if (a.info.shift != 0.0) {
    const ValueId shift_v = AddConstant(g, name + "_shift", Tensor::Scalar<float>(static_cast<float>(a.info.shift)));
    source = AddNodeWithOutput(g, "Add", name + "_ShiftNegative", {v, shift_v}, UniqueValueName(*g, name + "_shifted"),
                               DataType::kFloat32, shape);
  }
  const ValueId scale_v = AddConstant(g, name + "_scale", Tensor::Scalar<float>(static_cast<float>(a.grid.scale)));
  const ValueId zp_v = AddConstant(g, name + "_zero_point", IntegerScalar(signed_codes, a.grid.zero_point));
  ValueId q = AddNodeWithOutput(g, "QuantizeLinear", name + "_QuantizeLinear", {source, scale_v, zp_v},
                                UniqueValueName(*g, name + "_quantized"), int_type, shape);
  if (a.info.bits < 8) {
    const ValueId lo = AddConstant(g, name + "_clip_min", IntegerScalar(signed_codes, a.grid.qmin));
    const ValueId hi = AddConstant(g, name + "_clip_max", IntegerScalar(signed_codes, a.grid.qmax));
    q = AddNodeWithOutput(g, "Clip", name + "_Clip", {q, lo, hi}, UniqueValueName(*g, name + "_clipped"), int_type, shape);
  }
  std::string dq_name = UniqueValueName(*g, name + "_dequantized");
  if (is_output) {
    // The output keeps its name; the float tensor before the quantizer gets a new one. (The name
    // index is stale until Rebuild, so the output's value id is looked up by id, not name.)
    g->values[v].name = UniqueValueName(*g, name + "_float");
    dq_name = name;
  }
  const ValueId dq = AddNodeWithOutput(g, "DequantizeLinear", name + "_DequantizeLinear", {q, scale_v, zp_v}, dq_name,
                                       DataType::kFloat32, shape);
  for (size_t i = 0; i < original_nodes; ++i)
    for (ValueId& in : g->nodes[i].inputs)
      if (in == v) in = dq;
  for (ValueId& out : g->outputs)
    if (out == v) out = dq;
}

}  // namespace

StatusOr<Graph> BuildQdqGraph(const Graph& prepared, const std::vector<ActivationPlan>& activations,
                              const std::vector<LayerPlan>& layers, const std::vector<const QuantizedWeights*>& weights,
                              const QuantizationConfig& config, QuantizationLog* log) {
  Graph g = prepared;
  const size_t original_nodes = g.nodes.size();
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerPlan& l = layers[i];
    const Tensor w_float = *g.values[l.weight].constant;
    WeightQuantization entry;
    XQ_RETURN_IF_ERROR(QuantizeWeightInput(&g, l, *weights[i], &entry));
    if (l.bias_supported) QuantizeBias(&g, l, *weights[i], w_float, config, &entry);
    if (log) log->weights.push_back(std::move(entry));
  }
  for (const ActivationPlan& a : activations) {
    QuantizeActivation(&g, a, original_nodes);
    if (log) log->activations.push_back(a.info);
  }
  g.opset_imports[""] = std::max<int64_t>(g.OpsetVersion(""), 13);
  XQ_RETURN_IF_ERROR(g.Rebuild());
  return g;
}

}  // namespace xquant::quantize
