// Executing a model and watching every tensor it produces.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xquant/graph.h"
#include "xquant/model.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant {

// What an observer is shown: one tensor just produced by one node.
// The references are valid only during the callback; copy the Tensor (cheap, shares the buffer)
// to keep it.
struct TensorEvent {
  const Node& node;
  NodeId node_id;
  int output_index;
  const std::string& name;
  const Tensor& tensor;
};

// Sees each tensor as it is produced, in execution order (the tensors it Wants(), at least).
// Constants (initializers, and values
// folded at preparation: dequantized weights, shape arithmetic) are not produced by a run and are
// not reported; Session::graph() holds them. Returning an error stops the run with that error.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual Status OnTensor(const TensorEvent& event) = 0;
  // Whether the observer needs the tensor named `tensor_name`. A tensor it does not need may never
  // be produced: the session then computes two nodes in one kernel (a Relu or Clip into the
  // convolution before it, Mul(x, f(x)) into f), as in a run without an observer, with the same
  // bits. By default every tensor is wanted.
  virtual bool Wants(const std::string& tensor_name) const {
    (void)tensor_name;
    return true;
  }
};

// An Observer made from a function, and optionally a Wants() predicate.
class FunctionObserver : public Observer {
 public:
  explicit FunctionObserver(std::function<Status(const TensorEvent&)> fn,
                            std::function<bool(const std::string&)> wants = nullptr)
      : fn_(std::move(fn)), wants_(std::move(wants)) {}
  Status OnTensor(const TensorEvent& event) override { return fn_(event); }
  bool Wants(const std::string& tensor_name) const override { return !wants_ || wants_(tensor_name); }

 private:
  std::function<Status(const TensorEvent&)> fn_;
  std::function<bool(const std::string&)> wants_;
};

struct SessionOptions {
  // Threads for the kernels; 0 = every core.
  int num_threads = 0;
  // Evaluate nodes whose inputs are all constant once, at preparation (dequantized weights,
  // Constant chains), and shape arithmetic (Shape -> Gather -> ... -> Reshape) once per input shape.
  bool fold_constants = true;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// What the last Run did, for tests and benchmarks of the streaming claim.
struct RunStats {
  int nodes_executed = 0;         // kernels run (shape-only nodes reused from cache not counted)
  int shape_nodes_reused = 0;     // shape-only nodes whose cached result was reused
  int64_t produced_bytes = 0;     // sum of the sizes of all tensors produced
  int64_t peak_live_bytes = 0;    // most bytes held at once by the run's intermediate tensors
                                  // (tensors that share a buffer, as Reshape's do, count twice)
  int blocked_handoffs = 0;       // tensors left in oneDNN's channel-blocked order for their
                                  // readers (runs without an observer only)
};

class Session {
 public:
  // Prepares `model` for execution: constant folding, one kernel per node (attributes checked
  // here; every problem listed in one error), buffer lifetimes.
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                   const SessionOptions& options = {});
  virtual ~Session() = default;

  // Runs once. `inputs` maps every graph input name to a tensor of its declared dtype and a shape
  // compatible with its declared dims. Returns the graph outputs in file order. Intermediate
  // tensors are freed after their last consumer unless the observer keeps a copy.
  virtual StatusOr<NamedTensors> Run(const std::map<std::string, Tensor>& inputs,
                                     Observer* observer = nullptr) = 0;

  // Statistics of the last completed Run.
  virtual RunStats last_run_stats() const = 0;

  // The prepared graph (after folding); constants hold their values.
  virtual const Graph& graph() const = 0;
  virtual const Model& model() const = 0;
};

}  // namespace xquant
