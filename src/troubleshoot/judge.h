// The judge interface: one cause of quantization loss per judge, each in its own file under
// judges/, all listed once in judge_registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "troubleshoot/quantization_log_reader.h"
#include "xquant/troubleshoot.h"

namespace xquant::troubleshoot {

// What every judge may read. All of it comes from the report; judges run no model.
struct JudgeContext {
  const ReportResult& report;
  const XQuantConfig& config;
  std::vector<bool> degraded;                 // per compare point: in report.degraded_layers
  const std::string& quantization_log_dir;    // may be empty
  // The quantizer's log when --quantization-log was given and read; nullptr otherwise.
  const QuantizationLogView* quantization_log = nullptr;
};

class Judge {
 public:
  virtual ~Judge() = default;
  virtual const JudgeInfo& info() const = 0;
  // The first warning line for this judge's findings (the reference's wording where it has one).
  virtual std::string Headline() const = 0;
  // Findings (degraded layers first). `warnings` receives why the judge could not look at
  // something (missing data), which is not a finding.
  virtual StatusOr<std::vector<Finding>> Run(const JudgeContext& context, std::vector<std::string>* warnings) const = 0;
};

// The four judges in run order: outlier removal, unbalanced concatenation, shift negative
// activation, mixed precision with model output loss objective.
const std::vector<std::unique_ptr<Judge>>& AllJudges();

// Factories, one per judges/<name>.cc.
std::unique_ptr<Judge> MakeOutlierRemovalJudge();
std::unique_ptr<Judge> MakeUnbalancedConcatenationJudge();
std::unique_ptr<Judge> MakeShiftNegativeActivationJudge();
std::unique_ptr<Judge> MakeMixedPrecisionJudge();

}  // namespace xquant::troubleshoot
