// The .npy format (numpy's NEP 1): a magic string "\x93NUMPY", a version byte pair, a little-endian
// header length (2 bytes in 1.0, 4 bytes in 2.0/3.0), then an ASCII Python dict literal
//   {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }
// padded with spaces and a final '\n' so the data starts at a multiple of 64 bytes, then the raw
// elements in C (or Fortran) order.
#include "xquant/npy.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/file_util.h"

namespace xquant {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct DescrEntry {
  const char* descr;
  DataType dtype;
};
// '|' means byte order is irrelevant; '<' little endian. '=' (native) is little endian here.
constexpr DescrEntry kDescrs[] = {
    {"f4", DataType::kFloat32}, {"f8", DataType::kFloat64}, {"u1", DataType::kUint8},
    {"i1", DataType::kInt8},    {"u2", DataType::kUint16},  {"i2", DataType::kInt16},
    {"i4", DataType::kInt32},   {"i8", DataType::kInt64},   {"b1", DataType::kBool},
};

// Finds the value text after "'key':" in the header dict, up to the matching terminator.
bool FindDictValue(const std::string& header, const std::string& key, std::string* value) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos) pos = header.find("\"" + key + "\"");
  if (pos == std::string::npos) return false;
  pos = header.find(':', pos);
  if (pos == std::string::npos) return false;
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos >= header.size()) return false;
  size_t end;
  if (header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos) return false;
    ++end;
  } else if (header[pos] == '\'' || header[pos] == '"') {
    end = header.find(header[pos], pos + 1);
    if (end == std::string::npos) return false;
    ++end;
  } else {
    end = header.find_first_of(",}", pos);
    if (end == std::string::npos) return false;
  }
  *value = header.substr(pos, end - pos);
  return true;
}

}  // namespace

StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& origin) {
  auto bad = [&](const std::string& what) { return CorruptionError("'" + origin + "' is not a valid .npy file: " + what); };
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, kMagicSize) != 0) {
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80)
      return NotSupportedError("'" + origin + "' is a Python pickle, not a .npy array; save it with numpy.save(allow_pickle=False)");
    return bad("it does not start with the .npy magic string");
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return bad("truncated header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    header_start = 12;
  } else {
    return NotSupportedError("'" + origin + "' uses .npy format version " + std::to_string(major) + "; versions 1-3 are supported");
  }
  if (header_start + header_len > bytes.size()) return bad("the header is longer than the file (truncated?)");
  const std::string header = bytes.substr(header_start, header_len);

  std::string descr, fortran, shape_text;
  if (!FindDictValue(header, "descr", &descr) || !FindDictValue(header, "fortran_order", &fortran) ||
      !FindDictValue(header, "shape", &shape_text))
    return bad("its header lacks 'descr', 'fortran_order' or 'shape': " + header);
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"'))
    return NotSupportedError("'" + origin + "' holds a structured array (descr " + descr + "); only plain numeric arrays are supported");
  descr = descr.substr(1, descr.size() - 2);
  if (descr == "|O" || descr == "O")
    return NotSupportedError("'" + origin + "' holds Python objects (dtype object); only numeric arrays are supported");
  if (fortran.rfind("True", 0) == 0)
    return NotSupportedError("'" + origin + "' is in Fortran order; save it with numpy.ascontiguousarray(a) first");
  if (descr.empty()) return bad("empty descr");
  const char order = descr[0];
  if (order == '>')
    return NotSupportedError("'" + origin + "' is big-endian (" + descr + "); convert it with a.astype(a.dtype.newbyteorder('<'))");
  std::string code = (order == '<' || order == '|' || order == '=') ? descr.substr(1) : descr;
  if (code == "?") code = "b1";
  DataType dtype = DataType::kUndefined;
  for (const auto& entry : kDescrs)
    if (code == entry.descr) dtype = entry.dtype;
  if (dtype == DataType::kUndefined)
    return NotSupportedError("'" + origin + "' has dtype '" + descr +
                             "'; supported: float32, float64, int8/16/32/64, uint8/16, bool");

  Shape shape;
  std::string dims = shape_text.substr(1, shape_text.size() - 2);  // strip ( )
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    size_t end = pos;
    while (end < dims.size() && std::isdigit(static_cast<unsigned char>(dims[end]))) ++end;
    if (end == pos) return bad("cannot read shape " + shape_text);
    shape.push_back(std::stoll(dims.substr(pos, end - pos)));
    pos = end;
  }
  Tensor tensor(dtype, shape);
  const size_t data_start = header_start + header_len;
  if (bytes.size() - data_start < tensor.nbytes())
    return bad("it holds " + std::to_string(bytes.size() - data_start) + " data bytes but shape " + ShapeToString(shape) +
               " of " + DataTypeName(dtype) + " needs " + std::to_string(tensor.nbytes()) + " (truncated?)");
  std::memcpy(tensor.raw_data(), bytes.data() + data_start, tensor.nbytes());
  return tensor;
}

StatusOr<Tensor> ReadNpy(const std::string& path) {
  XQ_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  return ParseNpy(bytes, path);
}

std::string SerializeNpy(const Tensor& tensor) {
  std::string descr;
  // int4/uint4 are held one element per byte: numpy sees them as int8/uint8.
  const DataType stored = tensor.dtype() == DataType::kInt4    ? DataType::kInt8
                          : tensor.dtype() == DataType::kUint4 ? DataType::kUint8
                                                               : tensor.dtype();
  for (const auto& entry : kDescrs)
    if (entry.dtype == stored) descr = entry.descr;
  descr = (DataTypeSize(tensor.dtype()) == 1 ? "|" : "<") + descr;
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape().size(); ++i) shape += std::to_string(tensor.shape()[i]) + ", ";
  if (tensor.shape().size() > 1) shape.resize(shape.size() - 2);
  else if (tensor.shape().size() == 1) shape.resize(shape.size() - 1);  // "(3,)"
  shape += ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so magic(6) + version(2) + length(2) + header + '\n' is a multiple of 64.
  size_t total = kMagicSize + 4 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.nbytes());
  return out;
}

Status WriteNpy(const std::string& path, const Tensor& tensor) {
  if (!tensor.defined() || !IsSupportedDataType(tensor.dtype()))
    return InvalidArgumentError("cannot write '" + path + "': tensor of type " + DataTypeName(tensor.dtype()));
  return WriteStringToFile(path, SerializeNpy(tensor));
}

StatusOr<std::vector<std::string>> ListNpyFiles(const std::string& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) return NotFoundError("'" + directory + "' is not a directory");
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".npy") files.push_back(entry.path().string());
  }
  if (ec) return IOError("cannot list '" + directory + "': " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) return NotFoundError("'" + directory + "' holds no .npy files");
  return files;
}

}  // namespace xquant
