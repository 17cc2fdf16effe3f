// The writers of `xquant troubleshoot --fix`'s results (include/xquant/fix.h): fix_report.json
// and the before/after section of index.html. Formatting only; every number comes from FixResult.
#pragma once

#include <functional>
#include <string>

#include "xquant/fix.h"
#include "xquant/status.h"

namespace xquant::report {

// fix_report.json: the selection rule, the user's model's numbers, every candidate (its
// countermeasure, config delta, status, output metrics, accuracy, per degraded layer before/after,
// which findings remain), the choice, and the remaining general measures. `best_model_file` is the
// best model's file name relative to the report directory, "" when nothing improved.
Status WriteFixJson(const FixResult& result, const std::string& best_model_file, const std::string& path);

// The "Fix" section of index.html: candidates against the user's model, then per degraded layer
// the primary metrics before and after; manual links are `manual_prefix` + page + ".md".
std::string FixSection(const FixResult& result, const std::string& manual_prefix);

// WriteTroubleshootReport's files, with `more_sections(manual_prefix)` (when given) after the
// findings in index.html, so that a page with more sections is still written once.
Status WriteTroubleshootFiles(const TroubleshootResult& result,
                              const std::function<std::string(const std::string& manual_prefix)>& more_sections);

}  // namespace xquant::report
