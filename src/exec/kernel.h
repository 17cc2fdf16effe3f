// The kernel interface: one class per ONNX op, created once per node when a session is prepared
// (attributes are read and checked then) and run once per execution.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xquant/graph.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::exec {

// What a kernel sees when it runs: its inputs (nullptr for omitted optional ones) and slots for
// its outputs, which it must fill with new tensors.
class KernelContext {
 public:
  KernelContext(const Node& node, std::vector<const Tensor*> inputs, std::vector<Tensor>* outputs)
      : node_(node), inputs_(std::move(inputs)), outputs_(outputs) {}

  const Node& node() const { return node_; }
  size_t num_inputs() const { return inputs_.size(); }
  // nullptr when input `i` is omitted ("" in ONNX) or beyond the node's input count.
  const Tensor* input(size_t i) const { return i < inputs_.size() ? inputs_[i] : nullptr; }
  size_t num_outputs() const { return outputs_->size(); }
  // Assign the result: ctx.output(0) = Tensor(...).
  Tensor& output(size_t i) { return (*outputs_)[i]; }

  // "Conv 'conv1': <message>" as an InvalidArgument status.
  Status Error(const std::string& message) const { return InvalidArgumentError(node_.Describe() + ": " + message); }

  // Channel-blocked hand-off (runs without an observer only; see Kernel::AcceptsBlockedInput and
  // exec/blocked_layout.h): input i may hold its elements in oneDNN's nC[d][h]w16c order (logical
  // shape unchanged, channels padded to a multiple of 16 in the buffer), and output 0 may be
  // written that way when every reader of it accepts that. Plain C order everywhere else.
  bool input_blocked(size_t i = 0) const { return i < 32 && (inputs_blocked_ >> i & 1u) != 0; }
  bool any_input_blocked() const { return inputs_blocked_ != 0; }
  bool may_block_output() const { return may_block_output_; }
  // `inputs_blocked`: bit i set when input i is blocked.
  void SetLayouts(uint32_t inputs_blocked, bool may_block_output) {
    inputs_blocked_ = inputs_blocked;
    may_block_output_ = may_block_output;
  }
  void SetLayouts(bool input0_blocked, bool may_block_output) {
    SetLayouts(input0_blocked ? 1u : 0u, may_block_output);
  }
  // Called by a kernel that wrote output 0 channel-blocked. REQUIRES: may_block_output().
  void MarkOutputBlocked() { output_blocked_ = true; }
  bool output_blocked() const { return output_blocked_; }

 private:
  const Node& node_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor>* outputs_;
  uint32_t inputs_blocked_ = 0;
  bool may_block_output_ = false;
  bool output_blocked_ = false;
};

// A clamp y = min(max(y, lower), upper) applied by a kernel to its own output 0 as it writes it:
// Relu is [0, +inf], Clip [min, max]. The executor folds a Relu or Clip into the node producing
// its input this way (saving a pass over the tensor) when no observer asks for the unclamped one.
// REQUIRES: lower <= upper.
struct Clamp {
  float lower;
  float upper;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual Status Compute(KernelContext& ctx) = 0;
  // A kernel computing the same as this one with `clamp` applied to output 0, bit for bit what
  // the separate Relu/Clip would give; nullptr when this kernel cannot.
  virtual std::unique_ptr<Kernel> WithClamp(const Clamp& clamp) const { return nullptr; }
  // For an elementwise kernel y = f(x) of one input: a kernel computing x * f(x), bit for bit
  // Mul(x, f(x)); nullptr when this kernel cannot. The executor folds the Mul in this way.
  virtual std::unique_ptr<Kernel> TimesInput() const { return nullptr; }
  // True when the kernel reads input `i` in channel-blocked order when
  // KernelContext::input_blocked(i) says so, whatever its shape and the other inputs' layouts, and
  // writes output 0 either way (blocked only where KernelContext::may_block_output() allows). The
  // oneDNN convolutions do (a blocked value between two of them skips two reorders), and so do the
  // elementwise and pooling kernels found between them in convolutional networks.
  virtual bool AcceptsBlockedInput(size_t i) const { return false; }
};

// What a kernel factory sees at preparation time.
class KernelInfo {
 public:
  KernelInfo(const Node& node, const Graph& graph, int64_t opset) : node_(node), graph_(graph), opset_(opset) {}

  const Node& node() const { return node_; }
  const Graph& graph() const { return graph_; }
  // The opset version the model imports for this node's domain.
  int64_t opset() const { return opset_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  bool HasInput(size_t i) const { return i < node_.inputs.size() && node_.inputs[i] != kNoValue; }
  // The value of input `i` when it is a constant (initializer or folded), else nullptr. Kernels use
  // it to prepare weights once (oneDNN reorders, dequantization tables).
  const Tensor* ConstantInput(size_t i) const {
    if (!HasInput(i) || static_cast<size_t>(node_.inputs[i]) >= graph_.values.size()) return nullptr;
    const auto& c = graph_.values[node_.inputs[i]].constant;
    return c ? &*c : nullptr;
  }
  // Declared or inferred element type of input `i` (kUndefined when unknown).
  DataType InputType(size_t i) const {
    if (!HasInput(i) || static_cast<size_t>(node_.inputs[i]) >= graph_.values.size()) return DataType::kUndefined;
    return graph_.values[node_.inputs[i]].dtype;
  }

  // "Conv 'conv1': <message>" as InvalidArgument / NotSupported statuses.
  Status Invalid(const std::string& message) const { return InvalidArgumentError(node_.Describe() + ": " + message); }
  Status Unsupported(const std::string& message) const { return NotSupportedError(node_.Describe() + ": " + message); }

 private:
  const Node& node_;
  const Graph& graph_;
  int64_t opset_;
};

using KernelFactory = StatusOr<std::unique_ptr<Kernel>> (*)(const KernelInfo& info);

// A kernel made from a callable `Status(KernelContext&)`: most ops need no more than their parsed
// attributes, captured by the lambda.
template <typename F>
class FunctionKernel final : public Kernel {
 public:
  explicit FunctionKernel(F fn) : fn_(std::move(fn)) {}
  Status Compute(KernelContext& ctx) override { return fn_(ctx); }

 private:
  F fn_;
};

template <typename F>
StatusOr<std::unique_ptr<Kernel>> MakeKernel(F fn) {
  return std::unique_ptr<Kernel>(new FunctionKernel<F>(std::move(fn)));
}

}  // namespace xquant::exec
