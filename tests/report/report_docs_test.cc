// docs/report.md documents every key of quant_report.json, every field of its layers, and every
// column of layers.csv that the writers produce.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"

namespace xquant::testing {
namespace {

const std::string& Docs() {
  static const std::string docs = ReadFile(XQ_SOURCE_DIR "/docs/report.md");
  return docs;
}

bool Documented(const std::string& name) {
  return Docs().find("`" + name + "`") != std::string::npos;
}

// "x_repr" / "x_val" pairs are documented once as "`x_repr` / `_val`".
bool DocumentedKey(const std::string& key) {
  if (Documented(key)) return true;
  if (key.ends_with("_val")) return Documented(key.substr(0, key.size() - 4) + "_repr");
  return false;
}

TEST(ReportDocs, EveryJsonKeyIsDocumented) {
  ASSERT_FALSE(Docs().empty()) << "docs/report.md is missing";
  const auto path = ScratchDir() / "quant_report.json";
  ASSERT_TRUE(report::WriteQuantReportJson(MakeSyntheticReport(3), path.string()).ok());
  const auto doc = nlohmann::ordered_json::parse(QuoteNonFiniteTokens(ReadFile(path)));
  for (auto it = doc.begin(); it != doc.end(); ++it)
    EXPECT_TRUE(DocumentedKey(it.key())) << it.key();
  const auto& layer = doc["layers"][0];
  for (auto it = layer.begin(); it != layer.end(); ++it)
    EXPECT_TRUE(Documented(it.key())) << "layers[]." << it.key();
  for (auto it = layer["quantization"].begin(); it != layer["quantization"].end(); ++it) {
    EXPECT_TRUE(Documented(it.key())) << "quantization." << it.key();
  }
  for (auto it = doc["detections"][0].begin(); it != doc["detections"][0].end(); ++it) {
    EXPECT_TRUE(Documented(it.key())) << "detections[]." << it.key();
  }
}

TEST(ReportDocs, EveryCsvColumnIsDocumented) {
  const ReportResult result = MakeSyntheticReport(3);
  const auto path = ScratchDir() / "layers.csv";
  ASSERT_TRUE(report::WriteLayersCsv(result, path.string()).ok());
  const auto rows = ParseCsv(ReadFile(path));
  ASSERT_FALSE(rows.empty());
  for (std::string column : rows[0]) {
    for (const std::string& metric : result.metric_names) {
      // Longest match first would matter for sqnr vs sqnr_db; both map to the same pattern.
      if (column == metric || column.starts_with(metric + "_accumulated") ||
          column.starts_with(metric + "_pre_quant") || column.starts_with(metric + "_local")) {
        column = "<metric>" + column.substr(metric.size());
        break;
      }
    }
    EXPECT_TRUE(Documented(column)) << column;
  }
}

}  // namespace
}  // namespace xquant::testing
