// --previous: the general measures' fourth case (the countermeasures did not improve the metrics),
// and the troubleshooting pages and Findings section that land beside the report. The "clean" and
// "majority" pairs of tests/fixtures/make_troubleshoot_models.py share one float model, so the
// majority pair (every range 50x too wide) plays the model before a fix and clean the one after.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "xquant/troubleshoot.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const std::string kModels = XQ_TROUBLESHOOT_MODELS;

std::string TempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("xquant_previous_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

StatusOr<TroubleshootResult> RunPair(const std::string& pair, const std::string& report_dir,
                                     const std::string& previous = "") {
  TroubleshootOptions options;
  options.report.config.report_dir = report_dir;
  options.previous_report = previous;
  const std::string data = kModels + "/" + pair + "_data.npy";
  auto result = RunTroubleshoot(kModels + "/" + pair + "_float.onnx", kModels + "/" + pair + "_quantized.onnx", data,
                                data, options);
  if (result.ok()) {
    Status written = WriteTroubleshootReport(*result);
    if (!written.ok()) return written;
  }
  return result;
}

bool Has(const std::vector<GeneralCase>& cases, GeneralCase c) {
  return std::find(cases.begin(), cases.end(), c) != cases.end();
}

TEST(Previous, WorseAfterTheChangeIsTheFourthGeneralCase) {
  const std::string good = TempDir("good"), bad = TempDir("bad");
  auto before = RunPair("clean", good);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  auto after = RunPair("majority", bad, good + "/troubleshoot_report.json");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(Has(after->general_cases, GeneralCase::kNotImproved));
  // Every layer of the shared float model is compared, on both datasets, and got worse in mse.
  int layer_mse = 0;
  for (const LayerChange& c : after->changes) {
    if (c.metric != "mse" || c.layer == "(model output)") continue;
    ++layer_mse;
    EXPECT_GT(c.after, c.before) << c.layer;
    EXPECT_FALSE(c.improved) << c.layer;
  }
  EXPECT_EQ(layer_mse, 2 * static_cast<int>(after->report.points.size()));
  std::ifstream in(bad + "/troubleshoot_report.json");
  const std::string json((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(json, ::testing::HasSubstr("\"not_improved\""));
  EXPECT_THAT(json, ::testing::HasSubstr("\"changes\""));
}

TEST(Previous, BetterAfterTheChangeIsNotTheFourthCase) {
  const std::string bad = TempDir("bad2"), good = TempDir("good2");
  ASSERT_TRUE(RunPair("majority", bad).ok());
  auto after = RunPair("clean", good, bad + "/troubleshoot_report.json");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_FALSE(Has(after->general_cases, GeneralCase::kNotImproved));
  EXPECT_TRUE(Has(after->general_cases, GeneralCase::kNoDegradedLayers));
  for (const LayerChange& c : after->changes) {
    if (c.metric == "mse") {
      EXPECT_TRUE(c.improved) << c.layer << " " << c.dataset;
    }
  }
}

TEST(Previous, NotATroubleshootReportIsAClearError) {
  const std::string dir = TempDir("error");
  fs::create_directories(dir);
  std::ofstream(dir + "/other.json") << "{\"a\": 1}";
  auto result = RunPair("clean", TempDir("error_out"), dir + "/other.json");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), ::testing::HasSubstr("not a troubleshoot_report.json"));
}

TEST(Findings, HtmlSectionLinksTheManualPagesCopiedBesideTheReport) {
  const std::string dir = TempDir("html");
  ASSERT_TRUE(RunPair("outlier", dir).ok());
  std::ifstream in(dir + "/index.html");
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(html, ::testing::HasSubstr("id=\"findings\""));
  EXPECT_THAT(html, ::testing::HasSubstr("href=\"troubleshooting/outlier_removal.md\""));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "troubleshooting" / "outlier_removal.md"));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "troubleshooting" / "README.md"));
}

}  // namespace
}  // namespace xquant
