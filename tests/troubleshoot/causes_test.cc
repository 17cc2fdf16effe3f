// One model pair per cause of quantization loss (tests/fixtures/make_troubleshoot_models.py): each
// pair, quantized the way that produces its problem, must yield exactly the findings its design
// implies — the degraded compare points, each judge's layers, the general cases — and the numbers
// behind them as the fixture script computed them in numpy. The `xquant troubleshoot` command runs
// on two of them: its exit code and the files it writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "xquant/troubleshoot.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAreArray;
using ::testing::UnorderedElementsAreArray;

const std::string kModels = XQ_TROUBLESHOOT_MODELS;

// Relative tolerance for numbers the report recomputes from the same float tensors as numpy did
// (ranges, the histogram's z-scores): only float rounding and bin-edge ties separate them.
constexpr double kRelativeTolerance = 1e-3;
// Shares read off a 2048-bin histogram: the bin holding the cut may be split either way.
constexpr double kShareTolerance = 5e-3;

std::string TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("xquant_causes_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::string Path(const std::string& pair, const std::string& suffix) { return kModels + "/" + pair + suffix; }

// The pair's files, or a message saying how to make them.
void RequireFixture(const std::string& pair) {
  for (const char* suffix : {"_float.onnx", "_quantized.onnx", "_data.npy", "_expected.json"})
    ASSERT_TRUE(fs::exists(Path(pair, suffix)))
        << Path(pair, suffix) << " is missing: run `ctest -R make_troubleshoot_models` (or "
        << "tests/fixtures/make_troubleshoot_models.py " << kModels << ") first";
}

StatusOr<TroubleshootResult> Troubleshoot(const std::string& pair) {
  TroubleshootOptions options;
  options.report.config.report_dir = TempDir(pair);
  return RunTroubleshoot(Path(pair, "_float.onnx"), Path(pair, "_quantized.onnx"), Path(pair, "_data.npy"),
                         Path(pair, "_data.npy"), options);
}

double EvidenceOf(const Finding& f, const std::string& name) {
  for (const auto& [key, value] : f.evidence)
    if (key == name) return value;
  ADD_FAILURE() << f.judge << " finding on " << f.layer << " has no evidence '" << name << "'";
  return std::nan("");
}

class Causes : public ::testing::TestWithParam<std::string> {};

TEST_P(Causes, FindExactlyTheDesignedFindings) {
  const std::string pair = GetParam();
  RequireFixture(pair);
  const nlohmann::json expected = ReadJson(Path(pair, "_expected.json"));
  auto result = Troubleshoot(pair);
  ASSERT_TRUE(result.ok()) << result.status().message();

  EXPECT_THAT(result->report.degraded_layers,
              UnorderedElementsAreArray(expected["degraded_layers"].get<std::vector<std::string>>()));
  EXPECT_EQ(!result->report.degraded_layers.empty(), expected["degraded"].get<bool>());
  std::vector<std::string> cases;
  for (GeneralCase c : result->general_cases) cases.push_back(GeneralCaseName(c));
  EXPECT_THAT(cases, ElementsAreArray(expected["general_cases"].get<std::vector<std::string>>()));
  const bool majority = std::count(cases.begin(), cases.end(), "majority_degraded") > 0;
  EXPECT_EQ(result->judges_ran, !majority);

  for (const JudgeInfo& judge : Judges()) {
    std::vector<std::string> layers;
    for (const Finding& f : result->findings)
      if (f.judge == judge.id) layers.push_back(f.layer);
    EXPECT_THAT(layers, UnorderedElementsAreArray(expected["findings"][judge.id].get<std::vector<std::string>>()))
        << "judge " << judge.id;
  }
  for (const Finding& f : result->findings) {
    // Every designed cause sits on the degraded layer it degrades.
    EXPECT_TRUE(f.on_degraded_layer) << f.judge << " on " << f.layer;
    if (f.judge == "unbalanced_concatenation" && expected.contains("unbalanced_concatenation_layers")) {
      EXPECT_THAT(f.layers, ElementsAreArray(expected["unbalanced_concatenation_layers"][f.layer]
                                                 .get<std::vector<std::string>>()))
          << "[smaller input, larger input] of " << f.layer;
    }
    if (!expected["evidence"].contains(f.judge) || !expected["evidence"][f.judge].contains(f.layer)) continue;
    for (const auto& [name, value] : expected["evidence"][f.judge][f.layer].items()) {
      const double want = value.get<double>();
      const double got = EvidenceOf(f, name);
      if (name.find("share") != std::string::npos) {
        EXPECT_NEAR(got, want, kShareTolerance) << f.judge << " " << f.layer << " " << name;
      } else {
        EXPECT_NEAR(got, want, kRelativeTolerance * std::fabs(want)) << f.judge << " " << f.layer << " " << name;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pairs, Causes,
                         ::testing::Values("clean", "outlier", "outlier_coarse", "shift_negative", "concat",
                                           "concat_downstream", "mixed_precision", "majority"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// The majority pair: every compare point degraded, so the judges are skipped even though its
// quantizers have the very faults the judges look for elsewhere.
TEST(MajorityPair, EveryPointDegradedNoJudgeRuns) {
  RequireFixture("majority");
  auto result = Troubleshoot("majority");
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_DOUBLE_EQ(result->degraded_ratio, 1.0);
  EXPECT_TRUE(result->findings.empty());
}

int RunCli(const std::string& args, std::string* output) {
  const std::string out_file = TempDir("cli_out") + ".txt";
  const int rc = std::system((std::string(XQ_CLI_PATH) + " " + args + " > " + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  output->assign(std::istreambuf_iterator<char>(in), {});
  return WEXITSTATUS(rc);
}

std::string CliArgs(const std::string& pair, const std::string& report_dir) {
  return "troubleshoot --float " + Path(pair, "_float.onnx") + " --quantized " + Path(pair, "_quantized.onnx") +
         " --repr " + Path(pair, "_data.npy") + " --val " + Path(pair, "_data.npy") + " --report-dir " + report_dir;
}

const char* const kJudgeKeys[] = {"outlier_removal", "unbalanced_concatenation", "shift_negative_activation",
                                  "mixed_precision_with_model_output_loss_objective"};

TEST(TroubleshootCommand, OutlierPairExitsDegradedWithItsHistogram) {
  RequireFixture("outlier");
  const std::string dir = TempDir("cli_outlier");
  std::string output;
  ASSERT_EQ(RunCli(CliArgs("outlier", dir), &output), 3) << output;
  const nlohmann::json report = ReadJson(dir + "/troubleshoot_report.json");
  ASSERT_TRUE(report.is_object()) << output;
  // The reference's shape: [[layer, image path], ...]; no key for judges that found nothing.
  const std::string png = (fs::path(dir) / "outlier_histgrams" / "spike.png").string();
  EXPECT_EQ(report["outlier_removal"], nlohmann::json::parse("[[\"spike\", \"" + png + "\"]]"));
  for (const char* key : kJudgeKeys) {
    if (std::string(key) != "outlier_removal") {
      EXPECT_FALSE(report.contains(key)) << key;
    }
  }
  EXPECT_TRUE(fs::exists(png));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "outlier_histgrams" / "spike.svg"));
  ASSERT_TRUE(report.contains("general_measures"));
  EXPECT_TRUE(report["general_measures"]["cases"].empty());
  EXPECT_TRUE(report["general_measures"]["measures"].empty());
  EXPECT_EQ(report["degraded_layers"], nlohmann::json::parse("[\"spike\"]"));
  EXPECT_THAT(output, ::testing::HasSubstr(png));
}

TEST(TroubleshootCommand, CleanPairExitsZeroWithTheGeneralMeasures) {
  RequireFixture("clean");
  const std::string dir = TempDir("cli_clean");
  std::string output;
  ASSERT_EQ(RunCli(CliArgs("clean", dir), &output), 0) << output;
  const nlohmann::json report = ReadJson(dir + "/troubleshoot_report.json");
  ASSERT_TRUE(report.is_object()) << output;
  for (const char* key : kJudgeKeys) EXPECT_FALSE(report.contains(key)) << key;
  ASSERT_TRUE(report.contains("general_measures"));
  EXPECT_EQ(report["general_measures"]["cases"], nlohmann::json::parse("[\"no_degraded_layers\"]"));
  // The manual's seven general measures, each with its page.
  ASSERT_EQ(report["general_measures"]["measures"].size(), 7u);
  for (const auto& measure : report["general_measures"]["measures"]) {
    const std::string page = measure["manual"].get<std::string>();
    EXPECT_TRUE(fs::exists(fs::path(XQ_SOURCE_DIR) / page)) << page;
  }
  const fs::path charts = fs::path(dir) / "outlier_histgrams";
  EXPECT_TRUE(!fs::exists(charts) || fs::is_empty(charts)) << "outlier charts written with nothing to show";
}

}  // namespace
}  // namespace xquant
