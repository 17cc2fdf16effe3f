// Conv -> 1x1 Conv merged into one Conv (see graph_preparation.h).
#include "quantize/graph_edit.h"
#include "quantize/graph_preparation.h"

namespace xquant::quantize {
namespace {

// A Conv with constant float weights (rank 4), constant or no bias, group 1.
bool IsPlainConv(const Graph& graph, const Node& n) {
  if (n.op_type != "Conv" || !n.domain.empty() || n.outputs.size() != 1 || n.GetInt("group", 1) != 1) return false;
  const Tensor* w = FloatConstantInput(graph, n, 1);
  if (!w || w->rank() != 4) return false;
  return n.inputs.size() < 3 || n.inputs[2] == kNoValue || FloatConstantInput(graph, n, 2);
}

// The 1x1 Conv reading conv `first`'s output alone that can be merged into it, or kNoNode.
NodeId CollapsibleSecond(const Graph& graph, const Node& first) {
  if (!IsPlainConv(graph, first)) return kNoNode;
  const NodeId s = SoleConsumer(graph, first.outputs[0]);
  if (s == kNoNode) return kNoNode;
  const Node& second = graph.nodes[s];
  if (!IsPlainConv(graph, second) || second.inputs[0] != first.outputs[0]) return kNoNode;
  const Tensor& w2 = *FloatConstantInput(graph, second, 1);
  const Tensor& w1 = *FloatConstantInput(graph, first, 1);
  if (w2.dim(2) != 1 || w2.dim(3) != 1 || w2.dim(1) != w1.dim(0)) return kNoNode;
  if (!AllEqual(second.GetInts("strides", {1}), 1) || !AllEqual(second.GetInts("pads", {0}), 0) ||
      !AllEqual(second.GetInts("dilations", {1}), 1))
    return kNoNode;
  const std::string pad = second.GetString("auto_pad", "NOTSET");
  if (pad != "NOTSET" && pad != "VALID" && pad != "SAME_UPPER" && pad != "SAME_LOWER") return kNoNode;
  return s;
}

}  // namespace

StatusOr<int> CollapseLinear(Graph* graph, PreparationState* state) {
  int collapsed = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t fi = 0; fi < graph->nodes.size(); ++fi) {
      const NodeId si = CollapsibleSecond(*graph, graph->nodes[fi]);
      if (si == kNoNode) continue;
      const Node& first = graph->nodes[fi];
      const Node& second = graph->nodes[si];
      const Tensor& w1 = *FloatConstantInput(*graph, first, 1);
      const Tensor& w2 = *FloatConstantInput(*graph, second, 1);
      const Tensor* b1 = FloatConstantInput(*graph, first, 2);
      const Tensor* b2 = FloatConstantInput(*graph, second, 2);
      const int64_t out = w2.dim(0), mid = w1.dim(0), per_mid = w1.size() / mid;
      Tensor w(DataType::kFloat32, {out, w1.dim(1), w1.dim(2), w1.dim(3)});
      Tensor b(DataType::kFloat32, {out});
      for (int64_t o = 0; o < out; ++o) {
        for (int64_t j = 0; j < per_mid; ++j) {
          double sum = 0.0;
          for (int64_t m = 0; m < mid; ++m)
            sum += static_cast<double>(w2.data<float>()[o * mid + m]) * w1.data<float>()[m * per_mid + j];
          w.data<float>()[o * per_mid + j] = static_cast<float>(sum);
        }
        double bias = b2 ? b2->data<float>()[o] : 0.0;
        if (b1)
          for (int64_t m = 0; m < mid; ++m) bias += static_cast<double>(w2.data<float>()[o * mid + m]) * b1->data<float>()[m];
        b.data<float>()[o] = static_cast<float>(bias);
      }
      const std::string first_name = first.name, second_name = second.name;
      const ValueId out_value = second.outputs[0];
      const std::string merged = UniqueNodeName(*graph, first_name + "_collapsed");
      const ValueId w_id = AddConstant(graph, merged + ".weight", std::move(w));
      const ValueId b_id = AddConstant(graph, merged + ".bias", std::move(b));
      Node& c = graph->nodes[fi];
      c.inputs.resize(3);
      c.inputs[1] = w_id;
      c.inputs[2] = b_id;
      c.outputs[0] = out_value;
      c.name = merged;
      state->merges.push_back({"linear_collapsing", merged, state->OriginOf(first_name), state->OriginOf(second_name)});
      state->origin[merged] = state->OriginOf(first_name);
      XQ_RETURN_IF_ERROR(RemoveNodes(graph, {si}));
      ++collapsed;
      changed = true;
      break;
    }
  }
  return collapsed;
}

}  // namespace xquant::quantize
