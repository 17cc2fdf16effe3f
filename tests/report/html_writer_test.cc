// index.html: self-contained, every layer once in the table, user names escaped, degraded cells
// marked, one embedded chart per detection. (A real browser loads it in report_html_browser.)
#include <gtest/gtest.h>

#include <regex>

#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"
#include "synthetic_names.h"

namespace xquant::testing {
namespace {

std::string WriteRawHtml(const ReportResult& result) {
  const auto path = ScratchDir() / "index.html";
  const Status status = report::WriteHtmlReport(result, path.string());
  EXPECT_TRUE(status.ok()) << status.ToString();
  return ReadFile(path);
}

// The page without the <wbr> line-break hints in layer names (they add no text).
std::string WriteHtml(const ReportResult& result) {
  return std::regex_replace(WriteRawHtml(result), std::regex("<wbr>"), "");
}

// The <tbody> of the layer table.
std::string LayerTableBody(const std::string& html) {
  const size_t table = html.find("<table id=\"layer-table\"");
  const size_t begin = html.find("<tbody>", table);
  const size_t end = html.find("</tbody>", begin);
  EXPECT_NE(table, std::string::npos);
  return begin == std::string::npos || end == std::string::npos ? ""
                                                                : html.substr(begin, end - begin);
}

std::string Escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

TEST(HtmlReport, EveryLayerAppearsOnceInTheTable) {
  const int n = 12;
  const ReportResult result = MakeHostileNamesReport(n);
  const std::string body = LayerTableBody(WriteHtml(result));
  EXPECT_EQ(CountOccurrences(body, "<tr"), static_cast<size_t>(n));
  for (const ComparePoint& point : result.points) {
    EXPECT_EQ(CountOccurrences(body, "<td class=\"name\">" + Escaped(point.name) + "</td>"), 1u)
        << point.name;
  }
}

TEST(HtmlReport, LongNamesMayBreakAfterSeparators) {
  const std::string raw = WriteRawHtml(MakeHostileNamesReport(10));
  EXPECT_NE(raw.find("<td class=\"name\">layer_<wbr>2/<wbr>Conv</td>"), std::string::npos);
  EXPECT_NE(raw.find("&lt;script&gt;console.<wbr>error("), std::string::npos);
}

TEST(HtmlReport, NamesFromUserFilesAreEscaped) {
  const std::string html = WriteHtml(MakeHostileNamesReport(10));
  EXPECT_EQ(CountOccurrences(html, "<script"), 1u);  // the page's own sorting script only
  EXPECT_EQ(CountOccurrences(html, "<img src=missing"), 0u);
  EXPECT_NE(html.find("&lt;script&gt;console.error(&#39;unescaped&#39;)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;img src=missing.png onerror=&quot;"), std::string::npos);
}

TEST(HtmlReport, PageIsSelfContained) {
  const std::string html = WriteHtml(MakeSyntheticReport(6));
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // Every src= is a data: URI.
  const std::regex src(R"(src\s*=\s*["']?([^"' >]{0,5}))");
  size_t sources = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator();
       ++it) {
    EXPECT_EQ((*it)[1].str(), "data:");
    ++sources;
  }
  EXPECT_EQ(sources, 6u);  // one chart per detection
  EXPECT_EQ(CountOccurrences(html, "src=\"data:image/png;base64,"), 6u);
}

TEST(HtmlReport, DegradedCellsAreHighlighted) {
  const std::string body = LayerTableBody(WriteHtml(MakeSyntheticReport(5)));
  // Only layer 2 is degraded, by mse, on repr and val: two red cells, in its row.
  EXPECT_EQ(CountOccurrences(body, "class=\"num bad\""), 2u);
  const size_t row = body.find("<tr class=\"degraded\">");
  ASSERT_NE(row, std::string::npos);
  const size_t row_end = body.find("</tr>", row);
  EXPECT_NE(body.substr(row, row_end - row).find("layer_2/Conv"), std::string::npos);
  EXPECT_EQ(CountOccurrences(body, "class=\"degraded\""), 1u);
}

TEST(HtmlReport, NumbersCarryExactValuesForSorting) {
  const std::string body = LayerTableBody(WriteHtml(MakeSyntheticReport(5)));
  EXPECT_NE(body.find("data-v=\"0.25\""), std::string::npos);
  EXPECT_NE(body.find("data-v=\"Infinity\""), std::string::npos);  // sqnr_db of the input
}

TEST(HtmlReport, SummaryNamesModelsDatasetsAndWarnings) {
  const ReportResult result = MakeSyntheticReport(5);
  const std::string html = WriteHtml(result);
  EXPECT_NE(html.find(Escaped(result.float_model_path)), std::string::npos);
  EXPECT_NE(html.find(Escaped(result.quantized_model_path)), std::string::npos);
  EXPECT_NE(html.find("random:8:0"), std::string::npos);
  EXPECT_NE(html.find(Escaped(result.warnings[0])), std::string::npos);
  EXPECT_NE(html.find("post-quant"), std::string::npos);
  EXPECT_EQ(html.find("Unpaired points"), std::string::npos);
  ReportResult unpaired = result;
  unpaired.unpaired_points = {{"orphan", "no float tensor"}};
  EXPECT_NE(WriteHtml(unpaired).find("<tr><th>Unpaired points</th><td>1 quantization point has"),
            std::string::npos);
}

}  // namespace
}  // namespace xquant::testing
