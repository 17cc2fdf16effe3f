// ONNX TensorProto <-> xquant Tensor. The only place (with loader.cc) that sees onnx_pb.h.
#pragma once

#include <string>

#include "xquant/status.h"
#include "xquant/tensor.h"

namespace onnx {
class TensorProto;
}

namespace xquant::onnx_import {

// Converts `proto` into a Tensor. Data may be in raw_data, the typed repeated fields, or an
// external file resolved against `base_dir`. float16 data becomes float32. `what` names the tensor
// in errors ("initializer 'conv1.weight'").
StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what);

// Reads a serialized TensorProto file (the input_N.pb / output_N.pb of ONNX's node tests).
StatusOr<Tensor> ReadTensorProtoFile(const std::string& path);

// Maps an ONNX element type number to a DataType; kUndefined when xquant has no such type.
DataType DataTypeFromOnnx(int onnx_type);

}  // namespace xquant::onnx_import
