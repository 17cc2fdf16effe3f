#include "xquant/graph.h"

#include <queue>

namespace xquant {

const Attribute* Node::FindAttribute(std::string_view attr_name) const {
  auto it = attributes.find(attr_name);
  return it == attributes.end() ? nullptr : &it->second;
}

int64_t Node::GetInt(std::string_view attr_name, int64_t default_value) const {
  const Attribute* a = FindAttribute(attr_name);
  return a && a->kind == Attribute::Kind::kInt ? a->i : default_value;
}

float Node::GetFloat(std::string_view attr_name, float default_value) const {
  const Attribute* a = FindAttribute(attr_name);
  return a && a->kind == Attribute::Kind::kFloat ? a->f : default_value;
}

std::string Node::GetString(std::string_view attr_name, const std::string& default_value) const {
  const Attribute* a = FindAttribute(attr_name);
  return a && a->kind == Attribute::Kind::kString ? a->s : default_value;
}

std::vector<int64_t> Node::GetInts(std::string_view attr_name, std::vector<int64_t> default_value) const {
  const Attribute* a = FindAttribute(attr_name);
  return a && a->kind == Attribute::Kind::kInts ? a->ints : default_value;
}

std::vector<float> Node::GetFloats(std::string_view attr_name, std::vector<float> default_value) const {
  const Attribute* a = FindAttribute(attr_name);
  return a && a->kind == Attribute::Kind::kFloats ? a->floats : default_value;
}

std::string Node::Describe() const {
  std::string op = domain.empty() ? op_type : domain + "::" + op_type;
  return op + " '" + name + "'";
}

int64_t Graph::OpsetVersion(const std::string& domain) const {
  auto it = opset_imports.find(domain);
  return it == opset_imports.end() ? 0 : it->second;
}

ValueId Graph::FindValue(std::string_view value_name) const {
  auto it = value_index_.find(value_name);
  return it == value_index_.end() ? kNoValue : it->second;
}

NodeId Graph::FindNode(std::string_view node_name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == node_name) return static_cast<NodeId>(i);
  return kNoNode;
}

ValueId Graph::AddValue(std::string value_name) {
  ValueId id = static_cast<ValueId>(values.size());
  value_index_.emplace(value_name, id);
  Value v;
  v.name = std::move(value_name);
  values.push_back(std::move(v));
  return id;
}

Status Graph::Rebuild() {
  value_index_.clear();
  for (size_t v = 0; v < values.size(); ++v) {
    values[v].producer = kNoNode;
    values[v].consumers.clear();
    values[v].is_graph_input = false;
    values[v].is_graph_output = false;
    value_index_.emplace(values[v].name, static_cast<ValueId>(v));
  }
  for (ValueId v : inputs) values[v].is_graph_input = true;
  for (ValueId v : outputs) values[v].is_graph_output = true;

  // Kahn's algorithm, always taking the lowest pending node index so the file order is kept
  // wherever the dependencies allow it (reports list layers in the order users know).
  const size_t n = nodes.size();
  std::vector<int> missing_inputs(n, 0);
  std::vector<std::vector<NodeId>> dependents(n);
  std::vector<NodeId> producer_of(values.size(), kNoNode);
  for (size_t i = 0; i < n; ++i)
    for (ValueId out : nodes[i].outputs)
      if (out != kNoValue) producer_of[out] = static_cast<NodeId>(i);
  for (size_t i = 0; i < n; ++i) {
    for (ValueId in : nodes[i].inputs) {
      if (in == kNoValue) continue;
      NodeId p = producer_of[in];
      if (p != kNoNode && !values[in].constant) {
        ++missing_inputs[i];
        dependents[p].push_back(static_cast<NodeId>(i));
      }
    }
  }
  std::priority_queue<NodeId, std::vector<NodeId>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i)
    if (missing_inputs[i] == 0) ready.push(static_cast<NodeId>(i));
  std::vector<NodeId> order;
  order.reserve(n);
  while (!ready.empty()) {
    NodeId i = ready.top();
    ready.pop();
    order.push_back(i);
    for (NodeId d : dependents[i])
      if (--missing_inputs[d] == 0) ready.push(d);
  }
  if (order.size() != n) {
    std::string names;
    int listed = 0;
    for (size_t i = 0; i < n && listed < 8; ++i) {
      if (missing_inputs[i] > 0) {
        names += (listed ? ", " : "") + nodes[i].Describe();
        ++listed;
      }
    }
    return InvalidArgumentError("the graph has a cycle: " + std::to_string(n - order.size()) +
                                " nodes wait on each other (" + names + (n - order.size() > 8 ? ", ..." : "") + ")");
  }
  std::vector<Node> sorted;
  sorted.reserve(n);
  for (NodeId i : order) sorted.push_back(std::move(nodes[i]));
  nodes = std::move(sorted);
  for (size_t i = 0; i < n; ++i) {
    for (ValueId out : nodes[i].outputs)
      if (out != kNoValue) values[out].producer = static_cast<NodeId>(i);
    for (ValueId in : nodes[i].inputs)
      if (in != kNoValue) values[in].consumers.push_back(static_cast<NodeId>(i));
  }
  return Status::Ok();
}

}  // namespace xquant
