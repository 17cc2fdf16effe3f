// Degraded-layer detection, as the reference does it: for each metric that has a threshold (in
// threshold_quantize_error order) and each dataset (repr, then val), a layer is degraded when its
// value is <= the threshold (metrics flagged "under") or >= it (the others); NaN never is. The
// union keeps first-detection order.
#pragma once

#include <functional>
#include <string>

#include "xquant/report.h"

namespace xquant::analysis {

// Fills result->detections and result->degraded_layers from the primary metrics. Thresholds for
// metrics the report does not have, and metrics without a threshold, are skipped with a warning
// (added to result->warnings and passed to `log`).
void DetectDegradedLayers(ReportResult* result, const std::function<void(const std::string&)>& log = nullptr);

}  // namespace xquant::analysis
