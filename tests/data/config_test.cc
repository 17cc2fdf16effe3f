// LoadXQuantConfig on YAML and JSON files written by the test. Defaults are checked against the
// reference's table (mct-xquant-spec.md §3), not against our own struct.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "xquant/report.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("xq_config_test_" + std::to_string(getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `text` to a file named `name` and loads it.
  StatusOr<XQuantConfig> Load(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    warnings_.clear();
    return LoadXQuantConfig(path, &warnings_);
  }
  // The error message of loading `text`, or a note that it loaded.
  std::string ErrorOf(const std::string& text) {
    auto config = Load("bad.yaml", text);
    return config.ok() ? "(loaded without error)" : config.status().message();
  }

  fs::path dir_;
  std::vector<std::string> warnings_;
};

void ExpectReferenceDefaults(const XQuantConfig& config) {
  EXPECT_THAT(config.threshold_quantize_error,
              ElementsAre(Pair("mse", 0.1), Pair("cs", 0.1), Pair("sqnr", 0.1)));
  EXPECT_THAT(
      config.is_detect_under_threshold_quantize_error,
      ::testing::UnorderedElementsAre(Pair("mse", false), Pair("cs", true), Pair("sqnr", true)));
  EXPECT_EQ(config.threshold_degrade_layer_ratio, 0.5);
  EXPECT_EQ(config.threshold_zscore_outlier_removal, 5.0);
  EXPECT_EQ(config.threshold_ratio_unbalanced_concatenation, 16.0);
  EXPECT_EQ(config.threshold_bitwidth_mixed_precision_with_model_output_loss_objective, 2);
  EXPECT_TRUE(config.custom_similarity_metrics.empty());
}

TEST_F(ConfigTest, DefaultsAreTheReferences) {
  ExpectReferenceDefaults(XQuantConfig{});
  auto empty = Load("empty.yaml", "");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  ExpectReferenceDefaults(*empty);
  auto only_dir = Load("dir.yaml", "report_dir: out/report\n");
  ASSERT_TRUE(only_dir.ok()) << only_dir.status().ToString();
  EXPECT_EQ(only_dir->report_dir, "out/report");
  ExpectReferenceDefaults(*only_dir);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ConfigTest, YamlWithEveryKey) {
  auto config = Load("all.yaml", R"(# every key
report_dir: /tmp/report
custom_similarity_metrics: [mae, max_abs_error]
quantize_reported_dir: logs/quant
threshold_quantize_error:
  sqnr: 20
  mae: 0.05
  mse: 0.2
is_detect_under_threshold_quantize_error:
  sqnr: yes
  mae: false
  mse: false
threshold_degrade_layer_ratio: 1
threshold_zscore_outlier_removal: 3.5
threshold_ratio_unbalanced_concatenation: 1.0
threshold_bitwidth_mixed_precision_with_model_output_loss_objective: 4
)");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->report_dir, "/tmp/report");
  EXPECT_THAT(config->custom_similarity_metrics, ElementsAre("mae", "max_abs_error"));
  EXPECT_EQ(config->quantize_reported_dir, "logs/quant");
  // File order, and the file's mapping replaces the default one (cs is gone).
  EXPECT_THAT(config->threshold_quantize_error,
              ElementsAre(Pair("sqnr", 20.0), Pair("mae", 0.05), Pair("mse", 0.2)));
  EXPECT_THAT(
      config->is_detect_under_threshold_quantize_error,
      ::testing::UnorderedElementsAre(Pair("sqnr", true), Pair("mae", false), Pair("mse", false)));
  EXPECT_EQ(config->threshold_degrade_layer_ratio, 1.0);
  EXPECT_EQ(config->threshold_zscore_outlier_removal, 3.5);
  EXPECT_EQ(config->threshold_ratio_unbalanced_concatenation, 1.0);
  EXPECT_EQ(config->threshold_bitwidth_mixed_precision_with_model_output_loss_objective, 4);
  EXPECT_TRUE(warnings_.empty());
}

TEST_F(ConfigTest, Json) {
  auto config = Load("config.json", R"({
  "report_dir": "out",
  "threshold_quantize_error": {"cs": 0.95, "mse": 0.01},
  "threshold_zscore_outlier_removal": 6,
  "custom_similarity_metrics": ["mae"]
})");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->report_dir, "out");
  EXPECT_THAT(config->threshold_quantize_error, ElementsAre(Pair("cs", 0.95), Pair("mse", 0.01)));
  // Not given: the default directions stay, and they cover cs and mse.
  EXPECT_EQ(config->is_detect_under_threshold_quantize_error.at("cs"), true);
  EXPECT_EQ(config->threshold_zscore_outlier_removal, 6.0);
  EXPECT_EQ(config->threshold_degrade_layer_ratio, 0.5);
  EXPECT_THAT(config->custom_similarity_metrics, ElementsAre("mae"));
}

TEST_F(ConfigTest, SeedMisspellingsAreAcceptedWithAWarning) {
  auto config = Load("seed.yaml",
                     "threshold_degration_layer_ratio: 0.25\n"
                     "threshold_ratio_unbalanced_concatnation: 8\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->threshold_degrade_layer_ratio, 0.25);
  EXPECT_EQ(config->threshold_ratio_unbalanced_concatenation, 8.0);
  ASSERT_EQ(warnings_.size(), 2u);
  EXPECT_THAT(warnings_[0], HasSubstr("'threshold_degration_layer_ratio'"));
  EXPECT_THAT(warnings_[0], HasSubstr("'threshold_degrade_layer_ratio'"));
  EXPECT_THAT(warnings_[1], HasSubstr("'threshold_ratio_unbalanced_concatenation'"));

  // Without a warnings list the value is still read.
  const std::string path = (dir_ / "seed.yaml").string();
  auto quiet = LoadXQuantConfig(path);
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->threshold_degrade_layer_ratio, 0.25);

  // Both spellings at once: which one was meant is unclear.
  const std::string twice =
      ErrorOf("threshold_degrade_layer_ratio: 0.3\nthreshold_degration_layer_ratio: 0.25\n");
  EXPECT_THAT(twice, HasSubstr("line 2"));
  EXPECT_THAT(twice, HasSubstr("given again (first on line 1)"));
}

TEST_F(ConfigTest, UnknownKeyListsTheValidOnes) {
  const std::string error = ErrorOf("report_dir: x\nthreshold_mse: 0.1\n");
  EXPECT_THAT(error, HasSubstr("line 2"));
  EXPECT_THAT(error, HasSubstr("unknown key 'threshold_mse'"));
  for (const char* key : {"report_dir", "custom_similarity_metrics", "quantize_reported_dir",
                          "threshold_quantize_error", "is_detect_under_threshold_quantize_error",
                          "threshold_degrade_layer_ratio", "threshold_zscore_outlier_removal",
                          "threshold_ratio_unbalanced_concatenation",
                          "threshold_bitwidth_mixed_precision_with_model_output_loss_objective"}) {
    EXPECT_THAT(error, HasSubstr(key));
  }
}

TEST_F(ConfigTest, WrongTypesAndRangesNameKeyValueAndExpectation) {
  const std::string word = ErrorOf("threshold_degrade_layer_ratio: half\n");
  EXPECT_THAT(word, HasSubstr("threshold_degrade_layer_ratio"));
  EXPECT_THAT(word, HasSubstr("half"));
  EXPECT_THAT(word, HasSubstr("(0, 1]"));

  EXPECT_THAT(ErrorOf("threshold_degrade_layer_ratio: 0\n"),
              HasSubstr("is 0, expected a number in (0, 1]"));
  EXPECT_THAT(ErrorOf("threshold_degrade_layer_ratio: 1.5\n"), HasSubstr("is 1.5"));
  EXPECT_THAT(ErrorOf("threshold_zscore_outlier_removal: -1\n"),
              HasSubstr("expected a number > 0"));
  EXPECT_THAT(ErrorOf("threshold_zscore_outlier_removal: .inf\n"),
              HasSubstr("expected a number > 0"));
  EXPECT_THAT(ErrorOf("threshold_ratio_unbalanced_concatenation: 0.5\n"),
              HasSubstr("expected a number >= 1"));
  for (const std::string bits : {"0", "33", "2.5", "two"}) {
    const std::string error = ErrorOf(
        "threshold_bitwidth_mixed_precision_with_model_output_loss_objective: " + bits + "\n");
    EXPECT_THAT(error, HasSubstr("is " + bits + ", expected an integer from 1 to 32")) << bits;
  }
  // In JSON, a quoted number is a string.
  EXPECT_THAT(ErrorOf(R"({"threshold_zscore_outlier_removal": "5"})"),
              HasSubstr("is \"5\", expected a number"));

  const std::string list = ErrorOf("threshold_quantize_error: [0.1, 0.2]\n");
  EXPECT_THAT(list, HasSubstr("threshold_quantize_error is a list"));
  EXPECT_THAT(list, HasSubstr("mapping of metric name"));
  const std::string metric = ErrorOf("threshold_quantize_error: {mse: lots}\n");
  EXPECT_THAT(metric, HasSubstr("threshold_quantize_error.mse is lots"));
  const std::string direction =
      ErrorOf("is_detect_under_threshold_quantize_error: {mse: maybe, cs: true, sqnr: true}\n");
  EXPECT_THAT(
      direction,
      HasSubstr("is_detect_under_threshold_quantize_error.mse is maybe, expected true or false"));
  EXPECT_THAT(ErrorOf("custom_similarity_metrics: mae\n"),
              HasSubstr("expected a list of metric names"));
  EXPECT_THAT(ErrorOf("report_dir: [a, b]\n"), HasSubstr("report_dir is a list"));
  EXPECT_THAT(ErrorOf("threshold_quantize_error: {mse: 0.1, mse: 0.2}\n"),
              HasSubstr("threshold_quantize_error.mse is given twice"));
  EXPECT_THAT(ErrorOf("- report_dir\n"), HasSubstr("must be a mapping"));
  // A key without a value is reported on its own line, not the next one's.
  EXPECT_THAT(ErrorOf("report_dir:\nthreshold_zscore_outlier_removal: 5\n"),
              HasSubstr("line 1: report_dir is nothing (null), expected a non-empty string"));
}

TEST_F(ConfigTest, ThresholdWithoutDirectionIsAnError) {
  const std::string error = ErrorOf("threshold_quantize_error: {mae: 0.5}\n");
  EXPECT_THAT(error, HasSubstr("'mae'"));
  EXPECT_THAT(error, HasSubstr("is_detect_under_threshold_quantize_error"));
}

TEST_F(ConfigTest, SyntaxErrorsGiveLineAndColumn) {
  const std::string yaml = ErrorOf("report_dir: out\nthreshold_quantize_error: {mse: 0.1\n");
  EXPECT_THAT(yaml, HasSubstr("not valid YAML or JSON"));
  EXPECT_THAT(yaml, HasSubstr("line 3, column 1"));
  // A missing comma: the parser stops at the second key's opening quote.
  const std::string json =
      ErrorOf("{\"report_dir\": \"out\"\n \"threshold_zscore_outlier_removal\": 5}");
  EXPECT_THAT(json, HasSubstr("not valid YAML or JSON: line 2, column 2"));
}

TEST_F(ConfigTest, MissingFile) {
  auto config = LoadXQuantConfig((dir_ / "absent.yaml").string());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("absent.yaml"));
}

}  // namespace
}  // namespace xquant
