// layers.csv: one row per (dataset, layer), every metric of every error kind, values that read
// back exactly, RFC 4180 quoting.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"
#include "synthetic_names.h"

namespace xquant::testing {
namespace {

std::vector<std::vector<std::string>> WriteAndParse(const ReportResult& result) {
  const auto path = ScratchDir() / "layers.csv";
  const Status status = report::WriteLayersCsv(result, path.string());
  EXPECT_TRUE(status.ok()) << status.ToString();
  return ParseCsv(ReadFile(path));
}

size_t Column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  EXPECT_NE(it, header.end()) << name;
  return it - header.begin();
}

double Number(const std::string& field) {
  char* end = nullptr;
  const double v = std::strtod(field.c_str(), &end);
  EXPECT_EQ(*end, '\0') << "not a number: " << field;
  return v;
}

TEST(LayersCsv, OneRowPerLayerAndDatasetPlusHeader) {
  const int n = 7;
  const auto rows = WriteAndParse(MakeSyntheticReport(n));
  ASSERT_EQ(rows.size(), 1u + 2 * n);
  for (const auto& row : rows) EXPECT_EQ(row.size(), rows[0].size());
  // 7 descriptive columns, then 5 metrics × (primary, accumulated, pre_quant, local).
  EXPECT_EQ(rows[0].size(), 7u + 5 * 4);
  EXPECT_EQ(rows[0][0], "dataset");
  EXPECT_EQ(rows[0][7], "mse");
  EXPECT_EQ(rows[1][0], "repr");
  EXPECT_EQ(rows[1 + n][0], "val");
}

TEST(LayersCsv, ValuesReadBackExactly) {
  const int n = 5;
  const auto rows = WriteAndParse(MakeSyntheticReport(n));
  const auto& header = rows[0];
  for (int d = 0; d < 2; ++d) {
    for (int i = 0; i < n; ++i) {
      const auto& row = rows[1 + d * n + i];
      EXPECT_EQ(row[Column(header, "index")], std::to_string(i));
      EXPECT_EQ(row[Column(header, "layer")],
                i == 0 ? "input" : "layer_" + std::to_string(i) + "/Conv");
      EXPECT_EQ(row[Column(header, "weighted")], i == 0 ? "no" : "yes");
      EXPECT_EQ(Number(row[Column(header, "mse")]), FixtureMse(i));
      EXPECT_EQ(Number(row[Column(header, "mse_accumulated")]), FixtureMse(i));
      EXPECT_EQ(Number(row[Column(header, "mse_pre_quant")]), FixtureMse(i) * 0.5);
      EXPECT_EQ(Number(row[Column(header, "mse_local")]), FixtureMse(i) * 0.1);
      EXPECT_EQ(Number(row[Column(header, "cs")]), FixtureCs(i));
      EXPECT_EQ(Number(row[Column(header, "sqnr")]), FixtureSqnr(i));
      EXPECT_EQ(Number(row[Column(header, "mae")]), std::sqrt(FixtureMse(i)));
    }
  }
  EXPECT_EQ(rows[1][Column(header, "sqnr")], "inf");
  EXPECT_EQ(rows[1][Column(header, "sqnr_db")], "inf");
  EXPECT_EQ(rows[2 * n][Column(header, "cs_local")], "nan");  // val, last layer
}

TEST(LayersCsv, DegradedColumnsFollowTheDetections) {
  const auto rows = WriteAndParse(MakeSyntheticReport(4));
  const auto& header = rows[0];
  for (size_t r = 1; r < rows.size(); ++r) {
    const bool layer2 = rows[r][Column(header, "index")] == "2";
    EXPECT_EQ(rows[r][Column(header, "degraded")], layer2 ? "yes" : "no");
    EXPECT_EQ(rows[r][Column(header, "degraded_by")], layer2 ? "mse" : "");
  }
}

TEST(LayersCsv, NamesWithCommasQuotesAndLineBreaksAreQuoted) {
  ReportResult r = MakeSyntheticReport(4);
  r.points[1].name = kCsvHostileName;
  const auto path = ScratchDir() / "layers.csv";
  ASSERT_TRUE(report::WriteLayersCsv(r, path.string()).ok());
  const std::string text = ReadFile(path);
  EXPECT_NE(text.find("\"conv, \"\"quoted\"\"\nnext line\""), std::string::npos);
  const auto rows = ParseCsv(text);
  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(rows[2][2], kCsvHostileName);
  EXPECT_EQ(rows[2].size(), rows[0].size());
}

TEST(LayersCsv, LinesEndWithCrLf) {
  const auto path = ScratchDir() / "layers.csv";
  ASSERT_TRUE(report::WriteLayersCsv(MakeSyntheticReport(2), path.string()).ok());
  const std::string text = ReadFile(path);
  EXPECT_EQ(CountOccurrences(text, "\r\n"), 5u);
  EXPECT_EQ(CountOccurrences(text, "\n"), 5u);
}

}  // namespace
}  // namespace xquant::testing
