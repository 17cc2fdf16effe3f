// Add(Conv(x), x) merged into the Conv (see graph_preparation.h).
#include "quantize/graph_edit.h"
#include "quantize/graph_preparation.h"

namespace xquant::quantize {
namespace {

// Whether Conv `n` maps x to a tensor of x's shape with a kernel whose centre tap is where
// the identity can go: group 1, C_out = C_in, stride 1, dilation 1, odd kernel, "same" padding.
bool KeepsShape(const Graph& graph, const Node& n) {
  if (n.op_type != "Conv" || !n.domain.empty() || n.outputs.size() != 1 || n.GetInt("group", 1) != 1) return false;
  const Tensor* w = FloatConstantInput(graph, n, 1);
  if (!w || w->rank() != 4 || w->dim(0) != w->dim(1)) return false;
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue && !FloatConstantInput(graph, n, 2)) return false;
  const int64_t kh = w->dim(2), kw = w->dim(3);
  if (kh % 2 == 0 || kw % 2 == 0) return false;
  if (!AllEqual(n.GetInts("strides", {1}), 1) || !AllEqual(n.GetInts("dilations", {1}), 1)) return false;
  const std::string auto_pad = n.GetString("auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return true;
  if (auto_pad == "VALID") return kh == 1 && kw == 1;
  if (auto_pad != "NOTSET") return false;
  const std::vector<int64_t> pads = n.GetInts("pads", {0, 0, 0, 0});
  return pads.size() == 4 && pads[0] == kh / 2 && pads[2] == kh / 2 && pads[1] == kw / 2 && pads[3] == kw / 2;
}

}  // namespace

StatusOr<int> CollapseResidual(Graph* graph, PreparationState* state) {
  int collapsed = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t ci = 0; ci < graph->nodes.size(); ++ci) {
      const Node& conv = graph->nodes[ci];
      if (!KeepsShape(*graph, conv)) continue;
      const NodeId ai = SoleConsumer(*graph, conv.outputs[0]);
      if (ai == kNoNode) continue;
      const Node& add = graph->nodes[ai];
      if (add.op_type != "Add" || !add.domain.empty() || add.inputs.size() != 2) continue;
      const ValueId x = conv.inputs[0];
      const bool matches = (add.inputs[0] == conv.outputs[0] && add.inputs[1] == x) ||
                           (add.inputs[1] == conv.outputs[0] && add.inputs[0] == x);
      if (!matches) continue;
      const Tensor& w = *FloatConstantInput(*graph, conv, 1);
      Tensor new_w = w.Clone();
      const int64_t c = w.dim(0), kh = w.dim(2), kw = w.dim(3);
      for (int64_t o = 0; o < c; ++o) new_w.data<float>()[((o * c + o) * kh + kh / 2) * kw + kw / 2] += 1.0f;
      const std::string conv_name = conv.name, add_name = add.name;
      const ValueId out_value = add.outputs[0];
      const std::string merged = UniqueNodeName(*graph, conv_name + "_collapsed");
      const ValueId w_id = AddConstant(graph, merged + ".weight", std::move(new_w));
      Node& n = graph->nodes[ci];
      n.inputs[1] = w_id;
      n.outputs[0] = out_value;
      n.name = merged;
      state->merges.push_back({"residual_collapsing", merged, state->OriginOf(conv_name), add_name});
      state->origin[merged] = state->OriginOf(conv_name);
      XQ_RETURN_IF_ERROR(RemoveNodes(graph, {ai}));
      ++collapsed;
      changed = true;
      break;
    }
  }
  return collapsed;
}

}  // namespace xquant::quantize
