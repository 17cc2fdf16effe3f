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
// external file resolved against `base_dir`. float16 and bfloat16 data become float32; int4/uint4
// (packed two per byte, first element in the low nibble) are unpacked to one element per byte.
// float8/float4 tensors are refused. `what` names the tensor in errors ("initializer 'conv1.weight'").
StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what);

// Reads a serialized TensorProto file (the input_N.pb / output_N.pb of ONNX's node tests).
StatusOr<Tensor> ReadTensorProtoFile(const std::string& path);

// ONNX's numbers for the 4-bit integer types (TensorProto.DataType UINT4 / INT4, ONNX 1.16).
constexpr int kOnnxUint4 = 21;
constexpr int kOnnxInt4 = 22;

// Maps an ONNX element type number to a DataType; kUndefined when xquant has no such type.
// float16/bfloat16 map to storage-only types (TensorFromProto converts them to float32); int4/uint4
// to kInt4/kUint4, held one element per byte.
DataType DataTypeFromOnnx(int onnx_type);

// "FLOAT8E4M3FN", "INT4", ...: ONNX's name of an element type number, including the types newer
// than the protobuf definitions xquant is built with; "type N" for unknown numbers.
std::string OnnxTypeName(int onnx_type);

// True for the float8 and float4 element types (ONNX 17-20, 23, 24), which xquant refuses.
bool IsOnnxMiniFloatType(int onnx_type);

}  // namespace xquant::onnx_import
