// Read-only helpers over a ReportResult shared by the writers: consistency checks, lookups and
// the names the files use for enum values. Writers format; nothing here recomputes a metric.
#pragma once

#include <string>
#include <vector>

#include "xquant/report.h"
#include "xquant/status.h"

namespace xquant::report {

// InvalidArgument unless every per-layer vector matches result.points: each dataset's `layers`
// and each detection's `degraded` (a result assembled by hand through the API may not), and each
// detection names the dataset "repr" or "val". Writers call it before indexing anything.
Status CheckReportShape(const ReportResult& result);

// result.repr or result.val by name; nullptr for another name.
const DatasetMetrics* FindDataset(const ReportResult& result, const std::string& name);

// The metrics whose detection on `dataset` flags point `index`, in detection order.
std::vector<std::string> DegradedBy(const ReportResult& result, const std::string& dataset,
                                    size_t index);

// The detection of (metric, dataset), or nullptr.
const Detection* FindDetection(const ReportResult& result, const std::string& metric,
                               const std::string& dataset);

// The command line's spellings: "all" / "weighted", "post-quant" / "pre-quant".
std::string CompareSetName(CompareSet compare);
std::string CompareAtName(CompareAt compare_at);

}  // namespace xquant::report
