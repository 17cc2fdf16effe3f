// `xquant troubleshoot --fix` as a user runs it: the exit codes, what it prints, the files.
// The "nothing improves" case uses tests/fixtures/make_fix_models.py's lossless pair, whose
// quantized model is exact: no re-quantization can beat it, so the remaining general measures
// must be listed (the seed's fourth case).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fix_test_util.h"

namespace {

namespace fs = std::filesystem;

const std::string kCli = XQ_CLI_PATH;
const std::string kFixModels = XQ_FIX_MODELS;

struct CliRun {
  int exit_code = -1;
  std::string out;
};

CliRun RunCli(const std::string& arguments) {
  CliRun run;
  FILE* pipe = ::popen((kCli + " " + arguments + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string TempDir(const std::string& name) { return xquant::fix_test::TempDir("fix_cli_test", name); }

using xquant::fix_test::ReadJson;

std::string Pair(const std::string& dir, const std::string& name) {
  return "--float " + dir + "/" + name + "_float.onnx --quantized " + dir + "/" + name + "_quantized.onnx --repr " +
         dir + "/" + name + "_data.npy --val " + dir + "/" + name + "_data.npy";
}

TEST(FixCli, NothingImprovesListsTheRemainingGeneralMeasures) {
  ASSERT_TRUE(fs::exists(kFixModels + "/lossless_quantized.onnx")) << "run `ctest -R make_fix_models` first";
  const std::string out = TempDir("lossless");
  const CliRun run = RunCli("troubleshoot " + Pair(kFixModels, "lossless") + " --report-dir " + out + " --fix --quiet");
  // Nothing degraded in the user's model and nothing better: 0.
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("no candidate improves"), std::string::npos) << run.out;
  // Not tried automatically, so still to do:
  EXPECT_NE(run.out.find("Representative dataset: size and diversity"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("docs/troubleshooting/gradient_based_ptq.md"), std::string::npos) << run.out;
  // Tried by the loop (another error method, bias correction off), so not listed:
  EXPECT_EQ(run.out.find("Threshold selection error method"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("docs/troubleshooting/bias_correction.md"), std::string::npos) << run.out;

  EXPECT_FALSE(fs::exists(out + "/best_quantized.onnx"));
  const nlohmann::json report = ReadJson(out + "/fix_report.json");
  EXPECT_EQ(report["improved"], false);
  EXPECT_TRUE(report["chosen"].is_null());
  EXPECT_TRUE(report["best_model"].is_null());
  EXPECT_EQ(report["quantize_config"], "defaults");
  std::vector<std::string> ids;
  for (const auto& c : report["candidates"]) {
    ids.push_back(c["id"]);
    EXPECT_EQ(c["status"], "ok") << c["id"];
    EXPECT_EQ(c["beats_original"], false) << c["id"];
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"base", "error_method_mae", "error_method_noclipping", "bias_correction_off"}));
  // Seven general measures in the manual; two were tried.
  EXPECT_EQ(report["remaining_general_measures"].size(), 5u);
  fs::remove_all(out);
}

TEST(FixCli, QuantizeConfigIsTheBaseAndTheBestModelIsWritten) {
  ASSERT_TRUE(fs::exists(kFixModels + "/outlier4_float.onnx")) << "run `ctest -R make_fix_models` first";
  const std::string out = TempDir("outlier4");
  fs::create_directories(out);
  // The user quantized with a configuration that keeps the whole range at 4 bits on the input,
  // and gives the same configuration to --fix: the outlier candidate differs by z_threshold only.
  const std::string config = kFixModels + "/outlier4_qconfig.json";
  const std::string data = kFixModels + "/outlier4_data.npy";
  const std::string float_model = kFixModels + "/outlier4_float.onnx";
  const std::string quantized = out + "/user_quantized.onnx";
  ASSERT_EQ(RunCli("quantize " + float_model + " --repr " + data + " -o " + quantized + " --config " + config +
                   " --quiet").exit_code,
            0);
  const CliRun run = RunCli("troubleshoot --float " + float_model + " --quantized " + quantized + " --repr " + data +
                            " --report-dir " + out + " --fix --quiet --quantize-config " + config);
  // The outlier candidate leaves no degraded layer (tests/fix/fix_loop_test.cc checks the numbers).
  EXPECT_EQ(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("best candidate 'outlier_removal_z"), std::string::npos) << run.out;
  EXPECT_TRUE(fs::exists(out + "/best_quantized.onnx"));
  const nlohmann::json report = ReadJson(out + "/fix_report.json");
  EXPECT_EQ(report["quantize_config"], config);
  EXPECT_EQ(report["improved"], true);
  bool outlier_candidate = false;
  for (const auto& c : report["candidates"]) {
    if (c["source"] != "outlier_removal") continue;
    outlier_candidate = true;
    EXPECT_EQ(c["config_delta"].size(), 1u) << c["config_delta"].dump();
    EXPECT_TRUE(c["config_delta"].contains("z_threshold")) << c["config_delta"].dump();
  }
  EXPECT_TRUE(outlier_candidate);
  fs::remove_all(out);
}

TEST(FixCli, NothingImprovesOnADegradedModelExitsFour) {
  ASSERT_TRUE(fs::exists(kFixModels + "/lossless_quantized.onnx")) << "run `ctest -R make_fix_models` first";
  const std::string out = TempDir("lossless_degraded");
  fs::create_directories(out);
  // cs <= 1 flags every compare point (the comparison is inclusive), so the exact model counts as
  // degraded; still nothing can beat it.
  const std::string config = out + "/xquant_config.json";
  std::ofstream(config) << R"({"threshold_quantize_error": {"cs": 1.0},
                              "is_detect_under_threshold_quantize_error": {"cs": true}})";
  const CliRun run = RunCli("troubleshoot " + Pair(kFixModels, "lossless") + " --report-dir " + out +
                            " --config " + config + " --fix --quiet");
  EXPECT_EQ(run.exit_code, 4) << run.out;
  EXPECT_NE(run.out.find("no candidate improves"), std::string::npos) << run.out;
  fs::remove_all(out);
}

TEST(FixCli, QuantizeConfigNeedsFix) {
  const CliRun run = RunCli("troubleshoot " + Pair(kFixModels, "lossless") + " --report-dir " + TempDir("usage") +
                         " --quantize-config " + kFixModels + "/lossless_float.onnx");
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
