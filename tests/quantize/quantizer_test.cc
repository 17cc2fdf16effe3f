// The whole quantizer on the fixture models: bias correction, shift-negative correction, the
// QDQ and QCDQ output, the log, the config file, the command line.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include "test_util.h"
#include "xquant/npy.h"
#include "xquant/quantize.h"

namespace xquant {
namespace {

using qtest::Batch;
using qtest::LoadOrDie;
using qtest::MaxAbs;
using qtest::ModelPath;
using qtest::RunModel;
using qtest::SqnrDb;

std::string TempDir(const std::string& name) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/xq_quantize_test_" +
                          std::to_string(::getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

StatusOr<QuantizeResult> QuantizeFixture(const std::string& name, const std::string& data, const QuantizeOptions& o) {
  auto model = LoadModel(ModelPath(name + ".onnx"));
  if (!model.ok()) return model.status();
  auto ds = Dataset::Open(data, InputSpecsOf(**model));
  if (!ds.ok()) return ds.status();
  return Quantize(*model, **ds, o);
}

// Mean over samples and positions of (quantized - float), per channel of output 0 ([N, C, H, W]).
std::vector<double> MeanShiftPerChannel(const Tensor& f, const Tensor& q) {
  const int64_t n = f.dim(0), c = f.dim(1), hw = f.size() / (n * c);
  std::vector<double> shift(c, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < hw; ++k) {
        const int64_t index = (i * c + ch) * hw + k;
        shift[ch] += q.GetAsDouble(index) - f.GetAsDouble(index);
      }
  for (double& s : shift) s /= static_cast<double>(n * hw);
  return shift;
}

TEST(Quantizer, BiasCorrectionRemovesTheMeanOutputShift) {
  const auto float_model = LoadOrDie(ModelPath("bias_layer.onnx"));
  const auto inputs = Batch(*float_model, ModelPath("bias_data.npy"), 64);
  const Tensor f = RunModel(float_model, inputs);
  double worst_without = 0, worst_with = 0;
  for (bool correction : {false, true}) {
    QuantizeOptions o;
    o.config.weights_n_bits = 3;  // coarse weights: a large systematic error on inputs of mean 5
    o.config.weights_bias_correction = correction;
    auto r = QuantizeFixture("bias_layer", ModelPath("bias_data.npy"), o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->log.weights.size(), 1u);
    EXPECT_EQ(r->log.weights[0].bias_corrected, correction);
    const Tensor q = RunModel(r->model, inputs);
    for (double s : MeanShiftPerChannel(f, q)) (correction ? worst_with : worst_without) = std::max(
        correction ? worst_with : worst_without, std::abs(s));
  }
  EXPECT_GT(worst_without, 0.05);
  EXPECT_LT(worst_with, 0.1 * worst_without);
}

TEST(Quantizer, ShiftNegativeCorrectionQuantizesHardSwishUnsigned) {
  QuantizeOptions o;
  auto on = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  const ActivationQuantization* h = nullptr;
  for (const auto& a : on->log.activations)
    if (a.tensor == "h2") h = &a;
  ASSERT_NE(h, nullptr) << "the HardSwish output is quantized";
  EXPECT_GT(h->shift, 0.0);
  EXPECT_FALSE(h->is_signed);
  EXPECT_NEAR(h->shift, -h->observed_min, 1e-3);
  o.config.shift_negative_activation_correction = false;
  auto off = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(off.ok());
  for (const auto& a : off->log.activations)
    if (a.tensor == "h2") {
      EXPECT_EQ(a.shift, 0.0);
      EXPECT_TRUE(a.is_signed);
    }
  // Both run and stay close to the float model (the compensation in conv3's bias is right).
  const auto float_model = LoadOrDie(ModelPath("small_cnn.onnx"));
  const auto inputs = Batch(*float_model, ModelPath("small_cnn_data.npy"), 32);
  const Tensor f = RunModel(float_model, inputs);
  EXPECT_GT(SqnrDb(f, RunModel(on->model, inputs)), 25.0);
  EXPECT_GT(SqnrDb(f, RunModel(off->model, inputs)), 25.0);
}

TEST(Quantizer, QdqStructureAndLog) {
  QuantizeOptions o;
  o.log_dir = TempDir("log");
  auto r = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Graph& g = r->model->graph;
  EXPECT_GE(g.OpsetVersion(""), 13);
  int q = 0, dq = 0, clip = 0;
  for (const Node& n : g.nodes) {
    q += n.op_type == "QuantizeLinear";
    dq += n.op_type == "DequantizeLinear";
    clip += n.op_type == "Clip";
  }
  EXPECT_EQ(clip, 0) << "8 bits need no Clip";
  EXPECT_EQ(q, static_cast<int>(r->log.activations.size()));
  EXPECT_EQ(dq, q + 2 * static_cast<int>(r->log.weights.size()));  // weights and int32 biases
  EXPECT_EQ(g.values[g.outputs[0]].name, "output");
  // Weighted layers: conv1_bn (folded), conv2, conv3, fc (Gemm, transB = 1: axis 0).
  ASSERT_EQ(r->log.weights.size(), 4u);
  EXPECT_EQ(r->log.weights[0].node, "conv1_bn");
  EXPECT_EQ(r->log.weights[3].node, "fc");
  EXPECT_EQ(r->log.weights[3].axis, 0);

  std::ifstream in(o.log_dir + "/quantization_log.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json log = nlohmann::json::parse(in);
  ASSERT_EQ(log["merges"].size(), 1u);
  EXPECT_EQ(log["merges"][0]["kind"], "bn_fold");
  EXPECT_EQ(log["merges"][0]["first"], "conv1");
  EXPECT_EQ(log["merges"][0]["second"], "bn1");
  EXPECT_EQ(log["merges"][0]["merged"], "conv1_bn");
  for (const auto& a : log["activations"]) {
    EXPECT_TRUE(a.contains("threshold") && a.contains("scale") && a.contains("zero_point") && a.contains("signed"));
    EXPECT_EQ(a["error_method"], "MSE");
    EXPECT_EQ(a["histogram"]["counts"].size(), 2048u);
    // Power of two: scale = threshold / 2^(8 - signed).
    EXPECT_DOUBLE_EQ(a["scale"].get<double>(),
                     a["threshold"].get<double>() / std::exp2(8 - (a["signed"].get<bool>() ? 1 : 0)));
  }
  // The input's statistics against the data file, computed here.
  const auto data = ReadNpy(ModelPath("small_cnn_data.npy"));
  ASSERT_TRUE(data.ok());
  const int64_t n = data->dim(0), c = data->dim(1), hw = data->size() / (n * c);
  const nlohmann::json* input = nullptr;
  for (const auto& a : log["activations"])
    if (a["tensor"] == "input") input = &a;
  ASSERT_NE(input, nullptr);
  ASSERT_EQ((*input)["per_channel"]["mean"].size(), static_cast<size_t>(c));
  double lo = 1e30, hi = -1e30;
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < hw; ++k) {
        const double x = data->GetAsDouble((i * c + ch) * hw + k);
        sum += x;
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    EXPECT_NEAR((*input)["per_channel"]["mean"][ch].get<double>(), sum / (n * hw), 1e-6);
  }
  EXPECT_EQ((*input)["observed_min"].get<double>(), lo);
  EXPECT_EQ((*input)["observed_max"].get<double>(), hi);
  EXPECT_TRUE((*input)["signed"].get<bool>());
  for (const char* stage : {"initial_graph", "after_graph_preparation", "thresholds_selection"}) {
    const std::string dir = o.log_dir + "/tensorboard_logs/" + stage;
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    EXPECT_NE(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator()) << dir;
  }
  std::filesystem::remove_all(o.log_dir);
}

TEST(Quantizer, FourBitsWriteQcdqThatLoadsAndRuns) {
  QuantizeOptions o;
  o.config.weights_n_bits = 4;
  o.config.activation_n_bits = 4;
  auto r = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string dir = TempDir("qcdq");
  ASSERT_TRUE(SaveModel(*r->model, dir + "/q4.onnx").ok());
  const auto loaded = LoadOrDie(dir + "/q4.onnx");
  ASSERT_NE(loaded, nullptr);
  int clips = 0;
  for (const Node& n : loaded->graph.nodes) {
    if (n.op_type != "Clip") continue;
    ++clips;
    const Tensor& hi = *loaded->graph.values[n.inputs[2]].constant;
    EXPECT_TRUE(hi.GetAsDouble(0) == 7 || hi.GetAsDouble(0) == 15) << n.name;  // int4 / uint4 tops
  }
  EXPECT_EQ(clips, static_cast<int>(r->log.activations.size() + r->log.weights.size()));
  const auto float_model = LoadOrDie(ModelPath("small_cnn.onnx"));
  const auto inputs = Batch(*float_model, ModelPath("small_cnn_data.npy"), 8);
  const Tensor f = RunModel(float_model, inputs);
  const Tensor q = RunModel(loaded, inputs);
  EXPECT_GT(SqnrDb(f, q), 3.0);  // coarse, but the model still computes the same function
  std::filesystem::remove_all(dir);
}

TEST(Quantizer, PerLayerBitsOverrideTheDefault) {
  QuantizeOptions o;
  o.config.weights_n_bits_per_layer = {{"conv2", 2}, {"fc", 12}};
  auto r = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::map<std::string, int> bits;
  for (const auto& w : r->log.weights) bits[w.node] = w.bits;
  EXPECT_EQ(bits["conv2"], 2);
  EXPECT_EQ(bits["fc"], 12);
  EXPECT_EQ(bits["conv3"], 8);
  // A folded layer is found by its original name too.
  o.config.weights_n_bits_per_layer = {{"conv1", 4}};
  auto folded = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(folded->log.weights[0].node, "conv1_bn");
  EXPECT_EQ(folded->log.weights[0].bits, 4);
}

TEST(Quantizer, ConfigFileNamesAndErrors) {
  const std::string dir = TempDir("config");
  {
    std::ofstream(dir + "/good.yaml") << "activation_error_method: KL\nweights_bias_correction: false\n"
                                         "z_threshold: 4\nlinear_collapsing: false\nweights_n_bits_per_layer:\n"
                                         "  conv2: 4\nmixed_precision:\n  num_of_images: 8\n"
                                         "  distance_weighting_method: LAST_LAYER\n  weights_memory_fraction: 0.5\n";
    std::ofstream(dir + "/bad.yaml") << "activation_error_method: MSE\nshift_negative_ration: 0.1\n";
    std::ofstream(dir + "/bad_value.json") << "{\"activation_error_method\": \"RMS\"}";
  }
  auto good = LoadQuantizationConfig(dir + "/good.yaml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->activation_error_method, QuantizationErrorMethod::kKl);
  EXPECT_FALSE(good->weights_bias_correction);
  EXPECT_EQ(good->z_threshold, 4.0);
  EXPECT_FALSE(good->linear_collapsing);
  EXPECT_EQ(good->weights_n_bits_per_layer.at("conv2"), 4);
  ASSERT_TRUE(good->mixed_precision.has_value());
  EXPECT_EQ(good->mixed_precision->num_of_images, 8);
  EXPECT_EQ(good->mixed_precision->distance_weighting_method, MpDistanceWeighting::kLastLayer);
  auto bad = LoadQuantizationConfig(dir + "/bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("shift_negative_ration"), std::string::npos);
  EXPECT_NE(bad.status().message().find("shift_negative_ratio"), std::string::npos) << "lists the valid keys";
  EXPECT_NE(bad.status().message().find("line 2"), std::string::npos);
  auto bad_value = LoadQuantizationConfig(dir + "/bad_value.json");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_NE(bad_value.status().message().find("NOCLIPPING"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Quantizer, BadInputSaysWhat) {
  QuantizeOptions o;
  o.config.activation_n_bits = 12;
  auto r = QuantizeFixture("small_cnn", "random:4", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("activation_n_bits"), std::string::npos);
  auto missing = QuantizeFile(ModelPath("small_cnn.onnx"), "/nonexistent/dir", "/tmp/never.onnx", QuantizeOptions{});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/dir"), std::string::npos);
}

// ---- onnxruntime as the oracle -----------------------------------------------------------------

bool OrtAvailable() {
  return std::filesystem::exists(std::string(XQ_ORT_NODE_MODULES) + "/onnxruntime-node/package.json") &&
         std::system("node --version > /dev/null 2>&1") == 0;
}

// Runs `model_path` in onnxruntime on `input_npy`; returns output 0 read back from the dump.
std::optional<Tensor> RunOrt(const std::string& model_path, const std::string& input_npy, const std::string& out_dir) {
  const std::string cmd = "node '" + std::string(XQ_SOURCE_DIR) + "/tests/oracle/run_ort.js' --node-modules '" +
                          XQ_ORT_NODE_MODULES + "' '" + model_path + "' '" + out_dir + "' 'input=" + input_npy +
                          "' > '" + out_dir + "/ort.log' 2>&1";
  if (std::system(cmd.c_str()) != 0) return std::nullopt;
  std::ifstream manifest(out_dir + "/manifest.json");
  const nlohmann::json m = nlohmann::json::parse(manifest);
  auto t = ReadNpy(out_dir + "/" + m["output"].get<std::string>());
  if (!t.ok()) return std::nullopt;
  return *t;
}

void ExpectOrtAgrees(const QuantizeOptions& o, const std::string& tag) {
  auto r = QuantizeFixture("small_cnn", ModelPath("small_cnn_data.npy"), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string dir = TempDir("ort_" + tag);
  ASSERT_TRUE(SaveModel(*r->model, dir + "/q.onnx").ok());
  const auto loaded = LoadOrDie(dir + "/q.onnx");
  const auto inputs = Batch(*loaded, ModelPath("small_cnn_data.npy"), 8);
  ASSERT_TRUE(WriteNpy(dir + "/input.npy", inputs.at("input")).ok());
  const Tensor ours = RunModel(loaded, inputs);
  auto ort = RunOrt(dir + "/q.onnx", dir + "/input.npy", dir);
  ASSERT_TRUE(ort.has_value()) << "onnxruntime failed on the quantized model; see " << dir << "/ort.log";
  // The last DequantizeLinear makes both outputs multiples of one scale. The engines sum a Conv's
  // products in different orders, so a value that lands next to a rounding tie may move one code:
  // allow one step, on at most one value in 10000 (at least one), as the engine's oracle does.
  // Measured: none differ.
  const double step = r->log.activations.back().scale;
  EXPECT_LE(qtest::MaxAbsDiff(ours, *ort), step * 1.0001 + 1e-6) << tag;
  int differing = 0;
  for (int64_t i = 0; i < ours.size(); ++i) differing += ours.GetAsDouble(i) != ort->GetAsDouble(i);
  EXPECT_LE(differing, std::max<int64_t>(1, ours.size() / 10000)) << tag;
  std::printf("[ %s ] %d of %lld output values differ from onnxruntime's (by at most one step)\n", tag.c_str(),
              differing, static_cast<long long>(ours.size()));
  std::filesystem::remove_all(dir);
}

TEST(QuantizerOracle, QdqRunsInOnnxruntimeWithOurOutputs) {
  if (!OrtAvailable()) GTEST_SKIP() << "onnxruntime-node is not installed (tests/oracle/setup_ort.sh)";
  ExpectOrtAgrees(QuantizeOptions{}, "qdq8");
}

TEST(QuantizerOracle, QcdqFourBitsRunsInOnnxruntimeWithOurOutputs) {
  if (!OrtAvailable()) GTEST_SKIP() << "onnxruntime-node is not installed (tests/oracle/setup_ort.sh)";
  QuantizeOptions o;
  o.config.weights_n_bits = 4;
  o.config.activation_n_bits = 4;
  ExpectOrtAgrees(o, "qcdq4");
}

// ---- the command line ------------------------------------------------------------------------------

TEST(QuantizeCli, WritesTheModelAndTheLog) {
  const std::string dir = TempDir("cli");
  const std::string cmd = std::string(XQ_CLI_PATH) + " quantize '" + ModelPath("small_cnn.onnx") +
                          "' --repr random:16:3 -o '" + dir + "/q.onnx' --log-dir '" + dir + "/log' > '" + dir +
                          "/out.txt' 2> '" + dir + "/err.txt'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(dir + "/q.onnx"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/log/quantization_log.json"));
  std::ifstream err(dir + "/err.txt");
  const std::string progress((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  EXPECT_NE(progress.find("statistics: batch 2/2"), std::string::npos) << progress;
  const std::string bad = std::string(XQ_CLI_PATH) + " quantize '" + ModelPath("small_cnn.onnx") +
                          "' --repr random:4 -o '" + dir + "/q2.onnx' --config /nonexistent.yaml > /dev/null 2>&1";
  EXPECT_NE(std::system(bad.c_str()), 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xquant
