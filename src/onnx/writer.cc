// Model -> ONNX ModelProto. The writer keeps what the IR keeps: nodes, attributes, constants,
// declared types and shapes of the graph's inputs and outputs, opsets and metadata. Values the
// graph no longer reads (e.g. float weights replaced by their quantized form) are dropped.
#include "onnx/writer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace xquant::onnx_export {
namespace {

void FillTensorProto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto) {
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  if (IsFourBitType(tensor.dtype())) {
    // In memory one element per byte; in the file two per byte, the first in the low nibble.
    const auto* values = static_cast<const uint8_t*>(tensor.raw_data());
    std::string packed(static_cast<size_t>((tensor.size() + 1) / 2), '\0');
    for (int64_t k = 0; k < tensor.size(); ++k)
      packed[static_cast<size_t>(k / 2)] |= static_cast<char>((values[k] & 0x0F) << (k % 2 ? 4 : 0));
    proto->set_raw_data(packed);
    return;
  }
  // Tensors are little-endian in memory on every platform xquant builds for (x86-64), which is
  // what raw_data requires.
  proto->set_raw_data(tensor.raw_data(), tensor.nbytes());
}

Status FillAttribute(const std::string& name, const Attribute& attribute, const Node& node,
                     onnx::AttributeProto* proto) {
  using A = onnx::AttributeProto;
  proto->set_name(name);
  switch (attribute.kind) {
    case Attribute::Kind::kInt:
      proto->set_type(A::INT);
      proto->set_i(attribute.i);
      break;
    case Attribute::Kind::kFloat:
      proto->set_type(A::FLOAT);
      proto->set_f(attribute.f);
      break;
    case Attribute::Kind::kString:
      proto->set_type(A::STRING);
      proto->set_s(attribute.s);
      break;
    case Attribute::Kind::kInts:
      proto->set_type(A::INTS);
      for (int64_t v : attribute.ints) proto->add_ints(v);
      break;
    case Attribute::Kind::kFloats:
      proto->set_type(A::FLOATS);
      for (float v : attribute.floats) proto->add_floats(v);
      break;
    case Attribute::Kind::kStrings:
      proto->set_type(A::STRINGS);
      for (const std::string& v : attribute.strings) proto->add_strings(v);
      break;
    case Attribute::Kind::kTensor:
      proto->set_type(A::TENSOR);
      FillTensorProto(attribute.t, "", proto->mutable_t());
      break;
    case Attribute::Kind::kGraph:
      return NotSupportedError(node.Describe() + " attribute '" + name +
                               "': graph attributes (control flow) cannot be written");
  }
  return Status::Ok();
}

void FillValueInfo(const Value& value, onnx::ValueInfoProto* proto) {
  proto->set_name(value.name);
  if (value.dtype == DataType::kUndefined) return;
  onnx::TypeProto_Tensor* type = proto->mutable_type()->mutable_tensor_type();
  type->set_elem_type(static_cast<int32_t>(value.dtype));
  if (!value.shape) return;
  onnx::TensorShapeProto* shape = type->mutable_shape();
  for (const Dim& d : *value.shape) {
    onnx::TensorShapeProto_Dimension* dim = shape->add_dim();
    if (d.known()) {
      dim->set_dim_value(d.value);
    } else if (!d.symbol.empty()) {
      dim->set_dim_param(d.symbol);
    }
  }
}

}  // namespace

StatusOr<std::string> SerializeModel(const Model& model) {
  const Graph& graph = model.graph;
  onnx::ModelProto proto;
  int64_t ir_version = model.ir_version > 0 ? model.ir_version : 7;
  // int4/uint4 tensors exist from IR version 10 on.
  for (const Value& v : model.graph.values)
    if (v.constant && IsFourBitType(v.constant->dtype())) ir_version = std::max<int64_t>(ir_version, 10);
  proto.set_ir_version(ir_version);
  proto.set_producer_name(model.producer_name.empty() ? "xquant" : model.producer_name);
  proto.set_producer_version(model.producer_version);
  for (const auto& [key, value] : model.metadata_props) {
    onnx::StringStringEntryProto* entry = proto.add_metadata_props();
    entry->set_key(key);
    entry->set_value(value);
  }
  for (const auto& [domain, version] : graph.opset_imports) {
    onnx::OperatorSetIdProto* opset = proto.add_opset_import();
    opset->set_domain(domain);
    opset->set_version(version);
  }

  onnx::GraphProto* g = proto.mutable_graph();
  g->set_name(graph.name.empty() ? "xquant" : graph.name);
  std::set<ValueId> used_constants;
  auto name_of = [&](ValueId id) -> const std::string& { return graph.values[id].name; };
  for (const Node& node : graph.nodes) {
    onnx::NodeProto* n = g->add_node();
    n->set_name(node.name);
    n->set_op_type(node.op_type);
    if (!node.domain.empty()) n->set_domain(node.domain);
    for (ValueId in : node.inputs) {
      n->add_input(in == kNoValue ? std::string() : name_of(in));
      if (in != kNoValue && graph.values[in].constant) used_constants.insert(in);
    }
    for (ValueId out : node.outputs) {
      if (out != kNoValue && name_of(out).empty())
        return InvalidArgumentError(node.Describe() + " has an output without a name");
      n->add_output(out == kNoValue ? std::string() : name_of(out));
    }
    for (const auto& [attr_name, attribute] : node.attributes)
      XQ_RETURN_IF_ERROR(FillAttribute(attr_name, attribute, node, n->add_attribute()));
  }
  for (ValueId in : graph.inputs) FillValueInfo(graph.values[in], g->add_input());
  for (ValueId out : graph.outputs) {
    FillValueInfo(graph.values[out], g->add_output());
    if (graph.values[out].constant) used_constants.insert(out);
  }
  for (ValueId id : used_constants) {
    const Value& value = graph.values[id];
    FillTensorProto(*value.constant, value.name, g->add_initializer());
  }

  std::string bytes;
  if (!proto.SerializeToString(&bytes))
    return InternalError("serialising the ONNX model failed (is it over protobuf's 2 GB limit?)");
  return bytes;
}

}  // namespace xquant::onnx_export
