// The executor. Preparation: fold constants, find the shape-only subgraph, create one kernel per
// node, compute each value's last consumer, fold Relu/Clip into the kernel producing their input
// and Mul(x, f(x)) into the elementwise f where the kernels can (Kernel::WithClamp, TimesInput).
// Execution: nodes in topological order, inputs borrowed from
// slots, outputs observed and then freed after their last consumer. A run without an observer
// uses the folded kernels; with one, a fold applies where the observer does not want the tensor
// it skips (Observer::Wants).
// A run without an observer also lets oneDNN convolutions hand their results to each other in
// oneDNN's channel-blocked order (through the kernels between them: Relu, Sigmoid(x)*x, a residual
// Add, a squeeze-excitation's GlobalAveragePool and Mul, MaxPool, a Concat along channels),
// which saves two reorders per hand-off; only values every reader accepts so
// (Kernel::AcceptsBlockedInput, exec/blocked_layout.h).
#include "xquant/session.h"

#include <omp.h>

#include <limits>
#include <map>
#include <optional>
#include <set>

#include "exec/registry.h"

namespace xquant {
namespace {

using exec::Kernel;
using exec::KernelContext;
using exec::KernelInfo;

// Ops whose results differ between calls; never folded.
const std::set<std::string> kNondeterministicOps = {"RandomNormal", "RandomUniform", "RandomNormalLike",
                                                    "RandomUniformLike", "Multinomial", "Bernoulli"};

// Inputs whose *values* (not only shapes) decide the output shape. A node whose such input is not
// known before the run produces a tensor whose shape depends on data.
const std::map<std::string, std::set<int>> kShapeDefiningInputs = {
    {"Reshape", {1}}, {"Expand", {1}}, {"Tile", {1}}, {"Slice", {1, 2, 3, 4}}, {"ConstantOfShape", {0}},
    {"Resize", {1, 2, 3}}, {"Upsample", {1}}, {"Range", {0, 1, 2}}, {"TopK", {1}}, {"OneHot", {1}},
    {"Pad", {1, 3}}, {"Squeeze", {1}}, {"Unsqueeze", {1}}, {"Split", {1}}, {"ReduceMean", {1}},
    {"ReduceSum", {1}}, {"ReduceMax", {1}}, {"ReduceMin", {1}}, {"ReduceProd", {1}}, {"ReduceL1", {1}},
    {"ReduceL2", {1}}, {"ReduceLogSum", {1}}, {"ReduceLogSumExp", {1}}, {"ReduceSumSquare", {1}},
    {"MaxUnpool", {2}}, {"CenterCropPad", {1}}};
// Ops whose output shape depends on the data whatever their inputs.
const std::set<std::string> kDataDependentShapeOps = {"NonZero", "NonMaxSuppression", "Compress", "Unique"};

// The clamp a Relu or Clip node applies to input 0, when its bounds are known at preparation
// (attributes before opset 11, float32 constant inputs from it on) and the input is not known to be
// of another type than float32, else nullopt. (Kernels offering WithClamp produce float32 only.)
std::optional<exec::Clamp> ClampOf(const Node& node, const Graph& graph) {
  if (!node.domain.empty() || node.inputs.empty() || node.inputs[0] == kNoValue || node.outputs.size() != 1) {
    return std::nullopt;
  }
  const DataType input_type = graph.values[node.inputs[0]].dtype;
  if (input_type != DataType::kFloat32 && input_type != DataType::kUndefined) return std::nullopt;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (node.op_type == "Relu") return node.inputs.size() == 1 ? std::optional<exec::Clamp>({0.0f, kInf}) : std::nullopt;
  if (node.op_type != "Clip") return std::nullopt;
  exec::Clamp clamp{-kInf, kInf};
  if (graph.OpsetVersion("") < 11) {
    if (node.inputs.size() != 1) return std::nullopt;
    if (node.HasAttribute("min")) clamp.lower = node.GetFloat("min", 0.0f);
    if (node.HasAttribute("max")) clamp.upper = node.GetFloat("max", 0.0f);
  } else {
    if (node.inputs.size() > 3) return std::nullopt;
    for (size_t k = 1; k < node.inputs.size(); ++k) {
      if (node.inputs[k] == kNoValue) continue;
      const auto& bound = graph.values[node.inputs[k]].constant;
      if (!bound || bound->dtype() != DataType::kFloat32 || bound->size() != 1 || bound->rank() > 1) return std::nullopt;
      (k == 1 ? clamp.lower : clamp.upper) = bound->data<float>()[0];
    }
  }
  // min > max makes every element max (the order of the two clamps); NaN bounds: leave to the op.
  if (!(clamp.lower <= clamp.upper)) return std::nullopt;
  return clamp;
}

std::string DescribeDeclared(const Value& v) {
  std::string s = DataTypeName(v.dtype) + " [";
  if (v.shape) {
    for (size_t i = 0; i < v.shape->size(); ++i) {
      if (i) s += ", ";
      const Dim& d = (*v.shape)[i];
      s += d.known() ? std::to_string(d.value) : (d.symbol.empty() ? "?" : d.symbol);
    }
  } else {
    s += "any rank";
  }
  return s + "]";
}

class SessionImpl final : public Session {
 public:
  SessionImpl(std::shared_ptr<const Model> model, const SessionOptions& options)
      : model_(std::move(model)), graph_(model_->graph), options_(options) {}

  Status Prepare();
  StatusOr<NamedTensors> Run(const std::map<std::string, Tensor>& inputs, Observer* observer) override;
  const Graph& graph() const override { return graph_; }
  const Model& model() const override { return *model_; }
  RunStats last_run_stats() const override { return stats_; }

 private:
  Status FoldConstants();
  void FindShapeOnlyNodes();
  void FoldClamps();
  void FoldProducts();
  void FindBlockableValues();
  // The node that computes `v` in a run without an observer can leave it channel-blocked.
  bool AllReadersAcceptBlocked(ValueId v) const;
  // Whether node `i`'s output 0, its only output, may disappear into its single reader.
  bool CanFoldInto(NodeId i, ValueId v) const;
  StatusOr<std::unique_ptr<Kernel>> CreateKernel(const Node& node) const;
  // Runs `kernel` on node `id`'s inputs; `output_ids` are the values it produces (the node's own,
  // or those of the Relu/Clip folded into it).
  // `blocked` (runs without an observer, else null): per value, held channel-blocked; updated for
  // the output.
  Status RunNode(NodeId id, Kernel& kernel, const std::vector<ValueId>& output_ids, std::vector<Tensor>& slots,
                 std::vector<Tensor>* outputs, std::vector<bool>* blocked = nullptr);
  const Tensor* Lookup(ValueId v, const std::vector<Tensor>& slots) const {
    const Value& value = graph_.values[v];
    if (value.constant) return &*value.constant;
    const Tensor& t = slots[v];
    return t.defined() ? &t : nullptr;
  }

  std::shared_ptr<const Model> model_;
  Graph graph_;
  SessionOptions options_;
  std::vector<std::unique_ptr<Kernel>> kernels_;  // one per node of graph_
  std::vector<NodeId> last_use_;                   // per value: last consuming node, or kNoNode
  std::vector<bool> shape_only_;                   // per node: depends only on input shapes
  // For runs without an observer: per node, the kernel that also computes the one node reading
  // its output (null when none), that node, and whether a node is such a folded one.
  std::vector<std::unique_ptr<Kernel>> fused_kernels_;
  std::vector<NodeId> absorbed_node_;
  std::vector<bool> folded_;
  // Per value: every node reading it in a run without an observer takes it channel-blocked.
  std::vector<bool> blockable_;
  // Results of the shape-only nodes for the input shapes of the last run (the fold "per shape").
  std::vector<Shape> cached_input_shapes_;
  std::vector<Tensor> shape_cache_;  // per value, defined for shape-only outputs
  RunStats stats_;
};

StatusOr<std::unique_ptr<Kernel>> SessionImpl::CreateKernel(const Node& node) const {
  exec::KernelFactory factory = exec::FindKernel(node.domain, node.op_type);
  if (!factory) return NotSupportedError(node.Describe() + ": no kernel for this op");
  KernelInfo info(node, graph_, graph_.OpsetVersion(node.domain));
  try {
    return factory(info);
  } catch (const std::exception& e) {
    return InternalError(node.Describe() + ": preparing the kernel failed: " + e.what());
  }
}

Status SessionImpl::FoldConstants() {
  std::vector<Node> kept;
  bool changed = false;
  for (Node& node : graph_.nodes) {
    bool all_constant = !kNondeterministicOps.count(node.op_type);
    for (ValueId in : node.inputs)
      if (in != kNoValue && !graph_.values[in].constant) all_constant = false;
    if (!all_constant || node.inputs.empty()) {
      kept.push_back(std::move(node));
      continue;
    }
    XQ_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, CreateKernel(node));
    std::vector<const Tensor*> inputs;
    for (ValueId in : node.inputs) inputs.push_back(in == kNoValue ? nullptr : &*graph_.values[in].constant);
    std::vector<Tensor> outputs(node.outputs.size());
    KernelContext ctx(node, std::move(inputs), &outputs);
    XQ_RETURN_IF_ERROR(kernel->Compute(ctx).WithContext("while folding constants"));
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k] == kNoValue) continue;
      if (!outputs[k].defined()) return InternalError(node.Describe() + " produced no output " + std::to_string(k));
      Value& v = graph_.values[node.outputs[k]];
      v.dtype = outputs[k].dtype();
      v.constant = std::move(outputs[k]);
    }
    changed = true;
  }
  graph_.nodes = std::move(kept);
  if (changed) XQ_RETURN_IF_ERROR(graph_.Rebuild());
  return Status::Ok();
}

void SessionImpl::FindShapeOnlyNodes() {
  const size_t n = graph_.nodes.size();
  shape_only_.assign(n, false);
  std::vector<bool> dynamic_shape(graph_.values.size(), false);  // shape depends on data
  std::vector<bool> known(graph_.values.size(), false);          // value known before the data
  for (size_t v = 0; v < graph_.values.size(); ++v) known[v] = graph_.values[v].constant.has_value();
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    const bool standard = node.domain.empty();
    bool out_dynamic = standard && kDataDependentShapeOps.count(node.op_type);
    for (ValueId in : node.inputs)
      if (in != kNoValue && dynamic_shape[in]) out_dynamic = true;
    if (standard) {
      auto it = kShapeDefiningInputs.find(node.op_type);
      if (it != kShapeDefiningInputs.end())
        for (int k : it->second)
          if (k < static_cast<int>(node.inputs.size()) && node.inputs[k] != kNoValue && !known[node.inputs[k]])
            out_dynamic = true;
    }
    bool only_shapes;
    if (standard && (node.op_type == "Shape" || node.op_type == "Size")) {
      only_shapes = node.inputs.size() == 1 && node.inputs[0] != kNoValue && !dynamic_shape[node.inputs[0]];
    } else {
      only_shapes = !kNondeterministicOps.count(node.op_type) && !node.inputs.empty();
      for (ValueId in : node.inputs)
        if (in != kNoValue && !known[in]) only_shapes = false;
    }
    shape_only_[i] = only_shapes;
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      dynamic_shape[out] = out_dynamic;
      known[out] = only_shapes;
    }
  }
}

bool SessionImpl::CanFoldInto(NodeId i, ValueId v) const {
  const Value& value = graph_.values[v];
  const Node& producer = graph_.nodes[i];
  return !value.is_graph_output && value.consumers.size() == 1 && !shape_only_[i] && !folded_[i] &&
         !fused_kernels_[i] && producer.outputs.size() == 1 && producer.outputs[0] == v;
}

void SessionImpl::FoldClamps() {
  for (size_t j = 0; j < graph_.nodes.size(); ++j) {
    const Node& node = graph_.nodes[j];
    if (shape_only_[j]) continue;
    const std::optional<exec::Clamp> clamp = ClampOf(node, graph_);
    if (!clamp) continue;
    const ValueId v = node.inputs[0];
    const NodeId i = graph_.values[v].producer;
    if (i == kNoNode || !CanFoldInto(i, v)) continue;
    std::unique_ptr<Kernel> fused = kernels_[i]->WithClamp(*clamp);
    if (!fused) continue;
    fused_kernels_[i] = std::move(fused);
    absorbed_node_[i] = static_cast<NodeId>(j);
    folded_[j] = true;
  }
}

void SessionImpl::FoldProducts() {
  for (size_t j = 0; j < graph_.nodes.size(); ++j) {
    const Node& node = graph_.nodes[j];
    if (shape_only_[j] || !node.domain.empty() || node.op_type != "Mul" || node.inputs.size() != 2 ||
        node.outputs.size() != 1)
      continue;
    for (int k = 0; k < 2; ++k) {
      // Mul(x, f(x)) or Mul(f(x), x), f elementwise of x alone: same shapes, no broadcasting.
      const ValueId fx = node.inputs[k], x = node.inputs[1 - k];
      if (fx == kNoValue || x == kNoValue) continue;
      const NodeId i = graph_.values[fx].producer;
      if (i == kNoNode || graph_.nodes[i].inputs.size() != 1 || graph_.nodes[i].inputs[0] != x || !CanFoldInto(i, fx))
        continue;
      std::unique_ptr<Kernel> fused = kernels_[i]->TimesInput();
      if (!fused) continue;
      fused_kernels_[i] = std::move(fused);
      absorbed_node_[i] = static_cast<NodeId>(j);
      folded_[j] = true;
      break;
    }
  }
}

Status SessionImpl::Prepare() {
  if (options_.num_threads > 0) omp_set_num_threads(options_.num_threads);
  if (options_.fold_constants) {
    XQ_RETURN_IF_ERROR(FoldConstants());
    FindShapeOnlyNodes();
  } else {
    shape_only_.assign(graph_.nodes.size(), false);
  }
  std::vector<std::string> problems;
  kernels_.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    auto kernel = CreateKernel(graph_.nodes[i]);
    if (kernel.ok()) kernels_[i] = std::move(kernel).value();
    else problems.push_back(kernel.status().message());
  }
  if (!problems.empty()) {
    std::string message = "cannot prepare '" + model_->path + "' for execution: " + std::to_string(problems.size()) +
                          (problems.size() == 1 ? " problem" : " problems");
    for (const auto& p : problems) message += "\n  - " + p;
    return NotSupportedError(message);
  }
  last_use_.assign(graph_.values.size(), kNoNode);
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    for (ValueId in : graph_.nodes[i].inputs)
      if (in != kNoValue) last_use_[in] = static_cast<NodeId>(i);
  shape_cache_.assign(graph_.values.size(), Tensor());
  fused_kernels_.resize(graph_.nodes.size());
  absorbed_node_.assign(graph_.nodes.size(), kNoNode);
  folded_.assign(graph_.nodes.size(), false);
  FoldClamps();
  FoldProducts();
  FindBlockableValues();
  return Status::Ok();
}

bool SessionImpl::AllReadersAcceptBlocked(ValueId v) const {
  const Value& value = graph_.values[v];
  if (value.is_graph_output || value.constant || value.consumers.empty()) return false;
  bool any_reader = false;
  for (NodeId c : value.consumers) {
    // A folded node reads nothing itself: a folded Relu/Clip's input is never materialised, and a
    // folded Mul(x, f(x)) reads x inside f's kernel, which is a reader of x of its own.
    if (folded_[c]) continue;
    any_reader = true;
    const Node& reader = graph_.nodes[c];
    if (shape_only_[c]) return false;
    const Kernel& kernel = fused_kernels_[c] ? *fused_kernels_[c] : *kernels_[c];
    bool accepted = true;
    // KernelContext marks blocked inputs in 32 bits: a value read beyond them stays plain.
    for (size_t k = 0; k < reader.inputs.size(); ++k)
      accepted = accepted && (reader.inputs[k] != v || (k < 32 && kernel.AcceptsBlockedInput(k)));
    if (!accepted) return false;
  }
  return any_reader;
}

void SessionImpl::FindBlockableValues() {
  blockable_.assign(graph_.values.size(), false);
  // Readers come after writers (topological order), so visiting nodes backwards settles every
  // reader's output before the values it reads. A fused node writes its absorbed node's output,
  // which comes later: visited before it too.
  for (size_t i = graph_.nodes.size(); i-- > 0;) {
    if (folded_[i] || shape_only_[i]) continue;
    const Node& writer = fused_kernels_[i] ? graph_.nodes[absorbed_node_[i]] : graph_.nodes[i];
    if (writer.outputs.size() != 1 || writer.outputs[0] == kNoValue) continue;
    blockable_[writer.outputs[0]] = AllReadersAcceptBlocked(writer.outputs[0]);
  }
}

Status SessionImpl::RunNode(NodeId id, Kernel& kernel, const std::vector<ValueId>& output_ids,
                            std::vector<Tensor>& slots, std::vector<Tensor>* outputs,
                            std::vector<bool>* blocked) {
  const Node& node = graph_.nodes[id];
  std::vector<const Tensor*> inputs;
  inputs.reserve(node.inputs.size());
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    ValueId in = node.inputs[k];
    if (in == kNoValue) {
      inputs.push_back(nullptr);
      continue;
    }
    const Tensor* t = Lookup(in, slots);
    if (!t) return InternalError(node.Describe() + ": input '" + graph_.values[in].name + "' was not computed");
    inputs.push_back(t);
  }
  outputs->assign(output_ids.size(), Tensor());
  KernelContext ctx(node, std::move(inputs), outputs);
  uint32_t inputs_blocked = 0;
  for (size_t k = 0; blocked && k < node.inputs.size(); ++k) {
    if (node.inputs[k] == kNoValue || !(*blocked)[node.inputs[k]]) continue;
    if (k >= 32 || !kernel.AcceptsBlockedInput(k))
      return InternalError(node.Describe() + ": was handed a channel-blocked input it cannot read");
    inputs_blocked |= 1u << k;
  }
  const bool may_block = blocked && output_ids.size() == 1 && output_ids[0] != kNoValue && blockable_[output_ids[0]];
  ctx.SetLayouts(inputs_blocked, may_block);
  Status status;
  try {
    status = kernel.Compute(ctx);
  } catch (const std::exception& e) {
    status = InternalError(node.Describe() + ": " + e.what());
  }
  if (!status.ok()) return status;
  for (size_t k = 0; k < output_ids.size(); ++k)
    if (output_ids[k] != kNoValue && !(*outputs)[k].defined())
      return InternalError(node.Describe() + ": the kernel produced no output " + std::to_string(k));
  if (may_block) (*blocked)[output_ids[0]] = ctx.output_blocked();
  return Status::Ok();
}

StatusOr<NamedTensors> SessionImpl::Run(const std::map<std::string, Tensor>& inputs, Observer* observer) {
  // Check the inputs against the declarations, all at once.
  std::vector<std::string> problems;
  std::vector<Shape> input_shapes;
  std::vector<Tensor> slots(graph_.values.size());
  for (ValueId v : graph_.inputs) {
    const Value& value = graph_.values[v];
    auto it = inputs.find(value.name);
    if (it == inputs.end()) {
      problems.push_back("input '" + value.name + "' (" + DescribeDeclared(value) + ") is missing");
      continue;
    }
    const Tensor& t = it->second;
    // float16 inputs are held as float32 (see DataType::kFloat16).
    const DataType expected = value.dtype == DataType::kFloat16 ? DataType::kFloat32 : value.dtype;
    bool matches = t.defined() && (expected == DataType::kUndefined || expected == t.dtype());
    if (matches && value.shape) {
      matches = value.shape->size() == t.shape().size();
      for (size_t d = 0; matches && d < t.shape().size(); ++d)
        if ((*value.shape)[d].known() && (*value.shape)[d].value != t.shape()[d]) matches = false;
    }
    if (!matches)
      problems.push_back("input '" + value.name + "' expects " + DescribeDeclared(value) + ", got " +
                         DataTypeName(t.dtype()) + " " + ShapeToString(t.shape()));
    slots[v] = t;
    input_shapes.push_back(t.shape());
  }
  for (const auto& [name, tensor] : inputs) {
    ValueId v = graph_.FindValue(name);
    if (v == kNoValue || !graph_.values[v].is_graph_input) {
      std::string known;
      for (ValueId in : graph_.inputs) known += (known.empty() ? "'" : ", '") + graph_.values[in].name + "'";
      problems.push_back("'" + name + "' is not an input of the model (its inputs: " + known + ")");
    }
  }
  if (!problems.empty()) {
    std::string message = "wrong inputs for '" + model_->path + "':";
    for (const auto& p : problems) message += "\n  - " + p;
    return InvalidArgumentError(message);
  }

  // The folds of this run: each where the observer, if any, does not want the value it skips
  // (the producer's output, read only by the absorbed node).
  std::vector<bool> fuse(graph_.nodes.size(), false), skip_absorbed(graph_.nodes.size(), false);
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (!fused_kernels_[i]) continue;
    fuse[i] = !observer || !observer->Wants(graph_.values[graph_.nodes[i].outputs[0]].name);
    skip_absorbed[absorbed_node_[i]] = fuse[i];
  }
  const bool reuse_shape_results = !cached_input_shapes_.empty() && cached_input_shapes_ == input_shapes;
  std::vector<Tensor> outputs;
  std::vector<bool> blocked(observer ? 0 : graph_.values.size(), false);
  RunStats stats;
  int64_t live_bytes = 0;
  auto release = [&](ValueId v) {
    live_bytes -= static_cast<int64_t>(slots[v].nbytes());
    slots[v] = Tensor();
  };
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& node = graph_.nodes[i];
    const NodeId id = static_cast<NodeId>(i);
    if (shape_only_[i]) {
      if (!reuse_shape_results) {
        ++stats.nodes_executed;
        XQ_RETURN_IF_ERROR(RunNode(id, *kernels_[i], node.outputs, slots, &outputs));
        for (size_t k = 0; k < node.outputs.size(); ++k)
          if (node.outputs[k] != kNoValue) shape_cache_[node.outputs[k]] = outputs[k];
      }
      else ++stats.shape_nodes_reused;
      for (ValueId out : node.outputs)
        if (out != kNoValue) slots[out] = shape_cache_[out];
      continue;
    }
    // A folded node was computed with its producer; it only frees its inputs below.
    const bool skip = skip_absorbed[i];
    const bool fused = fuse[i];
    // A fused kernel writes the absorbed node's outputs: that node is their producer for the observer.
    const NodeId producer_id = fused ? absorbed_node_[i] : id;
    const Node& producer = graph_.nodes[producer_id];
    const std::vector<ValueId>& output_ids = producer.outputs;
    if (!skip) {
      ++stats.nodes_executed;
      XQ_RETURN_IF_ERROR(RunNode(id, fused ? *fused_kernels_[i] : *kernels_[i], output_ids, slots, &outputs,
                                 observer ? nullptr : &blocked));
      if (!observer && output_ids.size() == 1 && output_ids[0] != kNoValue && blocked[output_ids[0]])
        ++stats.blocked_handoffs;
    }
    for (size_t k = 0; !skip && k < output_ids.size(); ++k) {
      const ValueId out = output_ids[k];
      if (out == kNoValue) continue;
      slots[out] = std::move(outputs[k]);
      const auto bytes = static_cast<int64_t>(slots[out].nbytes());
      stats.produced_bytes += bytes;
      live_bytes += bytes;
      stats.peak_live_bytes = std::max(stats.peak_live_bytes, live_bytes);
      if (observer) {
        TensorEvent event{producer, producer_id, static_cast<int>(k), graph_.values[out].name, slots[out]};
        XQ_RETURN_IF_ERROR(observer->OnTensor(event));
      }
      if (last_use_[out] == kNoNode && !graph_.values[out].is_graph_output) release(out);
    }
    // Free what no later node reads.
    for (ValueId in : node.inputs)
      if (in != kNoValue && last_use_[in] == id && !graph_.values[in].is_graph_output && !graph_.values[in].is_graph_input &&
          slots[in].defined() && !shape_only_[graph_.values[in].producer])
        release(in);
  }
  if (!reuse_shape_results) cached_input_shapes_ = input_shapes;
  stats_ = stats;

  NamedTensors result;
  for (ValueId v : graph_.outputs) {
    const Tensor* t = Lookup(v, slots);
    if (!t) return InternalError("graph output '" + graph_.values[v].name + "' was not computed");
    result.emplace_back(graph_.values[v].name, *t);
  }
  return result;
}

}  // namespace

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) return InvalidArgumentError("Session::Create: no model");
  auto session = std::make_unique<SessionImpl>(std::move(model), options);
  XQ_RETURN_IF_ERROR(session->Prepare());
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace xquant
