// The unbalanced-concatenation judge's reading of the quantizer's log: layers that graph
// preparation merged (BatchNormalization folding, 1x1-conv linear collapsing, residual
// collapsing), named in the log by their float nodes. Kept apart from the judge because only
// this part needs the log.
#pragma once

#include <string>
#include <vector>

#include "troubleshoot/judge.h"

namespace xquant::troubleshoot {

// The reference's guard against a zero first range in ratio = range2 / (range1 + eps).
constexpr double kRangeEpsilon = 1e-10;

// A number as the judge's messages print it (six significant digits).
std::string FormatJudgeNumber(double v);

// For every merge in `context.quantization_log` whose layer is degraded: the ranges (max - min on
// the representative data) of the two original layers' inputs, ratio = range(second) /
// (range(first) + 1e-10), found when max(ratio, 1/ratio) >= threshold_ratio_unbalanced_concatenation.
// Merges that cannot be judged (no compare point, no recorded range) add a warning.
std::vector<Finding> LoggedMergeFindings(const JudgeContext& context, const std::string& judge_id,
                                         std::vector<std::string>* warnings);

}  // namespace xquant::troubleshoot
