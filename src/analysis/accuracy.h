// Task accuracy: top-1 classification accuracy of a model's scores against the dataset's labels,
// accumulated batch by batch (memory holds one batch's scores, never the whole dataset).
//
// Top-1: a sample is correct when the class with the highest score (dimension 1 of the scores;
// the first such class on ties, as numpy's argmax) equals its label. The scores are the model's
// first output, shaped [N, C] or [N, C, 1, ...] (trailing dimensions of size 1 are allowed);
// the labels are class indices, int64 [N] (dataset.h). NaN scores never win.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::analysis {

// Whether `labels` can be compared with top-1 predictions (int64, one per sample); when not,
// says why in `reason` (for the log).
bool LabelsAreClassIndices(const std::optional<Tensor>& labels, std::string* reason);

class TopOneAccuracy {
 public:
  // Counts batch `scores` ([count, C, 1...]) against labels[first, first + count).
  // REQUIRES: LabelsAreClassIndices(labels). Errors say which dimension does not fit.
  Status Add(const Tensor& scores, const Tensor& labels, int64_t first);

  int64_t correct() const { return correct_; }
  int64_t total() const { return total_; }
  // correct / total; nullopt before any sample was added.
  std::optional<double> Value() const;

 private:
  int64_t correct_ = 0;
  int64_t total_ = 0;
};

}  // namespace xquant::analysis
