// One .npy array holding every sample along dimension 0. The file stays open and each batch reads
// only its own rows (at data_offset + first * row_bytes), so a dataset larger than memory works.
#include <filesystem>
#include <fstream>

#include "data/dataset_internal.h"
#include "data/npy_header.h"

namespace xquant::data {
namespace {

class NpyFileDataset : public Dataset {
 public:
  NpyFileDataset(std::string path, InputSpec input, NpyHeader header, Shape sample_shape,
                 std::ifstream stream, std::optional<Tensor> labels)
      : path_(std::move(path)),
        input_(std::move(input)),
        header_(std::move(header)),
        sample_shape_(std::move(sample_shape)),
        stream_(std::move(stream)),
        labels_(std::move(labels)) {}

  int64_t size() const override { return header_.shape[0]; }

  StatusOr<std::map<std::string, Tensor>> ReadBatch(int64_t first, int64_t count) override {
    XQ_RETURN_IF_ERROR(CheckBatchRange(first, count, size()));
    Shape batch_shape = {count};
    batch_shape.insert(batch_shape.end(), sample_shape_.begin(), sample_shape_.end());
    Tensor batch(BatchDtype(input_, header_.dtype), batch_shape);
    const uint64_t row_bytes =
        static_cast<uint64_t>(ElementCount(sample_shape_)) * DataTypeSize(header_.dtype);
    const uint64_t bytes = row_bytes * static_cast<uint64_t>(count);

    // Same dtype: straight into the batch. float64 for a float32 input: through one batch-sized
    // buffer, so memory still holds one batch only.
    std::string staging;
    char* target = static_cast<char*>(batch.raw_data());
    if (batch.dtype() != header_.dtype) {
      staging.resize(bytes);
      target = staging.data();
    }
    stream_.clear();
    stream_.seekg(static_cast<std::streamoff>(header_.data_offset +
                                              row_bytes * static_cast<uint64_t>(first)));
    stream_.read(target, static_cast<std::streamsize>(bytes));
    if (!stream_ || static_cast<uint64_t>(stream_.gcount()) != bytes) {
      return IOError("'" + path_ + "': cannot read samples " + std::to_string(first) + " to " +
                     std::to_string(first + count - 1) +
                     " (was the file changed or truncated after opening?)");
    }
    if (!staging.empty())
      CopyConverted(staging.data(), header_.dtype, batch.raw_data(), batch.dtype(), batch.size());
    std::map<std::string, Tensor> out;
    out.emplace(input_.name, std::move(batch));
    return out;
  }

  const std::optional<Tensor>& labels() const override { return labels_; }

  std::string Describe() const override {
    return "'" + path_ + "': " + std::to_string(size()) + " samples of " +
           ShapeToString(sample_shape_) + " " + DataTypeName(header_.dtype) + " in one .npy array";
  }

 private:
  std::string path_;
  InputSpec input_;
  NpyHeader header_;
  Shape sample_shape_;
  std::ifstream stream_;
  std::optional<Tensor> labels_;
};

// The samples' shape from the array's shape: dimension 0 counts samples; a dimension of 1 after it
// is dropped when the input's rank says it is each sample's own batch dimension.
StatusOr<Shape> SampleShapeOfArray(const Shape& shape, const InputSpec& input,
                                   const std::string& path) {
  Shape sample(shape.begin() + 1, shape.end());
  if (!RankUnknown(input)) {
    const size_t rank = input.dims.size() - 1;
    if (sample.size() == rank + 1 && sample[0] == 1) sample.erase(sample.begin());
    if (sample.size() != rank) {
      return InvalidArgumentError(
          "'" + path + "' has shape " + ShapeToString(shape) + " but model input '" + input.name +
          "' has shape " + DimsToString(input.dims) +
          "; a .npy dataset is one array [N, ...] whose dimension 0 counts the samples "
          "and whose other dimensions are the input's without its batch dimension");
    }
  }
  XQ_RETURN_IF_ERROR(CheckSampleShape(sample, input, path));
  return sample;
}

}  // namespace

StatusOr<std::unique_ptr<Dataset>> OpenNpyFile(const std::string& path,
                                               const std::vector<InputSpec>& inputs) {
  if (inputs.size() != 1) {
    std::string names;
    for (const InputSpec& input : inputs) names += (names.empty() ? "'" : ", '") + input.name + "'";
    return InvalidArgumentError(
        "'" + path + "' is one .npy array but the model has " + std::to_string(inputs.size()) +
        " inputs (" + names +
        "); give a directory with one subdirectory of .npy files per input name instead");
  }
  const InputSpec& input = inputs[0];
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return IOError("cannot open '" + path + "' for reading");
  XQ_ASSIGN_OR_RETURN(NpyHeader header, ReadNpyHeader(stream, path));
  if (header.shape.empty()) {
    return InvalidArgumentError(
        "'" + path + "' holds a scalar; a .npy dataset is an array [N, ...] of N samples");
  }
  if (header.shape[0] == 0)
    return InvalidArgumentError("'" + path + "' holds no samples (its dimension 0 is 0)");
  XQ_RETURN_IF_ERROR(CheckSampleDtype(header.dtype, input, path));
  XQ_ASSIGN_OR_RETURN(Shape sample_shape, SampleShapeOfArray(header.shape, input, path));

  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  const uint64_t needed = header.data_offset + static_cast<uint64_t>(ElementCount(header.shape)) *
                                                   DataTypeSize(header.dtype);
  if (ec || file_size < needed) {
    return CorruptionError("'" + path + "' is truncated: shape " + ShapeToString(header.shape) +
                           " of " + DataTypeName(header.dtype) + " needs " +
                           std::to_string(needed) + " bytes, the file has " +
                           (ec ? "an unknown size" : std::to_string(file_size)));
  }

  const std::string stem = path.substr(0, path.size() - 4);  // without ".npy"
  XQ_ASSIGN_OR_RETURN(std::optional<Tensor> labels,
                      LoadLabels({stem + ".labels.npy", stem + ".labels.txt"}, header.shape[0]));
  return std::unique_ptr<Dataset>(new NpyFileDataset(path, input, std::move(header),
                                                     std::move(sample_shape), std::move(stream),
                                                     std::move(labels)));
}

}  // namespace xquant::data
