// The closed loop: troubleshoot a quantized model, apply each recommended countermeasure with
// xquant's own quantizer, measure every candidate the same way, and keep the best.
//
// RunFix() troubleshoots the user's quantized model (which may come from any tool), then builds
// candidates by re-quantizing the float model with quantize.h from a base configuration (the
// user's QuantizationConfig file, or the defaults) changed by one countermeasure each:
//   - the base itself ("re-quantized with the base configuration": what our quantizer alone gives);
//   - outlier removal: z_threshold = the suggested z threshold of the outlier finding;
//   - shift negative activation: shift_negative_activation_correction on (when the base already has
//     it on: shift_negative_ratio 0, the correction for every negative activation);
//   - unbalanced concatenation: linear_collapsing and residual_collapsing off; for a Concat whose
//     inputs share one scale, the smaller input scaled up by the judge's recommended ratio in the
//     float model and compensated in the Concat's consumers (an exact rewrite, src/fix/concat_scaling.h);
//   - mixed precision with model output loss objective: mixed precision with
//     distance_weighting_method LAST_LAYER;
//   - when no judge applies (or the majority degraded, or nothing degraded), and also after the
//     judged countermeasures when none of them beat the user's model: the general measures a
//     quantizer can try by itself — another activation error method (MAE, NOCLIPPING or MSE),
//     weights_bias_correction toggled, all representative samples when the base used fewer.
// Each candidate is compared with the float model by RunReport on the same representative and
// validation data as the original (one float model in memory for all of them), and the judges
// run again on its report. The best candidate (kSelectionRule) is kept only when it beats the
// user's model; otherwise the result says so and lists the general measures still to try.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xquant/quantize.h"
#include "xquant/report.h"
#include "xquant/status.h"
#include "xquant/troubleshoot.h"

namespace xquant {

// How the best candidate is chosen, in words (also written to fix_report.json):
// the score of a model is, when the validation data has class labels, its top-1 accuracy on them,
// ties broken by the output SQNR in dB on the validation data; without labels, the output SQNR in
// dB alone. A candidate replaces the user's model only when it beats it: higher accuracy, or the
// same accuracy (or no labels) and an output SQNR at least kMinOutputSqnrGainDb higher.
inline constexpr char kSelectionRule[] =
    "top-1 accuracy on the validation labels first (when the data has labels), then the output SQNR in dB on the "
    "validation data; a candidate replaces the quantized model only when it has a higher accuracy, or the same "
    "accuracy (or no labels) and an output SQNR at least 0.1 dB higher";
// A smaller SQNR gain is within run-to-run noise of a threshold search and does not count.
inline constexpr double kMinOutputSqnrGainDb = 0.1;

struct FixOptions {
  // The troubleshooting run of the user's model: report options (report_dir = where everything
  // is written, XQuantConfig thresholds, batch size, dataset options, threads), quantization log.
  TroubleshootOptions troubleshoot;
  // The base of every candidate: config (a QuantizationConfig file, or the defaults), batch size,
  // max_samples, dataset options, threads. Its `log` receives the quantizer's messages.
  QuantizeOptions quantize;
  // Where the base config came from, for the report ("" = the quantizer's defaults).
  std::string quantize_config_path;
  // One line per candidate as it starts and as it is measured.
  std::function<void(const std::string& line)> progress;
};

// One originally degraded layer measured in a candidate (validation data, primary metrics).
struct FixLayerComparison {
  std::string layer;
  MetricValues before;  // the user's quantized model
  // The candidate's compare point of the same float tensor (else of the same name); empty when
  // it has none (e.g. the layer was merged away).
  std::string layer_after;
  MetricValues after;
  bool degraded_after = false;  // layer_after is among the candidate's degraded layers
};

// One finding of the user's model, looked for again in the candidate's report.
struct FindingOutcome {
  std::string judge;
  std::string layer;
  // The judges ran on the candidate (not skipped by the majority rule); when false, still_found
  // says nothing.
  bool judged = false;
  // The same judge reports the same layer again, on a degraded layer (a pattern the judge merely
  // lists at lower priority, such as an activation with negative outputs, does not count).
  bool still_found = false;
};

struct FixCandidate {
  std::string id;              // "base", "outlier_removal_z4.5", "error_method_mae", ...
  std::string countermeasure;  // what was applied, in words
  std::string source;          // the judge id it answers, "base", or the general measure's page
  // Fields changed relative to the base config, as written in a config file: (field, value).
  std::vector<std::pair<std::string, std::string>> config_delta;
  QuantizationConfig config;
  // A countermeasure that rewrites the float model before quantizing it (concatenation scaling):
  // the rewritten model, which the candidate is quantized from and measured against (its outputs
  // equal the float model's up to float rounding; tensors between the rewritten layers differ by
  // the scaling). Null: the float model itself.
  std::shared_ptr<const Model> float_model;
  std::vector<std::string> float_rewrite;  // what the rewrite changed, one line per layer
  // The tensors the rewrite scaled: the candidate's compare points on them are measured divided
  // by the scaling, so its per-layer numbers are in the units of the user's model.
  std::vector<CompareRescale> compare_rescales;

  Status status;  // not ok: quantizing or measuring failed (the message says why); not chosen
  MetricValues output_repr, output_val;  // model output vs float
  std::optional<double> accuracy;        // top-1 on the validation labels, when there are any
  std::vector<FixLayerComparison> layers;   // per degraded layer of the user's model
  std::vector<FindingOutcome> findings;     // per finding of the user's model on a degraded layer
  std::vector<std::string> degraded_layers; // the candidate's own
  bool beats_original = false;
  double seconds = 0;  // quantizing + measuring
};

struct FixResult {
  TroubleshootResult original;  // the user's model, troubleshot
  std::vector<FixCandidate> candidates;
  int best = -1;          // index of the chosen candidate; -1 when none beats the user's model
  bool improved = false;  // best >= 0
  std::shared_ptr<const Model> best_model;  // the chosen candidate's model (null when none)
  // When nothing improved: the general measures not tried here (the seed's fourth case).
  std::vector<GeneralMeasure> remaining_measures;
  std::string quantize_config_path;
  std::vector<std::string> warnings;
};

// Troubleshoot, build and measure the candidates, choose. A candidate that fails is recorded with
// its status and the loop goes on; only a failure to troubleshoot the user's model is an error.
StatusOr<FixResult> RunFix(const std::string& float_model_path, const std::string& quantized_model_path,
                           const std::string& repr_spec, const std::string& val_spec, const FixOptions& options);

// Writes the troubleshooting report of the user's model (WriteTroubleshootReport), then
// fix_report.json, best_quantized.onnx (when a candidate improved) and the before/after section
// of index.html, all in result.original.report.config.report_dir.
Status WriteFixReport(const FixResult& result);

// The lines printed at the end: chosen candidate and its gain, or that nothing improved and the
// remaining general measures.
std::vector<std::string> FixSummaryLines(const FixResult& result);

}  // namespace xquant
