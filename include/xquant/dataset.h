// Datasets: where the samples fed to both models come from.
//
// A dataset is named by one string (a "spec"), as on the command line:
//   DIR            a directory of .npy files, one sample each (with or without a leading batch
//                  dimension of 1), read in file-name order; for a model with several inputs,
//                  DIR/<input name>/ holds each input's files (same count, paired in name order).
//                  A directory of images (.png, .jpg, .jpeg) is read as images (see ImageOptions).
//   FILE.npy       one array whose first dimension is the sample dimension (single-input models).
//   random:N[:SEED] N samples of seeded standard-normal noise shaped like the model input
//                  (symbolic dimensions other than the batch become 1); SEED defaults to 0.
// Labels, when present beside the samples (DIR/labels.npy, DIR/labels.txt with one integer per
// line, or FILE.labels.npy beside FILE.npy), are read and kept; nothing requires them.
//
// Samples are read batch by batch: memory holds one batch, never the whole dataset.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xquant/graph.h"
#include "xquant/model.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant {

// What the dataset must produce for one model input: its name, element type and declared shape
// (dimension 0 is the batch; unknown/symbolic dimensions have value -1).
struct InputSpec {
  std::string name;
  DataType dtype = DataType::kFloat32;
  std::vector<int64_t> dims;
};

// The InputSpecs of a model's graph inputs, in file order.
std::vector<InputSpec> InputSpecsOf(const Model& model);

// How images become tensors: decoded (8-bit RGB; grey and alpha converted), resized with bilinear
// interpolation to the model's spatial size, scaled by `scale`, then (x - mean[c]) / std[c].
struct ImageOptions {
  enum class Layout { kAuto, kNCHW, kNHWC };
  // kAuto: NCHW when dimension 1 of the input is 1 or 3, else NHWC when the last one is.
  Layout layout = Layout::kAuto;
  float scale = 1.0f / 255.0f;
  std::vector<float> mean = {0.0f, 0.0f, 0.0f};  // per channel; one value applies to all
  std::vector<float> std = {1.0f, 1.0f, 1.0f};
  // Used when the model's spatial dimensions are symbolic.
  int64_t default_height = 224;
  int64_t default_width = 224;
};

struct DatasetOptions {
  ImageOptions image;
};

class Dataset {
 public:
  // Opens `spec` for a model with `inputs`. Checks what can be checked without reading every
  // sample (directory exists and is not empty, per-input subdirectories have equal counts, the
  // first sample's shape and dtype fit the input) and says which file and why on failure.
  static StatusOr<std::unique_ptr<Dataset>> Open(const std::string& spec, const std::vector<InputSpec>& inputs,
                                                 const DatasetOptions& options = {});
  virtual ~Dataset() = default;

  // Number of samples.
  virtual int64_t size() const = 0;
  // Samples [first, first + count) stacked along dimension 0, one tensor per model input name,
  // in each input's dtype. Errors name the file and sample.
  virtual StatusOr<std::map<std::string, Tensor>> ReadBatch(int64_t first, int64_t count) = 0;
  // Labels, one per sample (int64 [N] or float32 [N, ...]), when the dataset has them.
  virtual const std::optional<Tensor>& labels() const = 0;
  // "12 .npy files in data/repr", "random:16:0 (seeded normal)", ... for logs and reports.
  virtual std::string Describe() const = 0;
};

}  // namespace xquant
