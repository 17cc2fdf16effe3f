// RunFix: troubleshoot the user's model, then build, measure and judge each candidate in turn.
//
// The float model is loaded once (by the troubleshooting run) and shared by every candidate's
// quantization and report; the representative data is opened once. Each candidate's report runs
// both models batch by batch like any report, so memory holds one batch and one candidate model
// (plus the best one so far).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "fix/candidates.h"
#include "fix/selection.h"
#include "report/fix_writers.h"
#include "xquant/fix.h"

namespace xquant {
namespace {

std::string Db(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f dB", v);
  return buffer;
}

std::string Percent(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * v);
  return buffer;
}

fix::Score ScoreOf(const DatasetMetrics& val) {
  return fix::Score{val.quantized_accuracy, FindMetric(val.output, "sqnr_db")};
}

int PointIndex(const ReportResult& report, const std::string& layer) {
  for (size_t i = 0; i < report.points.size(); ++i)
    if (report.points[i].name == layer) return static_cast<int>(i);
  return -1;
}

// The candidate's compare point for the user's point `point`: the one comparing the same float
// tensor (the same quantity, whatever the quantizers around it), else the one of the same name.
// Quantizers group nodes differently (a quantizer after a Conv or only after its activation), so
// the names alone would miss layers that are there.
int MatchingPoint(const ReportResult& candidate, const ComparePoint& point) {
  for (size_t i = 0; i < candidate.points.size(); ++i)
    if (candidate.points[i].float_tensor == point.float_tensor) return static_cast<int>(i);
  return PointIndex(candidate, point.name);
}

// Fills the candidate's numbers from its troubleshooting run, against the user's model.
void Compare(const TroubleshootResult& original, const TroubleshootResult& candidate, FixCandidate* c) {
  const ReportResult& before = original.report;
  const ReportResult& after = candidate.report;
  c->output_repr = after.repr.output;
  c->output_val = after.val.output;
  c->accuracy = after.val.quantized_accuracy;
  c->degraded_layers = after.degraded_layers;
  const std::set<std::string> degraded_after(after.degraded_layers.begin(), after.degraded_layers.end());
  for (const std::string& layer : before.degraded_layers) {
    FixLayerComparison row;
    row.layer = layer;
    if (int i = PointIndex(before, layer); i >= 0) {
      row.before = before.Primary(before.val, i);
      if (int j = MatchingPoint(after, before.points[i]); j >= 0) {
        row.after = after.Primary(after.val, j);
        row.layer_after = after.points[j].name;
        row.degraded_after = degraded_after.count(row.layer_after) > 0;
      }
    }
    c->layers.push_back(std::move(row));
  }
  for (const Finding& f : original.findings) {
    if (!f.on_degraded_layer) continue;
    FindingOutcome outcome{f.judge, f.layer, candidate.judges_ran, false};
    for (const Finding& g : candidate.findings)
      if (g.on_degraded_layer && g.judge == f.judge && g.layer == f.layer) outcome.still_found = true;
    c->findings.push_back(outcome);
  }
}

// The candidate's one line once measured.
std::string MeasuredLine(const FixCandidate& c, const fix::Score& original) {
  std::string line = "  output SQNR " + Db(FindMetric(c.output_val, "sqnr_db")) + " (quantized model: " +
                     Db(original.output_sqnr_db) + ")";
  if (c.accuracy && original.accuracy)
    line += ", top-1 " + Percent(*c.accuracy) + " (quantized model: " + Percent(*original.accuracy) + ")";
  size_t gone = 0;
  for (const FindingOutcome& o : c.findings) gone += o.judged && !o.still_found;
  if (!c.findings.empty())
    line += ", findings gone " + std::to_string(gone) + "/" + std::to_string(c.findings.size());
  line += ", degraded layers " + std::to_string(c.degraded_layers.size());
  return line + (c.beats_original ? "  [better]" : "");
}

}  // namespace

StatusOr<FixResult> RunFix(const std::string& float_model_path, const std::string& quantized_model_path,
                           const std::string& repr_spec, const std::string& val_spec, const FixOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  FixResult result;
  result.quantize_config_path = options.quantize_config_path;
  XQ_ASSIGN_OR_RETURN(result.original,
                      RunTroubleshoot(float_model_path, quantized_model_path, repr_spec, val_spec, options.troubleshoot));
  const std::shared_ptr<const Model> float_model = result.original.report.float_model;
  const fix::Score original_score = ScoreOf(result.original.report.val);

  auto opened = Dataset::Open(repr_spec, InputSpecsOf(*float_model), options.quantize.dataset);
  if (!opened.ok()) return opened.status().WithContext("fix: representative dataset");
  std::unique_ptr<Dataset> representative = std::move(opened).value();

  result.candidates = fix::PlanCandidates(result.original, options.quantize, representative->size(), &result.warnings);
  for (const std::string& note : result.warnings) say("fix: note: " + note);

  // Candidates are measured without a report directory (no log folder per candidate), quietly,
  // with the ranges the concatenation judge needs.
  ReportOptions measure = options.troubleshoot.report;
  measure.config.report_dir.clear();
  measure.mapping_file.clear();  // the user's pairs name the user's model's tensors
  measure.track_input_ranges = true;
  measure.progress = nullptr;
  measure.log = nullptr;

  std::vector<std::optional<fix::Score>> scores;
  // Measures candidates [first, end): quantize, report, judge, compare, keep the best model so far.
  auto measure_from = [&](size_t first) {
    const size_t total = result.candidates.size();
    scores.resize(total);
    for (size_t k = first; k < total; ++k) {
      FixCandidate& c = result.candidates[k];
      const auto start = std::chrono::steady_clock::now();
      std::string delta;
      for (const auto& [field, value] : c.config_delta) delta += (delta.empty() ? "" : ", ") + field + "=" + value;
      say("fix: candidate " + std::to_string(k + 1) + "/" + std::to_string(total) + " " + c.id + ": " +
          c.countermeasure + (delta.empty() ? "" : " [" + delta + "]"));

      QuantizeOptions q = options.quantize;
      q.config = c.config;
      q.log_dir.clear();
      if (c.source == "representative_dataset") q.max_samples = 0;
      // A candidate with a rewritten float model is quantized from it and measured against it:
      // its outputs are the float model's (an exact rewrite), and its compare points pair by name
      // with tensors that carry the rewrite's scaling, as its quantized tensors do; those points
      // are divided by the scaling before measuring, so they read in the user's model's units.
      const std::shared_ptr<const Model> reference = c.float_model ? c.float_model : float_model;
      for (const std::string& change : c.float_rewrite) say("  float model rewritten: " + change);
      auto quantized = Quantize(reference, *representative, q);
      if (!quantized.ok()) {
        c.status = quantized.status().WithContext("quantizing candidate '" + c.id + "'");
        say("  failed: " + c.status.message());
        continue;
      }
      ReportOptions candidate_measure = measure;
      candidate_measure.compare_rescales = c.compare_rescales;
      for (const LayerMerge& m : quantized->log.merges) {
        candidate_measure.range_nodes.push_back(m.first);
        candidate_measure.range_nodes.push_back(m.second);
      }
      auto report = RunReport(reference, quantized->model, float_model_path, "(candidate " + c.id + ")", repr_spec,
                              val_spec, candidate_measure);
      if (!report.ok()) {
        c.status = report.status().WithContext("measuring candidate '" + c.id + "'");
        say("  failed: " + c.status.message());
        continue;
      }
      TroubleshootOptions judge_options;
      judge_options.report = candidate_measure;
      judge_options.judge_despite_majority = true;
      auto judged = TroubleshootReport(std::move(report).value(), judge_options);
      if (!judged.ok()) {
        c.status = judged.status().WithContext("judging candidate '" + c.id + "'");
        say("  failed: " + c.status.message());
        continue;
      }
      Compare(result.original, *judged, &c);
      scores[k] = ScoreOf(judged->report.val);
      c.beats_original = fix::Beats(*scores[k], original_score);
      c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // Only the best model so far is kept in memory.
      const int best = fix::ChooseBest(scores, original_score);
      if (best == static_cast<int>(k)) result.best_model = quantized->model;
      say(MeasuredLine(c, original_score));
    }
  };
  measure_from(0);
  // The seed's fourth case: the judged countermeasures did not help, so the general measures a
  // quantizer can try by itself come next (when they were not among the candidates already).
  bool general_planned = false;
  for (const FixCandidate& c : result.candidates) general_planned |= fix::IsAutomaticMeasure(c.source);
  if (fix::ChooseBest(scores, original_score) < 0 && !general_planned) {
    const size_t first = result.candidates.size();
    std::vector<std::string> notes;
    fix::AddGeneralCandidates(options.quantize, representative->size(), &result.candidates, &notes);
    for (const std::string& note : notes) say("fix: note: " + note);
    result.warnings.insert(result.warnings.end(), notes.begin(), notes.end());
    if (result.candidates.size() > first) {
      say("fix: no countermeasure beat the quantized model; trying the general measures");
      measure_from(first);
    }
  }

  result.best = fix::ChooseBest(scores, original_score);
  result.improved = result.best >= 0;
  if (!result.improved) {
    result.best_model = nullptr;
    std::set<std::string> tried;
    for (const FixCandidate& c : result.candidates)
      if (c.status.ok() && fix::IsAutomaticMeasure(c.source)) tried.insert(c.source);
    for (const GeneralMeasure& m : GeneralMeasures())
      if (!tried.count(m.page)) result.remaining_measures.push_back(m);
  }
  return result;
}

std::vector<std::string> FixSummaryLines(const FixResult& result) {
  std::vector<std::string> lines;
  const DatasetMetrics& val = result.original.report.val;
  const double before = FindMetric(val.output, "sqnr_db");
  if (result.improved) {
    const FixCandidate& c = result.candidates[result.best];
    std::string line = "fix: best candidate '" + c.id + "' (" + c.countermeasure + "): output SQNR " +
                       Db(FindMetric(c.output_val, "sqnr_db")) + " on " + val.name + " (quantized model: " + Db(before) +
                       ")";
    if (c.accuracy && val.quantized_accuracy)
      line += ", top-1 " + Percent(*c.accuracy) + " (quantized model: " + Percent(*val.quantized_accuracy) + ")";
    lines.push_back(line);
    lines.push_back("fix: degraded layers " + std::to_string(c.degraded_layers.size()) + " (quantized model: " +
                    std::to_string(result.original.report.degraded_layers.size()) + ")");
    return lines;
  }
  size_t measured = 0;
  for (const FixCandidate& c : result.candidates) measured += c.status.ok();
  lines.push_back("fix: no candidate improves on the quantized model (" + std::to_string(measured) + " of " +
                  std::to_string(result.candidates.size()) + " candidates measured; output SQNR " + Db(before) +
                  " on " + val.name + ")");
  lines.push_back("fix: the general improvement measures still to try:");
  for (const GeneralMeasure& m : result.remaining_measures)
    lines.push_back("  " + m.title + " (docs/troubleshooting/" + m.page + ".md)");
  return lines;
}

Status WriteFixReport(const FixResult& result) {
  namespace fs = std::filesystem;
  // The troubleshooting report's files, its page with the before/after section after the findings.
  XQ_RETURN_IF_ERROR(report::WriteTroubleshootFiles(
      result.original, [&](const std::string& manual_prefix) { return report::FixSection(result, manual_prefix); }));
  const fs::path root(result.original.report.config.report_dir);
  std::string best_path;
  if (result.best_model) {
    best_path = (root / "best_quantized.onnx").string();
    XQ_RETURN_IF_ERROR(SaveModel(*result.best_model, best_path));
  } else {
    // A best model of an earlier run in the same folder would contradict this report.
    std::error_code ec;
    fs::remove(root / "best_quantized.onnx", ec);
  }
  return report::WriteFixJson(result, best_path.empty() ? "" : "best_quantized.onnx",
                              (root / "fix_report.json").string());
}

}  // namespace xquant
