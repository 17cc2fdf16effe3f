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
    case onnx::TensorProto::BFLOAT16: return DataType::kBfloat16;
    // Numbers from ONNX 1.16 (IR 10), newer than the onnx_pb.h we build against.
    case kOnnxUint4: return DataType::kUint4;
    case kOnnxInt4: return DataType::kInt4;
    default: return DataType::kUndefined;
  }
}

std::string OnnxTypeName(int onnx_type) {
  // Names of the types newer than our onnx_pb.h, as onnx.proto spells them.
  switch (onnx_type) {
    case 17: return "FLOAT8E4M3FN";
    case 18: return "FLOAT8E4M3FNUZ";
    case 19: return "FLOAT8E5M2";
    case 20: return "FLOAT8E5M2FNUZ";
    case kOnnxUint4: return "UINT4";
    case kOnnxInt4: return "INT4";
    case 23: return "FLOAT4E2M1";
    case 24: return "FLOAT8E8M0";
    case 25: return "UINT2";
    case 26: return "INT2";
    default: break;
  }
  if (onnx::TensorProto::DataType_IsValid(onnx_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type));
  return "type " + std::to_string(onnx_type);
}

bool IsOnnxMiniFloatType(int onnx_type) { return (onnx_type >= 17 && onnx_type <= 20) || onnx_type == 23 || onnx_type == 24; }

namespace {

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

// float16 or bfloat16 bits as float32. bfloat16 is the upper half of a float32, so the widening
// is exact.
float HalfBitsToFloat(DataType type, uint16_t bits) {
  if (type == DataType::kFloat16) return HalfToFloat(bits);
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

// Stores the low nibble of `bits` as element i of an int4 (sign-extended) or uint4 tensor.
void SetFourBit(Tensor* t, int64_t i, uint32_t bits) {
  const int nibble = static_cast<int>(bits & 0xF);
  if (t->dtype() == DataType::kInt4) t->data<int8_t>()[i] = static_cast<int8_t>(nibble >= 8 ? nibble - 16 : nibble);
  else t->data<uint8_t>()[i] = static_cast<uint8_t>(nibble);
}

template <typename T, typename Field>
void CopyField(const Field& field, Tensor* t) {
  T* out = t->data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

}  // namespace

StatusOr<Tensor> TensorFromProto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& what) {
  const DataType stored = DataTypeFromOnnx(proto.data_type());
  if (IsOnnxMiniFloatType(proto.data_type()))
    return NotSupportedError(what + " has element type " + OnnxTypeName(proto.data_type()) +
                             ", a float8/float4 type, which xquant cannot hold (it runs integer quantization only: "
                             "int4/uint4, int8/uint8, int16/uint16)");
  if (stored == DataType::kUndefined || stored == DataType::kString)
    return NotSupportedError(what + " has element type " + OnnxTypeName(proto.data_type()) +
                             "; xquant handles float32/64, float16, bfloat16, bool and 4-64-bit integers");
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
  const bool half = stored == DataType::kFloat16 || stored == DataType::kBfloat16;
  const DataType held = half ? DataType::kFloat32 : stored;
  const bool four_bit = IsFourBitType(stored);

  std::string external;
  const std::string* raw = nullptr;
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    XQ_ASSIGN_OR_RETURN(external, ReadExternalData(proto, base_dir, what));
    raw = &external;
  } else if (proto.has_raw_data()) {
    raw = &proto.raw_data();
  }

  if (raw) {
    // 4-bit types pack two elements per byte (an odd count leaves the last high nibble unused).
    const size_t need = four_bit ? static_cast<size_t>(count + 1) / 2 : static_cast<size_t>(count) * DataTypeSize(stored);
    if (raw->size() != need)
      return CorruptionError(what + " has " + std::to_string(raw->size()) + " bytes of data, but shape " +
                             ShapeToString(shape) + " of " + DataTypeName(stored) + " needs " + std::to_string(need));
    Tensor tensor(held, shape);
    if (half) {
      const char* bytes = raw->data();
      float* out = tensor.data<float>();
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = HalfBitsToFloat(stored, h);
      }
    } else if (four_bit) {
      const auto* bytes = reinterpret_cast<const uint8_t*>(raw->data());
      for (int64_t i = 0; i < count; ++i) SetFourBit(&tensor, i, bytes[i / 2] >> (4 * (i % 2)));
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
  if (four_bit) {
    // int32_data holds either one packed byte (two elements) per entry, as onnx.helper writes it,
    // or one element per entry; the count tells which (for one element both read the same).
    const int64_t packed = (count + 1) / 2;
    if (field_size != packed && field_size != count)
      return CorruptionError(what + " has " + std::to_string(field_size) + " values, but shape " + ShapeToString(shape) +
                             " of " + DataTypeName(stored) + " needs " + std::to_string(packed) + " packed bytes");
    Tensor tensor(held, shape);
    for (int64_t i = 0; i < count; ++i) {
      const auto entry = static_cast<uint32_t>(proto.int32_data(field_size == count ? i : i / 2));
      SetFourBit(&tensor, i, field_size == count ? entry : entry >> (4 * (i % 2)));
    }
    return tensor;
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
    case DataType::kFloat16:
    case DataType::kBfloat16: {
      float* out = tensor.data<float>();
      for (int64_t i = 0; i < count; ++i) out[i] = HalfBitsToFloat(stored, static_cast<uint16_t>(proto.int32_data(i)));
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
