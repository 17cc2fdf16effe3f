// The .npy layout: "\x93NUMPY", major and minor version bytes, the header length (2 bytes little
// endian in version 1, 4 bytes in versions 2 and 3), then the header itself, a Python dict literal
// such as {'descr': '<f4', 'fortran_order': False, 'shape': (1000, 3, 32, 32), }, then the data.
#include "data/npy_header.h"

#include <cctype>
#include <cstring>

namespace xquant::data {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// numpy never writes headers this long; a larger length means the bytes are not a header.
constexpr uint64_t kMaxHeaderLength = 1 << 20;

struct TypeCode {
  const char* code;  // descr without its byte-order character
  DataType dtype;
};
constexpr TypeCode kTypeCodes[] = {
    {"f4", DataType::kFloat32}, {"f8", DataType::kFloat64}, {"u1", DataType::kUint8},
    {"i1", DataType::kInt8},    {"u2", DataType::kUint16},  {"i2", DataType::kInt16},
    {"i4", DataType::kInt32},   {"i8", DataType::kInt64},   {"b1", DataType::kBool},
    {"?", DataType::kBool},
};

// The text of the value of `key` in the header dict: a quoted string, a parenthesised tuple or a
// bare word, including its delimiters. Empty when the key is missing.
std::string DictValue(const std::string& header, const std::string& key) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos) pos = header.find("\"" + key + "\"");
  if (pos == std::string::npos) return "";
  pos = header.find(':', pos);
  if (pos == std::string::npos) return "";
  pos = header.find_first_not_of(' ', pos + 1);
  if (pos == std::string::npos) return "";
  size_t end;
  if (header[pos] == '(') {
    end = header.find(')', pos);
  } else if (header[pos] == '\'' || header[pos] == '"') {
    end = header.find(header[pos], pos + 1);
  } else {
    end = header.find_first_of(",}", pos);
    if (end != std::string::npos) --end;
  }
  if (end == std::string::npos) return "";
  return header.substr(pos, end - pos + 1);
}

}  // namespace

StatusOr<NpyHeader> ReadNpyHeader(std::istream& in, const std::string& origin) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError("'" + origin + "' is not a valid .npy file: " + what);
  };
  unsigned char prefix[12] = {};
  in.read(reinterpret_cast<char*>(prefix), 10);
  if (in.gcount() >= 1 && prefix[0] == 0x80) {
    return NotSupportedError(
        "'" + origin +
        "' is a Python pickle, not a .npy array; save it with numpy.save(allow_pickle=False)");
  }
  if (in.gcount() < 10 || std::memcmp(prefix, kMagic, kMagicSize) != 0) {
    return corrupt("it does not start with the .npy magic string");
  }
  const int major = prefix[6];
  uint64_t header_length = 0;
  uint64_t header_start = 10;
  if (major == 1) {
    header_length = prefix[8] | (static_cast<uint64_t>(prefix[9]) << 8);
  } else if (major == 2 || major == 3) {
    in.read(reinterpret_cast<char*>(prefix + 10), 2);
    if (in.gcount() < 2) return corrupt("truncated header");
    for (int byte = 0; byte < 4; ++byte)
      header_length |= static_cast<uint64_t>(prefix[8 + byte]) << (8 * byte);
    header_start = 12;
  } else {
    return NotSupportedError("'" + origin + "' uses .npy format version " + std::to_string(major) +
                             "; versions 1-3 are supported");
  }
  if (header_length > kMaxHeaderLength) return corrupt("its header length is implausible");
  std::string header(header_length, '\0');
  in.read(header.data(), static_cast<std::streamsize>(header_length));
  if (static_cast<uint64_t>(in.gcount()) != header_length)
    return corrupt("the header is cut short (truncated?)");

  std::string descr = DictValue(header, "descr");
  const std::string fortran = DictValue(header, "fortran_order");
  const std::string shape_text = DictValue(header, "shape");
  if (descr.empty() || fortran.empty() || shape_text.empty()) {
    return corrupt("its header lacks 'descr', 'fortran_order' or 'shape': " + header);
  }
  if (descr.front() != '\'' && descr.front() != '"') {
    return NotSupportedError("'" + origin + "' holds a structured array (descr " + descr +
                             "); only plain numeric arrays are supported");
  }
  descr = descr.substr(1, descr.size() - 2);
  if (descr == "O" || descr == "|O") {
    return NotSupportedError(
        "'" + origin + "' holds Python objects (dtype object); only numeric arrays are supported");
  }
  if (fortran.rfind("True", 0) == 0) {
    return NotSupportedError("'" + origin +
                             "' is in Fortran order; save numpy.ascontiguousarray(a) instead");
  }
  if (!descr.empty() && descr[0] == '>') {
    return NotSupportedError("'" + origin + "' is big-endian (" + descr +
                             "); convert it with a.astype(a.dtype.newbyteorder('<'))");
  }
  const std::string code = !descr.empty() && (descr[0] == '<' || descr[0] == '|' || descr[0] == '=')
                               ? descr.substr(1)
                               : descr;
  NpyHeader result;
  for (const TypeCode& entry : kTypeCodes) {
    if (code == entry.code) result.dtype = entry.dtype;
  }
  if (result.dtype == DataType::kUndefined) {
    return NotSupportedError("'" + origin + "' has dtype '" + descr +
                             "'; supported: float32, float64, int8/16/32/64, uint8/16, bool");
  }

  // "(1000, 3, 32, 32)", "(5,)" or "()".
  size_t pos = 1;
  while (pos + 1 < shape_text.size()) {
    if (shape_text[pos] == ' ' || shape_text[pos] == ',') {
      ++pos;
      continue;
    }
    size_t end = pos;
    int64_t dim = 0;
    while (end + 1 < shape_text.size() &&
           std::isdigit(static_cast<unsigned char>(shape_text[end]))) {
      if (dim > (int64_t{1} << 48)) return corrupt("implausible shape " + shape_text);
      dim = dim * 10 + (shape_text[end] - '0');
      ++end;
    }
    if (end == pos) return corrupt("cannot read shape " + shape_text);
    result.shape.push_back(dim);
    pos = end;
  }
  result.data_offset = header_start + header_length;
  return result;
}

}  // namespace xquant::data
