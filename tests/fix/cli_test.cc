// `xquant troubleshoot --fix` as a user runs it: the exit codes, what it prints, the files.
// The "nothing improves" case uses tests/fixtures/make_fix_models.py's lossless pair, whose
// quantized model is exact: no re-quantization can beat it, so the remaining general measures
// must be listed (the seed's fourth case).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "fix_test_util.h"
#include "xquant/dataset.h"
#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace {

namespace fs = std::filesystem;

const std::string kCli = XQ_CLI_PATH;
const std::string kFixModels = XQ_FIX_MODELS;
const std::string kTroubleshootModels = XQ_TROUBLESHOOT_MODELS;

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

// Per sample, the class of the highest score in output 0 of `model_path` on `data` ([N, C]; the
// first on ties, as numpy's argmax), run here with Session.
std::vector<int64_t> Predictions(const std::string& model_path, const std::string& data) {
  std::vector<int64_t> classes;
  auto model = xquant::LoadModel(model_path);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  if (!model.ok()) return classes;
  auto ds = xquant::Dataset::Open(data, xquant::InputSpecsOf(**model));
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return classes;
  auto batch = (*ds)->ReadBatch(0, (*ds)->size());
  auto session = xquant::Session::Create(*model);
  EXPECT_TRUE(batch.ok() && session.ok());
  if (!batch.ok() || !session.ok()) return classes;
  auto out = (*session)->Run(*batch);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  if (!out.ok()) return classes;
  const xquant::Tensor& scores = out->at(0).second;
  EXPECT_EQ(scores.rank(), 2);
  const int64_t n = scores.dim(0), c = scores.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < c; ++k)
      if (scores.GetAsDouble(i * c + k) > scores.GetAsDouble(i * c + best)) best = k;
    classes.push_back(best);
  }
  return classes;
}

double Accuracy(const std::vector<int64_t>& predicted, const std::vector<int64_t>& labels) {
  EXPECT_EQ(predicted.size(), labels.size());
  int64_t correct = 0;
  for (size_t i = 0; i < predicted.size() && i < labels.size(); ++i) correct += predicted[i] == labels[i];
  return labels.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(labels.size());
}

std::string Percent(double accuracy) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100.0 * accuracy);
  return buffer;
}

TEST(FixCli, LabelledValidationDataAddsTopOneAccuracy) {
  const std::string models = kTroubleshootModels;
  ASSERT_TRUE(fs::exists(models + "/outlier_quantized.onnx")) << "run `ctest -R make_troubleshoot_models` first";
  const std::string out = TempDir("labelled");
  fs::create_directories(out);
  const std::string float_model = models + "/outlier_float.onnx", quantized = models + "/outlier_quantized.onnx";
  const std::string repr = models + "/outlier_data.npy", val = out + "/val.npy";
  fs::copy_file(repr, val);
  // Labels made here: the float model's class on two samples of three, the next class on the
  // third, so the float model scores 2/3 and the quantized model whatever its flips give.
  const std::vector<int64_t> float_classes = Predictions(float_model, val);
  ASSERT_FALSE(float_classes.empty());
  std::vector<int64_t> labels;
  for (size_t i = 0; i < float_classes.size(); ++i) labels.push_back(i % 3 == 0 ? (float_classes[i] + 1) % 5 : float_classes[i]);
  ASSERT_TRUE(xquant::WriteNpy(out + "/val.labels.npy",
                               xquant::Tensor::FromVector<int64_t>({static_cast<int64_t>(labels.size())}, labels))
                  .ok());
  const double float_accuracy = Accuracy(float_classes, labels);
  const double quantized_accuracy = Accuracy(Predictions(quantized, val), labels);

  const CliRun run = RunCli("troubleshoot --float " + float_model + " --quantized " + quantized + " --repr " + repr +
                            " --val " + val + " --report-dir " + out + " --fix --quiet");
  ASSERT_TRUE(fs::exists(out + "/fix_report.json")) << run.exit_code << "\n" << run.out;
  const nlohmann::json report = ReadJson(out + "/fix_report.json");
  // The user's model has the degraded layer `spike`: 4 when nothing beats it, else 0 or 3.
  if (report["improved"] == true) {
    EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 3) << run.exit_code << "\n" << run.out;
  } else {
    EXPECT_EQ(run.exit_code, 4) << run.out;
  }
  ASSERT_TRUE(report["original"]["accuracy"].is_number()) << report["original"].dump();
  EXPECT_EQ(report["original"]["float_accuracy"].get<double>(), float_accuracy);
  EXPECT_EQ(report["original"]["accuracy"].get<double>(), quantized_accuracy);
  const double n = static_cast<double>(labels.size());
  size_t measured = 0;
  for (const auto& c : report["candidates"]) {
    if (c["status"] != "ok") continue;
    ++measured;
    ASSERT_TRUE(c["accuracy"].is_number()) << c["id"];
    const double correct = c["accuracy"].get<double>() * n;
    EXPECT_NEAR(correct, std::round(correct), 1e-9) << c["id"] << ": not a count of the " << n << " samples";
    EXPECT_TRUE(correct >= 0 && correct <= n) << c["id"];
    // Accuracy decides first: a candidate with less never beats the user's model.
    if (c["accuracy"].get<double>() < quantized_accuracy) EXPECT_EQ(c["beats_original"], false) << c["id"];
  }
  EXPECT_GE(measured, 2u);
  if (report["improved"] == true) {
    // The kept model, run here, has the accuracy the report gives its candidate.
    ASSERT_TRUE(fs::exists(out + "/best_quantized.onnx"));
    double chosen = -1;
    for (const auto& c : report["candidates"])
      if (c["id"] == report["chosen"]) chosen = c["accuracy"].get<double>();
    EXPECT_EQ(chosen, Accuracy(Predictions(out + "/best_quantized.onnx", val), labels));
    EXPECT_GE(chosen, quantized_accuracy);
  }

  // index.html's before/after table has the top-1 column, with the user's model's accuracy.
  std::ifstream in(out + "/index.html");
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t fix = html.find("<section id=\"fix\">");
  ASSERT_NE(fix, std::string::npos);
  const std::string section = html.substr(fix, html.find("</section>", fix) - fix);
  EXPECT_NE(section.find("<th>top-1</th>"), std::string::npos);
  const size_t yours = section.find("quantized model (yours)");
  ASSERT_NE(yours, std::string::npos);
  const std::string row = section.substr(yours, section.find("</tr>", yours) - yours);
  EXPECT_NE(row.find("<td>" + Percent(quantized_accuracy) + "</td>"), std::string::npos) << row;
  for (const auto& c : report["candidates"])
    if (c["status"] == "ok")
      EXPECT_NE(section.find("<td>" + Percent(c["accuracy"].get<double>()) + "</td>"), std::string::npos) << c["id"];
  fs::remove_all(out);
}

TEST(FixCli, QuantizeConfigNeedsFix) {
  const CliRun run = RunCli("troubleshoot " + Pair(kFixModels, "lossless") + " --report-dir " + TempDir("usage") +
                         " --quantize-config " + kFixModels + "/lossless_float.onnx");
  EXPECT_EQ(run.exit_code, 2);
}

}  // namespace
