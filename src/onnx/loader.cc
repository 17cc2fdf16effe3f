#include "onnx/loader.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <map>
#include <set>

#include "onnx/dialect_schemas.h"
#include "onnx/tensor_proto.h"

namespace xquant::onnx_import {
namespace {

std::string NormalizeDomain(const std::string& domain) { return domain == "ai.onnx" ? "" : domain; }

// Reads shape/type from a ValueInfoProto into `value` (keeps what is already known).
void ApplyValueInfo(const onnx::ValueInfoProto& info, Value* value) {
  if (!info.has_type() || !info.type().has_tensor_type()) return;
  const auto& tensor_type = info.type().tensor_type();
  if (tensor_type.elem_type() != 0 && value->dtype == DataType::kUndefined)
    value->dtype = DataTypeFromOnnx(tensor_type.elem_type());
  if (tensor_type.has_shape() && !value->shape) {
    std::vector<Dim> dims;
    for (const auto& d : tensor_type.shape().dim()) {
      Dim dim;
      if (d.has_dim_value()) dim.value = d.dim_value();
      else if (d.has_dim_param()) dim.symbol = d.dim_param();
      dims.push_back(dim);
    }
    value->shape = std::move(dims);
  }
}

Status ConvertAttribute(const onnx::AttributeProto& proto, const std::string& base_dir, const std::string& where,
                        Attribute* out) {
  using A = onnx::AttributeProto;
  switch (proto.type()) {
    case A::INT: out->kind = Attribute::Kind::kInt; out->i = proto.i(); break;
    case A::FLOAT: out->kind = Attribute::Kind::kFloat; out->f = proto.f(); break;
    case A::STRING: out->kind = Attribute::Kind::kString; out->s = proto.s(); break;
    case A::INTS:
      out->kind = Attribute::Kind::kInts;
      out->ints.assign(proto.ints().begin(), proto.ints().end());
      break;
    case A::FLOATS:
      out->kind = Attribute::Kind::kFloats;
      out->floats.assign(proto.floats().begin(), proto.floats().end());
      break;
    case A::STRINGS:
      out->kind = Attribute::Kind::kStrings;
      out->strings.assign(proto.strings().begin(), proto.strings().end());
      break;
    case A::TENSOR: {
      out->kind = Attribute::Kind::kTensor;
      XQ_ASSIGN_OR_RETURN(out->t, TensorFromProto(proto.t(), base_dir, where + " attribute '" + proto.name() + "'"));
      break;
    }
    case A::GRAPH:
    case A::GRAPHS:
      out->kind = Attribute::Kind::kGraph;
      break;
    case A::UNDEFINED:
      // Files written before IR v3 may leave `type` unset; infer it from which field is filled.
      if (proto.has_i()) { out->kind = Attribute::Kind::kInt; out->i = proto.i(); }
      else if (proto.has_f()) { out->kind = Attribute::Kind::kFloat; out->f = proto.f(); }
      else if (proto.has_s()) { out->kind = Attribute::Kind::kString; out->s = proto.s(); }
      else if (proto.ints_size()) { out->kind = Attribute::Kind::kInts; out->ints.assign(proto.ints().begin(), proto.ints().end()); }
      else if (proto.floats_size()) { out->kind = Attribute::Kind::kFloats; out->floats.assign(proto.floats().begin(), proto.floats().end()); }
      else return InvalidArgumentError(where + " attribute '" + proto.name() + "' has no type and no value");
      break;
    default:
      return NotSupportedError(where + " attribute '" + proto.name() + "' has an unsupported kind (" +
                               std::to_string(proto.type()) + ")");
  }
  return Status::Ok();
}

// A Constant node's value as a tensor (the `value*` attribute forms of opsets 1-13).
StatusOr<Tensor> ConstantValue(const Node& node) {
  if (const Attribute* a = node.FindAttribute("value"); a && a->kind == Attribute::Kind::kTensor) return a->t;
  if (const Attribute* a = node.FindAttribute("value_float")) return Tensor::Scalar<float>(a->f);
  if (const Attribute* a = node.FindAttribute("value_int")) return Tensor::Scalar<int64_t>(a->i);
  if (const Attribute* a = node.FindAttribute("value_floats"))
    return Tensor::FromVector<float>({static_cast<int64_t>(a->floats.size())}, a->floats);
  if (const Attribute* a = node.FindAttribute("value_ints"))
    return Tensor::FromVector<int64_t>({static_cast<int64_t>(a->ints.size())}, a->ints);
  return NotSupportedError(node.Describe() + ": only tensor, float(s) and int(s) constants are supported");
}

const std::set<std::string> kControlFlowOps = {"If", "Loop", "Scan"};

// QuantizeLinear's opset-21 `output_dtype` (int4, int16, ...): onnx 1.12's shape inference only
// knows the opset-13 schema, which types the output uint8 when there is no zero point.
void ApplyQuantizeOutputDtype(Graph* graph) {
  for (const Node& node : graph->nodes) {
    if (node.op_type != "QuantizeLinear" || node.outputs.empty() || node.outputs[0] == kNoValue) continue;
    const Attribute* dtype = node.FindAttribute("output_dtype");
    if (!dtype || dtype->kind != Attribute::Kind::kInt || dtype->i == 0) continue;
    const DataType type = DataTypeFromOnnx(static_cast<int>(dtype->i));
    if (type != DataType::kUndefined) graph->values[node.outputs[0]].dtype = type;
  }
}

// Dialect quantizers are elementwise: where shape inference left an output untyped (its input's
// type was unknown when inference reached it, or inference gave up), give it input 0's type and
// shape. Nodes are in topological order, so chains of quantizers resolve in one pass.
void PropagateDialectTypes(Graph* graph) {
  for (const Node& node : graph->nodes) {
    if (!IsDialectQuantOp(node.domain, node.op_type) || node.inputs.empty() || node.inputs[0] == kNoValue) continue;
    const Value& in = graph->values[node.inputs[0]];
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      Value& v = graph->values[out];
      if (v.dtype == DataType::kUndefined) v.dtype = in.dtype;
      if (!v.shape) {
        if (in.shape) v.shape = in.shape;
        else if (in.constant) {
          std::vector<Dim> dims;
          for (int64_t d : in.constant->shape()) dims.push_back(Dim{d, ""});
          v.shape = std::move(dims);
        }
      }
    }
  }
}

}  // namespace

Status ParseModel(const std::string& bytes, const std::string& origin, const std::string& base_dir, Model* model,
                  std::vector<std::string>* problems) {
  onnx::ModelProto proto;
  {
    google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
    google::protobuf::io::CodedInputStream coded(&array);
    coded.SetTotalBytesLimit(INT32_MAX);
    if (bytes.empty())
      return CorruptionError("'" + origin + "' is empty, not an ONNX model");
    if (!proto.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
      return CorruptionError("'" + origin + "' is not an ONNX model, or it is truncated or damaged (" +
                             std::to_string(bytes.size()) + " bytes could not be parsed as a ModelProto)");
  }
  if (proto.ir_version() <= 0 || !proto.has_graph())
    return CorruptionError("'" + origin + "' is not an ONNX model: it parses as protobuf but has " +
                           (proto.ir_version() <= 0 ? std::string("no ir_version") : std::string("no graph")));

  model->ir_version = proto.ir_version();
  model->producer_name = proto.producer_name();
  model->producer_version = proto.producer_version();
  for (const auto& prop : proto.metadata_props()) model->metadata_props.emplace_back(prop.key(), prop.value());

  Graph& graph = model->graph;
  for (const auto& opset : proto.opset_import()) graph.opset_imports[NormalizeDomain(opset.domain())] = opset.version();
  if (proto.opset_import_size() == 0) graph.opset_imports[""] = 1;  // IR v1 default

  // Shape inference fills value_info with types and shapes where it can. It knows ops up to opset
  // 17 only (plus the dialect quantizers registered here) and throws on some malformed graphs: its
  // failures are not our errors.
  RegisterDialectSchemas();
  // Control flow is refused below; its subgraphs are not inferred, since onnx 1.12's inference
  // dereferences attributes of a malformed Scan (no num_scan_inputs) without checking them, and
  // crashes. Without inference, the refusal still lists every problem of the graph.
  bool has_control_flow = false;
  for (const auto& node : proto.graph().node())
    if (NormalizeDomain(node.domain()).empty() && kControlFlowOps.count(node.op_type())) has_control_flow = true;
  if (!has_control_flow) {
    try {
      onnx::ShapeInferenceOptions options{/*check_type=*/false, /*error_mode=*/0, /*enable_data_propagation=*/false};
      onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception&) {
    }
  }

  const onnx::GraphProto& g = proto.graph();
  graph.name = g.name();
  std::map<std::string, ValueId> produced;  // name -> value id (inputs, initializers, node outputs)
  // float8/float4 initializers, refused where a node reads them so that the message names the node.
  std::map<std::string, std::string> minifloat_initializers;  // name -> ONNX type name

  for (const auto& init : g.initializer()) {
    if (init.name().empty()) {
      problems->push_back("an initializer has no name");
      continue;
    }
    ValueId id = graph.AddValue(init.name());
    produced[init.name()] = id;
    if (IsOnnxMiniFloatType(init.data_type())) {
      minifloat_initializers[init.name()] = OnnxTypeName(init.data_type());
      continue;
    }
    auto tensor = TensorFromProto(init, base_dir, "initializer '" + init.name() + "'");
    if (!tensor.ok()) {
      problems->push_back(tensor.status().message());
      continue;
    }
    graph.values[id].dtype = tensor->dtype();
    graph.values[id].constant = std::move(tensor).value();
  }
  for (const auto& input : g.input()) {
    auto it = produced.find(input.name());
    if (it != produced.end()) {
      ApplyValueInfo(input, &graph.values[it->second]);  // IR < 4: initializers listed as inputs too
      continue;
    }
    ValueId id = graph.AddValue(input.name());
    produced[input.name()] = id;
    ApplyValueInfo(input, &graph.values[id]);
    graph.inputs.push_back(id);
    const DataType dtype = graph.values[id].dtype;
    const bool is_tensor = input.type().has_tensor_type();
    const int declared = is_tensor ? input.type().tensor_type().elem_type() : 0;
    if (input.has_type() && !is_tensor) {
      problems->push_back("graph input '" + input.name() + "' is a sequence, map or optional, which xquant cannot hold");
    } else if (declared != 0 && (dtype == DataType::kUndefined || (!IsSupportedDataType(dtype) && dtype != DataType::kFloat16))) {
      const std::string type_name = OnnxTypeName(declared);
      problems->push_back("graph input '" + input.name() + "' has element type " + type_name + ", which xquant cannot hold");
    }
  }

  // Node outputs first, so inputs can be resolved whatever the file order (it need not be sorted).
  std::set<std::string> used_names;
  std::map<std::string, std::string> producer_node;  // output name -> node description
  for (int n = 0; n < g.node_size(); ++n) {
    const auto& np = g.node(n);
    Node node;
    node.op_type = np.op_type();
    node.domain = NormalizeDomain(np.domain());
    node.name = np.name();
    if (node.name.empty() || used_names.count(node.name)) {
      std::string base = node.name.empty() ? node.op_type + "_" + std::to_string(n) : node.name;
      std::string candidate = base;
      for (int k = 1; used_names.count(candidate); ++k) candidate = base + "_" + std::to_string(k);
      node.name = candidate;
    }
    used_names.insert(node.name);
    for (const auto& out : np.output()) {
      if (out.empty()) {
        node.outputs.push_back(kNoValue);
        continue;
      }
      if (produced.count(out)) {
        problems->push_back(node.Describe() + " writes tensor '" + out + "', which " +
                            (producer_node.count(out) ? producer_node[out] : std::string("a graph input or initializer")) +
                            " already defines (each tensor must have exactly one producer)");
        node.outputs.push_back(kNoValue);
        continue;
      }
      ValueId id = graph.AddValue(out);
      produced[out] = id;
      producer_node[out] = node.Describe();
      node.outputs.push_back(id);
    }
    for (const auto& attr : np.attribute()) {
      Attribute a;
      Status s = ConvertAttribute(attr, base_dir, node.Describe(), &a);
      if (!s.ok()) problems->push_back(s.message());
      node.attributes.emplace(attr.name(), std::move(a));
    }
    if (const Attribute* dtype = node.FindAttribute("output_dtype");
        dtype && dtype->kind == Attribute::Kind::kInt && IsOnnxMiniFloatType(static_cast<int>(dtype->i))) {
      problems->push_back(node.Describe() + ": output_dtype " + OnnxTypeName(static_cast<int>(dtype->i)) +
                          " is a float8/float4 type, which xquant cannot hold (it runs integer quantization only)");
    }
    if (kControlFlowOps.count(node.op_type) && node.domain.empty()) {
      problems->push_back(node.Describe() + ": control flow (If, Loop, Scan) is out of scope for xquant; "
                          "export the model with its loops unrolled / branches resolved");
    }
    graph.nodes.push_back(std::move(node));
  }
  std::set<std::string> used_minifloat;
  for (int n = 0; n < g.node_size(); ++n) {
    const auto& np = g.node(n);
    Node& node = graph.nodes[n];
    for (int k = 0; k < np.input_size(); ++k) {
      const std::string& in = np.input(k);
      if (in.empty()) {
        node.inputs.push_back(kNoValue);
        continue;
      }
      if (auto mini = minifloat_initializers.find(in); mini != minifloat_initializers.end()) {
        problems->push_back(node.Describe() + " input " + std::to_string(k) + " '" + in + "' has element type " +
                            mini->second + ", a float8/float4 type, which xquant cannot hold (it runs integer "
                            "quantization only: int4/uint4, int8/uint8, int16/uint16)");
        used_minifloat.insert(in);
      }
      auto it = produced.find(in);
      if (it == produced.end()) {
        problems->push_back(node.Describe() + " input " + std::to_string(k) + " '" + in +
                            "' is missing: it is not a graph input, an initializer or any node's output");
        ValueId id = graph.AddValue(in);  // keep going so every problem is found
        produced[in] = id;
        node.inputs.push_back(id);
        continue;
      }
      node.inputs.push_back(it->second);
    }
  }
  for (const auto& [name, type] : minifloat_initializers)
    if (!used_minifloat.count(name))
      problems->push_back("initializer '" + name + "' has element type " + type +
                          ", a float8/float4 type, which xquant cannot hold");
  for (const auto& out : g.output()) {
    auto it = produced.find(out.name());
    if (it == produced.end()) {
      problems->push_back("graph output '" + out.name() + "' is not produced by any node");
      continue;
    }
    ApplyValueInfo(out, &graph.values[it->second]);
    graph.outputs.push_back(it->second);
  }
  for (const auto& info : g.value_info()) {
    auto it = produced.find(info.name());
    if (it != produced.end()) ApplyValueInfo(info, &graph.values[it->second]);
  }

  if (graph.nodes.empty()) problems->push_back("the graph is empty: it has no nodes");
  if (graph.outputs.empty()) problems->push_back("the graph has no outputs");

  // Constant nodes become constant values right away: every later stage treats them alike.
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    if (node.op_type == "Constant" && node.domain.empty() && node.outputs.size() == 1 && node.outputs[0] != kNoValue) {
      auto value = ConstantValue(node);
      if (value.ok()) {
        Value& v = graph.values[node.outputs[0]];
        v.dtype = value->dtype();
        v.constant = std::move(value).value();
        continue;
      }
      problems->push_back(value.status().message());
    }
    kept.push_back(std::move(node));
  }
  graph.nodes = std::move(kept);

  Status sorted = graph.Rebuild();
  if (!sorted.ok()) problems->push_back(sorted.message());
  else PropagateDialectTypes(&graph);
  ApplyQuantizeOutputDtype(&graph);
  return Status::Ok();
}

}  // namespace xquant::onnx_import
