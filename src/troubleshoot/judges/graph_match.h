// Small graph-matching helpers for the judges that recognise float-graph patterns (shift negative
// activation's GELU/SiLU/HardSwish forms). How a tensor is quantized is not found here: judges
// read the quantizer records (xquant/quantization.h). They look at a loaded model's graph (not a
// session-folded one), so constants are initializers and former Constant nodes only; nothing here
// evaluates a node.
//
// Header-only on purpose: the judges' source list (sources.cmake) names one file per judge.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xquant/graph.h"

namespace xquant::troubleshoot::graph_match {

// The node that produces `v`, or nullptr for graph inputs, constants and omitted values.
inline const Node* Producer(const Graph& g, ValueId v) {
  if (v == kNoValue || v >= static_cast<ValueId>(g.values.size())) return nullptr;
  NodeId p = g.values[v].producer;
  return p == kNoNode ? nullptr : &g.nodes[p];
}

inline ValueId InputOf(const Node& n, size_t k) { return k < n.inputs.size() ? n.inputs[k] : kNoValue; }
inline ValueId OutputOf(const Node& n) { return n.outputs.empty() ? kNoValue : n.outputs[0]; }

inline NodeId IdOf(const Graph& g, const Node& n) { return static_cast<NodeId>(&n - g.nodes.data()); }

inline bool Is(const Node* n, std::string_view op) { return n && n->domain.empty() && n->op_type == op; }

// The constant tensor held by `v`, or nullptr.
inline const Tensor* ConstantOf(const Graph& g, ValueId v) {
  if (v == kNoValue || v >= static_cast<ValueId>(g.values.size())) return nullptr;
  const Value& value = g.values[v];
  return value.constant && value.constant->defined() ? &*value.constant : nullptr;
}

// The value of a one-element constant (any shape: exporters write [], [1] or [1, 1, 1]).
inline std::optional<double> ScalarOf(const Graph& g, ValueId v) {
  const Tensor* t = ConstantOf(g, v);
  if (!t || t->size() != 1) return std::nullopt;
  return t->GetAsDouble(0);
}

// Relative tolerance for the constants of exporter patterns (float32 literals such as 1/sqrt(2)
// arrive rounded, some exporters write 1.4142 or 0.7071).
constexpr double kPatternConstantTolerance = 1e-3;

inline bool ScalarNear(const Graph& g, ValueId v, double target) {
  std::optional<double> s = ScalarOf(g, v);
  return s && std::abs(*s - target) <= kPatternConstantTolerance * std::max(1.0, std::abs(target));
}

// For a two-input node that reads `known`, the other input; kNoValue when `known` is not an input.
inline ValueId OtherInput(const Node& n, ValueId known) {
  if (n.inputs.size() != 2) return kNoValue;
  if (n.inputs[0] == known) return n.inputs[1];
  if (n.inputs[1] == known) return n.inputs[0];
  return kNoValue;
}

// The nodes reading `v` (each once, in graph order).
inline std::vector<const Node*> Consumers(const Graph& g, ValueId v) {
  std::vector<const Node*> out;
  if (v == kNoValue) return out;
  std::vector<NodeId> ids = g.values[v].consumers;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (NodeId id : ids) out.push_back(&g.nodes[id]);
  return out;
}

// Clip bounds: inputs 1 and 2 from opset 11, attributes before. Absent bounds are nullopt.
struct ClipBounds {
  std::optional<double> min;
  std::optional<double> max;
};
inline ClipBounds ClipBoundsOf(const Graph& g, const Node& clip) {
  ClipBounds b;
  if (clip.HasAttribute("min")) b.min = clip.GetFloat("min", 0.0f);
  if (clip.HasAttribute("max")) b.max = clip.GetFloat("max", 0.0f);
  if (std::optional<double> lo = ScalarOf(g, InputOf(clip, 1))) b.min = lo;
  if (std::optional<double> hi = ScalarOf(g, InputOf(clip, 2))) b.max = hi;
  return b;
}

// True when `target` is `start` or one of its ancestors at most `depth` producers up.
inline bool ReachesWithin(const Graph& g, ValueId start, ValueId target, int depth) {
  if (start == target) return true;
  if (depth <= 0) return false;
  const Node* n = Producer(g, start);
  if (!n) return false;
  for (ValueId in : n->inputs)
    if (in != kNoValue && ReachesWithin(g, in, target, depth - 1)) return true;
  return false;
}

}  // namespace xquant::troubleshoot::graph_match
