// Quantizer records of the less common forms, on one-quantizer graphs built in memory. Every
// expected number is worked out by hand in the comment above it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "xquant/graph.h"
#include "xquant/quantization.h"

namespace xquant {
namespace {

class OneQuantizer {
 public:
  OneQuantizer() { graph_.opset_imports[""] = 21; }
  ValueId Input(std::vector<Dim> shape = {{1, ""}, {4, ""}}) {
    ValueId id = graph_.AddValue("x");
    graph_.values[id].dtype = DataType::kFloat32;
    graph_.values[id].shape = shape;
    graph_.inputs.push_back(id);
    return id;
  }
  ValueId Constant(const std::string& name, Tensor t) {
    ValueId id = graph_.AddValue(name);
    graph_.values[id].dtype = t.dtype();
    graph_.values[id].constant = std::move(t);
    return id;
  }
  ValueId Op(const std::string& op, const std::string& domain, std::vector<ValueId> inputs, DataType out,
             std::map<std::string, Attribute, std::less<>> attributes = {}) {
    Node n;
    n.name = op + std::to_string(graph_.nodes.size());
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    n.outputs = {graph_.AddValue(n.name + "_y")};
    n.attributes = std::move(attributes);
    graph_.values[n.outputs[0]].dtype = out;
    graph_.nodes.push_back(std::move(n));
    return graph_.nodes.back().outputs[0];
  }
  // The one record of the graph whose output is `y`.
  QuantizationInfo Record(ValueId y) {
    graph_.outputs = {y};
    EXPECT_TRUE(graph_.Rebuild().ok());
    const std::vector<QuantizerRecord> records = FindQuantizers(graph_);
    EXPECT_EQ(records.size(), 1u);
    if (records.empty()) return {};
    EXPECT_EQ(records[0].post, y);
    return records[0].info;
  }

 private:
  Graph graph_;
};

TEST(RecordForms, BlockedInt8WeightHasOneRangePerBlock) {
  // int8 codes [2, 4] dequantized with scale [2, 2] along axis 1, blocks of 2: entries 0.1, 0.2,
  // 0.3, 0.4 give [-128 s, 127 s] each; the union [-51.2, 50.8].
  OneQuantizer g;
  ValueId codes = g.Constant("w", Tensor::FromVector<int8_t>({2, 4}, {1, -1, 2, -2, 3, -3, 4, -4}));
  ValueId scale = g.Constant("s", Tensor::FromVector<float>({2, 2}, {0.1f, 0.2f, 0.3f, 0.4f}));
  QuantizationInfo q = g.Record(
      g.Op("DequantizeLinear", "", {codes, scale}, DataType::kFloat32, {{"axis", Attribute::Int(1)}, {"block_size", Attribute::Int(2)}}));
  EXPECT_EQ(q.dialect, "QDQ");
  EXPECT_EQ(q.axis, 1);
  EXPECT_EQ(q.block_size, 2);
  ASSERT_EQ(q.channel_min.size(), 4u);
  EXPECT_FLOAT_EQ(q.channel_min[1], -128 * 0.2f);
  EXPECT_FLOAT_EQ(q.channel_max[3], 127 * 0.4f);
  EXPECT_FLOAT_EQ(q.range_min, -51.2f);
  EXPECT_FLOAT_EQ(q.range_max, 50.8f);
  // 8 codes, 8 distinct, too few to trust: the span -4..4 (9 levels) needs 4 bits.
  EXPECT_EQ(q.distinct_values, 8);
  EXPECT_EQ(q.bits_used, 4);
}

TEST(RecordForms, QcdqNarrowSignedActivation) {
  // int8 codes clipped to [-7, 7]: 15 levels, 4 bits, narrow; scale 0.5 -> [-3.5, 3.5].
  OneQuantizer g;
  ValueId s = g.Constant("s", Tensor::Scalar<float>(0.5f));
  ValueId zp = g.Constant("zp", Tensor::Scalar<int8_t>(0));
  ValueId q = g.Op("QuantizeLinear", "", {g.Input(), s, zp}, DataType::kInt8);
  ValueId c = g.Op("Clip", "", {q, g.Constant("lo", Tensor::Scalar<int8_t>(-7)), g.Constant("hi", Tensor::Scalar<int8_t>(7))},
                   DataType::kInt8);
  QuantizationInfo info = g.Record(g.Op("DequantizeLinear", "", {c, s, zp}, DataType::kFloat32));
  EXPECT_EQ(info.dialect, "QCDQ");
  EXPECT_EQ(info.bits, 4);
  EXPECT_EQ(info.container_bits, 8);
  EXPECT_TRUE(info.narrow);
  EXPECT_TRUE(info.is_signed);
  EXPECT_FLOAT_EQ(info.range_min, -3.5f);
  EXPECT_FLOAT_EQ(info.range_max, 3.5f);
}

TEST(RecordForms, MicrosoftInt16) {
  // com.microsoft int16, scale 0.001, zero point 0: [-32.768, 32.767].
  OneQuantizer g;
  ValueId s = g.Constant("s", Tensor::Scalar<float>(0.001f));
  ValueId zp = g.Constant("zp", Tensor::Scalar<int16_t>(0));
  ValueId q = g.Op("QuantizeLinear", "com.microsoft", {g.Input(), s, zp}, DataType::kInt16);
  QuantizationInfo info = g.Record(g.Op("DequantizeLinear", "com.microsoft", {q, s, zp}, DataType::kFloat32));
  EXPECT_EQ(info.dialect, "QDQ com.microsoft");
  EXPECT_EQ(info.bits, 16);
  EXPECT_FLOAT_EQ(info.range_min, -32768 * 0.001f);
  EXPECT_FLOAT_EQ(info.range_max, 32767 * 0.001f);
}

TEST(RecordForms, MctUniformMovesTheRangeOntoTheGrid) {
  // [-0.3, 1.2] on 2 bits: s = 1.5 / 3 = 0.5, a = 0.5 * round(-0.6) = -0.5, b = 1.5 - 0.5 = 1.0,
  // zero point -a / s = 1; signed because a < 0.
  OneQuantizer g;
  QuantizationInfo q = g.Record(g.Op("ActivationUniformQuantizer", "mct_quantizers", {g.Input()}, DataType::kFloat32,
                                     {{"min_range", Attribute::Float(-0.3f)},
                                      {"max_range", Attribute::Float(1.2f)},
                                      {"num_bits", Attribute::Int(2)}}));
  EXPECT_EQ(q.dialect, "MCT");
  EXPECT_EQ(q.bits, 2);
  EXPECT_TRUE(q.is_signed);
  ASSERT_EQ(q.scale.size(), 1u);
  EXPECT_NEAR(q.scale[0], 0.5f, 1e-6);
  EXPECT_EQ(q.zero_point[0], 1);
  EXPECT_NEAR(q.range_min, -0.5f, 1e-6);
  EXPECT_NEAR(q.range_max, 1.0f, 1e-6);
}

TEST(RecordForms, MctPotUnsigned) {
  // threshold 4, unsigned, 3 bits: step 4 / 2^3 = 0.5, codes 0..7 -> [0, 3.5].
  OneQuantizer g;
  QuantizationInfo q = g.Record(g.Op("ActivationPOTQuantizer", "mct_quantizers", {g.Input()}, DataType::kFloat32,
                                     {{"threshold", Attribute::Float(4.0f)},
                                      {"signed", Attribute::Int(0)},
                                      {"num_bits", Attribute::Int(3)}}));
  EXPECT_EQ(q.bits, 3);
  EXPECT_FALSE(q.is_signed);
  EXPECT_FLOAT_EQ(q.scale[0], 0.5f);
  EXPECT_FLOAT_EQ(q.range_min, 0.0f);
  EXPECT_FLOAT_EQ(q.range_max, 3.5f);
}

TEST(RecordForms, QonnxNarrowUnsignedWithZeroPoint) {
  // unsigned narrow 3 bits: codes 0..6; zero point 1, scale 0.25 -> [-0.25, 1.25]. The brevitas
  // domain name is the same op.
  OneQuantizer g;
  QuantizationInfo q = g.Record(g.Op("Quant", "onnx.brevitas",
                                     {g.Input(), g.Constant("s", Tensor::Scalar<float>(0.25f)),
                                      g.Constant("zp", Tensor::Scalar<float>(1.0f)), g.Constant("b", Tensor::Scalar<float>(3.0f))},
                                     DataType::kFloat32, {{"signed", Attribute::Int(0)}, {"narrow", Attribute::Int(1)}}));
  EXPECT_EQ(q.dialect, "QONNX");
  EXPECT_EQ(q.bits, 3);
  EXPECT_TRUE(q.narrow);
  EXPECT_EQ(q.qmin, 0);
  EXPECT_EQ(q.qmax, 6);
  EXPECT_FLOAT_EQ(q.range_min, -0.25f);
  EXPECT_FLOAT_EQ(q.range_max, 1.25f);
}

TEST(RecordForms, QonnxBipolarIsOneBit) {
  OneQuantizer g;
  QuantizationInfo q = g.Record(g.Op("BipolarQuant", "qonnx.custom_op.general",
                                     {g.Input(), g.Constant("s", Tensor::Scalar<float>(0.75f))}, DataType::kFloat32));
  EXPECT_EQ(q.bits, 1);
  EXPECT_FLOAT_EQ(q.range_min, -0.75f);
  EXPECT_FLOAT_EQ(q.range_max, 0.75f);
}

TEST(RecordForms, QonnxTruncTakesTheOutputScaleAndBits) {
  // v2: out_scale 0.4, out_bitwidth 6, signed: codes -32..31 -> [-12.8, 12.4].
  OneQuantizer g;
  QuantizationInfo q = g.Record(g.Op("Trunc", "finn.custom_op.general",
                                     {g.Input(), g.Constant("s", Tensor::Scalar<float>(0.1f)),
                                      g.Constant("zp", Tensor::Scalar<float>(0.0f)),
                                      g.Constant("in_bits", Tensor::Scalar<float>(8.0f)),
                                      g.Constant("out_s", Tensor::Scalar<float>(0.4f)),
                                      g.Constant("out_bits", Tensor::Scalar<float>(6.0f))},
                                     DataType::kFloat32));
  EXPECT_EQ(q.bits, 6);
  EXPECT_FLOAT_EQ(q.scale[0], 0.4f);
  EXPECT_FLOAT_EQ(q.range_min, -12.8f);
  EXPECT_FLOAT_EQ(q.range_max, 12.4f);
}

TEST(RecordForms, FakeQuantizeNarrowAndAsymmetric) {
  // levels 255 over [-1.27, 1.27]: 8 bits, narrow, step 0.01, codes -127..127, zero point 0.
  {
    OneQuantizer g;
    ValueId lo = g.Constant("lo", Tensor::Scalar<float>(-1.27f));
    ValueId hi = g.Constant("hi", Tensor::Scalar<float>(1.27f));
    QuantizationInfo q = g.Record(g.Op("FakeQuantize", "org.openvinotoolkit", {g.Input(), lo, hi, lo, hi}, DataType::kFloat32,
                                       {{"levels", Attribute::Int(255)}}));
    EXPECT_EQ(q.dialect, "OpenVINO FakeQuantize");
    EXPECT_EQ(q.bits, 8);
    EXPECT_TRUE(q.narrow);
    EXPECT_TRUE(q.is_signed);
    EXPECT_EQ(q.qmin, -127);
    EXPECT_EQ(q.qmax, 127);
    EXPECT_NEAR(q.scale[0], 0.01f, 1e-7);
    EXPECT_EQ(q.zero_point[0], 0);
  }
  // The old default-domain form, levels 16 over [-0.3, 1.2]: step 0.1, 4 bits; codes -8..7 with
  // zero point -8 + 3 = -5; range [-0.3, 1.2].
  {
    OneQuantizer g;
    ValueId lo = g.Constant("lo", Tensor::Scalar<float>(-0.3f));
    ValueId hi = g.Constant("hi", Tensor::Scalar<float>(1.2f));
    QuantizationInfo q = g.Record(
        g.Op("FakeQuantize", "", {g.Input(), lo, hi, lo, hi}, DataType::kFloat32, {{"levels", Attribute::Int(16)}}));
    EXPECT_EQ(q.bits, 4);
    EXPECT_FALSE(q.narrow);
    EXPECT_NEAR(q.scale[0], 0.1f, 1e-7);
    EXPECT_EQ(q.zero_point[0], -5);
    EXPECT_FLOAT_EQ(q.range_min, -0.3f);
    EXPECT_FLOAT_EQ(q.range_max, 1.2f);
  }
}

}  // namespace
}  // namespace xquant
