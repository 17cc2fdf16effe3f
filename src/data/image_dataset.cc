// A directory of PNG/JPEG images, decoded with stb_image (Debian's libstb), then resized and
// normalised into the model's input (see image_transform.h).
#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "data/dataset_internal.h"
#include "data/image_transform.h"

namespace xquant::data {
namespace {

struct StbFree {
  void operator()(unsigned char* pixels) const { stbi_image_free(pixels); }
};

class ImageDataset : public Dataset {
 public:
  ImageDataset(std::string where, std::vector<std::string> files, InputSpec input,
               ImageGeometry geometry, ImageOptions options, std::optional<Tensor> labels)
      : where_(std::move(where)),
        files_(std::move(files)),
        input_(std::move(input)),
        geometry_(geometry),
        options_(std::move(options)),
        labels_(std::move(labels)) {}

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }

  StatusOr<std::map<std::string, Tensor>> ReadBatch(int64_t first, int64_t count) override {
    XQ_RETURN_IF_ERROR(CheckBatchRange(first, count, size()));
    const Shape sample_shape = geometry_.channels_first
                                   ? Shape{geometry_.channels, geometry_.height, geometry_.width}
                                   : Shape{geometry_.height, geometry_.width, geometry_.channels};
    Shape batch_shape = {count};
    batch_shape.insert(batch_shape.end(), sample_shape.begin(), sample_shape.end());
    Tensor batch(DataType::kFloat32, batch_shape);
    const int64_t sample_size = ElementCount(sample_shape);
    for (int64_t index = first; index < first + count; ++index) {
      const std::string& path = files_[index];
      int width = 0, height = 0, channels_in_file = 0;
      std::unique_ptr<unsigned char, StbFree> pixels(stbi_load(
          path.c_str(), &width, &height, &channels_in_file, static_cast<int>(geometry_.channels)));
      if (!pixels) {
        return InvalidArgumentError("cannot decode image '" + path + "' (sample " +
                                    std::to_string(index) + "): " + stbi_failure_reason() +
                                    "; give PNG or JPEG files");
      }
      ImageToSample(pixels.get(), height, width, geometry_, options_.scale, options_.mean,
                    options_.std, batch.data<float>() + sample_size * (index - first));
    }
    std::map<std::string, Tensor> out;
    out.emplace(input_.name, std::move(batch));
    return out;
  }

  const std::optional<Tensor>& labels() const override { return labels_; }

  std::string Describe() const override {
    return std::to_string(size()) + " images in '" + where_ + "' (" +
           (geometry_.channels == 1 ? "grey" : "RGB") + ", resized to " +
           std::to_string(geometry_.height) + "x" + std::to_string(geometry_.width) + ", " +
           (geometry_.channels_first ? "NCHW" : "NHWC") + ")";
  }

 private:
  std::string where_;
  std::vector<std::string> files_;
  InputSpec input_;
  ImageGeometry geometry_;
  ImageOptions options_;
  std::optional<Tensor> labels_;
};

bool IsChannelCount(int64_t dim) { return dim == 1 || dim == 3; }

// Layout, channel count and output size from the input's declared dims and the options.
StatusOr<ImageGeometry> GeometryFor(const InputSpec& input, const ImageOptions& options,
                                    const std::string& where) {
  const std::string context =
      "images in '" + where + "' for model input '" + input.name + "' of shape " +
      (RankUnknown(input) ? std::string("unknown") : DimsToString(input.dims));
  if (input.dims.size() != 4) {
    return InvalidArgumentError(
        context + ": images need an input of rank 4 (NCHW or NHWC); give .npy files instead");
  }
  if (input.dtype != DataType::kFloat32 && input.dtype != DataType::kUndefined) {
    return NotSupportedError(context + ": the input is " + DataTypeName(input.dtype) +
                             " but images become float32; preprocess them into .npy files of " +
                             DataTypeName(input.dtype) + " instead");
  }
  ImageGeometry geometry;
  switch (options.layout) {
    case ImageOptions::Layout::kNCHW:
      geometry.channels_first = true;
      break;
    case ImageOptions::Layout::kNHWC:
      geometry.channels_first = false;
      break;
    case ImageOptions::Layout::kAuto:
      if (IsChannelCount(input.dims[1])) {
        geometry.channels_first = true;
      } else if (IsChannelCount(input.dims[3])) {
        geometry.channels_first = false;
      } else {
        return InvalidArgumentError(
            context +
            ": cannot tell whether it is NCHW or NHWC (neither dimension 1 nor 3 "
            "is 1 or 3); choose the layout explicitly");
      }
      break;
  }
  const int64_t channel_dim = geometry.channels_first ? input.dims[1] : input.dims[3];
  geometry.channels = channel_dim < 0 ? 3 : channel_dim;
  if (!IsChannelCount(geometry.channels)) {
    return InvalidArgumentError(context + ": its channel dimension is " +
                                std::to_string(geometry.channels) + " in the " +
                                (geometry.channels_first ? "NCHW" : "NHWC") +
                                " layout; images give 1 (grey) or 3 (RGB) channels");
  }
  const int64_t height_dim = geometry.channels_first ? input.dims[2] : input.dims[1];
  const int64_t width_dim = geometry.channels_first ? input.dims[3] : input.dims[2];
  geometry.height = height_dim < 0 ? options.default_height : height_dim;
  geometry.width = width_dim < 0 ? options.default_width : width_dim;
  if (geometry.height <= 0 || geometry.width <= 0) {
    return InvalidArgumentError(context + ": the image size to resize to must be positive, got " +
                                std::to_string(geometry.height) + "x" +
                                std::to_string(geometry.width));
  }
  return geometry;
}

// `values` (mean or std) as one value per channel. One value applies to every channel; so does a
// list of equal values, which lets the RGB-sized defaults serve grey models.
StatusOr<std::vector<float>> PerChannel(const std::vector<float>& values, int64_t channels,
                                        const char* name, const std::string& context) {
  const bool uniform =
      !values.empty() &&
      std::all_of(values.begin(), values.end(), [&](float value) { return value == values[0]; });
  if (static_cast<int64_t>(values.size()) == channels) return values;
  if (uniform) return std::vector<float>(channels, values[0]);
  return InvalidArgumentError(context + ": " + name + " has " + std::to_string(values.size()) +
                              " values; give one for every channel (" + std::to_string(channels) +
                              ") or a single one for all");
}

}  // namespace

StatusOr<std::unique_ptr<Dataset>> OpenImageDirectory(const std::string& where,
                                                      std::vector<std::string> files,
                                                      const InputSpec& input,
                                                      const ImageOptions& options,
                                                      std::optional<Tensor> labels) {
  XQ_ASSIGN_OR_RETURN(ImageGeometry geometry, GeometryFor(input, options, where));
  const std::string context = "images in '" + where + "' for model input '" + input.name + "'";
  ImageOptions checked = options;
  XQ_ASSIGN_OR_RETURN(checked.mean, PerChannel(options.mean, geometry.channels, "mean", context));
  XQ_ASSIGN_OR_RETURN(checked.std, PerChannel(options.std, geometry.channels, "std", context));
  for (float value : checked.std) {
    if (value == 0.0f || !std::isfinite(value)) {
      return InvalidArgumentError(context +
                                  ": every std value must be finite and non-zero (it divides)");
    }
  }
  // The header of the first image tells whether stb can read these files at all.
  int width = 0, height = 0, channels = 0;
  if (!stbi_info(files[0].c_str(), &width, &height, &channels)) {
    return InvalidArgumentError("cannot decode image '" + files[0] + "': " + stbi_failure_reason() +
                                "; give PNG or JPEG files");
  }
  return std::unique_ptr<Dataset>(new ImageDataset(where, std::move(files), input, geometry,
                                                   std::move(checked), std::move(labels)));
}

}  // namespace xquant::data
