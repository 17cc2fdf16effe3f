// WriteTroubleshootReport: the report directory plus troubleshoot_report.json, the outlier
// histograms, the manual's pages and the Findings section of index.html.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "common/python_json.h"
#include "report/fix_writers.h"
#include "report/metrics_json.h"
#include "report/outlier_charts.h"
#include "report/text_format.h"
#include "report/writers.h"
#include "xquant/troubleshoot.h"

namespace xquant {
namespace report {
namespace {

namespace fs = std::filesystem;

double Evidence(const Finding& f, const std::string& name) {
  for (const auto& [key, value] : f.evidence)
    if (key == name) return value;
  return std::nan("");
}

}  // namespace

Status WriteTroubleshootJson(const TroubleshootResult& result, const std::string& path) {
  const ReportResult& r = result.report;
  nlohmann::ordered_json doc = nlohmann::ordered_json::object();
  // The reference's four keys, with its shapes; a key without findings is left out.
  nlohmann::ordered_json outliers = nlohmann::ordered_json::array(), negatives = nlohmann::ordered_json::array(),
                         concatenations = nlohmann::ordered_json::array(), bits = nlohmann::ordered_json::array();
  for (const Finding& f : result.findings) {
    if (f.judge == "outlier_removal") {
      outliers.push_back({f.layer, (fs::path(r.config.report_dir) / f.note).string()});
    } else if (f.judge == "shift_negative_activation") {
      negatives.push_back(f.layer);
    } else if (f.judge == "unbalanced_concatenation" && f.layers.size() == 2) {
      concatenations.push_back({f.layers[0], f.layers[1], "first layer * " + FormatDouble(Evidence(f, "recommended_scaling"))});
    } else if (f.judge == "mixed_precision_with_model_output_loss_objective") {
      bits.push_back(f.layer);
    }
  }
  if (!outliers.empty()) doc["outlier_removal"] = outliers;
  if (!negatives.empty()) doc["shift_negative_activation"] = negatives;
  if (!concatenations.empty()) doc["unbalanced_concatenation"] = concatenations;
  if (!bits.empty()) doc["mixed_precision_with_model_output_loss_objective"] = bits;

  // Ours: the numbers behind each finding, the general measures, and what --previous reads.
  nlohmann::ordered_json evidence = nlohmann::ordered_json::array();
  for (const Finding& f : result.findings) {
    nlohmann::ordered_json e;
    e["judge"] = f.judge;
    e["layer"] = f.layer;
    e["layers"] = f.layers;
    e["on_degraded_layer"] = f.on_degraded_layer;
    e["message"] = f.message;
    nlohmann::ordered_json numbers = nlohmann::ordered_json::object();
    for (const auto& [key, value] : f.evidence) numbers[key] = value;
    e["evidence"] = numbers;
    if (!f.note.empty()) e["note"] = f.note;
    e["manual"] = "docs/troubleshooting/" + f.judge + ".md";
    evidence.push_back(e);
  }
  doc["evidence"] = evidence;
  nlohmann::ordered_json general;
  general["cases"] = nlohmann::ordered_json::array();
  for (GeneralCase c : result.general_cases) general["cases"].push_back(GeneralCaseName(c));
  general["measures"] = nlohmann::ordered_json::array();
  if (!result.general_cases.empty())
    for (const GeneralMeasure& m : GeneralMeasures())
      general["measures"].push_back({{"title", m.title}, {"manual", "docs/troubleshooting/" + m.page + ".md"}});
  doc["general_measures"] = general;
  doc["degraded_layers"] = r.degraded_layers;
  doc["degraded_ratio"] = result.degraded_ratio;
  doc["threshold_degrade_layer_ratio"] = r.config.threshold_degrade_layer_ratio;
  doc["judges_ran"] = result.judges_ran;
  nlohmann::ordered_json metrics;
  for (const DatasetMetrics* d : {&r.repr, &r.val}) metrics["output"][d->name] = MetricsObject(d->output);
  for (const DatasetMetrics* d : {&r.repr, &r.val}) {
    nlohmann::ordered_json layers = nlohmann::ordered_json::object();
    for (size_t i = 0; i < r.points.size() && i < d->layers.size(); ++i)
      layers[r.points[i].name] = MetricsObject(r.Primary(*d, i));
    metrics["layers"][d->name] = layers;
  }
  doc["metrics"] = metrics;
  if (!result.changes.empty()) {
    nlohmann::ordered_json changes = nlohmann::ordered_json::array();
    for (const LayerChange& c : result.changes)
      changes.push_back({{"layer", c.layer}, {"metric", c.metric}, {"dataset", c.dataset},
                         {"before", c.before}, {"after", c.after}, {"improved", c.improved}});
    doc["changes"] = changes;
  }
  doc["warnings"] = result.warnings;
  return WriteStringToFile(path, DumpPythonJson(doc));
}

// The Findings section of index.html: each finding with its numbers and its manual page.
std::string FindingsSection(const TroubleshootResult& result, const std::string& manual_prefix) {
  std::string html = "<section id=\"findings\"><h2>Findings</h2>\n";
  auto link = [&](const std::string& page, const std::string& title) {
    return "<a href=\"" + EscapeXml(manual_prefix + page + ".md") + "\">" + EscapeXml(title) + "</a>";
  };
  if (!result.judges_ran)
    html += "<p>The judges did not run: " + FormatDouble(result.degraded_ratio * 100) +
            "% of the layers are degraded, at or above threshold_degrade_layer_ratio.</p>\n";
  for (const JudgeInfo& judge : Judges()) {
    std::string rows;
    for (const Finding& f : result.findings) {
      if (f.judge != judge.id) continue;
      std::string numbers;
      for (const auto& [key, value] : f.evidence) {
        // Four significant digits for reading; troubleshoot_report.json has the exact values.
        char shown[32];
        std::snprintf(shown, sizeof shown, "%.4g", value);
        numbers += (numbers.empty() ? "" : ", ") + EscapeXml(key) + "=" + EscapeXml(shown);
      }
      rows += "<tr" + std::string(f.on_degraded_layer ? " class=\"degraded\"" : "") + "><td class=\"name\">" +
              EscapeXml(f.layer) + "</td><td>" + EscapeXml(f.message) + "</td><td>" + numbers + "</td><td>" +
              EscapeXml(f.note) + "</td></tr>\n";
    }
    if (rows.empty()) continue;
    html += "<h3>" + link(judge.page, judge.title) + "</h3>\n<table><thead><tr><th>layer</th><th>finding</th>"
            "<th>evidence</th><th>note</th></tr></thead><tbody>\n" + rows + "</tbody></table>\n";
  }
  if (result.judges_ran && result.findings.empty()) html += "<p>No judge found a cause.</p>\n";
  if (!result.general_cases.empty()) {
    html += "<h3>General improvement measures</h3>\n<p>Why: ";
    for (size_t k = 0; k < result.general_cases.size(); ++k)
      html += (k ? "; " : "") + std::string(GeneralCaseDescription(result.general_cases[k]));
    html += ".</p>\n<ul>\n";
    for (const GeneralMeasure& m : GeneralMeasures()) html += "<li>" + link(m.page, m.title) + "</li>\n";
    html += "</ul>\n";
  }
  return html + "</section>\n";
}

Status WriteTroubleshootFiles(const TroubleshootResult& result,
                              const std::function<std::string(const std::string&)>& more_sections) {
  namespace fs = std::filesystem;
  const fs::path root(result.report.config.report_dir);
  if (root.empty()) return InvalidArgumentError("report_dir is empty: say where the report goes");
  // The manual's pages go beside the report, so its links work wherever the report is opened.
  // Copied first: the page links to them, and the page is written once, findings included.
  std::string manual_prefix = "troubleshooting/";
  std::error_code ec;
  const fs::path manual(XQ_MANUAL_DIR);
  if (fs::is_directory(manual, ec)) {
    fs::create_directories(root / "troubleshooting", ec);
    for (const auto& entry : fs::directory_iterator(manual, ec))
      if (entry.path().extension() == ".md")
        fs::copy_file(entry.path(), root / "troubleshooting" / entry.path().filename(),
                      fs::copy_options::overwrite_existing, ec);
    if (ec) return IOError("cannot copy the troubleshooting manual into '" + (root / "troubleshooting").string() +
                           "': " + ec.message());
  } else {
    manual_prefix = "docs/troubleshooting/";  // the pages in the xquant source tree
  }
  std::string sections = FindingsSection(result, manual_prefix);
  if (more_sections) sections += more_sections(manual_prefix);
  XQ_RETURN_IF_ERROR(WriteReportFiles(result.report, sections));
  XQ_RETURN_IF_ERROR(WriteTroubleshootJson(result, (root / "troubleshoot_report.json").string()));
  return WriteOutlierCharts(result, root.string());
}

}  // namespace report

Status WriteTroubleshootReport(const TroubleshootResult& result) { return report::WriteTroubleshootFiles(result, nullptr); }

}  // namespace xquant
