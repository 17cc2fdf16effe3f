#include "analysis/accuracy.h"

#include <cmath>

namespace xquant::analysis {

bool LabelsAreClassIndices(const std::optional<Tensor>& labels, std::string* reason) {
  if (!labels || !labels->defined()) {
    *reason = "the dataset has no labels";
    return false;
  }
  if (labels->dtype() != DataType::kInt64 || labels->rank() != 1) {
    *reason = "its labels are not one integer class per sample (float or multi-dimensional labels)";
    return false;
  }
  return true;
}

Status TopOneAccuracy::Add(const Tensor& scores, const Tensor& labels, int64_t first) {
  if (scores.rank() < 2)
    return InvalidArgumentError("top-1 accuracy needs scores shaped [N, classes], got rank " +
                                std::to_string(scores.rank()));
  for (int axis = 2; axis < scores.rank(); ++axis)
    if (scores.dim(axis) != 1)
      return InvalidArgumentError("top-1 accuracy needs scores shaped [N, classes] (trailing dimensions of 1), "
                                  "dimension " + std::to_string(axis) + " is " + std::to_string(scores.dim(axis)));
  const int64_t count = scores.dim(0);
  const int64_t classes = scores.dim(1);
  if (first < 0 || first + count > labels.size())
    return InvalidArgumentError("samples [" + std::to_string(first) + ", " + std::to_string(first + count) +
                                ") have no labels (" + std::to_string(labels.size()) + " labels)");
  if (classes == 0) return InvalidArgumentError("top-1 accuracy: the scores have no classes");
  const int64_t* label = labels.data<int64_t>() + first;
  for (int64_t n = 0; n < count; ++n) {
    int64_t best = -1;
    double best_score = 0.0;
    for (int64_t c = 0; c < classes; ++c) {
      const double s = scores.GetAsDouble(n * classes + c);
      if (std::isnan(s)) continue;
      if (best < 0 || s > best_score) {
        best = c;
        best_score = s;
      }
    }
    if (best >= 0 && best == label[n]) ++correct_;
  }
  total_ += count;
  return Status::Ok();
}

std::optional<double> TopOneAccuracy::Value() const {
  if (total_ == 0) return std::nullopt;
  return static_cast<double>(correct_) / static_cast<double>(total_);
}

}  // namespace xquant::analysis
