// NumPy .npy files: the exchange format for inputs, datasets and tensor dumps.
#pragma once

#include <string>
#include <vector>

#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant {

// Reads a .npy file (format 1.0, 2.0 or 3.0) of float32/float64/bool or 8-64-bit integers in C
// order. Fortran order, object arrays and pickles, big-endian data and other dtypes are refused
// with an error naming the file and what it holds.
StatusOr<Tensor> ReadNpy(const std::string& path);
// Parses .npy bytes; `origin` names the source in errors.
StatusOr<Tensor> ParseNpy(const std::string& bytes, const std::string& origin);

// Writes `tensor` as a format 1.0 .npy file.
Status WriteNpy(const std::string& path, const Tensor& tensor);
std::string SerializeNpy(const Tensor& tensor);

// The .npy files of a directory, sorted by name: a dataset with one sample per file.
StatusOr<std::vector<std::string>> ListNpyFiles(const std::string& directory);

}  // namespace xquant
