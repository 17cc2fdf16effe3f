// random:N[:SEED] — N samples of standard-normal noise shaped like the model inputs, the
// reference's stand-in when no real data is at hand. Sample i of input k is generated from its own
// engine seeded by (SEED, k, i), so any batching reads the same numbers.
#include <charconv>

#include "data/dataset_internal.h"
#include "data/normal_generator.h"

namespace xquant::data {
namespace {

constexpr char kPrefix[] = "random:";

class RandomDataset : public Dataset {
 public:
  RandomDataset(int64_t count, uint64_t seed, std::vector<InputSpec> inputs,
                std::vector<Shape> sample_shapes)
      : count_(count),
        seed_(seed),
        inputs_(std::move(inputs)),
        sample_shapes_(std::move(sample_shapes)) {}

  int64_t size() const override { return count_; }

  StatusOr<std::map<std::string, Tensor>> ReadBatch(int64_t first, int64_t count) override {
    XQ_RETURN_IF_ERROR(CheckBatchRange(first, count, size()));
    std::map<std::string, Tensor> out;
    for (size_t input_idx = 0; input_idx < inputs_.size(); ++input_idx) {
      const Shape& sample_shape = sample_shapes_[input_idx];
      Shape batch_shape = {count};
      batch_shape.insert(batch_shape.end(), sample_shape.begin(), sample_shape.end());
      const DataType dtype =
          inputs_[input_idx].dtype == DataType::kFloat64 ? DataType::kFloat64 : DataType::kFloat32;
      Tensor batch(dtype, batch_shape);
      const int64_t sample_size = ElementCount(sample_shape);
      for (int64_t index = first; index < first + count; ++index) {
        NormalGenerator generator(MixSeed(seed_, input_idx, static_cast<uint64_t>(index)));
        const int64_t offset = (index - first) * sample_size;
        for (int64_t element = 0; element < sample_size; ++element) {
          if (dtype == DataType::kFloat64) {
            batch.data<double>()[offset + element] = generator.Next();
          } else {
            batch.data<float>()[offset + element] = static_cast<float>(generator.Next());
          }
        }
      }
      out.emplace(inputs_[input_idx].name, std::move(batch));
    }
    return out;
  }

  const std::optional<Tensor>& labels() const override { return labels_; }

  std::string Describe() const override {
    return std::string(kPrefix) + std::to_string(count_) + ":" + std::to_string(seed_) +
           " (seeded standard normal)";
  }

 private:
  int64_t count_;
  uint64_t seed_;
  std::vector<InputSpec> inputs_;
  std::vector<Shape> sample_shapes_;
  std::optional<Tensor> labels_;  // random data has none
};

// Parses all of `text` as a number of type T made of digits only (no sign, no spaces).
template <typename T>
bool ParseDigits(const std::string& text, T* value) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

StatusOr<std::unique_ptr<Dataset>> OpenRandom(const std::string& spec,
                                              const std::vector<InputSpec>& inputs) {
  const std::string rest = spec.substr(sizeof(kPrefix) - 1);
  const size_t colon = rest.find(':');
  const std::string count_text = rest.substr(0, colon);
  const std::string usage = "; write random:N or random:N:SEED, e.g. random:16:0";
  int64_t count = 0;
  if (!ParseDigits(count_text, &count) || count <= 0) {
    return InvalidArgumentError("'" + spec + "': the sample count '" + count_text +
                                "' is not a positive integer" + usage);
  }
  uint64_t seed = 0;
  if (colon != std::string::npos) {
    const std::string seed_text = rest.substr(colon + 1);
    if (!ParseDigits(seed_text, &seed)) {
      return InvalidArgumentError("'" + spec + "': the seed '" + seed_text +
                                  "' is not a non-negative integer below 2^64" + usage);
    }
  }

  std::vector<Shape> sample_shapes;
  for (const InputSpec& input : inputs) {
    if (RankUnknown(input)) {
      return InvalidArgumentError(
          "'" + spec + "': model input '" + input.name +
          "' has no declared shape, so random samples cannot be shaped like it; give .npy "
          "files instead");
    }
    if (input.dtype != DataType::kFloat32 && input.dtype != DataType::kFloat64 &&
        input.dtype != DataType::kUndefined) {
      return NotSupportedError(
          "'" + spec + "': model input '" + input.name + "' is " + DataTypeName(input.dtype) +
          " and normal noise only makes sense for float inputs; give .npy files of " +
          DataTypeName(input.dtype) + " instead");
    }
    // Symbolic dimensions other than the batch become 1, the smallest size any model accepts.
    Shape shape;
    for (size_t axis = 1; axis < input.dims.size(); ++axis)
      shape.push_back(input.dims[axis] < 0 ? 1 : input.dims[axis]);
    sample_shapes.push_back(std::move(shape));
  }
  return std::unique_ptr<Dataset>(new RandomDataset(count, seed, inputs, std::move(sample_shapes)));
}

}  // namespace xquant::data
