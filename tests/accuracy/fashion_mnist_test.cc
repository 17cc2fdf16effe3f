// A real model: the Fashion-MNIST CNN of examples/fashion_mnist/ (trained by
// tests/fixtures/train_fashion_mnist.py), quantized by xquant on 256 training images and measured on
// the 10k test images (converted by tests/fixtures/fashion_mnist_to_npy.py).
//
// Tolerances (stated once, here):
//   float    xquant's engine reproduces PyTorch's top-1 (float_accuracy.json) within 5 images;
//   8-bit    within 1 point of float;
//   mixed    weights at half the 8-bit memory (4 bits on average), with either distance
//            weighting: within 3 points of float; with LAST_LAYER the classifier keeps > 2 bits.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "xquant/quantize.h"
#include "xquant/report.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const std::string kData = XQ_FASHION_MNIST_DATA_DIR;
const std::string kModel = std::string(XQ_SOURCE_DIR) + "/examples/fashion_mnist/fashion_mnist_cnn.onnx";

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Quantizes with `config`, then measures both models' top-1 on the test images through RunReport.
DatasetMetrics QuantizeAndMeasure(const QuantizationConfig& config, const std::string& name,
                                  QuantizationLog* quantization_log) {
  const fs::path out = fs::temp_directory_path() / ("xquant_fashion_" + name + "_" + std::to_string(::getpid()) + ".onnx");
  QuantizeOptions options;
  options.config = config;
  options.batch_size = 64;
  auto start = std::chrono::steady_clock::now();
  auto quantized = QuantizeFile(kModel, kData + "/repr.npy", out.string(), options);
  EXPECT_TRUE(quantized.ok()) << quantized.status().ToString();
  if (!quantized.ok()) return {};
  *quantization_log = quantized->log;
  std::printf("[%s] quantized in %.2f s\n", name.c_str(), Seconds(start));

  ReportOptions report;
  report.batch_size = 500;
  report.compare = CompareSet::kWeighted;
  start = std::chrono::steady_clock::now();
  auto result = RunReport(kModel, out.string(), kData + "/repr.npy", kData + "/test.npy", report);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  fs::remove(out);
  if (!result.ok()) return {};
  std::printf("[%s] report over %lld test images in %.2f s: float top-1 %.4f, quantized top-1 %.4f\n", name.c_str(),
              static_cast<long long>(result->val.samples), Seconds(start), result->val.float_accuracy.value_or(-1),
              result->val.quantized_accuracy.value_or(-1));
  return result->val;
}

double PyTorchTopOne() {
  std::ifstream in(std::string(XQ_SOURCE_DIR) + "/examples/fashion_mnist/float_accuracy.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["test_images"].get<int>(), 10000);
  return j["top1"].get<double>();
}

TEST(FashionMnist, EightBitStaysWithinOnePointOfFloat) {
  QuantizationLog log;
  const DatasetMetrics val = QuantizeAndMeasure(QuantizationConfig{}, "8bit", &log);
  ASSERT_EQ(val.samples, 10000);
  ASSERT_TRUE(val.float_accuracy && val.quantized_accuracy);
  EXPECT_NEAR(*val.float_accuracy, PyTorchTopOne(), 5.0 / 10000);
  EXPECT_GT(*val.float_accuracy, 0.85);  // the model did learn
  EXPECT_NEAR(*val.quantized_accuracy, *val.float_accuracy, 0.01);
  for (const WeightQuantization& w : log.weights) EXPECT_EQ(w.bits, 8) << w.node;
}

// Mixed precision at half the 8-bit weight memory with `weighting`; returns the weights' log.
QuantizationLog MixedPrecisionWithinThreePoints(MpDistanceWeighting weighting, const std::string& name) {
  QuantizationConfig config;
  MixedPrecisionConfig mp;
  mp.weights_memory_fraction = 0.5;
  mp.distance_weighting_method = weighting;
  config.mixed_precision = mp;
  QuantizationLog log;
  const DatasetMetrics val = QuantizeAndMeasure(config, name, &log);
  EXPECT_EQ(val.samples, 10000);
  EXPECT_TRUE(val.float_accuracy && val.quantized_accuracy);
  if (val.float_accuracy && val.quantized_accuracy) {
    EXPECT_NEAR(*val.quantized_accuracy, *val.float_accuracy, 0.03);
  }

  // The budget, from the written weights: sum of elements * bits / 8 <= half of the 8-bit size.
  EXPECT_FALSE(log.weights.empty());
  double bytes = 0, bytes_8_bit = 0;
  bool any_below_8 = false;
  for (const WeightQuantization& w : log.weights) {
    bytes += w.num_elements * w.bits / 8.0;
    bytes_8_bit += w.num_elements;
    any_below_8 = any_below_8 || w.bits < 8;
    std::printf("[%s] %s: %d bits (%lld weights)\n", name.c_str(), w.node.c_str(), w.bits,
                static_cast<long long>(w.num_elements));
  }
  EXPECT_LE(bytes, 0.5 * bytes_8_bit);
  EXPECT_TRUE(any_below_8);
  EXPECT_EQ(log.mixed_precision_bits.size(), log.weights.size());
  return log;
}

TEST(FashionMnist, MixedPrecisionAtHalfTheMemoryStaysWithinThreePoints) {
  MixedPrecisionWithinThreePoints(MpDistanceWeighting::kAverage, "mixed AVERAGE");
}

TEST(FashionMnist, LastLayerObjectiveKeepsTheClassifierAboveTwoBits) {
  const QuantizationLog log = MixedPrecisionWithinThreePoints(MpDistanceWeighting::kLastLayer, "mixed LAST_LAYER");
  ASSERT_FALSE(log.weights.empty());
  EXPECT_EQ(log.weights.back().node, "/fc2/Gemm");  // the classifier, last in graph order
  EXPECT_GT(log.weights.back().bits, 2);
}

}  // namespace
}  // namespace xquant
