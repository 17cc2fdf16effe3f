// fix_report.json and the before/after section of index.html (fix_writers.h).
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/python_json.h"
#include "report/metrics_json.h"
#include "report/fix_writers.h"
#include "report/text_format.h"

namespace xquant::report {
namespace {

using Json = nlohmann::ordered_json;

Json Optional(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

// Four significant digits for reading; fix_report.json has the exact values.
std::string Shown(double v) {
  if (std::isnan(v)) return "&ndash;";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", v);
  return EscapeXml(buffer);
}

std::string ShownPercent(const std::optional<double>& v) {
  if (!v) return "&ndash;";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * *v);
  return buffer;
}

}  // namespace

Status WriteFixJson(const FixResult& result, const std::string& best_model_file, const std::string& path) {
  const ReportResult& r = result.original.report;
  Json doc = Json::object();
  doc["selection_rule"] = kSelectionRule;
  doc["min_output_sqnr_gain_db"] = kMinOutputSqnrGainDb;
  doc["quantize_config"] = result.quantize_config_path.empty() ? Json("defaults") : Json(result.quantize_config_path);
  doc["improved"] = result.improved;
  doc["chosen"] = result.improved ? Json(result.candidates[result.best].id) : Json(nullptr);
  doc["best_model"] = best_model_file.empty() ? Json(nullptr) : Json(best_model_file);

  Json original;
  original["model"] = r.quantized_model_path;
  original["output"]["repr"] = MetricsObject(r.repr.output);
  original["output"]["val"] = MetricsObject(r.val.output);
  original["float_accuracy"] = Optional(r.val.float_accuracy);
  original["accuracy"] = Optional(r.val.quantized_accuracy);
  original["degraded_layers"] = r.degraded_layers;
  original["findings"] = Json::array();
  for (const Finding& f : result.original.findings)
    if (f.on_degraded_layer) original["findings"].push_back({{"judge", f.judge}, {"layer", f.layer}});
  original["general_cases"] = Json::array();
  for (GeneralCase c : result.original.general_cases) original["general_cases"].push_back(GeneralCaseName(c));
  doc["original"] = original;

  Json candidates = Json::array();
  for (const FixCandidate& c : result.candidates) {
    Json j;
    j["id"] = c.id;
    j["countermeasure"] = c.countermeasure;
    j["source"] = c.source;
    Json delta = Json::object();
    for (const auto& [field, value] : c.config_delta) delta[field] = value;
    j["config_delta"] = delta;
    // The float-model rewrite the candidate was quantized from and measured against ([] = none).
    j["float_rewrite"] = c.float_rewrite;
    j["status"] = c.status.ok() ? std::string("ok") : c.status.message();
    if (c.status.ok()) {
      j["output"]["repr"] = MetricsObject(c.output_repr);
      j["output"]["val"] = MetricsObject(c.output_val);
      j["accuracy"] = Optional(c.accuracy);
      Json layers = Json::array();
      for (const FixLayerComparison& l : c.layers)
        layers.push_back({{"layer", l.layer}, {"layer_after", l.layer_after}, {"before", MetricsObject(l.before)},
                          {"after", l.after.empty() ? Json(nullptr) : MetricsObject(l.after)},
                          {"degraded_after", l.degraded_after}});
      j["layers"] = layers;
      Json findings = Json::array();
      for (const FindingOutcome& o : c.findings)
        findings.push_back({{"judge", o.judge}, {"layer", o.layer}, {"judged", o.judged}, {"still_found", o.still_found}});
      j["findings"] = findings;
      j["degraded_layers"] = c.degraded_layers;
      j["beats_original"] = c.beats_original;
      j["seconds"] = c.seconds;
    }
    candidates.push_back(j);
  }
  doc["candidates"] = candidates;
  Json remaining = Json::array();
  for (const GeneralMeasure& m : result.remaining_measures)
    remaining.push_back({{"title", m.title}, {"manual", "docs/troubleshooting/" + m.page + ".md"}});
  doc["remaining_general_measures"] = remaining;
  doc["warnings"] = result.warnings;
  return WriteStringToFile(path, DumpPythonJson(doc));
}

std::string FixSection(const FixResult& result, const std::string& manual_prefix) {
  const ReportResult& r = result.original.report;
  const bool accuracy = r.val.quantized_accuracy.has_value();
  std::string html = "<section id=\"fix\"><h2>Fix: each countermeasure applied and measured</h2>\n";
  html += "<p>Each candidate re-quantizes the float model with xquant's quantizer (base configuration: " +
          EscapeXml(result.quantize_config_path.empty() ? "the defaults" : result.quantize_config_path) +
          ") and one countermeasure, measured on the same data (" + EscapeXml(r.val.name) +
          " below). Chosen by: " + EscapeXml(kSelectionRule) + ".</p>\n";
  if (result.improved) {
    const FixCandidate& best = result.candidates[result.best];
    html += "<p><strong>Improved:</strong> candidate <code>" + EscapeXml(best.id) + "</code> (" +
            EscapeXml(best.countermeasure) + "), written as <code>best_quantized.onnx</code>.</p>\n";
  } else {
    html += "<p><strong>No candidate improves on the quantized model.</strong> The general improvement measures "
            "still to try:</p>\n<ul>\n";
    for (const GeneralMeasure& m : result.remaining_measures)
      html += "<li><a href=\"" + EscapeXml(manual_prefix + m.page + ".md") + "\">" + EscapeXml(m.title) + "</a></li>\n";
    html += "</ul>\n";
  }

  // Candidates against the user's model: output metrics, accuracy, findings, degraded layers.
  html += "<h3>Model output (" + EscapeXml(r.val.name) + ")</h3>\n<table><thead><tr><th>model</th><th>countermeasure"
          "</th><th>config change</th><th>SQNR dB</th><th>MSE</th><th>cosine</th>" +
          std::string(accuracy ? "<th>top-1</th>" : "") +
          "<th>findings gone</th><th>degraded layers</th></tr></thead><tbody>\n";
  html += "<tr><td class=\"name\">quantized model (yours)</td><td></td><td></td><td>" +
          Shown(FindMetric(r.val.output, "sqnr_db")) + "</td><td>" + Shown(FindMetric(r.val.output, "mse")) +
          "</td><td>" + Shown(FindMetric(r.val.output, "cs")) + "</td>" +
          (accuracy ? "<td>" + ShownPercent(r.val.quantized_accuracy) + "</td>" : "") + "<td></td><td>" +
          std::to_string(r.degraded_layers.size()) + "</td></tr>\n";
  for (size_t k = 0; k < result.candidates.size(); ++k) {
    const FixCandidate& c = result.candidates[k];
    std::string delta;
    for (const auto& [field, value] : c.config_delta) delta += (delta.empty() ? "" : ", ") + field + "=" + value;
    const bool chosen = static_cast<int>(k) == result.best;
    html += "<tr" + std::string(chosen ? " class=\"chosen\"" : "") + "><td class=\"name\">" + EscapeXml(c.id) +
            (chosen ? " (chosen)" : "") + "</td><td>" + EscapeXml(c.countermeasure) + "</td><td>" + EscapeXml(delta) +
            "</td>";
    if (!c.status.ok()) {
      html += "<td colspan=\"" + std::to_string(accuracy ? 6 : 5) + "\">failed: " + EscapeXml(c.status.message()) +
              "</td></tr>\n";
      continue;
    }
    size_t gone = 0;
    for (const FindingOutcome& o : c.findings) gone += o.judged && !o.still_found;
    html += "<td>" + Shown(FindMetric(c.output_val, "sqnr_db")) + "</td><td>" + Shown(FindMetric(c.output_val, "mse")) +
            "</td><td>" + Shown(FindMetric(c.output_val, "cs")) + "</td>" +
            (accuracy ? "<td>" + ShownPercent(c.accuracy) + "</td>" : "") + "<td>" +
            (c.findings.empty() ? "" : std::to_string(gone) + "/" + std::to_string(c.findings.size())) + "</td><td>" +
            std::to_string(c.degraded_layers.size()) + "</td></tr>\n";
  }
  html += "</tbody></table>\n";

  // Per degraded layer of the user's model: the primary metrics in each model.
  if (!r.degraded_layers.empty()) {
    html += "<h3>Degraded layers (" + EscapeXml(r.val.name) + ")</h3>\n<table><thead><tr><th>layer</th><th>metric</th>"
            "<th>yours</th>";
    for (const FixCandidate& c : result.candidates)
      if (c.status.ok()) html += "<th>" + EscapeXml(c.id) + "</th>";
    html += "</tr></thead><tbody>\n";
    for (size_t l = 0; l < r.degraded_layers.size(); ++l) {
      for (const char* metric : {"sqnr_db", "mse", "cs"}) {
        double before = std::nan("");
        for (size_t i = 0; i < r.points.size(); ++i)
          if (r.points[i].name == r.degraded_layers[l]) before = FindMetric(r.Primary(r.val, i), metric);
        html += "<tr><td class=\"name\">" + EscapeXml(r.degraded_layers[l]) + "</td><td>" + metric + "</td><td>" +
                Shown(before) + "</td>";
        for (const FixCandidate& c : result.candidates) {
          if (!c.status.ok()) continue;
          const bool has = l < c.layers.size() && !c.layers[l].after.empty();
          html += "<td" + std::string(has && c.layers[l].degraded_after ? " class=\"degraded\"" : "") + ">" +
                  (has ? Shown(FindMetric(c.layers[l].after, metric)) : "no such layer") + "</td>";
        }
        html += "</tr>\n";
      }
    }
    html += "</tbody></table>\n";
  }
  return html + "</section>\n";
}

}  // namespace xquant::report
