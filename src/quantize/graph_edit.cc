#include "quantize/graph_edit.h"

#include <vector>

namespace xquant::quantize {

const Tensor* FloatConstantInput(const Graph& graph, const Node& node, size_t index) {
  if (index >= node.inputs.size() || node.inputs[index] == kNoValue) return nullptr;
  const Value& v = graph.values[node.inputs[index]];
  if (!v.constant || v.constant->dtype() != DataType::kFloat32) return nullptr;
  return &*v.constant;
}

NodeId SoleConsumer(const Graph& graph, ValueId value) {
  const Value& v = graph.values[value];
  if (v.is_graph_output || v.consumers.size() != 1) return kNoNode;
  return v.consumers[0];
}

std::string UniqueValueName(const Graph& graph, const std::string& base) {
  if (graph.FindValue(base) == kNoValue) return base;
  for (int i = 1;; ++i) {
    std::string name = base + "_" + std::to_string(i);
    if (graph.FindValue(name) == kNoValue) return name;
  }
}

std::string UniqueNodeName(const Graph& graph, const std::string& base) {
  // A scan without allocation: the rewrites call this once per added node.
  if (graph.FindNode(base) == kNoNode) return base;
  for (int i = 1;; ++i) {
    std::string name = base + "_" + std::to_string(i);
    if (graph.FindNode(name) == kNoNode) return name;
  }
}

ValueId AddConstant(Graph* graph, const std::string& base, Tensor tensor) {
  const ValueId id = graph->AddValue(UniqueValueName(*graph, base));
  Value& v = graph->values[id];
  v.dtype = tensor.dtype();
  std::vector<Dim> dims;
  for (int64_t d : tensor.shape()) dims.push_back(Dim{d, ""});
  v.shape = dims;
  v.constant = std::move(tensor);
  return id;
}

Status RemoveNodes(Graph* graph, const std::set<NodeId>& ids) {
  std::vector<Node> kept;
  kept.reserve(graph->nodes.size());
  for (size_t i = 0; i < graph->nodes.size(); ++i)
    if (!ids.count(static_cast<NodeId>(i))) kept.push_back(std::move(graph->nodes[i]));
  graph->nodes = std::move(kept);
  return graph->Rebuild();
}

}  // namespace xquant::quantize
