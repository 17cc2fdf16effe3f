#include "onnx/tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/file_util.h"
#include "common/float16.h"

namespace xquant::onnx_import {

DataType DataTypeFromOnnx(int onnx_type) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DataType::kFloat32;
    case onnx::TensorProto::UINT8: return DataType::kUint8;
    case onnx::TensorProto::INT8: return DataType::kInt8;
    case onnx::TensorProto::UINT16: return DataType::kUint16;
    case onnx::TensorProto::INT16: return DataType::kInt16;
    case onnx::TensorProto::INT32: return DataType::kInt32;
    case onnx::TensorProto::INT64: return DataType::kInt64;
    case onnx::TensorProto::STRING: return DataType::kString;
    case onnx::TensorProto::BOOL: return DataType::kBool;
    case onnx::TensorProto::FLOAT16: return DataType::kFloat16;
    case onnx::TensorProto::DOUBLE: return DataType::kFloat64;
    default: return DataType::kUndefined;
  }
}

namespace {

std::string OnnxTypeName(int onnx_type) {
  if (onnx::TensorProto::DataType_IsValid(onnx_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type));
  return "type " + std::to_string(onnx_type);
}

// Reads [offset, offset+length) of the external file named by the proto's external_data entries.
StatusOr<std::string> ReadExternalData(const onnx::TensorProto& proto, const std::string& base_dir,
                                       const std::string& what) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& entry : proto.external_data()) {
    if (entry.key() == "location") location = entry.value();
    else if (entry.key() == "offset") offset = std::stoll(entry.value());
    else if (entry.key() == "length") length = std::stoll(entry.value());
  }
  if (location.empty()) return InvalidArgumentError(what + " is stored externally but names no 'location'");
  std::filesystem::path file = std::filesystem::path(base_dir) / location;
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return NotFoundError(what + " is stored in external file '" + file.string() +
                         "', which cannot be opened; keep the data file beside the model");
  in.seekg(0, std::ios::end);
  const int64_t file_size = in.tellg();
  if (length < 0) length = file_size - offset;
  if (offset < 0 || offset + length > file_size)
    return CorruptionError(what + ": external file '" + file.string() + "' has " + std::to_string(file_size) +
                           " bytes, but the tensor needs bytes [" + std::to_string(offset) + ", " +
                           std::to_string(offset + length) + ")");
  std::string data(static_cast<size_t>(length), '\0');
  in.seekg(offset);
  in.read(data.data(), length);
  if (!in) return IOError(what + ": error reading external file '" + file.string() + "'");
  return data;
}

template <typename T, typename Field>
void CopyField(const Field& field, Tensor* t) {
  T* out = t->data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

}  // namespace

StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what) {
  const DataType stored = DataTypeFromOnnx(proto.data_type());
  if (stored == DataType::kUndefined || stored == DataType::kString)
    return NotSupportedError(what + " has element type " + OnnxTypeName(proto.data_type()) +
                             "; xquant handles float32/64, float16, bool and 8-64-bit integers");
  Shape shape(proto.dims().begin(), proto.dims().end());
  // Count the elements with an overflow check before allocating anything: a damaged file (or a
  // sequence/optional proto read as a tensor) can claim absurd dimensions.
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgumentError(what + " has a negative dimension");
    if (d != 0 && count > (int64_t{1} << 40) / d)
      return CorruptionError(what + " claims shape " + ShapeToString(shape) + ", too large to be real");
    count *= d;
  }
  const DataType held = stored == DataType::kFloat16 ? DataType::kFloat32 : stored;

  std::string external;
  const std::string* raw = nullptr;
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    XQ_ASSIGN_OR_RETURN(external, ReadExternalData(proto, base_dir, what));
    raw = &external;
  } else if (proto.has_raw_data()) {
    raw = &proto.raw_data();
  }

  if (raw) {
    const size_t need = static_cast<size_t>(count) * DataTypeSize(stored);
    if (raw->size() != need)
      return CorruptionError(what + " has " + std::to_string(raw->size()) + " bytes of data, but shape " +
                             ShapeToString(shape) + " of " + DataTypeName(stored) + " needs " + std::to_string(need));
    Tensor tensor(held, shape);
    if (stored == DataType::kFloat16) {
      const auto* half = reinterpret_cast<const uint16_t*>(raw->data());
      float* out = tensor.data<float>();
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, half + i, 2);
        out[i] = HalfToFloat(h);
      }
    } else if (need) {
      std::memcpy(tensor.raw_data(), raw->data(), need);
    }
    return tensor;
  }

  // Typed fields. ONNX packs the small integer types and bool into int32_data, float16 as its
  // bit pattern in int32_data too.
  int64_t field_size = 0;
  switch (stored) {
    case DataType::kFloat32: field_size = proto.float_data_size(); break;
    case DataType::kFloat64: field_size = proto.double_data_size(); break;
    case DataType::kInt64: field_size = proto.int64_data_size(); break;
    default: field_size = proto.int32_data_size(); break;
  }
  if (field_size != count)
    return CorruptionError(what + " has " + std::to_string(field_size) + " values, but shape " + ShapeToString(shape) +
                           " needs " + std::to_string(count));
  Tensor tensor(held, shape);
  switch (stored) {
    case DataType::kFloat32: CopyField<float>(proto.float_data(), &tensor); break;
    case DataType::kFloat64: CopyField<double>(proto.double_data(), &tensor); break;
    case DataType::kInt64: CopyField<int64_t>(proto.int64_data(), &tensor); break;
    case DataType::kInt32: CopyField<int32_t>(proto.int32_data(), &tensor); break;
    case DataType::kInt16: CopyField<int16_t>(proto.int32_data(), &tensor); break;
    case DataType::kUint16: CopyField<uint16_t>(proto.int32_data(), &tensor); break;
    case DataType::kInt8: CopyField<int8_t>(proto.int32_data(), &tensor); break;
    case DataType::kUint8: CopyField<uint8_t>(proto.int32_data(), &tensor); break;
    case DataType::kBool: CopyField<bool>(proto.int32_data(), &tensor); break;
    case DataType::kFloat16: {
      float* out = tensor.data<float>();
      for (int64_t i = 0; i < count; ++i) out[i] = HalfToFloat(static_cast<uint16_t>(proto.int32_data(i)));
      break;
    }
    default: return InternalError(what + ": unhandled element type");
  }
  return tensor;
}

StatusOr<Tensor> ReadTensorProtoFile(const std::string& path) {
  XQ_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) return CorruptionError("'" + path + "' is not a serialized ONNX TensorProto");
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  return TensorFromProto(proto, base_dir, "tensor '" + path + "'");
}

}  // namespace xquant::onnx_import
