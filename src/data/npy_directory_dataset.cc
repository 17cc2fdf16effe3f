// A directory of .npy files, one sample per file (per input, for models with several inputs).
// Each batch reads just its own files.
#include "data/dataset_internal.h"
#include "xquant/npy.h"

namespace xquant::data {
namespace {

class NpyDirectoryDataset : public Dataset {
 public:
  NpyDirectoryDataset(std::string where, std::vector<std::vector<std::string>> files,
                      std::vector<InputSpec> inputs, std::optional<Tensor> labels)
      : where_(std::move(where)),
        files_(std::move(files)),
        inputs_(std::move(inputs)),
        labels_(std::move(labels)) {}

  int64_t size() const override { return static_cast<int64_t>(files_[0].size()); }

  StatusOr<std::map<std::string, Tensor>> ReadBatch(int64_t first, int64_t count) override {
    XQ_RETURN_IF_ERROR(CheckBatchRange(first, count, size()));
    std::map<std::string, Tensor> out;
    for (size_t input_idx = 0; input_idx < inputs_.size(); ++input_idx) {
      XQ_ASSIGN_OR_RETURN(Tensor batch, ReadInputBatch(input_idx, first, count));
      out.emplace(inputs_[input_idx].name, std::move(batch));
    }
    return out;
  }

  const std::optional<Tensor>& labels() const override { return labels_; }

  std::string Describe() const override {
    const std::string count = std::to_string(size());
    if (inputs_.size() == 1) return count + " .npy files in '" + where_ + "'";
    return count + " samples of " + std::to_string(inputs_.size()) + " inputs (.npy files in '" +
           where_ + "/<input name>/')";
  }

  // Reads sample `index` of input `input_idx` and checks it; `shape` receives its sample shape.
  StatusOr<Tensor> ReadSample(size_t input_idx, int64_t index, Shape* shape) const {
    const std::string& path = files_[input_idx][index];
    const InputSpec& input = inputs_[input_idx];
    XQ_ASSIGN_OR_RETURN(Tensor sample, ReadNpy(path));
    XQ_RETURN_IF_ERROR(CheckSampleDtype(sample.dtype(), input, path));
    XQ_ASSIGN_OR_RETURN(*shape, SingleSampleShape(sample.shape(), input, path));
    return sample;
  }

 private:
  StatusOr<Tensor> ReadInputBatch(size_t input_idx, int64_t first, int64_t count) const {
    const InputSpec& input = inputs_[input_idx];
    Tensor batch;
    Shape batch_sample_shape;
    DataType first_dtype = DataType::kUndefined;
    size_t sample_bytes = 0;
    for (int64_t index = first; index < first + count; ++index) {
      Shape sample_shape;
      XQ_ASSIGN_OR_RETURN(Tensor sample, ReadSample(input_idx, index, &sample_shape));
      const std::string& path = files_[input_idx][index];
      if (index == first) {
        Shape batch_shape = {count};
        batch_shape.insert(batch_shape.end(), sample_shape.begin(), sample_shape.end());
        batch = Tensor(BatchDtype(input, sample.dtype()), batch_shape);
        batch_sample_shape = sample_shape;
        first_dtype = sample.dtype();
        sample_bytes = static_cast<size_t>(sample.size()) * DataTypeSize(batch.dtype());
      } else if (sample_shape != batch_sample_shape) {
        return InvalidArgumentError(
            "'" + path + "' (sample " + std::to_string(index) + ") has shape " +
            ShapeToString(sample_shape) + " but '" + files_[input_idx][first] + "' (sample " +
            std::to_string(first) + ") in the same batch has " + ShapeToString(batch_sample_shape) +
            "; input '" + input.name +
            "' has symbolic dimensions, and a batch stacks samples of one shape: give "
            "samples of one size or use a batch size of 1");
      } else if (input.dtype == DataType::kUndefined && sample.dtype() != first_dtype) {
        return InvalidArgumentError(
            "'" + path + "' holds " + DataTypeName(sample.dtype()) + " but '" +
            files_[input_idx][first] + "' in the same batch holds " + DataTypeName(first_dtype) +
            "; save every sample of input '" + input.name + "' with one dtype");
      }
      char* target =
          static_cast<char*>(batch.raw_data()) + sample_bytes * static_cast<size_t>(index - first);
      CopyConverted(sample.raw_data(), sample.dtype(), target, batch.dtype(), sample.size());
    }
    return batch;
  }

  std::string where_;
  std::vector<std::vector<std::string>> files_;
  std::vector<InputSpec> inputs_;
  std::optional<Tensor> labels_;
};

}  // namespace

StatusOr<std::unique_ptr<Dataset>> OpenNpyDirectory(const std::string& where,
                                                    std::vector<std::vector<std::string>> files,
                                                    const std::vector<InputSpec>& inputs,
                                                    std::optional<Tensor> labels) {
  auto dataset =
      std::make_unique<NpyDirectoryDataset>(where, std::move(files), inputs, std::move(labels));
  // The first sample of every input shows most mistakes (wrong dtype, wrong layout) at once.
  for (size_t input_idx = 0; input_idx < inputs.size(); ++input_idx) {
    Shape shape;
    XQ_ASSIGN_OR_RETURN(Tensor ignored, dataset->ReadSample(input_idx, 0, &shape));
  }
  return std::unique_ptr<Dataset>(std::move(dataset));
}

}  // namespace xquant::data
