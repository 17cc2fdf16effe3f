// Troubleshooting: why did the degraded layers degrade, and what to do about it.
//
// RunTroubleshoot() runs the report (report.h), then, when the share of degraded layers is below
// threshold_degrade_layer_ratio, every judge in turn (outlier removal, unbalanced concatenation,
// shift negative activation, mixed precision with model output loss objective). Each finding
// carries numbers (evidence), not only a yes/no, and names its page of the troubleshooting manual
// (docs/troubleshooting/). When no single cause explains the loss — no degraded layer, a majority
// degraded, no judge applies, or (with a previous report) the countermeasures did not help — the
// result lists the general improvement measures instead.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xquant/report.h"
#include "xquant/status.h"

namespace xquant {

// One thing a judge found.
struct Finding {
  std::string judge;                // "outlier_removal", "unbalanced_concatenation", ...
  std::string layer;                // the compare point (or node) it is about
  std::vector<std::string> layers;  // every layer involved (e.g. the two merged/concatenated ones)
  bool on_degraded_layer = false;   // about a layer flagged degraded (listed first)
  std::string message;              // one line, in the reference's manner
  std::vector<std::pair<std::string, double>> evidence;  // named numbers
  std::string note;                 // anything the numbers do not say
};

// The four situations in which the seed asks for the general improvement measures.
enum class GeneralCase {
  kNoDegradedLayers,     // nothing degraded
  kMajorityDegraded,     // degraded / compared >= threshold_degrade_layer_ratio: not individual layers
  kNoJudgeApplies,       // degraded layers, but no judge found a cause
  kNotImproved,          // with a previous report: the metrics did not improve
};
// "no_degraded_layers", "majority_degraded", "no_judge_applies", "not_improved".
const char* GeneralCaseName(GeneralCase c);
// The case in words: "no layer is degraded", ...
const char* GeneralCaseDescription(GeneralCase c);

// A general improvement measure: its manual page (docs/troubleshooting/<page>.md) and title.
struct GeneralMeasure {
  std::string page;
  std::string title;
};
// The seven general measures of the manual, in the manual's order.
const std::vector<GeneralMeasure>& GeneralMeasures();

// Each judge: its id (the troubleshoot_report.json key), manual page and title.
struct JudgeInfo {
  std::string id;
  std::string page;
  std::string title;
};
// The four judges, in the order they run.
const std::vector<JudgeInfo>& Judges();

// Per-layer change against a previous troubleshoot_report.json (--previous).
struct LayerChange {
  std::string layer;
  std::string metric;
  std::string dataset;
  double before = 0.0;
  double after = 0.0;
  bool improved = false;
};

struct TroubleshootOptions {
  ReportOptions report;
  // The quantizer's log folder (xquant quantize --log-dir): merged layers and bit widths.
  std::string quantization_log_dir;
  // A troubleshoot_report.json of an earlier run, to tell whether the countermeasures helped.
  std::string previous_report;
  // Runs the judges even when the reference's majority rule would skip them (the general case is
  // still reported). The fix loop sets it on its candidates: whether a finding went away must be
  // judged, and a candidate that quantizes more tensors than the user's model can have most of
  // them flagged by the absolute mse threshold.
  bool judge_despite_majority = false;
};

struct TroubleshootResult {
  ReportResult report;
  double degraded_ratio = 0.0;  // degraded / compared
  bool judges_ran = false;
  std::vector<Finding> findings;  // judge order; within a judge, degraded layers first
  std::vector<GeneralCase> general_cases;
  std::vector<LayerChange> changes;  // with a previous report
  std::vector<std::string> warnings;  // judges' warnings (skipped judges, missing data)
};

// The report, then the judges. Zero compare points is an error (from RunReport).
StatusOr<TroubleshootResult> RunTroubleshoot(const std::string& float_model_path,
                                             const std::string& quantized_model_path, const std::string& repr_spec,
                                             const std::string& val_spec, const TroubleshootOptions& options);

// The judges on a report already made (RunReport with track_input_ranges, so the concatenation
// judge has the input ranges): everything RunTroubleshoot does after the report.
StatusOr<TroubleshootResult> TroubleshootReport(ReportResult report, const TroubleshootOptions& options);

// Writes the report directory (WriteReport) plus troubleshoot_report.json, outlier_histgrams/ and
// the findings in index.html.
Status WriteTroubleshootReport(const TroubleshootResult& result);

// The warning lines, in the reference's manner: one line per finding type, then one per finding;
// then the general case and measures when they apply.
std::vector<std::string> TroubleshootMessages(const TroubleshootResult& result);

}  // namespace xquant
