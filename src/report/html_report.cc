// index.html: one self-contained page — inline CSS and JS, charts as PNG data: URIs, no fonts or
// scripts from anywhere else — so it opens from disk, offline, and can be mailed as one file.
// Every string that came from the user's files (names, paths, descriptions, warnings) goes through
// EscapeXml. The page's sections and columns are described in docs/report.md.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "report/chart.h"
#include "report/loss_charts.h"
#include "report/report_data.h"
#include "report/text_format.h"
#include "report/writers.h"

namespace xquant::report {
namespace {

constexpr char kStyle[] = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 24px 40px;
       color: #1b1b1b; background: #fff; font-size: 14px; }
h1 { margin: 20px 0 4px; font-size: 24px; }
h2 { margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.sub { color: #555; margin: 0 0 12px; overflow-wrap: anywhere; }
table { border-collapse: collapse; }
th, td { padding: 3px 8px; border: 1px solid #d6d6d6; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { width: 180px; }
td.bad { background: #ffd9d9; color: #a00000; font-weight: 600; }
td.name { min-width: 240px; max-width: 480px; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
th.tight { width: 1%; }
.table-scroll { overflow-x: auto; }
#layer-table th.group { text-align: center; }
tr.degraded td.name { color: #b00000; font-weight: 600; }
#layer-table thead th[data-col] { cursor: pointer; user-select: none; white-space: nowrap; }
#layer-table thead th[data-col]::after { content: " \2195"; color: #999; }
#layer-table thead th[aria-sort="ascending"]::after { content: " \25B2"; color: #000; }
#layer-table thead th[aria-sort="descending"]::after { content: " \25BC"; color: #000; }
#layer-table tbody tr:hover { background: #f7f7fb; }
#layer-filter { margin: 6px 0 10px; padding: 4px 8px; width: 320px; }
.chart { overflow-x: auto; border: 1px solid #ddd; margin: 6px 0 24px; }
.chart img { display: block; }
figure { margin: 0; }
figcaption { font-weight: 600; }
ul.warnings li { color: #8a5300; }
.note { color: #555; max-width: 900px; }
)css";

// Sorting: numeric columns compare as numbers (data-v holds the exact value; "Infinity" and
// "-Infinity" order naturally; NaN goes last in either direction), text columns with a natural
// order; a second click on the same header reverses. Ties keep the previous order.
constexpr char kScript[] = R"js(
(function () {
  const table = document.getElementById('layer-table');
  const body = table.tBodies[0];
  const headers = table.querySelectorAll('thead th[data-col]');
  function sortBy(th) {
    const ascending = th.getAttribute('aria-sort') !== 'ascending';
    headers.forEach(h => h.removeAttribute('aria-sort'));
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    const col = Number(th.dataset.col);
    const numeric = th.dataset.type === 'num';
    const rows = Array.from(body.rows).map((row, i) => {
      const cell = row.cells[col];
      const key = numeric ? parseFloat(cell.dataset.v) : cell.textContent.trim();
      return {row, i, key};
    });
    rows.sort((a, b) => {
      let c;
      if (numeric) {
        const an = Number.isNaN(a.key), bn = Number.isNaN(b.key);
        if (an || bn) return (an - bn) || (a.i - b.i);
        c = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
      } else {
        c = a.key.localeCompare(b.key, undefined, {numeric: true});
      }
      return (ascending ? c : -c) || (a.i - b.i);
    });
    rows.forEach(r => body.appendChild(r.row));
  }
  headers.forEach(th => {
    th.tabIndex = 0;
    th.addEventListener('click', () => sortBy(th));
    th.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(th); } });
  });
  const filter = document.getElementById('layer-filter');
  filter.addEventListener('input', () => {
    const needle = filter.value.toLowerCase();
    Array.from(body.rows).forEach(row => {
      row.hidden = needle !== '' && !row.cells[1].textContent.toLowerCase().includes(needle);
    });
  });
})();
)js";

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const uint32_t v =
        static_cast<uint8_t>(bytes[i]) << 16 | (two ? static_cast<uint8_t>(bytes[i + 1]) << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += two ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Four significant digits for reading; the exact value stays in data-v and the tooltip.
std::string Display(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.4g", value);
  return buffer;
}

// What JavaScript's parseFloat reads back exactly.
std::string ForScript(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return FormatDouble(value);
}

std::string NumberCell(double value, bool bad = false) {
  return "<td class=\"num" + std::string(bad ? " bad" : "") + "\" data-v=\"" + ForScript(value) +
         "\" title=\"" + FormatDouble(value) + "\">" + Display(value) + "</td>";
}

std::string TextCell(std::string_view text, const char* css_class = nullptr) {
  return std::string("<td") + (css_class ? std::string(" class=\"") + css_class + "\"" : "") + ">" +
         EscapeXml(text) + "</td>";
}

// Layer names are long paths without spaces ("/features/features.1/conv/conv.0/Conv"): <wbr>
// after each '/', '_' and '.' lets a long one wrap at a separator instead of mid-word.
std::string NameCell(std::string_view name) {
  std::string html = "<td class=\"name\">";
  for (char c : EscapeXml(name)) {
    html += c;
    if (c == '/' || c == '_' || c == '.') html += "<wbr>";
  }
  return html + "</td>";
}

// One quantizer record in words: "uint8 8-bit unsigned (QDQ), scale 0.02, zero point 0, range
// [0, 5.1]"; per axis or per block the scales' spread instead.
std::string QuantizationText(const QuantizationInfo& q) {
  if (q.dtype == DataType::kUndefined && q.scale.empty()) return "";
  std::string text = q.dtype != DataType::kUndefined ? DataTypeName(q.dtype) + " " : "";
  text += std::to_string(q.bits) + "-bit " + (q.is_signed ? "signed" : "unsigned") + (q.narrow ? " narrow" : "");
  text += " (" + q.dialect + ")";
  if (q.axis < 0 && q.scale.size() == 1) {
    text += ", scale " + FormatDouble(FloatAsDouble(q.scale[0]));
    if (q.zero_point.size() == 1) text += ", zero point " + std::to_string(q.zero_point[0]);
  } else if (!q.scale.empty()) {
    float lo = q.scale[0], hi = q.scale[0];
    for (float s : q.scale) {
      lo = std::min(lo, s);
      hi = std::max(hi, s);
    }
    text += (q.block_size > 0 ? ", per block of " + std::to_string(q.block_size) + " along axis "
                              : ", per axis ") +
            std::to_string(q.axis) + " (" + std::to_string(q.scale.size()) + "), scale " +
            Display(FloatAsDouble(lo)) + " \xE2\x80\xA6 " + Display(FloatAsDouble(hi));
  }
  text += ", range [" + Display(FloatAsDouble(q.range_min)) + ", " + Display(FloatAsDouble(q.range_max)) + "]";
  return text;
}

// The metric columns of the layer table, per dataset: every metric with a threshold (detection
// order), then sqnr_db (the readable form of sqnr); all metrics when nothing has a threshold.
std::vector<std::string> TableMetrics(const ReportResult& result) {
  std::vector<std::string> metrics;
  const auto add = [&](const std::string& m) {
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  };
  for (const Detection& d : result.detections) add(d.metric);
  if (metrics.empty()) {
    for (const std::string& m : result.metric_names) add(m);
  } else if (std::find(result.metric_names.begin(), result.metric_names.end(), "sqnr_db") !=
             result.metric_names.end()) {
    add("sqnr_db");
  }
  return metrics;
}

std::string Summary(const ReportResult& result) {
  std::string html = "<section id=\"summary\"><h2>Summary</h2>\n<table class=\"kv\">\n";
  const auto row = [&](const std::string& key, const std::string& value_html) {
    html += "<tr><th>" + key + "</th><td>" + value_html + "</td></tr>\n";
  };
  row("Float model", EscapeXml(result.float_model_path));
  row("Quantized model", EscapeXml(result.quantized_model_path));
  size_t weighted = 0;
  for (const ComparePoint& p : result.points) weighted += p.weighted ? 1 : 0;
  row("Compare points", std::to_string(result.points.size()) + " (" + std::to_string(weighted) +
                            " after weighted layers); compare = " + CompareSetName(result.compare));
  row("Compared tensor",
      CompareAtName(result.compare_at) +
          (result.compare_at == CompareAt::kPreQuant
               ? ": the quantized tensor before its own quantize (the reference's semantics)"
               : ": the quantized tensor after its own quantize/dequantize (what the next layer "
                 "consumes)"));
  row("Batch size", std::to_string(result.batch_size));
  std::string degraded =
      std::to_string(result.degraded_layers.size()) + " of " + std::to_string(result.points.size());
  for (size_t i = 0; i < result.degraded_layers.size(); ++i) {
    degraded += (i ? ", " : ": ") + std::string("<code>") + EscapeXml(result.degraded_layers[i]) +
                "</code>";
  }
  row("Degraded layers", degraded);
  if (!result.unpaired_points.empty()) {
    const size_t count = result.unpaired_points.size();
    row("Unpaired points",
        std::to_string(count) +
            (count == 1 ? " quantization point has" : " quantization points have") +
            " no float partner and is not compared (see alignment.json)");
  }
  html += "</table>\n";

  html +=
      "<h3>Datasets and model outputs</h3>\n<table "
      "class=\"grid\"><thead><tr><th>dataset</th><th>data</th>"
      "<th>samples</th><th>batches</th>";
  for (const std::string& m : result.metric_names) html += "<th>output " + EscapeXml(m) + "</th>";
  html += "</tr></thead><tbody>\n";
  for (const DatasetMetrics* d : {&result.repr, &result.val}) {
    html += "<tr>" + TextCell(d == &result.repr ? "repr" : "val") + TextCell(d->description) +
            NumberCell(static_cast<double>(d->samples)) +
            NumberCell(static_cast<double>(d->batches));
    for (const std::string& m : result.metric_names) html += NumberCell(FindMetric(d->output, m));
    html += "</tr>\n";
  }
  html += "</tbody></table>\n";
  if (result.repr.float_accuracy || result.val.float_accuracy) {
    // Task accuracy: what the user ultimately cares about, when the data has class labels.
    html +=
        "<h3>Task accuracy (top-1)</h3>\n<table class=\"grid\"><thead><tr><th>dataset</th>"
        "<th>float (%)</th><th>quantized (%)</th><th>change (points)</th></tr></thead><tbody>\n";
    for (const DatasetMetrics* d : {&result.repr, &result.val}) {
      if (!d->float_accuracy || !d->quantized_accuracy) continue;
      html += "<tr>" + TextCell(d == &result.repr ? "repr" : "val") + NumberCell(100.0 * *d->float_accuracy) +
              NumberCell(100.0 * *d->quantized_accuracy) +
              NumberCell(100.0 * (*d->quantized_accuracy - *d->float_accuracy)) + "</tr>\n";
    }
    html += "</tbody></table>\n";
  }
  if (result.repr.per_output.size() > 1) {
    html +=
        "<h3>Per model output</h3>\n<table "
        "class=\"grid\"><thead><tr><th>dataset</th><th>output</th>";
    for (const std::string& m : result.metric_names) html += "<th>" + EscapeXml(m) + "</th>";
    html += "</tr></thead><tbody>\n";
    for (const DatasetMetrics* d : {&result.repr, &result.val}) {
      for (const auto& [output, values] : d->per_output) {
        html += "<tr>" + TextCell(d == &result.repr ? "repr" : "val") + TextCell(output);
        for (const std::string& m : result.metric_names) html += NumberCell(FindMetric(values, m));
        html += "</tr>\n";
      }
    }
    html += "</tbody></table>\n";
  }

  html +=
      "<h3>Thresholds</h3>\n<table class=\"grid\"><thead><tr><th>metric</th><th>degraded when</th>"
      "<th>dataset</th><th>degraded layers</th></tr></thead><tbody>\n";
  for (const Detection& d : result.detections) {
    size_t count = 0;
    for (bool flag : d.degraded) count += flag ? 1 : 0;
    html += "<tr>" + TextCell(d.metric) +
            TextCell((d.under ? "\xE2\x89\xA4 " : "\xE2\x89\xA5 ") + FormatDouble(d.threshold)) +
            TextCell(d.dataset) + NumberCell(static_cast<double>(count)) + "</tr>\n";
  }
  html += "</tbody></table>\n";

  html += "<h3>Warnings</h3>\n";
  if (result.warnings.empty()) {
    html += "<p>None.</p>\n";
  } else {
    html += "<ul class=\"warnings\">\n";
    for (const std::string& w : result.warnings) html += "<li>" + EscapeXml(w) + "</li>\n";
    html += "</ul>\n";
  }
  return html + "</section>\n";
}

std::string LayerTable(const ReportResult& result) {
  const std::vector<std::string> metrics = TableMetrics(result);
  std::string html =
      "<section id=\"layers\"><h2>Layers</h2>\n<p class=\"note\">One row per compare point in "
      "graph order. "
      "Metric values are the " +
      CompareAtName(result.compare_at) +
      " errors (the values of quant_report.json's reference keys); red cells are beyond their "
      "threshold. "
      "Click a column header to sort, click it again to reverse.</p>\n"
      "<input type=\"search\" id=\"layer-filter\" placeholder=\"Filter layers by name\" "
      "aria-label=\"Filter layers by "
      "name\">\n<div class=\"table-scroll\"><table id=\"layer-table\" class=\"grid\"><thead>\n<tr>";
  const char* const fixed[][2] = {{"#", "num"},        {"layer", "text"},
                                  {"op", "text"},      {"weighted", "text"},
                                  {"pairing", "text"}, {"quantization", "text"}};
  int column = 0;
  for (const auto& [label, type] : fixed) {
    // Every column but the name shrinks to its content; the name takes the remaining width.
    const char* width = std::string_view(label) == "layer" ? "" : " class=\"tight\"";
    html += "<th rowspan=\"2\"" + std::string(width) + " data-col=\"" + std::to_string(column++) +
            "\" data-type=\"" + type + "\">" + label + "</th>";
  }
  const std::string span = std::to_string(metrics.size());
  html += "<th class=\"group\" colspan=\"" + span + "\">repr</th><th class=\"group\" colspan=\"" +
          span + "\">val</th></tr>\n<tr>";
  for (int dataset = 0; dataset < 2; ++dataset) {
    for (const std::string& m : metrics) {
      html += "<th data-col=\"" + std::to_string(column++) + "\" data-type=\"num\">" +
              EscapeXml(m) + "</th>";
    }
  }
  html += "</tr>\n</thead><tbody>\n";

  for (size_t i = 0; i < result.points.size(); ++i) {
    const ComparePoint& p = result.points[i];
    const bool degraded =
        !DegradedBy(result, "repr", i).empty() || !DegradedBy(result, "val", i).empty();
    char confidence[32];
    std::snprintf(confidence, sizeof(confidence), "%.2f", p.confidence);
    html += std::string("<tr") + (degraded ? " class=\"degraded\"" : "") + ">" +
            NumberCell(static_cast<double>(i)) + NameCell(p.name) + TextCell(p.op_type) +
            TextCell(p.weighted ? "yes" : "no") +
            TextCell(p.pairing_method + " " + confidence, "nowrap") +
            TextCell(QuantizationText(p.quantization) +
                         (p.weight_quantization ? "; weights: " + QuantizationText(*p.weight_quantization) : ""),
                     "nowrap");
    for (const DatasetMetrics* d : {&result.repr, &result.val}) {
      const std::string dataset = d == &result.repr ? "repr" : "val";
      for (const std::string& m : metrics) {
        const Detection* detection = FindDetection(result, m, dataset);
        html += NumberCell(FindMetric(result.Primary(*d, i), m),
                           detection != nullptr && detection->degraded[i]);
      }
    }
    html += "</tr>\n";
  }
  return html + "</tbody></table></div>\n</section>\n";
}

StatusOr<std::string> Charts(const ReportResult& result, const LossChartPngs* pngs) {
  if (pngs != nullptr && pngs->size() != result.detections.size()) {
    return InvalidArgumentError("the page was handed " + std::to_string(pngs->size()) + " loss charts for " +
                                std::to_string(result.detections.size()) + " detections");
  }
  std::string html =
      "<section id=\"charts\"><h2>Charts</h2>\n<p class=\"note\">The primary error of every layer "
      "per metric and dataset, as in quant_loss_&lt;metric&gt;_&lt;dataset&gt;.png/.svg; degraded "
      "layers are circled and named in red.</p>\n";
  for (size_t k = 0; k < result.detections.size(); ++k) {
    // PNG, not SVG: cairo's SVG draws every glyph as a separate element, which makes a 250-layer
    // chart about 1 MB against 0.1-0.3 MB of PNG.
    std::string rendered;
    if (pngs == nullptr) {
      XQ_ASSIGN_OR_RETURN(rendered, RenderLineChart(MakeLossChart(result, result.detections[k]), ImageFormat::kPng));
    }
    const std::string& png = pngs != nullptr ? (*pngs)[k] : rendered;
    const std::string title = EscapeXml(LossChartStem(result.detections[k]));
    html += "<figure id=\"" + title + "\"><figcaption>" + title +
            "</figcaption><div class=\"chart\"><img alt=\"" + title +
            "\" src=\"data:image/png;base64," + Base64(png) + "\"></div></figure>\n";
  }
  if (result.detections.empty())
    html += "<p>No metric has a threshold, so there are no charts.</p>\n";
  return html + "</section>\n";
}

}  // namespace

Status WriteHtmlReport(const ReportResult& result, const std::string& path, const std::string& extra_sections,
                       const LossChartPngs* pngs) {
  XQ_RETURN_IF_ERROR(CheckReportShape(result).WithContext(path));
  StatusOr<std::string> charts = Charts(result, pngs);
  if (!charts.ok()) return charts.status().WithContext(path);
  const std::string model_name =
      std::filesystem::path(result.quantized_model_path).filename().string();
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>XQuant "
      "report: " +
      EscapeXml(model_name) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n" +
      "<h1>XQuant report</h1>\n<p class=\"sub\">" + EscapeXml(result.float_model_path) +
      " (float) vs " + EscapeXml(result.quantized_model_path) + " (quantized)</p>\n";
  html += Summary(result) + extra_sections + LayerTable(result) + *charts;
  html +=
      "<p class=\"note\">Files of this report: <a "
      "href=\"quant_report.json\">quant_report.json</a>, "
      "<a href=\"layers.csv\">layers.csv</a>, <a href=\"alignment.json\">alignment.json</a>, "
      "<code>tensorboard/</code>.</p>\n";
  html += std::string("<script>") + kScript + "</script>\n</body>\n</html>\n";
  return WriteStringToFile(path, html);
}

}  // namespace xquant::report
