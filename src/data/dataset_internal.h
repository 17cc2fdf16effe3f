// What the dataset kinds share: their factories (called by Dataset::Open once it has recognised
// the spec) and the checks every kind applies to a sample before it joins a batch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xquant/dataset.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::data {

// ---- factories ---------------------------------------------------------------------------------

// `files[i]` holds the .npy files of input i in sample order (equal counts, already checked).
// `where` is what Describe() names: the directory given by the user.
StatusOr<std::unique_ptr<Dataset>> OpenNpyDirectory(const std::string& where,
                                                    std::vector<std::vector<std::string>> files,
                                                    const std::vector<InputSpec>& inputs,
                                                    std::optional<Tensor> labels);
// One .npy whose dimension 0 counts samples; read row range by row range, never whole.
StatusOr<std::unique_ptr<Dataset>> OpenNpyFile(const std::string& path,
                                               const std::vector<InputSpec>& inputs);
// `files` are image files in sample order.
StatusOr<std::unique_ptr<Dataset>> OpenImageDirectory(const std::string& where,
                                                      std::vector<std::string> files,
                                                      const InputSpec& input,
                                                      const ImageOptions& options,
                                                      std::optional<Tensor> labels);
// `spec` is the whole "random:N[:SEED]" text.
StatusOr<std::unique_ptr<Dataset>> OpenRandom(const std::string& spec,
                                              const std::vector<InputSpec>& inputs);

// ---- shared helpers ----------------------------------------------------------------------------

// File-name order as people expect it: digit runs compare by value, so "2.npy" < "10.npy".
bool NaturalLess(const std::string& a, const std::string& b);

// "[batch, 3, 224, 224]": the declared dims, "?" for a symbolic one.
std::string DimsToString(const std::vector<int64_t>& dims);
// True when the input's rank is unknown (InputSpecsOf leaves its dims empty).
inline bool RankUnknown(const InputSpec& input) { return input.dims.empty(); }

// The shape of one sample (without the batch dimension) held by a file of shape `file_shape`
// that stores exactly one sample, with or without a leading dimension of 1. Fails, naming
// `origin`, when it cannot be the input's sample.
StatusOr<Shape> SingleSampleShape(const Shape& file_shape, const InputSpec& input,
                                  const std::string& origin);
// Fails, naming `origin`, when `sample_shape` (without the batch dimension) does not fit the
// input's declared dims 1..n (symbolic dims accept any size).
Status CheckSampleShape(const Shape& sample_shape, const InputSpec& input,
                        const std::string& origin);
// The dtype samples are stored in must be the input's, except float64 data for a float32 input
// (converted on read). An input of unknown dtype takes what the file holds.
Status CheckSampleDtype(DataType file_dtype, const InputSpec& input, const std::string& origin);
// The dtype a batch of `input` is produced in, given the first sample's dtype.
DataType BatchDtype(const InputSpec& input, DataType file_dtype);
// Copies `count` elements of `from_dtype` at `from` into `to` as `to_dtype` (equal, or float64 ->
// float32 as CheckSampleDtype allows).
void CopyConverted(const void* from, DataType from_dtype, void* to, DataType to_dtype,
                   int64_t count);

// [first, first + count) must lie within [0, size) and count must be positive.
Status CheckBatchRange(int64_t first, int64_t count, int64_t size);

// Labels for a dataset of `num_samples` samples from whichever of `candidates` exists (.npy or
// .txt by extension); nullopt when none does, an error when several do. Integer labels become int64
// [N], float labels float32 [N, ...].
StatusOr<std::optional<Tensor>> LoadLabels(const std::vector<std::string>& candidates,
                                           int64_t num_samples);

}  // namespace xquant::data
