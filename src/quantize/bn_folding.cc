// Conv -> BatchNormalization folded into the Conv (see graph_preparation.h).
#include <cmath>

#include "quantize/graph_edit.h"
#include "quantize/graph_preparation.h"

namespace xquant::quantize {
namespace {

// The BatchNormalization reading conv `c`'s output alone, with constant per-channel parameters,
// in inference mode; kNoNode when there is none.
NodeId FoldableBatchNorm(const Graph& graph, const Node& conv) {
  if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) return kNoNode;
  const Tensor* w = FloatConstantInput(graph, conv, 1);
  if (!w || w->rank() < 3) return kNoNode;
  if (conv.inputs.size() > 2 && conv.inputs[2] != kNoValue && !FloatConstantInput(graph, conv, 2)) return kNoNode;
  const NodeId b = SoleConsumer(graph, conv.outputs[0]);
  if (b == kNoNode) return kNoNode;
  const Node& bn = graph.nodes[b];
  if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() != 5 || bn.inputs[0] != conv.outputs[0])
    return kNoNode;
  if (bn.GetInt("training_mode", 0) != 0) return kNoNode;
  for (size_t k = 1; k < bn.outputs.size(); ++k)
    if (bn.outputs[k] != kNoValue && !graph.values[bn.outputs[k]].consumers.empty()) return kNoNode;
  for (size_t k = 1; k < 5; ++k) {
    const Tensor* p = FloatConstantInput(graph, bn, k);
    if (!p || p->size() != w->dim(0)) return kNoNode;
  }
  return b;
}

}  // namespace

StatusOr<int> FoldBatchNormalization(Graph* graph, PreparationState* state) {
  int folded = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t ci = 0; ci < graph->nodes.size(); ++ci) {
      const NodeId bi = FoldableBatchNorm(*graph, graph->nodes[ci]);
      if (bi == kNoNode) continue;
      Node& conv = graph->nodes[ci];
      const Node& bn = graph->nodes[bi];
      const Tensor& w = *FloatConstantInput(*graph, conv, 1);
      const Tensor* bias = FloatConstantInput(*graph, conv, 2);
      const float* gamma = FloatConstantInput(*graph, bn, 1)->data<float>();
      const float* beta = FloatConstantInput(*graph, bn, 2)->data<float>();
      const float* mean = FloatConstantInput(*graph, bn, 3)->data<float>();
      const float* var = FloatConstantInput(*graph, bn, 4)->data<float>();
      const double eps = bn.GetFloat("epsilon", 1e-5f);
      const int64_t channels = w.dim(0), per_channel = w.size() / channels;
      Tensor new_w(DataType::kFloat32, w.shape());
      Tensor new_b(DataType::kFloat32, {channels});
      for (int64_t o = 0; o < channels; ++o) {
        const double k = gamma[o] / std::sqrt(static_cast<double>(var[o]) + eps);
        for (int64_t j = 0; j < per_channel; ++j)
          new_w.data<float>()[o * per_channel + j] = static_cast<float>(w.data<float>()[o * per_channel + j] * k);
        const double b = bias ? bias->data<float>()[o] : 0.0;
        new_b.data<float>()[o] = static_cast<float>((b - mean[o]) * k + beta[o]);
      }
      const std::string conv_name = conv.name, bn_name = bn.name;
      const ValueId w_id = AddConstant(graph, graph->values[conv.inputs[1]].name + "_bn", std::move(new_w));
      const ValueId b_id = AddConstant(graph, conv_name + "_bn.bias", std::move(new_b));
      Node& c = graph->nodes[ci];  // AddConstant does not touch nodes; re-take the reference anyway
      c.inputs.resize(3);
      c.inputs[1] = w_id;
      c.inputs[2] = b_id;
      c.outputs[0] = graph->nodes[bi].outputs[0];
      const std::string merged = UniqueNodeName(*graph, conv_name + "_bn");
      c.name = merged;
      state->merges.push_back({"bn_fold", merged, state->OriginOf(conv_name), state->OriginOf(bn_name)});
      state->origin[merged] = state->OriginOf(conv_name);
      XQ_RETURN_IF_ERROR(RemoveNodes(graph, {bi}));
      ++folded;
      changed = true;
      break;
    }
  }
  return folded;
}

Status PrepareGraph(Graph* graph, bool linear_collapsing, bool residual_collapsing, PreparationState* state) {
  XQ_RETURN_IF_ERROR(FoldBatchNormalization(graph, state).status());
  if (linear_collapsing) XQ_RETURN_IF_ERROR(CollapseLinear(graph, state).status());
  if (residual_collapsing) XQ_RETURN_IF_ERROR(CollapseResidual(graph, state).status());
  return Status::Ok();
}

}  // namespace xquant::quantize
