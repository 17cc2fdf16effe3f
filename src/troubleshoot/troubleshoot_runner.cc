// RunTroubleshoot: the report, the majority rule, the judges, the general cases, and the
// comparison with a previous run.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "common/file_util.h"
#include "common/python_json.h"
#include "troubleshoot/judge.h"

namespace xquant {
namespace {

// The metric's direction: true when larger values are worse (mse), false when smaller are (cs, sqnr).
bool LargerIsWorse(const XQuantConfig& config, const std::string& metric) {
  auto it = config.is_detect_under_threshold_quantize_error.find(metric);
  return it == config.is_detect_under_threshold_quantize_error.end() || !it->second;
}

// Reads the per-layer and output metrics of a previous troubleshoot_report.json and compares.
// NaN values read as null and are not compared.
Status ComparePrevious(const std::string& path, TroubleshootResult* result, bool* improved) {
  XQ_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  const nlohmann::json old = ParsePythonJson(text);
  if (old.is_discarded() || !old.is_object() || !old.contains("metrics"))
    return InvalidArgumentError("--previous '" + path +
                                "' is not a troubleshoot_report.json written by xquant (no \"metrics\" key)");
  const ReportResult& report = result->report;
  const nlohmann::json& metrics = old["metrics"];
  int better = 0, compared = 0;
  for (const auto& [metric, threshold] : report.config.threshold_quantize_error) {
    const bool larger_is_worse = LargerIsWorse(report.config, metric);
    for (const DatasetMetrics* dataset : {&report.repr, &report.val}) {
      const std::string key = dataset->name;
      // The model output decides whether the countermeasures worked.
      if (metrics.contains("output") && metrics["output"].contains(key) && metrics["output"][key].contains(metric) &&
          metrics["output"][key][metric].is_number()) {
        const double before = metrics["output"][key][metric].get<double>();
        const double after = FindMetric(dataset->output, metric);
        const bool is_better = larger_is_worse ? after < before : after > before;
        result->changes.push_back({"(model output)", metric, key, before, after, is_better});
        better += is_better;
        ++compared;
      }
      if (!metrics.contains("layers") || !metrics["layers"].contains(key)) continue;
      const nlohmann::json& layers = metrics["layers"][key];
      for (size_t i = 0; i < report.points.size(); ++i) {
        const std::string& name = report.points[i].name;
        if (!layers.contains(name) || !layers[name].contains(metric) || !layers[name][metric].is_number()) continue;
        const double before = layers[name][metric].get<double>();
        const double after = FindMetric(report.Primary(*dataset, i), metric);
        result->changes.push_back(
            {name, metric, key, before, after, larger_is_worse ? after < before : after > before});
      }
    }
  }
  if (compared == 0)
    return InvalidArgumentError("--previous '" + path + "' has no output metrics for this run's thresholds (" +
                                "was it made with another configuration?)");
  // Improved when most output comparisons (metric x dataset) got better.
  *improved = 2 * better > compared;
  return Status::Ok();
}

}  // namespace

// The judges, the general cases and the comparison with a previous run, on a finished report;
// `quantization_log` is the log already read (nullptr without --quantization-log).
static StatusOr<TroubleshootResult> JudgeReport(ReportResult report, const TroubleshootOptions& options,
                                                const troubleshoot::QuantizationLogView* quantization_log);

StatusOr<TroubleshootResult> RunTroubleshoot(const std::string& float_model_path,
                                             const std::string& quantized_model_path, const std::string& repr_spec,
                                             const std::string& val_spec, const TroubleshootOptions& options) {
  ReportOptions report_options = options.report;
  report_options.track_input_ranges = true;
  // The log is read first: a wrong folder is refused before any model runs.
  std::optional<troubleshoot::QuantizationLogView> quantization_log;
  if (!options.quantization_log_dir.empty()) {
    XQ_ASSIGN_OR_RETURN(quantization_log, troubleshoot::ReadQuantizationLog(options.quantization_log_dir));
    // The merged layers' inputs are compared by the unbalanced-concatenation judge.
    // The merged node carries the second original node's output: pair them (the pairing would
    // otherwise match the merged Conv with the first by structure).
    for (const troubleshoot::LoggedMerge& m : quantization_log->merges) {
      report_options.range_nodes.push_back(m.first);
      report_options.range_nodes.push_back(m.second);
      report_options.node_pins.emplace_back(m.merged, m.second);
    }
  }
  XQ_ASSIGN_OR_RETURN(ReportResult report,
                      RunReport(float_model_path, quantized_model_path, repr_spec, val_spec, report_options));
  return JudgeReport(std::move(report), options, quantization_log ? &*quantization_log : nullptr);
}

StatusOr<TroubleshootResult> TroubleshootReport(ReportResult report, const TroubleshootOptions& options) {
  std::optional<troubleshoot::QuantizationLogView> quantization_log;
  if (!options.quantization_log_dir.empty()) {
    XQ_ASSIGN_OR_RETURN(quantization_log, troubleshoot::ReadQuantizationLog(options.quantization_log_dir));
  }
  return JudgeReport(std::move(report), options, quantization_log ? &*quantization_log : nullptr);
}

static StatusOr<TroubleshootResult> JudgeReport(ReportResult report, const TroubleshootOptions& options,
                                                const troubleshoot::QuantizationLogView* quantization_log) {
  const ReportOptions& report_options = options.report;
  TroubleshootResult result;
  result.report = std::move(report);
  const ReportResult& r = result.report;
  auto log = [&](const std::string& message) {
    if (report_options.log) report_options.log(message);
  };

  std::vector<bool> degraded(r.points.size(), false);
  const std::set<std::string> degraded_names(r.degraded_layers.begin(), r.degraded_layers.end());
  for (size_t i = 0; i < r.points.size(); ++i) degraded[i] = degraded_names.count(r.points[i].name) > 0;
  result.degraded_ratio = static_cast<double>(r.degraded_layers.size()) / static_cast<double>(r.points.size());

  if (r.degraded_layers.empty()) result.general_cases.push_back(GeneralCase::kNoDegradedLayers);
  // The reference's majority rule: judges run only below the ratio (strict).
  const bool majority = result.degraded_ratio >= r.config.threshold_degrade_layer_ratio;
  if (majority) result.general_cases.push_back(GeneralCase::kMajorityDegraded);
  if (!majority || options.judge_despite_majority) {
    result.judges_ran = true;
    troubleshoot::JudgeContext context{r, r.config, degraded, options.quantization_log_dir, quantization_log};
    for (const auto& judge : troubleshoot::AllJudges()) {
      std::vector<std::string> warnings;
      auto findings = judge->Run(context, &warnings);
      if (!findings.ok()) return findings.status().WithContext("judge " + judge->info().id);
      for (const std::string& w : warnings) {
        result.warnings.push_back(w);
        log("WARNING: " + w);
      }
      for (Finding& f : *findings) result.findings.push_back(std::move(f));
    }
    if (!majority && !r.degraded_layers.empty() && result.findings.empty())
      result.general_cases.push_back(GeneralCase::kNoJudgeApplies);
  }
  if (!options.previous_report.empty()) {
    bool improved = false;
    XQ_RETURN_IF_ERROR(ComparePrevious(options.previous_report, &result, &improved));
    if (!improved) result.general_cases.push_back(GeneralCase::kNotImproved);
  }
  for (const std::string& line : TroubleshootMessages(result)) log("WARNING: " + line);
  return result;
}

std::vector<std::string> TroubleshootMessages(const TroubleshootResult& result) {
  std::vector<std::string> lines;
  const ReportResult& r = result.report;
  if (!r.degraded_layers.empty()) {
    lines.push_back("This may be problematic because the quantization error is larger than other layers. Refer to "
                    "the troubleshooting manual (docs/troubleshooting/README.md).");
    for (const Detection& d : r.detections)
      for (size_t i = 0; i < d.degraded.size(); ++i)
        if (d.degraded[i]) {
          char value[32];
          std::snprintf(value, sizeof value, "%.6g", FindMetric(r.Primary(d.dataset == "repr" ? r.repr : r.val, i), d.metric));
          lines.push_back(d.metric + "[" + r.points[i].name + "]=" + value + " (" + d.dataset + ")");
        }
  }
  for (const auto& judge : troubleshoot::AllJudges()) {
    bool headline = false;
    for (const Finding& f : result.findings) {
      if (f.judge != judge->info().id) continue;
      if (!headline) {
        lines.push_back(judge->Headline());
        headline = true;
      }
      lines.push_back(f.message);
    }
  }
  for (GeneralCase c : result.general_cases)
    lines.push_back(std::string("General improvement measures apply: ") + GeneralCaseDescription(c) + ".");
  if (!result.general_cases.empty()) {
    lines.push_back("The general improvement measures of the troubleshooting manual:");
    for (const GeneralMeasure& m : GeneralMeasures())
      lines.push_back("  " + m.title + " (docs/troubleshooting/" + m.page + ".md)");
  }
  return lines;
}

}  // namespace xquant
