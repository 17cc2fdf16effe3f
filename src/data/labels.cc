// Labels beside the samples: a .npy array (integer class ids or float targets) or a text file with
// one integer per line. Kept for accuracy measurements; nothing requires them.
#include <charconv>
#include <filesystem>
#include <fstream>

#include "data/dataset_internal.h"
#include "xquant/npy.h"

namespace xquant::data {
namespace {

bool IsInteger(DataType dtype) {
  switch (dtype) {
    case DataType::kUint8:
    case DataType::kInt8:
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kBool:
      return true;
    default:
      return false;
  }
}

StatusOr<Tensor> LabelsFromNpy(const std::string& path) {
  XQ_ASSIGN_OR_RETURN(Tensor raw, ReadNpy(path));
  if (raw.rank() == 0) {
    return InvalidArgumentError("labels file '" + path +
                                "' holds a scalar; it needs one label per sample (shape [N])");
  }
  if (IsInteger(raw.dtype())) {
    Tensor labels(DataType::kInt64, raw.shape());
    for (int64_t index = 0; index < raw.size(); ++index) {
      labels.data<int64_t>()[index] = static_cast<int64_t>(raw.GetAsDouble(index));
    }
    return labels;
  }
  Tensor labels(DataType::kFloat32, raw.shape());
  for (int64_t index = 0; index < raw.size(); ++index) {
    labels.data<float>()[index] = static_cast<float>(raw.GetAsDouble(index));
  }
  return labels;
}

StatusOr<Tensor> LabelsFromText(const std::string& path) {
  std::ifstream in(path);
  if (!in) return IOError("cannot open labels file '" + path + "'");
  std::vector<int64_t> values;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos) continue;  // blank lines (a trailing newline, mostly)
    const size_t end = line.find_last_not_of(" \t\r") + 1;
    int64_t value = 0;
    const char* first = line.data() + begin;
    const char* last = line.data() + end;
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || ptr != last) {
      return InvalidArgumentError(
          "labels file '" + path + "' line " + std::to_string(line_number) + ": '" +
          line.substr(begin, end - begin) +
          "' is not an integer; the file holds one integer class id per line");
    }
    values.push_back(value);
  }
  if (in.bad()) return IOError("error while reading labels file '" + path + "'");
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(values.size())}, values);
}

}  // namespace

StatusOr<std::optional<Tensor>> LoadLabels(const std::vector<std::string>& candidates,
                                           int64_t num_samples) {
  std::vector<std::string> present;
  std::error_code ec;
  for (const std::string& path : candidates) {
    if (std::filesystem::is_regular_file(path, ec)) present.push_back(path);
  }
  if (present.empty()) return std::optional<Tensor>();
  if (present.size() > 1) {
    return InvalidArgumentError("both '" + present[0] + "' and '" + present[1] +
                                "' give labels; keep one of them so it is clear which applies");
  }
  const std::string& path = present[0];
  StatusOr<Tensor> labels = std::filesystem::path(path).extension() == ".txt" ? LabelsFromText(path)
                                                                              : LabelsFromNpy(path);
  if (!labels.ok()) return labels.status();
  if (labels->dim(0) != num_samples) {
    return InvalidArgumentError("labels file '" + path + "' has " + std::to_string(labels->dim(0)) +
                                " labels but the dataset has " + std::to_string(num_samples) +
                                " samples; give exactly one label per sample");
  }
  return std::optional<Tensor>(*std::move(labels));
}

}  // namespace xquant::data
