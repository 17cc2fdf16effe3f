// Every quantized-ONNX dialect op (MCT, QONNX, OpenVINO FakeQuantize, opset-19/21 and com.microsoft
// Q/DQ, QCDQ) run through a Session and compared bit for bit with numpy's results from the
// dialects' formulas (tests/fixtures/make_dialect_ops.py); malformed models refused with a message
// naming the node and the field.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "dialect_cases.h"
#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/quantize.h"
#include "xquant/session.h"

namespace xquant {
namespace {

using dialect_test::Case;
using dialect_test::ReadCases;

const std::string kDir = XQ_DIALECT_DIR;

std::string CaseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

uint32_t Bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b;
}

class DialectRun : public ::testing::TestWithParam<Case> {};

// Exact: every output float has the bit pattern numpy computed (same operations, same order).
TEST_P(DialectRun, MatchesNumpyBitForBit) {
  const std::string base = kDir + "/" + GetParam().name;
  auto model = LoadModel(base + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto input = ReadNpy(base + "_input.npy");
  auto expected = ReadNpy(base + "_expected.npy");
  ASSERT_TRUE(input.ok() && expected.ok()) << base;
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({{"x", *input}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& y = (*out)[0].second;
  ASSERT_EQ(y.dtype(), DataType::kFloat32);
  ASSERT_EQ(y.shape(), expected->shape());
  int64_t mismatches = 0;
  for (int64_t i = 0; i < y.size(); ++i) {
    const float a = y.data<float>()[i], e = expected->data<float>()[i];
    if (Bits(a) != Bits(e) && mismatches++ < 5)
      ADD_FAILURE() << "element " << i << " (x = " << input->data<float>()[i] << "): got " << a << ", numpy " << e;
  }
  EXPECT_EQ(mismatches, 0) << "of " << y.size();
}

// SaveModel writes what it read: the same dialect ops, attributes and constants (int4 packed two
// per byte again), so the reloaded model gives the same bits.
TEST_P(DialectRun, SurvivesSaveAndReload) {
  const std::string base = kDir + "/" + GetParam().name;
  auto model = LoadModel(base + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string saved = ::testing::TempDir() + "/xquant_resaved_" + GetParam().name + ".onnx";
  ASSERT_TRUE(SaveModel(**model, saved).ok());
  auto reloaded = LoadModel(saved);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  auto input = ReadNpy(base + "_input.npy");
  ASSERT_TRUE(input.ok());
  auto first = Session::Create(*model);
  auto second = Session::Create(*reloaded);
  ASSERT_TRUE(first.ok() && second.ok());
  auto a = (*first)->Run({{"x", *input}});
  auto b = (*second)->Run({{"x", *input}});
  ASSERT_TRUE(a.ok() && b.ok()) << (a.ok() ? b.status().ToString() : a.status().ToString());
  const Tensor& ya = (*a)[0].second;
  const Tensor& yb = (*b)[0].second;
  ASSERT_EQ(ya.shape(), yb.shape());
  EXPECT_EQ(std::memcmp(ya.raw_data(), yb.raw_data(), static_cast<size_t>(ya.nbytes())), 0);
  std::remove(saved.c_str());
}

INSTANTIATE_TEST_SUITE_P(Cases, DialectRun, ::testing::ValuesIn(ReadCases(kDir, "run")), CaseName);

class DialectError : public ::testing::TestWithParam<Case> {};

// Refused at the stage the case names, with a message that names the node and the field.
TEST_P(DialectError, NamesNodeAndField) {
  const Case& c = GetParam();
  auto expect_message = [&](const Status& s) {
    EXPECT_NE(s.message().find(c.node), std::string::npos) << "node '" << c.node << "' not named: " << s.message();
    EXPECT_NE(s.message().find(c.field), std::string::npos) << "field '" << c.field << "' not named: " << s.message();
  };
  auto model = LoadModel(kDir + "/" + c.name + ".onnx");
  if (c.kind == "error_load") {
    ASSERT_FALSE(model.ok()) << c.name << " loaded";
    expect_message(model.status());
    return;
  }
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = Session::Create(*model);
  if (c.kind == "error_create") {
    ASSERT_FALSE(session.ok()) << c.name << ": the session was prepared";
    expect_message(session.status());
    return;
  }
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({{"x", Tensor::Zeros(DataType::kFloat32, {2, 3})}});
  ASSERT_FALSE(out.ok()) << c.name << " ran";
  expect_message(out.status());
}

INSTANTIATE_TEST_SUITE_P(Cases, DialectError, ::testing::ValuesIn(ReadCases(kDir, "error")), CaseName);

TEST(DialectCases, FixtureWroteThemAll) {
  // A fixture that silently wrote nothing would make the parameterised tests vanish.
  EXPECT_GE(ReadCases(kDir, "run").size(), 50u);
  EXPECT_GE(ReadCases(kDir, "error").size(), 15u);
}

TEST(DialectLoading, KeepsMetadataInFileOrder) {
  auto model = LoadModel(kDir + "/mct_act_pot_s8.onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"mctq_version", "1.5.0"}, {"mct_version", "2.2.0"}, {"tpc_name", "imx500"}, {"tpc_platform_type", "imx500"}};
  EXPECT_EQ((*model)->metadata_props, expected);
}

TEST(DialectLoading, ShapeInferenceSeesThroughCustomOps) {
  // ActivationPOTQuantizer -> Relu -> ActivationSymmetricQuantizer: the Relu between two custom ops
  // and the custom ops' outputs get input 0's type and shape.
  auto model = LoadModel(kDir + "/mct_chain.onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const Graph& g = (*model)->graph;
  for (const char* name : {"q1", "r", "y"}) {
    const ValueId id = g.FindValue(name);
    ASSERT_NE(id, kNoValue) << name;
    EXPECT_EQ(g.values[id].dtype, DataType::kFloat32) << name;
    ASSERT_TRUE(g.values[id].shape.has_value()) << name;
    std::vector<int64_t> dims;
    for (const Dim& d : *g.values[id].shape) dims.push_back(d.value);
    EXPECT_EQ(dims, (std::vector<int64_t>{1, 2, 3, 3})) << name;
  }
  EXPECT_EQ(g.OpsetVersion("mct_quantizers"), 1);
}

TEST(DialectLoading, TypesQuantizeOutputsByOutputDtype) {
  // Opset 21 QuantizeLinear without a zero point and output_dtype = INT4.
  auto model = LoadModel(kDir + "/onnx_qdq21_output_dtype_int4.onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const Graph& g = (*model)->graph;
  const ValueId q = g.FindValue("q");
  ASSERT_NE(q, kNoValue);
  EXPECT_EQ(g.values[q].dtype, DataType::kInt4);
}

TEST(DialectLoading, UnpacksInt4LowNibbleFirst) {
  // [[-8, -1, 0], [1, 7, 3], [-5, 6, -2]] packed two per byte, 9 elements (odd).
  for (const char* form : {"raw", "int32_data"}) {
    auto model = LoadModel(kDir + "/onnx_dq21_int4_weights_" + std::string(form) + ".onnx");
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const Graph& g = (*model)->graph;
    const ValueId id = g.FindValue("w");
    ASSERT_NE(id, kNoValue);
    ASSERT_TRUE(g.values[id].constant.has_value());
    const Tensor& w = *g.values[id].constant;
    EXPECT_EQ(w.dtype(), DataType::kInt4);
    EXPECT_EQ(w.shape(), (Shape{3, 3}));
    const int8_t expected[] = {-8, -1, 0, 1, 7, 3, -5, 6, -2};
    for (int i = 0; i < 9; ++i) EXPECT_EQ(w.data<int8_t>()[i], expected[i]) << form << " element " << i;
  }
}

}  // namespace
}  // namespace xquant
