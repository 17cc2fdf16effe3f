// layers.csv: one row per (dataset, compare point), RFC 4180 (CRLF line ends, fields with a comma,
// quote or line break quoted, quotes doubled). Columns, described in docs/report.md:
//   dataset, index, layer, op_type, weighted, degraded, degraded_by,
//   <m> for every metric m (the primary error: the values of quant_report.json's reference keys),
//   <m>_accumulated, <m>_pre_quant, <m>_local for every metric m.
// Numbers are the shortest text that reads back exactly; inf, -inf and nan for non-finite values.
#include <string>
#include <vector>

#include "common/file_util.h"
#include "report/report_data.h"
#include "report/text_format.h"
#include "report/writers.h"

namespace xquant::report {
namespace {

std::string CsvField(std::string_view text) {
  std::string clean = ValidUtf8(text);
  if (clean.find_first_of(",\"\r\n") == std::string::npos) return clean;
  std::string quoted = "\"";
  for (char c : clean) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string JoinRow(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) row += ',';
    row += CsvField(fields[i]);
  }
  return row + "\r\n";
}

std::string Join(const std::vector<std::string>& items, const char* separator) {
  std::string joined;
  for (size_t i = 0; i < items.size(); ++i) joined += (i ? separator : "") + items[i];
  return joined;
}

}  // namespace

Status WriteLayersCsv(const ReportResult& result, const std::string& path) {
  XQ_RETURN_IF_ERROR(CheckReportShape(result).WithContext(path));
  const std::vector<std::string>& metrics = result.metric_names;
  const char* const kinds[] = {"_accumulated", "_pre_quant", "_local"};

  std::vector<std::string> header = {"dataset",  "index",    "layer",      "op_type",
                                     "weighted", "degraded", "degraded_by"};
  for (const std::string& m : metrics) header.push_back(m);
  for (const char* kind : kinds) {
    for (const std::string& m : metrics) header.push_back(m + kind);
  }
  std::string text = JoinRow(header);

  for (const DatasetMetrics* dataset : {&result.repr, &result.val}) {
    const std::string name = dataset == &result.repr ? "repr" : "val";
    for (size_t i = 0; i < result.points.size(); ++i) {
      const ComparePoint& point = result.points[i];
      const LayerMetrics& layer = dataset->layers[i];
      const std::vector<std::string> degraded_by = DegradedBy(result, name, i);
      std::vector<std::string> row = {name,
                                      std::to_string(i),
                                      point.name,
                                      point.op_type,
                                      point.weighted ? "yes" : "no",
                                      degraded_by.empty() ? "no" : "yes",
                                      Join(degraded_by, ";")};
      for (const std::string& m : metrics)
        row.push_back(FormatDouble(FindMetric(result.Primary(*dataset, i), m)));
      for (const MetricValues* values : {&layer.accumulated, &layer.pre_quant, &layer.local}) {
        for (const std::string& m : metrics) row.push_back(FormatDouble(FindMetric(*values, m)));
      }
      text += JoinRow(row);
    }
  }
  return WriteStringToFile(path, text);
}

}  // namespace xquant::report
