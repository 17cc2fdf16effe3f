// The quantizer's TensorBoard runs read back by the project's independent reader
// (tests/tensorboard/read_events.py --list: its own TFRecord and protobuf parsing, CRCs checked),
// against the quantization log the same call returned: every quantized activation has its
// histogram, threshold and bit width; every weighted layer its bit width; the prepared graph holds
// the folded conv and no BatchNormalization, the initial graph the other way round.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"
#include "xquant/quantize.h"

namespace xquant {
namespace {

using nlohmann::json;
using qtest::ModelPath;

// read_events.py --list RUN_DIR; the JSON it prints, or null when it failed (the failures go to
// the test's stderr).
json ListRun(const std::string& run_dir) {
  const std::string cmd = "/usr/bin/python3 '" + std::string(XQ_SOURCE_DIR) + "/tests/tensorboard/read_events.py' --list '" +
                          run_dir + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return nullptr;
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << cmd << " failed: " << out;
  return json::parse(out, nullptr, /*allow_exceptions=*/false);
}

std::map<std::string, std::string> OpsByName(const json& graph) {
  std::map<std::string, std::string> ops;
  for (const auto& n : graph) ops[n["name"]] = n["op"];
  return ops;
}

TEST(QuantizationLogTensorboard, RunsHoldTheHistogramsThresholdsBitsAndPreparedGraph) {
  QuantizeOptions o;
  o.log_dir = std::filesystem::temp_directory_path().string() + "/xq_quantize_tb_test_" + std::to_string(::getpid());
  std::filesystem::remove_all(o.log_dir);
  auto model = LoadModel(ModelPath("small_cnn.onnx"));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto data = Dataset::Open(ModelPath("small_cnn_data.npy"), InputSpecsOf(**model));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  auto r = Quantize(*model, **data, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(r->log.activations.size(), 4u);
  ASSERT_EQ(r->log.weights.size(), 4u);
  const std::string tb = o.log_dir + "/tensorboard_logs/";
  // The fixture's names need no sanitizing, so the tags are the names as they are.
  const std::regex plain("[A-Za-z0-9_.]+");

  const json selection = ListRun(tb + "thresholds_selection");
  ASSERT_TRUE(selection.is_object());
  std::set<std::string> want_histograms;
  for (const ActivationQuantization& a : r->log.activations) {
    ASSERT_TRUE(std::regex_match(a.tensor, plain)) << a.tensor;
    const std::string threshold = "threshold/" + a.tensor, bits = "bits/" + a.tensor, histo = "histogram/" + a.tensor;
    ASSERT_TRUE(selection["scalars"].contains(threshold)) << threshold;
    EXPECT_EQ(selection["scalars"][threshold].get<double>(), static_cast<float>(a.threshold)) << threshold;
    ASSERT_TRUE(selection["scalars"].contains(bits)) << bits;
    EXPECT_EQ(selection["scalars"][bits].get<double>(), a.bits) << bits;
    want_histograms.insert(histo);
    ASSERT_TRUE(selection["histograms"].contains(histo)) << histo;
    const json& h = selection["histograms"][histo];
    int64_t total = 0;
    for (int64_t c : a.histogram_counts) total += c;
    EXPECT_GT(total, 0) << histo;
    EXPECT_EQ(h["num"].get<double>(), static_cast<double>(total)) << histo;
    EXPECT_EQ(h["buckets"].get<size_t>(), a.histogram_counts.size()) << histo;
    EXPECT_EQ(h["min"].get<double>(), a.histogram_min) << histo;
    EXPECT_EQ(h["max"].get<double>(), a.histogram_max) << histo;
  }
  std::set<std::string> got_histograms;
  for (const auto& [tag, h] : selection["histograms"].items()) got_histograms.insert(tag);
  EXPECT_EQ(got_histograms, want_histograms) << "one histogram per quantized activation, no other";
  for (const WeightQuantization& w : r->log.weights) {
    const std::string tag = "weights_n_bits/" + w.node;
    ASSERT_TRUE(selection["scalars"].contains(tag)) << tag;
    EXPECT_EQ(selection["scalars"][tag].get<double>(), w.bits) << tag;
  }
  // The quantized graph's QuantizeLinear nodes carry the threshold and bit width of their tensor.
  ASSERT_TRUE(selection["graph"].is_array());
  size_t annotated = 0;
  std::set<double> thresholds;
  for (const ActivationQuantization& a : r->log.activations) thresholds.insert(static_cast<float>(a.threshold));
  for (const auto& n : selection["graph"]) {
    if (n["op"] != "QuantizeLinear") continue;
    ASSERT_TRUE(n["attrs"].contains("threshold") && n["attrs"].contains("activation_n_bits")) << n.dump();
    EXPECT_EQ(n["attrs"]["activation_n_bits"].get<int64_t>(), 8) << n["name"];
    EXPECT_TRUE(thresholds.count(n["attrs"]["threshold"].get<double>())) << n.dump();
    ++annotated;
  }
  EXPECT_EQ(annotated, r->log.activations.size());
  for (const auto& n : selection["graph"])
    if (n["name"] == "conv1_bn") EXPECT_EQ(n["attrs"].value("weights_n_bits", int64_t{-1}), 8);

  // Graph preparation folded bn1 into conv1: conv1_bn replaces both.
  const json initial = ListRun(tb + "initial_graph");
  const json prepared = ListRun(tb + "after_graph_preparation");
  ASSERT_TRUE(initial.is_object() && prepared.is_object());
  ASSERT_TRUE(initial["graph"].is_array() && prepared["graph"].is_array());
  const auto before = OpsByName(initial["graph"]), after = OpsByName(prepared["graph"]);
  EXPECT_EQ(before.count("conv1"), 1u);
  EXPECT_EQ(before.count("bn1") ? before.at("bn1") : "", "BatchNormalization");
  EXPECT_EQ(before.count("conv1_bn"), 0u);
  EXPECT_EQ(after.count("conv1_bn") ? after.at("conv1_bn") : "", "Conv");
  EXPECT_EQ(after.count("conv1"), 0u);
  EXPECT_EQ(after.count("bn1"), 0u);
  for (const auto& [name, op] : after) EXPECT_NE(op, "BatchNormalization") << name;
  std::filesystem::remove_all(o.log_dir);
}

}  // namespace
}  // namespace xquant
