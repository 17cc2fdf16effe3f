// Model -> ONNX ModelProto bytes. Protobuf stays inside src/onnx/ (the reverse of loader.h).
#pragma once

#include <string>

#include "xquant/model.h"
#include "xquant/status.h"

namespace xquant::onnx_export {

// Serialises `model` as an ONNX ModelProto: nodes in the graph's order, every constant value that
// a node reads or the graph outputs as an initializer (data inline, raw little-endian), the
// element type and shape of graph inputs and outputs, and the opset imports of the graph.
// Fails for what ONNX cannot hold (a graph attribute: xquant refuses control flow anyway; a
// value without a name).
StatusOr<std::string> SerializeModel(const Model& model);

}  // namespace xquant::onnx_export
