// Shift negative activation judge on float graphs built in memory: the reference's documented check
// (each negative-output activation found, Relu not), the exporters' patterns, and the measured
// shares against histograms whose answers are worked out by hand.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "troubleshoot/judge.h"

namespace xquant::troubleshoot {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A float graph made in code. Every node's output value is named "<node>_y".
class FloatGraph {
 public:
  FloatGraph() { model_->graph.opset_imports[""] = 20; }

  ValueId Input(const std::string& name) {
    ValueId id = model_->graph.AddValue(name);
    model_->graph.values[id].dtype = DataType::kFloat32;
    model_->graph.inputs.push_back(id);
    return id;
  }
  ValueId Scalar(float v) {
    ValueId id = model_->graph.AddValue("c" + std::to_string(constants_++));
    model_->graph.values[id].dtype = DataType::kFloat32;
    model_->graph.values[id].constant = Tensor::FromVector<float>({1}, {v});
    return id;
  }
  ValueId Op(const std::string& name, const std::string& op, std::vector<ValueId> inputs,
             std::map<std::string, Attribute, std::less<>> attributes = {}, const std::string& domain = "") {
    Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.outputs = {model_->graph.AddValue(name + "_y")};
    n.attributes = std::move(attributes);
    model_->graph.nodes.push_back(std::move(n));
    return model_->graph.nodes.back().outputs[0];
  }
  std::shared_ptr<const Model> Build(ValueId output) {
    model_->graph.outputs = {output};
    Status s = model_->graph.Rebuild();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return model_;
  }

 private:
  std::shared_ptr<Model> model_ = std::make_shared<Model>();
  int constants_ = 0;
};

struct JudgeRun {
  std::vector<Finding> findings;
  std::vector<std::string> warnings;
};

JudgeRun RunJudge(const ReportResult& report, std::vector<bool> degraded = {}) {
  if (degraded.empty()) degraded.assign(report.points.size(), false);
  const std::string log_dir;
  JudgeContext context{report, report.config, degraded, log_dir};
  JudgeRun run;
  auto findings = MakeShiftNegativeActivationJudge()->Run(context, &run.warnings);
  EXPECT_TRUE(findings.ok()) << findings.status().ToString();
  if (findings.ok()) run.findings = *findings;
  return run;
}

std::vector<std::string> Layers(const JudgeRun& run) {
  std::vector<std::string> out;
  for (const Finding& f : run.findings) out.push_back(f.layer);
  return out;
}

double Evidence(const Finding& f, const std::string& name) {
  for (const auto& [key, v] : f.evidence)
    if (key == name) return v;
  ADD_FAILURE() << "no evidence '" << name << "' in " << f.message;
  return NAN;
}

// The reference's documented check: every activation with a negative output range is listed by
// node, Relu and the other non-negative activations are not.
TEST(ShiftNegativeActivation, EveryNegativeOutputOpFoundAndReluNot) {
  FloatGraph g;
  ValueId v = g.Input("x");
  v = g.Op("relu", "Relu", {v});
  v = g.Op("prelu", "PRelu", {v, g.Scalar(0.25f)});
  v = g.Op("elu", "Elu", {v});
  v = g.Op("selu", "Selu", {v});
  v = g.Op("celu", "Celu", {v});
  v = g.Op("leaky", "LeakyRelu", {v}, {{"alpha", Attribute::Float(0.1f)}});
  v = g.Op("hardswish", "HardSwish", {v});
  v = g.Op("gelu", "Gelu", {v});
  v = g.Op("mish", "Mish", {v});
  v = g.Op("ms_gelu", "Gelu", {v}, {}, "com.microsoft");
  // Not negative, or symmetric: none of these may be reported.
  v = g.Op("relu6", "Clip", {v, g.Scalar(0.0f), g.Scalar(6.0f)});
  v = g.Op("softplus", "Softplus", {v});
  v = g.Op("sigmoid", "Sigmoid", {v});
  v = g.Op("hardsigmoid", "HardSigmoid", {v});
  v = g.Op("tanh", "Tanh", {v});
  v = g.Op("leaky_zero", "LeakyRelu", {v}, {{"alpha", Attribute::Float(0.0f)}});
  v = g.Op("relu_last", "Relu", {v});
  ReportResult report;
  report.float_model = g.Build(v);

  JudgeRun run = RunJudge(report);
  EXPECT_THAT(Layers(run),
              ElementsAre("prelu", "elu", "selu", "celu", "leaky", "hardswish", "gelu", "mish", "ms_gelu"));
  ASSERT_EQ(run.findings.size(), 9u);
  EXPECT_THAT(run.findings[0].message, StartsWith("prelu=PRelu"));
  EXPECT_THAT(run.findings[6].message, StartsWith("gelu=Gelu"));
  for (const Finding& f : run.findings) {
    EXPECT_EQ(f.judge, "shift_negative_activation");
    EXPECT_FALSE(f.on_degraded_layer);
    // No compare point: listed, but not measured and after anything measured.
    EXPECT_THAT(f.note, HasSubstr("lower priority"));
    EXPECT_TRUE(f.evidence.empty());
  }
}

TEST(ShiftNegativeActivation, ExporterPatternsFoundInAnyOperandOrder) {
  FloatGraph g;
  ValueId x = g.Input("x");
  // SiLU: Mul(Sigmoid(x), x).
  ValueId silu = g.Op("silu", "Mul", {g.Op("silu_sig", "Sigmoid", {x}), x});
  // GELU as torch.onnx writes it: ((x / sqrt2) -> Erf -> + 1) * x * 0.5.
  ValueId e1 = g.Op("g1_erf", "Erf", {g.Op("g1_div", "Div", {silu, g.Scalar(1.4142135f)})});
  ValueId a1 = g.Op("g1_add", "Add", {g.Scalar(1.0f), e1});
  ValueId gelu1 = g.Op("gelu_a", "Mul", {g.Op("g1_mulx", "Mul", {silu, a1}), g.Scalar(0.5f)});
  // GELU with x * (1/sqrt2), 0.5 applied first, x last.
  ValueId e2 = g.Op("g2_erf", "Erf", {g.Op("g2_scale", "Mul", {g.Scalar(0.70710677f), gelu1})});
  ValueId a2 = g.Op("g2_add", "Add", {e2, g.Scalar(1.0f)});
  ValueId gelu2 = g.Op("gelu_b", "Mul", {gelu1, g.Op("g2_half", "Mul", {a2, g.Scalar(0.5f)})});
  // HardSwish as x * HardSigmoid(x).
  ValueId hs1 = g.Op("hswish_a", "Mul", {gelu2, g.Op("hs1_hsig", "HardSigmoid", {gelu2})});
  // HardSwish as x * Relu6(x + 3) / 6, twice: Mul by x then Div 6; Mul 1/6 then Mul by x.
  ValueId c1 = g.Op("hs2_clip", "Clip", {g.Op("hs2_add", "Add", {hs1, g.Scalar(3.0f)}), g.Scalar(0.0f), g.Scalar(6.0f)});
  ValueId hs2 = g.Op("hswish_b", "Div", {g.Op("hs2_mul", "Mul", {hs1, c1}), g.Scalar(6.0f)});
  ValueId c2 = g.Op("hs3_clip", "Clip", {g.Op("hs3_add", "Add", {g.Scalar(3.0f), hs2})},
                    {{"min", Attribute::Float(0.0f)}, {"max", Attribute::Float(6.0f)}});
  ValueId hs3 = g.Op("hswish_c", "Mul", {g.Op("hs3_sixth", "Mul", {c2, g.Scalar(1.0f / 6.0f)}), hs2});
  // Mish: x * Tanh(Softplus(x)).
  ValueId mish = g.Op("mish", "Mul", {hs3, g.Op("mish_tanh", "Tanh", {g.Op("mish_sp", "Softplus", {hs3})})});
  // Look-alikes that are not these activations: a gate on another tensor, x * Tanh(x), a
  // Relu6 on its own, 1 + Erf(...) times x without the 0.5.
  ValueId other = g.Op("other_gate", "Mul", {mish, g.Op("other_sig", "Sigmoid", {x})});
  ValueId tanh_gate = g.Op("tanh_gate", "Mul", {other, g.Op("tg_tanh", "Tanh", {other})});
  ValueId relu6 = g.Op("lone_relu6", "Clip", {tanh_gate, g.Scalar(0.0f), g.Scalar(6.0f)});
  ValueId e3 = g.Op("g3_erf", "Erf", {g.Op("g3_div", "Div", {relu6, g.Scalar(1.4142135f)})});
  ValueId no_half = g.Op("no_half", "Mul", {relu6, g.Op("g3_add", "Add", {e3, g.Scalar(1.0f)})});
  ReportResult report;
  report.float_model = g.Build(no_half);

  JudgeRun run = RunJudge(report);
  EXPECT_THAT(Layers(run), ElementsAre("silu", "gelu_a", "gelu_b", "hswish_a", "hswish_b", "hswish_c", "mish"));
  ASSERT_EQ(run.findings.size(), 7u);
  EXPECT_THAT(run.findings[0].message, StartsWith("silu=SiLU (x*Sigmoid(x))"));
  EXPECT_THAT(run.findings[1].message, StartsWith("gelu_a=GELU (x*0.5*(1+Erf(x/sqrt(2))))"));
  EXPECT_THAT(run.findings[2].message, StartsWith("gelu_b=GELU"));
  EXPECT_THAT(run.findings[3].message, StartsWith("hswish_a=HardSwish (x*HardSigmoid(x))"));
  EXPECT_THAT(run.findings[4].message, StartsWith("hswish_b=HardSwish (x*Relu6(x+3)/6)"));
  EXPECT_THAT(run.findings[5].message, StartsWith("hswish_c=HardSwish (x*Relu6(x+3)/6)"));
  EXPECT_THAT(run.findings[6].message, StartsWith("mish=Mish (x*Tanh(Softplus(x)))"));
  // Every node of a pattern is named in `layers`.
  EXPECT_THAT(run.findings[1].layers, ElementsAre("g1_div", "g1_erf", "g1_add", "g1_mulx", "gelu_a"));
  EXPECT_THAT(run.findings[0].layers, ElementsAre("silu_sig", "silu"));
}

TEST(ShiftNegativeActivation, TanhGeluAndScaledSwish) {
  FloatGraph g;
  ValueId x = g.Input("x");
  // GELU's tanh approximation: 0.5 * x * (1 + Tanh(0.7978845 * (x + 0.044715 * x^3))).
  ValueId cube = g.Op("t_pow", "Pow", {x, g.Scalar(3.0f)});
  ValueId inner = g.Op("t_add", "Add", {x, g.Op("t_cube", "Mul", {g.Scalar(0.044715f), cube})});
  ValueId th = g.Op("t_tanh", "Tanh", {g.Op("t_scale", "Mul", {inner, g.Scalar(0.7978845f)})});
  ValueId plus1 = g.Op("t_plus1", "Add", {th, g.Scalar(1.0f)});
  ValueId gelu = g.Op("gelu_tanh", "Mul", {g.Op("t_half", "Mul", {x, g.Scalar(0.5f)}), plus1});
  // Paddle's SiLU, x * Sigmoid(1.0 * x), and QuickGELU, x * Sigmoid(1.702 * x).
  ValueId s1 = g.Op("p_sig", "Sigmoid", {g.Op("p_scale", "Mul", {gelu, g.Scalar(1.0f)})});
  ValueId paddle = g.Op("paddle_silu", "Mul", {gelu, s1});
  ValueId s2 = g.Op("q_sig", "Sigmoid", {g.Op("q_scale", "Mul", {g.Scalar(1.702f), paddle})});
  ValueId quick = g.Op("quick_gelu", "Mul", {s2, paddle});
  // Not GELU: 0.5 * y * (1 + Tanh(x)) where the Tanh reads another tensor than y.
  ValueId other = g.Op("o_plus1", "Add", {g.Op("o_tanh", "Tanh", {x}), g.Scalar(1.0f)});
  ValueId not_gelu = g.Op("not_gelu", "Mul", {g.Op("o_half", "Mul", {quick, g.Scalar(0.5f)}), other});
  ReportResult report;
  report.float_model = g.Build(not_gelu);

  JudgeRun run = RunJudge(report);
  EXPECT_THAT(Layers(run), ElementsAre("gelu_tanh", "paddle_silu", "quick_gelu"));
  ASSERT_EQ(run.findings.size(), 3u);
  EXPECT_THAT(run.findings[0].message, StartsWith("gelu_tanh=GELU (tanh approximation)"));
  EXPECT_THAT(run.findings[1].message, StartsWith("paddle_silu=SiLU (x*Sigmoid(x))"));
  EXPECT_THAT(run.findings[2].message, StartsWith("quick_gelu=Swish (x*Sigmoid(1.702*x))"));
}

// One LeakyRelu "act" with a compare point on its output; its histogram and quantizer are set by
// each test.
ReportResult OneActivation(const Histogram& h, DataType dtype, float scale, int64_t zero_point) {
  FloatGraph g;
  ValueId y = g.Op("act", "LeakyRelu", {g.Input("x")});
  ReportResult report;
  report.float_model = g.Build(y);
  ComparePoint p;
  p.name = "conv";  // the point is named after the conv heading its group
  p.float_nodes = {"conv", "act"};
  p.float_tensor = "act_y";
  QuantizationInfo& q = p.quantization;
  q.dtype = dtype;
  q.bits = 8;
  q.is_signed = dtype == DataType::kInt8;
  q.scale = {scale};
  q.zero_point = {zero_point};
  const double qmin = q.is_signed ? -128 : 0, qmax = q.is_signed ? 127 : 255;
  q.range_min = static_cast<float>((qmin - zero_point) * scale);
  q.range_max = static_cast<float>((qmax - zero_point) * scale);
  report.points.push_back(p);
  report.histograms.push_back(h);
  return report;
}

// Four bins of width 1 over [-1, 3], 10 values each: exactly a quarter is negative. The sum of
// squares is that of the bin centres: 10 * (0.25 + 0.25 + 2.25 + 6.25) = 90.
Histogram QuarterNegative() {
  Histogram h;
  h.min = -1.0;
  h.max = 3.0;
  h.counts = {10, 10, 10, 10};
  h.num = 40;
  h.sum = 10 * (-0.5 + 0.5 + 1.5 + 2.5);
  h.sum_squares = 90.0;
  return h;
}

TEST(ShiftNegativeActivation, UnsignedZeroPointClipsTheWholeNegativeQuarter) {
  ReportResult report = OneActivation(QuarterNegative(), DataType::kUint8, 0.02f, 0);
  JudgeRun run = RunJudge(report, {true});
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  EXPECT_EQ(f.layer, "act");
  EXPECT_TRUE(f.on_degraded_layer);
  EXPECT_DOUBLE_EQ(Evidence(f, "negative_share"), 0.25);
  EXPECT_DOUBLE_EQ(Evidence(f, "min"), -1.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "negative_levels"), 0.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "levels"), 256.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "clipped_share"), 0.25);
  // Clipped at 0: the negative bin's 10 values at its centre -0.5, 10 * 0.25 = 2.5 of 90.
  EXPECT_NEAR(Evidence(f, "clipped_energy_share"), 2.5 / 90.0, 1e-12);
  EXPECT_NEAR(Evidence(f, "clipping_sqnr_db_bound"), 10.0 * std::log10(90.0 / 2.5), 1e-9);
  EXPECT_THAT(f.message, StartsWith("act=LeakyRelu: 25% of values negative (min -1)"));
  EXPECT_THAT(f.message, HasSubstr("uint8 zero point 0: 0 of 256 levels below zero, 25% of values"));
  EXPECT_THAT(f.note, HasSubstr("unsigned"));
  EXPECT_THAT(f.note, HasSubstr("compare point 'conv'"));
  EXPECT_THAT(f.note, ::testing::Not(HasSubstr("lower priority")));
}

TEST(ShiftNegativeActivation, ZeroInsideABinCountsInProportion) {
  // Bins [-0.5, 0.5) and [0.5, 1.5], 40 values each: half of the first bin is below 0 -> 20 of 80.
  Histogram h;
  h.min = -0.5;
  h.max = 1.5;
  h.counts = {40, 40};
  h.num = 80;
  h.sum_squares = 100.0;
  // int8 with zero point 0 and scale 0.25: range [-32, 31.75], 128 codes below zero, nothing clipped.
  ReportResult report = OneActivation(h, DataType::kInt8, 0.25f, 0);
  JudgeRun run = RunJudge(report, {true});
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  EXPECT_DOUBLE_EQ(Evidence(f, "negative_share"), 0.25);
  EXPECT_DOUBLE_EQ(Evidence(f, "negative_levels"), 128.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "clipped_share"), 0.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "clipped_energy_share"), 0.0);
}

TEST(ShiftNegativeActivation, FewNegativeLevelsClipPartOfTheTail) {
  // uint8 with zero point 2 and scale 0.25: two codes below zero, range_min = -0.5. Half of the
  // bin [-1, 0) lies below -0.5: 5 of 40 values clipped; they sit at -0.75 on average, 0.25 below
  // the bound: energy 5 * 0.0625 = 0.3125 of 90.
  ReportResult report = OneActivation(QuarterNegative(), DataType::kUint8, 0.25f, 2);
  JudgeRun run = RunJudge(report, {true});
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  EXPECT_DOUBLE_EQ(Evidence(f, "negative_levels"), 2.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "range_min"), -0.5);
  EXPECT_DOUBLE_EQ(Evidence(f, "clipped_share"), 0.125);
  EXPECT_NEAR(Evidence(f, "clipped_energy_share"), 0.3125 / 90.0, 1e-12);
}

TEST(ShiftNegativeActivation, DegradedFirstThenTheRestAsLowerPriority) {
  FloatGraph g;
  ValueId a = g.Op("a", "Elu", {g.Input("x")});
  ValueId b = g.Op("b", "Selu", {a});
  ValueId c = g.Op("c", "Celu", {b});
  ReportResult report;
  report.float_model = g.Build(c);
  for (const std::string name : {"a", "b", "c"}) {
    ComparePoint p;
    p.name = name;
    p.float_nodes = {name};
    p.float_tensor = name + "_y";
    report.points.push_back(p);
    Histogram h = QuarterNegative();
    if (name == "c") h.min = 0.0;  // c never goes negative on the data
    report.histograms.push_back(h);
  }
  // b and c degraded; a not.
  JudgeRun run = RunJudge(report, {false, true, true});
  EXPECT_THAT(Layers(run), ElementsAre("b", "a", "c"));
  ASSERT_EQ(run.findings.size(), 3u);
  EXPECT_TRUE(run.findings[0].on_degraded_layer);
  EXPECT_EQ(run.findings[0].note, "");
  EXPECT_FALSE(run.findings[1].on_degraded_layer);
  EXPECT_EQ(run.findings[1].note, "lower priority: not a degraded layer");
  EXPECT_TRUE(run.findings[2].on_degraded_layer);
  EXPECT_EQ(run.findings[2].note, "lower priority: no negative value measured on the representative data");
  EXPECT_DOUBLE_EQ(Evidence(run.findings[2], "negative_share"), 0.0);
  // Without a quantizer on the point, only the float-side numbers are given.
  EXPECT_THAT(run.findings[0].message, ::testing::EndsWith("25% of values negative (min -1)"));
}

TEST(ShiftNegativeActivation, HeadlineAndInfo) {
  auto judge = MakeShiftNegativeActivationJudge();
  EXPECT_EQ(judge->info().id, "shift_negative_activation");
  EXPECT_THAT(judge->Headline(),
              StartsWith("There are activations that contain negative values. Refer to the troubleshooting "
                         "manual of \"Shift Negative Activation\""));
  EXPECT_THAT(judge->Headline(), HasSubstr("docs/troubleshooting/shift_negative_activation.md"));
}

TEST(ShiftNegativeActivation, NoFloatModelIsAWarningNotAnError) {
  ReportResult report;
  JudgeRun run = RunJudge(report);
  EXPECT_TRUE(run.findings.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_THAT(run.warnings[0], HasSubstr("no float model"));
}

}  // namespace
}  // namespace xquant::troubleshoot
