// Checks a sample must pass before it joins a batch, and the ordering of sample files.
#include <algorithm>
#include <cctype>

#include "data/dataset_internal.h"

namespace xquant::data {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// How to write the dtype in the astype() call an error suggests.
std::string NumpyTypeName(DataType dtype) {
  return dtype == DataType::kBool ? "np.bool_" : "np." + DataTypeName(dtype);
}

}  // namespace

bool NaturalLess(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (IsDigit(a[i]) && IsDigit(b[j])) {
      // Compare the digit runs as numbers of any length: skip leading zeros, then the longer run
      // is larger, and equal lengths compare digit by digit.
      size_t i_end = i, j_end = j;
      while (i_end < a.size() && IsDigit(a[i_end])) ++i_end;
      while (j_end < b.size() && IsDigit(b[j_end])) ++j_end;
      size_t i_sig = i, j_sig = j;
      while (i_sig + 1 < i_end && a[i_sig] == '0') ++i_sig;
      while (j_sig + 1 < j_end && b[j_sig] == '0') ++j_sig;
      const size_t a_len = i_end - i_sig, b_len = j_end - j_sig;
      if (a_len != b_len) return a_len < b_len;
      const int cmp = a.compare(i_sig, a_len, b, j_sig, b_len);
      if (cmp != 0) return cmp < 0;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  // Equal under natural order ("01" vs "1"): fall back to plain order so sorting is total.
  return a < b;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t axis = 0; axis < dims.size(); ++axis) {
    if (axis > 0) out += ", ";
    out += axis == 0 && dims[axis] < 0 ? "batch"
           : dims[axis] < 0            ? "?"
                                       : std::to_string(dims[axis]);
  }
  return out + "]";
}

Status CheckSampleShape(const Shape& sample_shape, const InputSpec& input,
                        const std::string& origin) {
  if (RankUnknown(input)) return Status::Ok();
  const size_t rank = input.dims.size() - 1;
  bool fits = sample_shape.size() == rank;
  for (size_t axis = 0; fits && axis < rank; ++axis) {
    const int64_t want = input.dims[axis + 1];
    fits = want < 0 || want == sample_shape[axis];
  }
  if (fits) return Status::Ok();
  return InvalidArgumentError(
      "'" + origin + "': a sample of shape " + ShapeToString(sample_shape) +
      " does not fit model input '" + input.name + "' of shape " + DimsToString(input.dims) +
      " (dimension 0 is the batch); reshape the data to " + DimsToString(input.dims) +
      " without the batch dimension, or with a batch of 1");
}

StatusOr<Shape> SingleSampleShape(const Shape& file_shape, const InputSpec& input,
                                  const std::string& origin) {
  if (RankUnknown(input)) return file_shape;
  const size_t rank = input.dims.size() - 1;
  if (file_shape.size() == rank + 1 && file_shape[0] == 1)
    return Shape(file_shape.begin() + 1, file_shape.end());
  if (file_shape.size() == rank + 1) {
    return InvalidArgumentError(
        "'" + origin + "' has shape " + ShapeToString(file_shape) +
        ": a per-sample file holds one sample, so its leading dimension must be 1 (or "
        "absent); to give many samples in one array, pass the .npy file itself");
  }
  XQ_RETURN_IF_ERROR(CheckSampleShape(file_shape, input, origin));
  return file_shape;
}

Status CheckSampleDtype(DataType file_dtype, const InputSpec& input, const std::string& origin) {
  if (input.dtype == DataType::kUndefined || file_dtype == input.dtype) return Status::Ok();
  if (file_dtype == DataType::kFloat64 && input.dtype == DataType::kFloat32) return Status::Ok();
  return InvalidArgumentError("'" + origin + "' holds " + DataTypeName(file_dtype) +
                              " data but model input '" + input.name + "' expects " +
                              DataTypeName(input.dtype) + "; convert it with a.astype(" +
                              NumpyTypeName(input.dtype) + ") and save it again");
}

DataType BatchDtype(const InputSpec& input, DataType file_dtype) {
  return input.dtype == DataType::kUndefined ? file_dtype : input.dtype;
}

void CopyConverted(const void* from, DataType from_dtype, void* to, DataType to_dtype,
                   int64_t count) {
  if (from_dtype == DataType::kFloat64 && to_dtype == DataType::kFloat32) {
    const double* in = static_cast<const double*>(from);
    float* out = static_cast<float*>(to);
    for (int64_t index = 0; index < count; ++index) out[index] = static_cast<float>(in[index]);
    return;
  }
  std::copy_n(static_cast<const char*>(from), static_cast<size_t>(count) * DataTypeSize(from_dtype),
              static_cast<char*>(to));
}

Status CheckBatchRange(int64_t first, int64_t count, int64_t size) {
  if (first < 0 || count <= 0 || first > size || count > size - first) {
    return InvalidArgumentError(
        "batch [" + std::to_string(first) + ", " + std::to_string(first + count) +
        ") is outside the dataset's " + std::to_string(size) +
        " samples (or empty); ask for 0 <= first and first + count <= size with count > 0");
  }
  return Status::Ok();
}

}  // namespace xquant::data
