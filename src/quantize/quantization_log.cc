#include "quantize/quantization_log.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "report/tensorboard/event_writer.h"
#include "report/tensorboard/model_graph.h"

namespace xquant::quantize {
namespace {

using nlohmann::json;

json ConfigJson(const QuantizationConfig& c) {
  json j = {
      {"activation_error_method", QuantizationErrorMethodName(c.activation_error_method)},
      {"weights_error_method", QuantizationErrorMethodName(c.weights_error_method)},
      {"activation_quantization_method", QuantizationMethodName(c.activation_quantization_method)},
      {"weights_quantization_method", QuantizationMethodName(c.weights_quantization_method)},
      {"z_threshold", std::isfinite(c.z_threshold) ? json(c.z_threshold) : json("inf")},
      {"l_p_value", c.l_p_value},
      {"weights_bias_correction", c.weights_bias_correction},
      {"shift_negative_activation_correction", c.shift_negative_activation_correction},
      {"shift_negative_ratio", c.shift_negative_ratio},
      {"linear_collapsing", c.linear_collapsing},
      {"residual_collapsing", c.residual_collapsing},
      {"activation_n_bits", c.activation_n_bits},
      {"weights_n_bits", c.weights_n_bits},
      {"weights_n_bits_per_layer", c.weights_n_bits_per_layer},
      {"activation_n_bits_per_layer", c.activation_n_bits_per_layer},
  };
  if (c.mixed_precision) {
    const MixedPrecisionConfig& mp = *c.mixed_precision;
    j["mixed_precision"] = {{"num_of_images", mp.num_of_images},
                            {"distance_weighting_method", MpDistanceWeightingName(mp.distance_weighting_method)},
                            {"candidate_bits", mp.candidate_bits},
                            {"weights_memory", mp.weights_memory},
                            {"weights_memory_fraction", mp.weights_memory_fraction}};
  }
  return j;
}

// Quantization attributes shown on the nodes of the thresholds_selection graph.
void AnnotateGraph(tensorboard::GraphDef* def, const Graph& graph, const QuantizationLog& log) {
  std::map<std::string, const ActivationQuantization*> by_tensor;
  for (const ActivationQuantization& a : log.activations) by_tensor[a.tensor] = &a;
  std::map<std::string, const WeightQuantization*> by_node;
  for (const WeightQuantization& w : log.weights) by_node[w.node] = &w;
  // The GraphDef lists the Placeholder and Const source nodes first, then graph.nodes in order.
  if (def->nodes.size() < graph.nodes.size()) return;
  const size_t first_op = def->nodes.size() - graph.nodes.size();
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    tensorboard::NodeDef& d = def->nodes[first_op + i];
    if (n.op_type == "QuantizeLinear" && !n.inputs.empty()) {
      std::string tensor = graph.values[n.inputs[0]].name;
      auto it = by_tensor.find(tensor);
      if (it == by_tensor.end() && graph.values[n.inputs[0]].producer != kNoNode) {
        const Node& p = graph.nodes[graph.values[n.inputs[0]].producer];  // through the shift Add
        if (!p.inputs.empty()) it = by_tensor.find(graph.values[p.inputs[0]].name);
      }
      // A graph output's float tensor was renamed; the DequantizeLinear after it (through the
      // Clip below 8 bits) produces the logged name.
      ValueId codes = n.outputs.empty() ? kNoValue : n.outputs[0];
      for (size_t step = 0; step < 2 && it == by_tensor.end() && codes != kNoValue; ++step) {
        ValueId next = kNoValue;
        for (const Node& m : graph.nodes) {
          if (m.inputs.empty() || m.inputs[0] != codes || m.outputs.empty()) continue;
          if (m.op_type == "DequantizeLinear") it = by_tensor.find(graph.values[m.outputs[0]].name);
          if (m.op_type == "Clip") next = m.outputs[0];
        }
        codes = next;
      }
      if (it != by_tensor.end()) {
        d.attrs["activation_n_bits"] = int64_t{it->second->bits};
        d.attrs["threshold"] = static_cast<float>(it->second->threshold);
        d.attrs["signed"] = it->second->is_signed;
        d.attrs["scale"] = static_cast<float>(it->second->scale);
      }
    }
    if (auto it = by_node.find(n.name); it != by_node.end()) d.attrs["weights_n_bits"] = int64_t{it->second->bits};
  }
}

Status WriteGraphRun(const std::string& dir, const Graph& graph) {
  XQ_ASSIGN_OR_RETURN(tensorboard::EventWriter writer, tensorboard::EventWriter::Open(dir));
  XQ_RETURN_IF_ERROR(writer.AddGraph(tensorboard::BuildModelGraphDef(graph).graph_def));
  return writer.Close();
}

}  // namespace

std::string QuantizationLogJson(const QuantizationLog& log, const QuantizationConfig& config) {
  json j;
  j["config"] = ConfigJson(config);
  j["merges"] = json::array();
  for (const LayerMerge& m : log.merges)
    j["merges"].push_back({{"kind", m.kind}, {"merged", m.merged}, {"first", m.first}, {"second", m.second}});
  j["activations"] = json::array();
  for (const ActivationQuantization& a : log.activations) {
    j["activations"].push_back({
        {"tensor", a.tensor},
        {"node", a.node},
        {"bits", a.bits},
        {"signed", a.is_signed},
        {"method", QuantizationMethodName(a.method)},
        {"error_method", QuantizationErrorMethodName(a.error_method)},
        {"threshold", a.threshold},
        {"range_min", a.range_min},
        {"range_max", a.range_max},
        {"scale", a.scale},
        {"zero_point", a.zero_point},
        {"observed_min", a.observed_min},
        {"observed_max", a.observed_max},
        {"shift", a.shift},
        {"histogram", {{"min", a.histogram_min}, {"max", a.histogram_max}, {"counts", a.histogram_counts}}},
        {"per_channel", {{"min", a.channel_min}, {"max", a.channel_max}, {"mean", a.channel_mean}}},
    });
  }
  j["weights"] = json::array();
  for (const WeightQuantization& w : log.weights) {
    j["weights"].push_back({{"node", w.node},
                            {"tensor", w.tensor},
                            {"bits", w.bits},
                            {"axis", w.axis},
                            {"num_elements", w.num_elements},
                            {"bias_corrected", w.bias_corrected},
                            {"thresholds", w.thresholds},
                            {"scales", w.scales}});
  }
  j["mixed_precision_bits"] = log.mixed_precision_bits;
  j["warnings"] = log.warnings;
  return j.dump(1);
}

Status WriteQuantizationLog(const std::string& dir, const QuantizationLog& log, const QuantizationConfig& config,
                            const Graph& float_graph, const Graph& prepared_graph, const Graph& quantized_graph) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IOError("cannot create the quantization log directory '" + dir + "': " + ec.message());
  const std::string json_path = dir + "/quantization_log.json";
  {
    std::ofstream out(json_path);
    out << QuantizationLogJson(log, config) << "\n";
    if (!out) return IOError("cannot write '" + json_path + "'");
  }
  const std::string tb = dir + "/tensorboard_logs";
  // A rerun into the same directory replaces the runs (the event writer never overwrites a file).
  std::filesystem::remove_all(tb, ec);
  XQ_RETURN_IF_ERROR(WriteGraphRun(tb + "/initial_graph", float_graph));
  XQ_RETURN_IF_ERROR(WriteGraphRun(tb + "/after_graph_preparation", prepared_graph));

  XQ_ASSIGN_OR_RETURN(tensorboard::EventWriter writer, tensorboard::EventWriter::Open(tb + "/thresholds_selection"));
  tensorboard::GraphDef def = tensorboard::BuildModelGraphDef(quantized_graph).graph_def;
  AnnotateGraph(&def, quantized_graph, log);
  XQ_RETURN_IF_ERROR(writer.AddGraph(def));
  for (const ActivationQuantization& a : log.activations) {
    const std::string tag = tensorboard::SanitizeNodeName(a.tensor);
    XQ_RETURN_IF_ERROR(writer.AddScalar("threshold/" + tag, 0, a.threshold));
    XQ_RETURN_IF_ERROR(writer.AddScalar("bits/" + tag, 0, a.bits));
    if (a.histogram_counts.empty()) continue;
    tensorboard::HistogramValues h;
    h.min = a.histogram_min;
    h.max = a.histogram_max;
    const double width = (a.histogram_max - a.histogram_min) / static_cast<double>(a.histogram_counts.size());
    for (size_t i = 0; i < a.histogram_counts.size(); ++i) {
      h.bucket_limit.push_back(a.histogram_min + width * static_cast<double>(i + 1));
      h.bucket.push_back(static_cast<double>(a.histogram_counts[i]));
      h.num += static_cast<double>(a.histogram_counts[i]);
    }
    XQ_RETURN_IF_ERROR(writer.AddHistogram("histogram/" + tag, 0, h));
  }
  for (const WeightQuantization& w : log.weights)
    XQ_RETURN_IF_ERROR(writer.AddScalar("weights_n_bits/" + tensorboard::SanitizeNodeName(w.node), 0, w.bits));
  return writer.Close();
}

}  // namespace xquant::quantize
