// docs/report.md documents every key of quant_report.json, every field of its layers, every
// field of alignment.json, the mapping file's keys, and every column of layers.csv that the
// writers produce.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/alignment.h"
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

TEST(ReportDocs, EveryAlignmentJsonFieldIsDocumented) {
  ReportResult result = MakeSyntheticReport(3);
  result.unpaired_points = {{"lonely_tensor", "no float tensor matches it"}};
  const auto path = ScratchDir() / "alignment.json";
  ASSERT_TRUE(report::WriteAlignmentJson(result, path.string()).ok());
  const auto doc = nlohmann::ordered_json::parse(ReadFile(path));
  for (auto it = doc.begin(); it != doc.end(); ++it) EXPECT_TRUE(Documented(it.key())) << it.key();
  ASSERT_FALSE(doc["pairs"].empty());
  for (auto it = doc["pairs"][0].begin(); it != doc["pairs"][0].end(); ++it)
    EXPECT_TRUE(Documented(it.key())) << "pairs[]." << it.key();
  ASSERT_EQ(doc["unpaired"].size(), 1u);
  for (auto it = doc["unpaired"][0].begin(); it != doc["unpaired"][0].end(); ++it)
    EXPECT_TRUE(Documented(it.key())) << "unpaired[]." << it.key();
}

// The mapping file example in the docs is read by the real loader as the pairs it shows.
TEST(ReportDocs, MappingFileExampleLoads) {
  const std::string& docs = Docs();
  const size_t section = docs.find("### The mapping file");
  ASSERT_NE(section, std::string::npos);
  const size_t begin = docs.find("```json\n", section);
  ASSERT_NE(begin, std::string::npos);
  const size_t end = docs.find("```", begin + 8);
  ASSERT_NE(end, std::string::npos);
  const auto path = ScratchDir() / "mapping.json";
  std::ofstream(path) << docs.substr(begin + 8, end - begin - 8);
  auto mapping = analysis::LoadTensorMapping(path.string());
  ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
  ASSERT_EQ(mapping->size(), 2u);
  EXPECT_EQ((*mapping)[0].first, "/layer3/Concat_output_0");
  EXPECT_EQ((*mapping)[0].second, "onnx::Concat_412");
  EXPECT_EQ((*mapping)[1].first, "t57");
  EXPECT_EQ((*mapping)[1].second, "r2");
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
