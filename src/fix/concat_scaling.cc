// The concatenation scaling rewrite (concat_scaling.h). It first plans every change on the
// original graph and refuses at the first path it cannot compensate, then applies the changes to
// cloned weight tensors of a copy, so a refusal leaves nothing half-done.
#include "fix/concat_scaling.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "common/channel_slice.h"

namespace xquant::fix {
namespace {

std::string Number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

// f(s x) = s f(x) for every s > 0, elementwise or within one channel (the pools).
bool IsHomogeneous(const Graph& g, const Node& n) {
  // LeakyRelu too: max(x, 0) + alpha min(x, 0) scales with any s > 0.
  if (n.op_type == "Relu" || n.op_type == "LeakyRelu" || n.op_type == "Identity" || n.op_type == "Dropout" ||
      n.op_type == "MaxPool" || n.op_type == "AveragePool" || n.op_type == "GlobalAveragePool" ||
      n.op_type == "GlobalMaxPool")
    return n.domain.empty();
  if (n.op_type == "Clip") {
    // Only the ReLU-shaped Clip: lower bound exactly 0, no upper bound (an upper bound would have
    // to scale with s). Opset 11+ reads the bounds from inputs, earlier ones from attributes.
    auto bound = [&](size_t slot, const char* attr, bool* present) -> float {
      *present = false;
      if (slot < n.inputs.size() && n.inputs[slot] != kNoValue) {
        const Value& v = g.values[n.inputs[slot]];
        *present = true;
        if (!v.constant || v.constant->dtype() != DataType::kFloat32 || v.constant->size() != 1) return -1.0f;
        return v.constant->data<float>()[0];
      }
      if (const Attribute* a = n.FindAttribute(attr)) {
        *present = true;
        return a->f;
      }
      return 0.0f;
    };
    bool has_min = false, has_max = false;
    const float lo = bound(1, "min", &has_min);
    bound(2, "max", &has_max);
    return has_min && lo == 0.0f && !has_max;
  }
  return false;
}

// Ops acting within one channel need it on axis 1 (NCHW); elementwise ones take any axis.
bool PerChannel(const Node& n) {
  return n.op_type == "MaxPool" || n.op_type == "AveragePool" || n.op_type == "GlobalAveragePool" ||
         n.op_type == "GlobalMaxPool";
}

int DataOutputs(const Node& n) {
  int count = 0;
  for (ValueId o : n.outputs) count += o != kNoValue;
  return count;
}

// A float constant read only by `node` (so changing it changes nothing else).
Status CheckOwnWeight(const Graph& g, const Node& node, size_t slot, const char* what) {
  if (slot >= node.inputs.size() || node.inputs[slot] == kNoValue)
    return NotSupportedError(node.Describe() + " has no " + what);
  const Value& v = g.values[node.inputs[slot]];
  if (!v.constant || v.constant->dtype() != DataType::kFloat32)
    return NotSupportedError(node.Describe() + ": its " + what + " '" + v.name + "' is not a float32 constant");
  if (v.consumers.size() != 1 || v.is_graph_output)
    return NotSupportedError(node.Describe() + ": its " + what + " '" + v.name + "' is shared with other nodes");
  return Status::Ok();
}

// A weight change: multiply the elements of constant `value` selected by (axis, [begin, end)) by
// `factor`; axis -1 = every element.
struct WeightChange {
  ValueId value;
  int axis;
  int64_t begin, end;
  double factor;
};

class Planner {
 public:
  Planner(const Graph& g, double factor) : g_(g), factor_(factor) {}

  // Up from `v` to its linear layer.
  Status ScaleProducer(ValueId v, ConcatScaling* out) {
    for (;;) {
      const Value& value = g_.values[v];
      out->scaled_tensors.push_back({value.name, -1, 0, 0, factor_});
      if (value.consumers.size() != 1 || value.is_graph_output)
        return NotSupportedError("'" + value.name + "' is also read elsewhere (or is a model output), so scaling it " +
                                 "would change more than the Concat");
      if (value.producer == kNoNode)
        return NotSupportedError("'" + value.name + "' is not made by a layer (a model input or constant)");
      const Node& n = g_.nodes[value.producer];
      if (n.domain.empty() && (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul")) {
        if (DataOutputs(n) != 1) return NotSupportedError(n.Describe() + " has more than one output");
        XQ_RETURN_IF_ERROR(CheckOwnWeight(g_, n, 1, "weight"));
        changes_.push_back({n.inputs[1], -1, 0, 0, factor_});
        std::string what = "weights";
        if (n.op_type != "MatMul" && n.inputs.size() > 2 && n.inputs[2] != kNoValue) {
          XQ_RETURN_IF_ERROR(CheckOwnWeight(g_, n, 2, "bias"));
          changes_.push_back({n.inputs[2], -1, 0, 0, factor_});
          what += " and bias";
        }
        out->scaled_layers.push_back(n.name);
        out->changes.push_back(n.op_type + " '" + n.name + "': " + what + " * " + Number(factor_));
        return Status::Ok();
      }
      if (!IsHomogeneous(g_, n) || DataOutputs(n) != 1 || n.inputs.empty() || n.inputs[0] == kNoValue)
        return NotSupportedError(n.Describe() + " makes '" + value.name +
                                 "' and is neither a Conv/Gemm/MatMul nor positively homogeneous (f(s x) = s f(x))");
      v = n.inputs[0];
    }
  }

  // Down from `v`, whose channels [begin, end) on `axis` (of rank `rank`) carry the factor.
  Status Compensate(ValueId v, int axis, int rank, int64_t begin, int64_t end, ConcatScaling* out) {
    const Value& value = g_.values[v];
    const std::string slice =
        "'" + value.name + "' (channels " + std::to_string(begin) + ".." + std::to_string(end - 1) + " scaled)";
    if (value.is_graph_output) return NotSupportedError(slice + " is a model output: nothing can compensate there");
    out->scaled_tensors.push_back({value.name, axis, begin, end, factor_});
    for (NodeId id : value.consumers) {
      const Node& n = g_.nodes[id];
      const bool reads_data = !n.inputs.empty() && n.inputs[0] == v;
      int reads = 0;
      for (ValueId in : n.inputs) reads += in == v;
      if (!reads_data || reads != 1)
        return NotSupportedError(n.Describe() + " reads " + slice + " other than as its one data input");
      const std::string refused = n.Describe() + " consumes " + slice + ": ";
      if (IsHomogeneous(g_, n)) {
        if (PerChannel(n) && axis != 1) return NotSupportedError(refused + "a pool needs the channels on axis 1");
        if (DataOutputs(n) != 1) return NotSupportedError(refused + "it has more than one output");
        XQ_RETURN_IF_ERROR(Compensate(n.outputs[0], axis, rank, begin, end, out));
      } else if (n.domain.empty() && n.op_type == "Flatten") {
        // [N, C, d...] -> [N, C * prod(d)]: channel c becomes the block [c * inner, (c + 1) * inner).
        const auto& shape = value.shape;
        if (n.GetInt("axis", 1) != 1 || axis != 1 || !shape)
          return NotSupportedError(refused +
                                   "only Flatten(axis 1) of channels on axis 1 with a known shape keeps "
                                   "the channel layout provably");
        int64_t inner = 1;
        for (size_t d = 2; d < shape->size(); ++d) {
          if (!(*shape)[d].known()) return NotSupportedError(refused + "a spatial dimension is not known");
          inner *= (*shape)[d].value;
        }
        XQ_RETURN_IF_ERROR(Compensate(n.outputs[0], 1, 2, begin * inner, end * inner, out));
      } else if (n.domain.empty() && n.op_type == "Conv") {
        if (axis != 1 || n.GetInt("group", 1) != 1)
          return NotSupportedError(refused + "only a Conv with group 1 reading the channels on axis 1 is compensated");
        XQ_RETURN_IF_ERROR(CheckOwnWeight(g_, n, 1, "weight"));
        changes_.push_back({n.inputs[1], 1, begin, end, 1.0 / factor_});
        Compensated(n, out);
      } else if (n.domain.empty() && (n.op_type == "Gemm" || n.op_type == "MatMul")) {
        // Y = A B: feature k of A meets row k of B (column k when Gemm's transB is set).
        if (rank != 2 || axis != 1 || (n.op_type == "Gemm" && n.GetInt("transA", 0) != 0))
          return NotSupportedError(refused + "only a 2-D input with the features on axis 1 is compensated");
        XQ_RETURN_IF_ERROR(CheckOwnWeight(g_, n, 1, "weight"));
        const Value& w = g_.values[n.inputs[1]];
        if (w.constant->shape().size() != 2) return NotSupportedError(refused + "its weight is not 2-D");
        const bool trans_b = n.op_type == "Gemm" && n.GetInt("transB", 0) != 0;
        changes_.push_back({n.inputs[1], trans_b ? 1 : 0, begin, end, 1.0 / factor_});
        Compensated(n, out);
      } else {
        return NotSupportedError(refused +
                                 "it is not positively homogeneous nor a Conv/Gemm/MatMul, so the scaling "
                                 "cannot be undone after it");
      }
    }
    return Status::Ok();
  }

  const std::vector<WeightChange>& changes() const { return changes_; }

 private:
  void Compensated(const Node& n, ConcatScaling* out) {
    out->compensated_layers.push_back(n.name);
    out->changes.push_back(n.op_type + " '" + n.name + "': weights of the scaled input channels / " + Number(factor_));
  }

  const Graph& g_;
  double factor_;
  std::vector<WeightChange> changes_;
};

// Multiplies the selected slice of a (cloned) float tensor.
void Apply(const WeightChange& c, Tensor* t) {
  MultiplyChannels(t->data<float>(), t->shape(), c.axis, c.begin, c.end, static_cast<float>(c.factor));
}

}  // namespace

StatusOr<ConcatScaling> ScaleConcatInput(const Model& model, const std::string& input, const std::string& other,
                                         double factor) {
  const Graph& g = model.graph;
  if (!(factor > 0) || !std::isfinite(factor))
    return InvalidArgumentError("concat scaling: the factor must be positive and finite, got " + Number(factor));
  const ValueId v = g.FindValue(input);
  if (v == kNoValue) return InvalidArgumentError("concat scaling: no tensor '" + input + "' in the float model");
  const ValueId w = other.empty() ? kNoValue : g.FindValue(other);
  NodeId concat = kNoNode;
  for (NodeId id : g.values[v].consumers) {
    const Node& n = g.nodes[id];
    bool reads_other = w == kNoValue;
    for (ValueId in : n.inputs) reads_other = reads_other || in == w;
    if (n.op_type == "Concat" && n.domain.empty() && reads_other) concat = id;
  }
  if (concat == kNoNode)
    return NotSupportedError("concat scaling: no Concat reads '" + input + "'" +
                             (other.empty() ? "" : " and '" + other + "'") +
                             " (one input of an Add or Sum cannot be scaled alone: the sum mixes them)");
  const Node& n = g.nodes[concat];
  const Value& out_value = g.values[n.outputs[0]];
  if (!out_value.shape) return NotSupportedError("concat scaling: " + n.Describe() + " has no known output rank");
  const int rank = static_cast<int>(out_value.shape->size());
  int axis = static_cast<int>(n.GetInt("axis", 1));
  if (axis < 0) axis += rank;
  // The slice of the scaled input along the Concat axis.
  int64_t begin = 0, end = -1;
  for (ValueId in : n.inputs) {
    const Value& iv = g.values[in];
    if (!iv.shape || static_cast<int>(iv.shape->size()) != rank || !(*iv.shape)[axis].known())
      return NotSupportedError("concat scaling: the size of '" + iv.name + "' along " + n.Describe() +
                               "'s axis is not known");
    const int64_t size = (*iv.shape)[axis].value;
    if (in == v) {
      if (end >= 0) return NotSupportedError("concat scaling: '" + input + "' enters " + n.Describe() + " twice");
      end = begin + size;
    } else if (end < 0) {
      begin += size;
    }
  }

  ConcatScaling result;
  result.concat = n.name;
  result.scaled_input = input;
  result.factor = factor;
  result.channel_begin = begin;
  result.channel_end = end;
  Planner planner(g, factor);
  XQ_RETURN_IF_ERROR(planner.ScaleProducer(v, &result).WithContext("concat scaling of '" + input + "'"));
  XQ_RETURN_IF_ERROR(planner.Compensate(n.outputs[0], axis, rank, begin, end, &result)
                         .WithContext("concat scaling of '" + input + "'"));

  auto copy = std::make_shared<Model>(model);
  // Several changes may touch one tensor (never in practice: each weight has one consumer).
  std::map<ValueId, Tensor> cloned;
  for (const WeightChange& c : planner.changes()) {
    auto it = cloned.find(c.value);
    if (it == cloned.end()) it = cloned.emplace(c.value, copy->graph.values[c.value].constant->Clone()).first;
    Apply(c, &it->second);
  }
  for (auto& [id, tensor] : cloned) copy->graph.values[id].constant = std::move(tensor);
  result.model = std::move(copy);
  return result;
}

}  // namespace xquant::fix
