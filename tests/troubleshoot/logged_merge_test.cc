// --quantization-log end to end: xquant's quantizer collapses a 1x1-conv pair whose inputs have
// ranges ~184x apart (tests/fixtures/make_logged_merge_model.py); troubleshoot reads the log,
// pairs the merged Conv with the second original Conv, and the unbalanced-concatenation judge
// reports the two layers with the ratio numpy computed. Without the log the merge is invisible.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "xquant/quantize.h"
#include "xquant/troubleshoot.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;

const std::string kModels = XQ_TROUBLESHOOT_MODELS;

class LoggedMergeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string((fs::temp_directory_path() / ("xquant_logged_merge_" + std::to_string(::getpid()))).string());
    fs::remove_all(*dir_);
    QuantizeOptions options;
    options.log_dir = *dir_ + "/log";
    auto quantized = QuantizeFile(Float(), Data(), *dir_ + "/quantized.onnx", options);
    ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();
    ASSERT_EQ(quantized->log.merges.size(), 1u) << "the fixture's conv_a -> conv_b pair must be collapsed";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string Float() { return kModels + "/logged_merge_float.onnx"; }
  static std::string Data() { return kModels + "/logged_merge_data.npy"; }
  static nlohmann::json Expected() {
    std::ifstream in(kModels + "/logged_merge_expected.json");
    return nlohmann::json::parse(in);
  }
  static StatusOr<TroubleshootResult> Troubleshoot(const std::string& log_dir) {
    TroubleshootOptions options;
    options.report.config.report_dir = *dir_ + "/report";
    options.quantization_log_dir = log_dir;
    return RunTroubleshoot(Float(), *dir_ + "/quantized.onnx", Data(), Data(), options);
  }
  static std::string* dir_;
};
std::string* LoggedMergeTest::dir_ = nullptr;

double Evidence(const Finding& f, const std::string& name) {
  for (const auto& [key, value] : f.evidence)
    if (key == name) return value;
  ADD_FAILURE() << "no evidence '" << name << "' in " << f.message;
  return 0;
}

TEST_F(LoggedMergeTest, TheLogRevealsTheMergedPairAndItsRangeRatio) {
  auto result = Troubleshoot(*dir_ + "/log");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const nlohmann::json expected = Expected();
  // Pinned by the log, the merged Conv is compared with conv_b's output, the one degraded layer.
  const ReportResult& report = result->report;
  auto point = std::find_if(report.points.begin(), report.points.end(),
                            [](const ComparePoint& p) { return p.name == "conv_b"; });
  ASSERT_NE(point, report.points.end());
  EXPECT_EQ(point->float_tensor, "b_relu") << "the merged Conv (+Relu) carries conv_b's output";
  EXPECT_EQ(report.degraded_layers, std::vector<std::string>{"conv_b"});

  const Finding* merge = nullptr;
  for (const Finding& f : result->findings)
    if (f.judge == "unbalanced_concatenation") merge = &f;
  ASSERT_NE(merge, nullptr) << "no unbalanced-concatenation finding";
  EXPECT_EQ(merge->layers, (std::vector<std::string>{"conv_a", "conv_b"}));
  EXPECT_TRUE(merge->on_degraded_layer);
  EXPECT_NEAR(Evidence(*merge, "first_input_range"), expected["first_input_range"].get<double>(),
              1e-6 * expected["first_input_range"].get<double>());
  EXPECT_NEAR(Evidence(*merge, "second_input_range"), expected["second_input_range"].get<double>(),
              1e-5 * expected["second_input_range"].get<double>());
  EXPECT_NEAR(Evidence(*merge, "recommended_scaling"), expected["recommended_scaling"].get<double>(),
              1e-5 * expected["recommended_scaling"].get<double>());
  EXPECT_NE(merge->message.find("first layer:conv_a, second layer:conv_b"), std::string::npos) << merge->message;
  EXPECT_NE(merge->note.find("linear_collapsing"), std::string::npos) << merge->note;
}

TEST_F(LoggedMergeTest, WithoutTheLogTheMergeIsNotJudged) {
  auto result = Troubleshoot("");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const std::vector<std::string> merged = {"conv_a", "conv_b"};
  for (const Finding& f : result->findings)
    EXPECT_FALSE(f.judge == "unbalanced_concatenation" && f.layers == merged) << f.message;
}

TEST_F(LoggedMergeTest, AWrongLogFolderIsRefused) {
  auto result = Troubleshoot(*dir_ + "/no_such_log");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("--quantization-log"), std::string::npos) << result.status().ToString();
  EXPECT_NE(result.status().message().find("no_such_log"), std::string::npos) << result.status().ToString();
}

// The mixed-precision judge reads the log's bit widths: the last Gemm quantized to 2 bits (QCDQ)
// is found, and the log confirms the width; the 8-bit log of another quantization disagrees and
// says so in a warning.
TEST_F(LoggedMergeTest, TheLogsBitWidthsConfirmTheLastLayersOrWarn) {
  QuantizeOptions options;
  options.config.weights_n_bits_per_layer["fc"] = 2;
  options.log_dir = *dir_ + "/log_fc2";
  auto quantized = QuantizeFile(Float(), Data(), *dir_ + "/quantized_fc2.onnx", options);
  ASSERT_TRUE(quantized.ok()) << quantized.status().ToString();

  auto run = [&](const std::string& log_dir) {
    TroubleshootOptions ts;
    ts.report.config.report_dir = *dir_ + "/report_fc2";
    ts.quantization_log_dir = log_dir;
    return RunTroubleshoot(Float(), *dir_ + "/quantized_fc2.onnx", Data(), Data(), ts);
  };
  auto find = [](const TroubleshootResult& r) -> const Finding* {
    for (const Finding& f : r.findings)
      if (f.judge == "mixed_precision_with_model_output_loss_objective") return &f;
    return nullptr;
  };
  auto own = run(*dir_ + "/log_fc2");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  const Finding* f = find(*own);
  ASSERT_NE(f, nullptr) << "a 2-bit last layer must be found";
  EXPECT_EQ(f->layer, "fc");
  EXPECT_EQ(Evidence(*f, "weight_bits_used"), 2.0);
  EXPECT_NE(f->note.find("the quantization log agrees: 2 bits"), std::string::npos) << f->note;

  auto other = run(*dir_ + "/log");  // the 8-bit quantization's log
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_NE(find(*other), nullptr) << "the model's own width is judged";
  bool warned = false;
  for (const std::string& w : other->warnings)
    warned = warned || (w.find("gives the weights of 'fc' 8 bits, the model 2") != std::string::npos);
  EXPECT_TRUE(warned) << "no warning about the disagreeing log";
}

}  // namespace
}  // namespace xquant
