// The in-memory model: a graph of nodes and values referred to by integer ids.
//
// The IR is independent of protobuf: src/onnx/ converts ONNX files into it, the executor runs it,
// and the analysis stages read it (op types, names, constant weights). Ids are indices into
// Graph::values / Graph::nodes, so they are stable and easy to write into reports.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;  // an omitted optional input ("" in ONNX)
constexpr NodeId kNoNode = -1;

// One dimension of a declared shape: a number, or a symbol ("batch") / unknown (-1, "").
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool known() const { return value >= 0; }
};

struct Attribute {
  enum class Kind { kInt, kFloat, kString, kInts, kFloats, kStrings, kTensor, kGraph };

  // Builders for graphs made in code (tests, graph rewrites).
  static Attribute Int(int64_t v) {
    Attribute a;
    a.kind = Kind::kInt;
    a.i = v;
    return a;
  }
  static Attribute Float(float v) {
    Attribute a;
    a.kind = Kind::kFloat;
    a.f = v;
    return a;
  }
  static Attribute String(std::string v) {
    Attribute a;
    a.kind = Kind::kString;
    a.s = std::move(v);
    return a;
  }
  static Attribute Ints(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Kind::kInts;
    a.ints = std::move(v);
    return a;
  }
  static Attribute Floats(std::vector<float> v) {
    Attribute a;
    a.kind = Kind::kFloats;
    a.floats = std::move(v);
    return a;
  }
  static Attribute TensorValue(Tensor v) {
    Attribute a;
    a.kind = Kind::kTensor;
    a.t = std::move(v);
    return a;
  }

  Kind kind = Kind::kInt;
  int64_t i = 0;
  float f = 0.0f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  Tensor t;
};

struct Node {
  std::string name;  // may be empty in the file; the loader gives every node a unique name
  std::string op_type;
  std::string domain;  // "" for the default ONNX domain ("ai.onnx" is normalised to "")
  std::vector<ValueId> inputs;   // kNoValue for omitted optional inputs
  std::vector<ValueId> outputs;  // kNoValue for omitted optional outputs
  std::map<std::string, Attribute, std::less<>> attributes;

  const Attribute* FindAttribute(std::string_view attr_name) const;
  bool HasAttribute(std::string_view attr_name) const { return FindAttribute(attr_name) != nullptr; }
  // Attribute readers with the ONNX spec default; a wrongly typed attribute reads as the default
  // (the kernel factories check required attributes and types explicitly).
  int64_t GetInt(std::string_view attr_name, int64_t default_value) const;
  float GetFloat(std::string_view attr_name, float default_value) const;
  std::string GetString(std::string_view attr_name, const std::string& default_value) const;
  std::vector<int64_t> GetInts(std::string_view attr_name, std::vector<int64_t> default_value = {}) const;
  std::vector<float> GetFloats(std::string_view attr_name, std::vector<float> default_value = {}) const;
  // "Conv 'conv1'": how errors name a node.
  std::string Describe() const;
};

struct Value {
  std::string name;
  DataType dtype = DataType::kUndefined;  // from the file or shape inference; may be unknown
  std::optional<std::vector<Dim>> shape;  // declared/inferred shape; nullopt when the rank is unknown
  std::optional<Tensor> constant;         // initializers, Constant nodes and folded values
  NodeId producer = kNoNode;
  std::vector<NodeId> consumers;  // one entry per input slot that reads this value
  bool is_graph_input = false;
  bool is_graph_output = false;
};

class Graph {
 public:
  std::string name;
  std::vector<Value> values;
  std::vector<Node> nodes;  // in topological order after the loader (and after every pass)
  std::vector<ValueId> inputs;   // non-constant graph inputs, in file order
  std::vector<ValueId> outputs;  // graph outputs, in file order
  std::map<std::string, int64_t> opset_imports;  // domain ("" = ai.onnx) -> version

  // The opset version imported for `domain`, or 0 when it is not imported.
  int64_t OpsetVersion(const std::string& domain) const;
  // Id of the value named `name`, or kNoValue.
  ValueId FindValue(std::string_view value_name) const;
  // Id of the node named `name`, or kNoNode.
  NodeId FindNode(std::string_view node_name) const;

  // Adds a value named `name` (which must be unique) and returns its id.
  ValueId AddValue(std::string value_name);
  // Recomputes producer/consumers/flags from nodes, inputs and outputs; re-sorts nodes in
  // topological order. Fails, naming the nodes involved, when the graph has a cycle.
  Status Rebuild();

 private:
  std::map<std::string, ValueId, std::less<>> value_index_;
  friend class GraphBuilder;
};

}  // namespace xquant
