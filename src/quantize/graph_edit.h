// Small helpers shared by the graph rewrites of the quantizer (preparation and QDQ insertion).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "xquant/graph.h"

namespace xquant::quantize {

// The float32 constant at `node.inputs[index]`, or null (absent, not constant, other type).
const Tensor* FloatConstantInput(const Graph& graph, const Node& node, size_t index);

// Whether every entry of an ints attribute (strides, pads, dilations) equals `x`.
inline bool AllEqual(const std::vector<int64_t>& values, int64_t x) {
  return std::all_of(values.begin(), values.end(), [x](int64_t v) { return v == x; });
}

// The node that alone reads `value` (one consumer slot, not a graph output), or kNoNode.
NodeId SoleConsumer(const Graph& graph, ValueId value);

// A value name not yet used in `graph`: `base`, else base_1, base_2, ...
std::string UniqueValueName(const Graph& graph, const std::string& base);
// A node name not yet used: same scheme.
std::string UniqueNodeName(const Graph& graph, const std::string& base);

// Adds a constant value named after `base` (made unique) holding `tensor`; returns its id.
ValueId AddConstant(Graph* graph, const std::string& base, Tensor tensor);

// Removes the nodes at `ids` and re-derives producers, consumers and the order.
Status RemoveNodes(Graph* graph, const std::set<NodeId>& ids);

}  // namespace xquant::quantize
