// The judges, the general measures and the manual's pages: the one list of each.
#include "troubleshoot/judge.h"

namespace xquant {

const char* GeneralCaseName(GeneralCase c) {
  switch (c) {
    case GeneralCase::kNoDegradedLayers:
      return "no_degraded_layers";
    case GeneralCase::kMajorityDegraded:
      return "majority_degraded";
    case GeneralCase::kNoJudgeApplies:
      return "no_judge_applies";
    case GeneralCase::kNotImproved:
      return "not_improved";
  }
  return "unknown";
}

const char* GeneralCaseDescription(GeneralCase c) {
  switch (c) {
    case GeneralCase::kNoDegradedLayers:
      return "no layer is degraded";
    case GeneralCase::kMajorityDegraded:
      return "the majority of layers is degraded, so the problem is not in individual layers";
    case GeneralCase::kNoJudgeApplies:
      return "layers are degraded but none of the judged causes applies";
    case GeneralCase::kNotImproved:
      return "the metrics did not improve over the previous run";
  }
  return "unknown";
}

const std::vector<GeneralMeasure>& GeneralMeasures() {
  static const std::vector<GeneralMeasure> kMeasures = {
      {"representative_dataset", "Representative dataset: size and diversity"},
      {"dataset_mismatch", "Representative and validation data do not match"},
      {"bias_correction", "Bias correction"},
      {"mixed_precision_samples", "More samples in the mixed-precision search"},
      {"threshold_error_method", "Threshold selection error method"},
      {"hessian_mixed_precision", "Hessian-based mixed precision"},
      {"gradient_based_ptq", "Gradient-based post-training quantization (GPTQ)"},
  };
  return kMeasures;
}

const std::vector<JudgeInfo>& Judges() {
  static const std::vector<JudgeInfo> kJudges = {
      {"outlier_removal", "outlier_removal", "Outlier removal"},
      {"unbalanced_concatenation", "unbalanced_concatenation", "Unbalanced \"concatenation\""},
      {"shift_negative_activation", "shift_negative_activation", "Shift negative activation"},
      {"mixed_precision_with_model_output_loss_objective", "mixed_precision_with_model_output_loss_objective",
       "Mixed precision with model output loss objective"},
  };
  return kJudges;
}

namespace troubleshoot {

const std::vector<std::unique_ptr<Judge>>& AllJudges() {
  static const std::vector<std::unique_ptr<Judge>> kAll = [] {
    std::vector<std::unique_ptr<Judge>> judges;
    judges.push_back(MakeOutlierRemovalJudge());
    judges.push_back(MakeUnbalancedConcatenationJudge());
    judges.push_back(MakeShiftNegativeActivationJudge());
    judges.push_back(MakeMixedPrecisionJudge());
    return judges;
  }();
  return kAll;
}

}  // namespace troubleshoot
}  // namespace xquant
