// Mixed precision with model output loss objective on quantized graphs built in memory: the
// reference's documented cases (8/8 bits not found, 1/1 found at threshold 2), weights with 4-bit
// levels stored as int8, integer Clips (Brevitas QCDQ), and which layer counts as the last.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "troubleshoot/judge.h"

namespace xquant::troubleshoot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// x -> Q/DQ (uint8) -> Gemm(DQ(int8 weight codes)) -> Q [-> integer Clip] -> DQ -> output, with
// optionally a Gemm before it whose weights are given separately.
struct QuantModelSpec {
  std::vector<int8_t> weight_codes{};                        // the last Gemm's [8, N] int8 weight
  std::optional<std::pair<float, float>> weight_clip{};      // an integer Clip between codes and DQ
  std::optional<std::pair<float, float>> activation_clip{};  // an integer Clip between Q and DQ
  std::vector<int8_t> earlier_weight_codes{};                // when set, a Gemm before the last one
  bool float_weights = false;                                // last Gemm's weights not quantized:
  bool float_on_grid = false;                                // 0.01 * code exactly, else jittered
};

class QuantGraph {
 public:
  QuantGraph() { model_->graph.opset_imports[""] = 13; }

  ValueId Input(const std::string& name) {
    ValueId id = model_->graph.AddValue(name);
    model_->graph.values[id].dtype = DataType::kFloat32;
    model_->graph.inputs.push_back(id);
    return id;
  }
  ValueId Constant(const std::string& name, Tensor t) {
    ValueId id = model_->graph.AddValue(name);
    model_->graph.values[id].dtype = t.dtype();
    model_->graph.values[id].constant = std::move(t);
    return id;
  }
  ValueId Op(const std::string& name, const std::string& op, std::vector<ValueId> inputs, DataType out_type) {
    Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {model_->graph.AddValue(name + "_y")};
    model_->graph.values[n.outputs[0]].dtype = out_type;
    model_->graph.nodes.push_back(std::move(n));
    return model_->graph.nodes.back().outputs[0];
  }
  // QuantizeLinear (uint8, zero point 0) [-> Clip] -> DequantizeLinear of an activation.
  ValueId QDQ(const std::string& name, ValueId x, std::optional<std::pair<float, float>> clip = std::nullopt) {
    ValueId scale = Constant(name + "_scale", Tensor::Scalar<float>(0.05f));
    ValueId zp = Constant(name + "_zp", Tensor::Scalar<uint8_t>(0));
    ValueId q = Op(name + "_q", "QuantizeLinear", {x, scale, zp}, DataType::kUint8);
    if (clip) {
      q = Op(name + "_clip", "Clip",
             {q, Constant(name + "_lo", Tensor::Scalar<uint8_t>(static_cast<uint8_t>(clip->first))),
              Constant(name + "_hi", Tensor::Scalar<uint8_t>(static_cast<uint8_t>(clip->second)))},
             DataType::kUint8);
    }
    return Op(name + "_dq", "DequantizeLinear", {q, scale, zp}, DataType::kFloat32);
  }
  // An int8 weight [8, N] dequantized per tensor, optionally through an integer Clip.
  ValueId Weight(const std::string& name, const std::vector<int8_t>& codes,
                 std::optional<std::pair<float, float>> clip = std::nullopt) {
    const int64_t n = static_cast<int64_t>(codes.size()) / 8;
    ValueId w = Constant(name + "_codes", Tensor::FromVector<int8_t>({8, n}, codes));
    if (clip) {
      w = Op(name + "_clip", "Clip",
             {w, Constant(name + "_lo", Tensor::Scalar<int8_t>(static_cast<int8_t>(clip->first))),
              Constant(name + "_hi", Tensor::Scalar<int8_t>(static_cast<int8_t>(clip->second)))},
             DataType::kInt8);
    }
    return Op(name + "_dq", "DequantizeLinear",
              {w, Constant(name + "_scale", Tensor::Scalar<float>(0.01f)), Constant(name + "_zp", Tensor::Scalar<int8_t>(0))},
              DataType::kFloat32);
  }
  std::shared_ptr<const Model> Build(ValueId output) {
    model_->graph.outputs = {output};
    model_->path = "built-in-test";
    Status s = model_->graph.Rebuild();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return model_;
  }

 private:
  std::shared_ptr<Model> model_ = std::make_shared<Model>();
};

std::shared_ptr<const Model> MakeModel(const QuantModelSpec& spec) {
  QuantGraph g;
  ValueId v = g.QDQ("in", g.Input("x"));
  if (!spec.earlier_weight_codes.empty()) {
    v = g.Op("fc0", "Gemm", {v, g.Weight("w0", spec.earlier_weight_codes)}, DataType::kFloat32);
    v = g.QDQ("fc0_out", v);
  }
  ValueId w;
  if (spec.float_weights) {
    std::vector<float> values;
    for (size_t k = 0; k < spec.weight_codes.size(); ++k) values.push_back(0.01f * spec.weight_codes[k] + (spec.float_on_grid ? 0.0f : 1e-4f * k));
    w = g.Constant("w_float", Tensor::FromVector<float>({8, static_cast<int64_t>(values.size()) / 8}, values));
  } else {
    w = g.Weight("w", spec.weight_codes, spec.weight_clip);
  }
  v = g.Op("fc", "Gemm", {v, w}, DataType::kFloat32);
  v = g.QDQ("out", v, spec.activation_clip);
  return g.Build(v);
}

// 64 codes spread over the whole int8 range: -127, -123, ..., 125 (span 253: 8 bits).
std::vector<int8_t> EightBitCodes() {
  std::vector<int8_t> codes;
  for (int k = 0; k < 64; ++k) codes.push_back(static_cast<int8_t>(-127 + 4 * k));
  return codes;
}

// 64 codes cycling through the 16 values of a 4-bit grid, -8..7.
std::vector<int8_t> FourBitCodes() {
  std::vector<int8_t> codes;
  for (int k = 0; k < 64; ++k) codes.push_back(static_cast<int8_t>(k % 16 - 8));
  return codes;
}

// 64 codes of a 1-bit grid: 0 and 1.
std::vector<int8_t> OneBitCodes() {
  std::vector<int8_t> codes;
  for (int k = 0; k < 64; ++k) codes.push_back(static_cast<int8_t>(k % 2));
  return codes;
}

struct JudgeRun {
  std::vector<Finding> findings;
  std::vector<std::string> warnings;
};

JudgeRun RunJudge(std::shared_ptr<const Model> model, double threshold, const std::string& log_dir = "",
                  ReportResult report = {}) {
  report.quantized_model = std::move(model);
  report.config.threshold_bitwidth_mixed_precision_with_model_output_loss_objective = threshold;
  std::vector<bool> degraded;
  JudgeContext context{report, report.config, degraded, log_dir};
  JudgeRun run;
  auto findings = MakeMixedPrecisionJudge()->Run(context, &run.warnings);
  EXPECT_TRUE(findings.ok()) << findings.status().ToString();
  if (findings.ok()) run.findings = *findings;
  return run;
}

double Evidence(const Finding& f, const std::string& name) {
  for (const auto& [key, v] : f.evidence)
    if (key == name) return v;
  ADD_FAILURE() << "no evidence '" << name << "' in " << f.message;
  return NAN;
}

// The reference's documented cases.
TEST(MixedPrecision, EightBitWeightsAndActivationsNotFoundAtThreshold2) {
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes()}), 2);
  EXPECT_TRUE(run.findings.empty());
  EXPECT_TRUE(run.warnings.empty());
}

TEST(MixedPrecision, OneBitWeightsAndActivationsFoundAtThreshold2) {
  JudgeRun run = RunJudge(MakeModel({.weight_codes = OneBitCodes(), .activation_clip = std::make_pair(0.0f, 1.0f)}), 2);
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  EXPECT_EQ(f.judge, "mixed_precision_with_model_output_loss_objective");
  EXPECT_EQ(f.layer, "fc");
  EXPECT_THAT(f.layers, ElementsAre("fc", "out_q"));
  EXPECT_EQ(f.message, "bitwidth of fc:1(Weight), 1(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(f, "weight_bits"), 8);
  EXPECT_DOUBLE_EQ(Evidence(f, "weight_bits_used"), 1);
  EXPECT_DOUBLE_EQ(Evidence(f, "weight_levels"), 2);
  EXPECT_DOUBLE_EQ(Evidence(f, "activation_bits"), 8);
  EXPECT_DOUBLE_EQ(Evidence(f, "activation_bits_used"), 1);
  EXPECT_DOUBLE_EQ(Evidence(f, "activation_levels"), 2);
  EXPECT_DOUBLE_EQ(Evidence(f, "threshold"), 2);
}

TEST(MixedPrecision, EightBitsFoundOnlyWhenTheThresholdReachesEight) {
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes()}), 8);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:8(Weight), 8(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "activation_levels"), 256);
  EXPECT_TRUE(RunJudge(MakeModel({.weight_codes = EightBitCodes()}), 7).findings.empty());
}

TEST(MixedPrecision, FourBitLevelsStoredAsInt8FoundAtThreshold4NotAt3) {
  JudgeRun at4 = RunJudge(MakeModel({.weight_codes = FourBitCodes()}), 4);
  ASSERT_EQ(at4.findings.size(), 1u);
  EXPECT_EQ(at4.findings[0].message, "bitwidth of fc:4(Weight), 8(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(at4.findings[0], "weight_bits"), 8);
  EXPECT_DOUBLE_EQ(Evidence(at4.findings[0], "weight_levels"), 16);
  EXPECT_DOUBLE_EQ(Evidence(at4.findings[0], "weight_distinct_values"), 16);
  EXPECT_TRUE(RunJudge(MakeModel({.weight_codes = FourBitCodes()}), 3).findings.empty());
}

TEST(MixedPrecision, IntegerClipOnWeightCodesNarrowsTheirBits) {
  // Codes over the whole int8 range, but Clip(-2, 1) leaves 4 levels: 2 bits (QCDQ).
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes(), .weight_clip = std::make_pair(-2.0f, 1.0f)}), 2);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:2(Weight), 8(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "weight_levels"), 4);
}

TEST(MixedPrecision, ActivationClipAloneIsEnough) {
  // Three codes 0..2 need 2 bits; the weights are 8-bit.
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes(), .activation_clip = std::make_pair(0.0f, 2.0f)}), 2);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:8(Weight), 2(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "activation_levels"), 3);
}

TEST(MixedPrecision, FewDistinctValuesOfATinyTensorAreNotFewBits) {
  // 8 weights, 8 distinct values spanning -127..127: an 8-bit layer that is merely small. Counting
  // distinct values would say 3 bits.
  std::vector<int8_t> codes = {-127, -90, -45, -1, 3, 50, 99, 127};
  JudgeRun run = RunJudge(MakeModel({.weight_codes = codes}), 8);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:8(Weight), 8(Activation)");
  EXPECT_TRUE(RunJudge(MakeModel({.weight_codes = codes}), 3).findings.empty());
}

TEST(MixedPrecision, OnlyTheLastWeightedLayerCounts) {
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes(), .earlier_weight_codes = OneBitCodes()}), 2);
  EXPECT_TRUE(run.findings.empty());
  JudgeRun reversed = RunJudge(MakeModel({.weight_codes = OneBitCodes(), .earlier_weight_codes = EightBitCodes()}), 2);
  ASSERT_EQ(reversed.findings.size(), 1u);
  EXPECT_EQ(reversed.findings[0].layer, "fc");
}

TEST(MixedPrecision, UnquantizedFloatWeightsCountAs32Bits) {
  // 64 distinct float values: not on a grid. The activation (8 bits) decides at threshold 7 and 8.
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes(), .float_weights = true}), 7);
  EXPECT_TRUE(run.findings.empty());
  JudgeRun at8 = RunJudge(MakeModel({.weight_codes = EightBitCodes(), .float_weights = true}), 8);
  ASSERT_EQ(at8.findings.size(), 1u);
  EXPECT_EQ(at8.findings[0].message, "bitwidth of fc:32(Weight), 8(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(at8.findings[0], "weight_bits"), 32);
}

TEST(MixedPrecision, FloatWeightsBakedOnAGridCountTheirLevels) {
  // 64 float weights taking the 2 values 0 and 0.01 (fake-quant export): 1 bit in a float container.
  JudgeRun run = RunJudge(MakeModel({.weight_codes = OneBitCodes(), .float_weights = true, .float_on_grid = true}), 2);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:1(Weight), 8(Activation)");
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "weight_bits"), 32);
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "weight_levels"), 2);
}

TEST(MixedPrecision, LevelsTheDataReachesAreReportedButDoNotDecide) {
  // The output quantizer (uint8, scale 0.05, zero point 0) sees data in [0, 0.1]: codes 0..2, 3
  // levels of 256. Evidence only: the type and the Clip decide the bit width.
  ReportResult report;
  ComparePoint p;
  p.name = "fc";
  p.quant_node = "out_q";
  report.points.push_back(p);
  Histogram h;
  h.min = 0.0;
  h.max = 0.1;
  h.counts = {5, 5};
  h.num = 10;
  report.histograms.push_back(h);
  JudgeRun run = RunJudge(MakeModel({.weight_codes = EightBitCodes()}), 8, "", report);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_DOUBLE_EQ(Evidence(run.findings[0], "activation_levels_used_by_data"), 3);
  EXPECT_EQ(run.findings[0].message, "bitwidth of fc:8(Weight), 8(Activation)");
}

TEST(MixedPrecision, NoWeightedLayerIsAWarning) {
  QuantGraph g;
  ValueId v = g.QDQ("only", g.Input("x"));
  JudgeRun run = RunJudge(g.Build(v), 2);
  EXPECT_TRUE(run.findings.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_THAT(run.warnings[0], HasSubstr("no Conv/ConvTranspose/Gemm/MatMul with constant weights"));
}

TEST(MixedPrecision, HeadlineAndInfo) {
  auto judge = MakeMixedPrecisionJudge();
  EXPECT_EQ(judge->info().id, "mixed_precision_with_model_output_loss_objective");
  EXPECT_THAT(judge->Headline(),
              ::testing::StartsWith("the quantization bitwidth of the last layer is an extremely small number. Refer "
                                    "to the troubleshooting manual of 'Mixed Precision with model output loss "
                                    "objective'"));
  EXPECT_THAT(judge->Headline(), HasSubstr("docs/troubleshooting/mixed_precision_with_model_output_loss_objective.md"));
}

}  // namespace
}  // namespace xquant::troubleshoot
