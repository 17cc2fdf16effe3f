#include "report/tensorboard/model_graph.h"

#include <charconv>
#include <set>

namespace xquant::tensorboard {
namespace {

// Constants up to this many elements show their values in the info card (scales, zero points).
constexpr int64_t kMaxPreviewElements = 16;

template <typename T>
std::string ShortestString(T v) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

// "[0.0235, 0.5]" for a small numeric tensor, "" when it is too large or not numeric.
std::string ValuePreview(const Tensor& t) {
  if (!t.defined() || t.size() > kMaxPreviewElements) return "";
  std::string out = "[";
  for (int64_t i = 0; i < t.size(); ++i) {
    if (i > 0) out += ", ";
    switch (t.dtype()) {
      case DataType::kFloat32:
        out += ShortestString(t.data<float>()[i]);
        break;
      case DataType::kFloat64:
        out += ShortestString(t.data<double>()[i]);
        break;
      case DataType::kUint8:
        out += std::to_string(t.data<uint8_t>()[i]);
        break;
      case DataType::kInt8:
        out += std::to_string(t.data<int8_t>()[i]);
        break;
      case DataType::kUint16:
        out += std::to_string(t.data<uint16_t>()[i]);
        break;
      case DataType::kInt16:
        out += std::to_string(t.data<int16_t>()[i]);
        break;
      case DataType::kInt32:
        out += std::to_string(t.data<int32_t>()[i]);
        break;
      case DataType::kInt64:
        out += std::to_string(t.data<int64_t>()[i]);
        break;
      case DataType::kBool:
        out += t.data<bool>()[i] ? "1" : "0";
        break;
      default:
        return "";
    }
  }
  return out + "]";
}

TensorShape ValueShape(const Value& value) {
  TensorShape shape;
  if (value.constant.has_value()) {
    shape.dims = value.constant->shape();
  } else if (value.shape.has_value()) {
    for (const Dim& d : *value.shape) shape.dims.push_back(d.known() ? d.value : -1);
  } else {
    shape.unknown_rank = true;
  }
  return shape;
}

AttrValue ConvertAttribute(const Attribute& a) {
  switch (a.kind) {
    case Attribute::Kind::kInt:
      return a.i;
    case Attribute::Kind::kFloat:
      return a.f;
    case Attribute::Kind::kString:
      return a.s;
    case Attribute::Kind::kInts:
      return a.ints;
    case Attribute::Kind::kFloats:
      return a.floats;
    case Attribute::Kind::kStrings:
      return a.strings;
    case Attribute::Kind::kTensor: {
      std::string text = "tensor " + DataTypeName(a.t.dtype()) + " " + ShapeToString(a.t.shape());
      std::string preview = ValuePreview(a.t);
      return preview.empty() ? text : text + " " + preview;
    }
    case Attribute::Kind::kGraph:
      return std::string("graph");
  }
  return std::string();
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '>' || c == '/' || c == '-';
}

class NameTable {
 public:
  // A sanitised, so far unused name for `raw`: "x", then "x_1", "x_2", ...
  std::string Claim(std::string_view raw) {
    std::string base = SanitizeNodeName(raw);
    std::string name = base;
    for (int k = 1; !used_.insert(name).second; ++k) name = base + "_" + std::to_string(k);
    return name;
  }

 private:
  std::set<std::string> used_;
};

}  // namespace

std::string SanitizeNodeName(std::string_view name) {
  std::string out;
  for (char c : name) {
    char kept = IsNameChar(c) ? c : '_';
    if (kept == '/' && (out.empty() || out.back() == '/')) continue;
    out += kept;
  }
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out.empty() ? "unnamed" : out;
}

ModelGraphDef BuildModelGraphDef(const Graph& graph) {
  // Values that need a source node: used or output, but produced by no node of the graph.
  std::vector<ValueId> placeholders, constants;
  for (ValueId id = 0; id < static_cast<ValueId>(graph.values.size()); ++id) {
    const Value& v = graph.values[id];
    if (v.producer != kNoNode) continue;
    if (v.consumers.empty() && !v.is_graph_output && !v.is_graph_input) continue;
    (v.constant.has_value() ? constants : placeholders).push_back(id);
  }

  // Op nodes claim their names first: they are what users search for.
  NameTable names;
  std::vector<std::string> node_names;
  for (const Node& node : graph.nodes) node_names.push_back(names.Claim(node.name));
  std::vector<std::string> placeholder_names, constant_names;
  for (ValueId id : placeholders) placeholder_names.push_back(names.Claim(graph.values[id].name));
  for (ValueId id : constants) constant_names.push_back(names.Claim(graph.values[id].name));

  ModelGraphDef result;
  result.value_producer.assign(graph.values.size(), -1);
  std::vector<int> output_index(graph.values.size(), 0);
  std::vector<NodeDef>& nodes = result.graph_def.nodes;

  auto add_source = [&](ValueId id, const std::string& name, const char* op) {
    const Value& v = graph.values[id];
    NodeDef node;
    node.name = name;
    node.op = op;
    node.attrs["dtype"] = DataTypeName(v.dtype);
    node.attrs["_output_shapes"] = std::vector<TensorShape>{ValueShape(v)};
    if (v.constant.has_value()) {
      std::string preview = ValuePreview(*v.constant);
      if (!preview.empty()) node.attrs["value"] = preview;
    }
    result.value_producer[id] = static_cast<int>(nodes.size());
    nodes.push_back(std::move(node));
  };
  for (size_t k = 0; k < placeholders.size(); ++k)
    add_source(placeholders[k], placeholder_names[k], "Placeholder");
  for (size_t k = 0; k < constants.size(); ++k)
    add_source(constants[k], constant_names[k], "Const");

  // Nodes are in topological order, so every input's producer is known when it is needed.
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    NodeDef out;
    out.name = node_names[n];
    out.op = node.op_type;
    for (ValueId in : node.inputs) {
      if (in == kNoValue || result.value_producer[in] < 0) continue;
      out.inputs.push_back(nodes[result.value_producer[in]].name);
      if (output_index[in] > 0) out.inputs.back() += ":" + std::to_string(output_index[in]);
    }
    for (const auto& [key, attribute] : node.attributes)
      out.attrs[key] = ConvertAttribute(attribute);
    if (!node.domain.empty()) out.attrs["domain"] = node.domain;
    std::vector<TensorShape> shapes;
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ValueId id = node.outputs[k];
      if (id == kNoValue) {
        shapes.push_back(TensorShape{{}, true});
        continue;
      }
      shapes.push_back(ValueShape(graph.values[id]));
      result.value_producer[id] = static_cast<int>(nodes.size());
      output_index[id] = static_cast<int>(k);
    }
    out.attrs["_output_shapes"] = std::move(shapes);
    nodes.push_back(std::move(out));
  }
  return result;
}

}  // namespace xquant::tensorboard
