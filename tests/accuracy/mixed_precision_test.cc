// The mixed-precision search (src/quantize/mixed_precision.cc) on the three-Gemm fixture of
// tests/fixtures/make_mixed_precision_models.py (weights: first 512, middle 1024, last 128
// elements; the fixture's docstring explains why AVERAGE and LAST_LAYER must choose differently).
//
// The budget is checked against weight counts known from the fixture, and the choice against a
// brute-force enumeration of every assignment using the sensitivities the search measured.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "xquant/quantize.h"

namespace xquant {
namespace {

const std::string kDir = XQ_MIXED_PRECISION_DIR;
// Weight elements per layer, from the fixture (Gemm weights 32x16, 32x32, 4x32).
const std::map<std::string, int64_t> kElements = {{"first", 512}, {"middle", 1024}, {"last", 128}};

struct Search {
  Status status;
  std::map<std::string, int> bits;
  // node -> bits -> measured sensitivity, parsed from the search's log lines
  // "mixed precision: sensitivity NODE (N weights): 8b=S 4b=S 2b=S".
  std::map<std::string, std::map<int, double>> sensitivity;
};

class MixedPrecisionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto model = LoadModel(kDir + "/three_gemms.onnx");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto dataset = Dataset::Open(kDir + "/repr.npy", InputSpecsOf(**model));
    ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
    dataset_ = std::move(dataset).value().release();
    QuantizeOptions options;
    options.num_threads = 1;
    auto quantizer = Quantizer::Create(*model, *dataset_, options);
    ASSERT_TRUE(quantizer.ok()) << quantizer.status().ToString();
    quantizer_ = std::move(quantizer).value().release();
  }
  static void TearDownTestSuite() {
    delete quantizer_;
    delete dataset_;
  }

  static Search Run(const MixedPrecisionConfig& config) {
    Search s;
    if (!quantizer_) {
      s.status = InternalError("the quantizer was not created (see SetUpTestSuite's failure)");
      return s;
    }
    auto log = [&s](const std::string& line) {
      const std::string prefix = "mixed precision: sensitivity ";
      if (line.rfind(prefix, 0) != 0) return;
      std::istringstream in(line.substr(prefix.size()));
      std::string node, skip;
      in >> node >> skip >> skip;  // "(N" "weights):"
      std::string item;
      while (in >> item) {
        const size_t b = item.find("b=");
        s.sensitivity[node][std::stoi(item.substr(0, b))] = std::stod(item.substr(b + 2));
      }
    };
    auto bits = SearchMixedPrecision(*quantizer_, *dataset_, config, log);
    s.status = bits.status();
    if (bits.ok()) s.bits = *bits;
    return s;
  }

  static Dataset* dataset_;
  static Quantizer* quantizer_;
};
Dataset* MixedPrecisionTest::dataset_ = nullptr;
Quantizer* MixedPrecisionTest::quantizer_ = nullptr;

double MemoryBytes(const std::map<std::string, int>& bits) {
  double bytes = 0;
  for (const auto& [node, b] : bits) bytes += kElements.at(node) * b / 8.0;
  return bytes;
}

TEST_F(MixedPrecisionTest, HonoursTheBudgetAndFindsTheLeastSensitiveChoice) {
  const double all_8_bit = (512 + 1024 + 128);  // bytes
  for (double fraction : {1.0, 0.75, 0.6, 0.5, 0.45, 0.4, 0.3, 0.25}) {
    MixedPrecisionConfig config;
    config.weights_memory_fraction = fraction;
    const Search s = Run(config);
    ASSERT_TRUE(s.status.ok()) << s.status.ToString();
    ASSERT_EQ(s.bits.size(), 3u);
    const double budget = fraction * all_8_bit;
    EXPECT_LE(MemoryBytes(s.bits), budget) << "fraction " << fraction;

    // Brute force over all 27 assignments with the measured sensitivities.
    ASSERT_EQ(s.sensitivity.size(), 3u);
    double best = std::numeric_limits<double>::infinity();
    for (int f : {8, 4, 2})
      for (int m : {8, 4, 2})
        for (int l : {8, 4, 2}) {
          const std::map<std::string, int> a = {{"first", f}, {"middle", m}, {"last", l}};
          if (MemoryBytes(a) <= budget)
            best = std::min(best, s.sensitivity.at("first").at(f) + s.sensitivity.at("middle").at(m) +
                                      s.sensitivity.at("last").at(l));
        }
    double chosen = 0;
    for (const auto& [node, b] : s.bits) chosen += s.sensitivity.at(node).at(b);
    // (The log prints 12 significant digits.)
    EXPECT_NEAR(chosen, best, 1e-10 * std::max(1.0, best)) << "fraction " << fraction;
  }
  // The extremes leave no choice.
  MixedPrecisionConfig config;
  config.weights_memory_fraction = 1.0;
  EXPECT_EQ(Run(config).bits, (std::map<std::string, int>{{"first", 8}, {"middle", 8}, {"last", 8}}));
  config.weights_memory_fraction = 0.25;
  EXPECT_EQ(Run(config).bits, (std::map<std::string, int>{{"first", 2}, {"middle", 2}, {"last", 2}}));
  // An absolute budget in bytes, one byte short of all-4-bit (832 bytes).
  config.weights_memory_fraction = 0;
  config.weights_memory = 831;
  const Search s = Run(config);
  ASSERT_TRUE(s.status.ok()) << s.status.ToString();
  EXPECT_LE(MemoryBytes(s.bits), 831);
}

TEST_F(MixedPrecisionTest, ImpossibleOrMissingBudgetIsAnError) {
  MixedPrecisionConfig config;
  config.weights_memory_fraction = 0.2;  // below every layer at 2 bits (0.25)
  Search s = Run(config);
  ASSERT_FALSE(s.status.ok());
  EXPECT_NE(s.status.message().find("below the smallest possible weight memory, 416"), std::string::npos)
      << s.status.message();
  config.weights_memory_fraction = 0;
  s = Run(config);
  ASSERT_FALSE(s.status.ok());
  EXPECT_NE(s.status.message().find("weights_memory_fraction"), std::string::npos) << s.status.message();
  config.weights_memory_fraction = 0.5;
  config.candidate_bits = {8, 1};
  s = Run(config);
  ASSERT_FALSE(s.status.ok());
  EXPECT_NE(s.status.message().find("2..16"), std::string::npos) << s.status.message();
}

TEST_F(MixedPrecisionTest, LastLayerObjectiveKeepsTheLastLayerAboveTwoBits) {
  MixedPrecisionConfig config;
  config.weights_memory = 800;  // every layer at 4 bits would need 832 bytes
  config.distance_weighting_method = MpDistanceWeighting::kAverage;
  const Search average = Run(config);
  ASSERT_TRUE(average.status.ok()) << average.status.ToString();
  config.distance_weighting_method = MpDistanceWeighting::kLastLayer;
  const Search last_layer = Run(config);
  ASSERT_TRUE(last_layer.status.ok()) << last_layer.status.ToString();

  for (const Search* s : {&average, &last_layer}) {
    std::printf("%s:", s == &average ? "AVERAGE   " : "LAST_LAYER");
    for (const auto& [node, by_bits] : s->sensitivity)
      std::printf("  %s %d bits (8b %.3g 4b %.3g 2b %.3g)", node.c_str(), s->bits.at(node), by_bits.at(8),
                  by_bits.at(4), by_bits.at(2));
    std::printf("\n");
  }
  // The pathology: averaged over the interest points, the last layer looks cheap to lower.
  EXPECT_EQ(average.bits.at("last"), 2);
  // The countermeasure.
  EXPECT_GT(last_layer.bits.at("last"), 2);
  EXPECT_EQ(last_layer.bits.at("middle"), 2);
  EXPECT_LE(MemoryBytes(average.bits), 800);
  EXPECT_LE(MemoryBytes(last_layer.bits), 800);

  // Why, in the measured numbers: at the model output, 2-bit weights in the last layer cost far
  // more than in the middle layer (whose damaged channels the last layer ignores) ...
  const auto& out = last_layer.sensitivity;
  EXPECT_GT(out.at("last").at(2) - out.at("last").at(8), 10 * (out.at("middle").at(2) - out.at("middle").at(8)));
  // ... while averaged over the layers, the middle layer's own damage dominates.
  const auto& avg = average.sensitivity;
  EXPECT_GT(avg.at("middle").at(2) - avg.at("middle").at(8), avg.at("last").at(2) - avg.at("last").at(8));
}

}  // namespace
}  // namespace xquant
