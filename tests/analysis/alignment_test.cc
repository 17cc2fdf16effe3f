// Pairing on models made by tests/fixtures/make_alignment_models.py (same names, renamed, BN folded
// with fused activation and clutter, a mapping file), checked against the pairs the script wrote.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/alignment.h"
#include "xquant/session.h"

namespace xquant::analysis {
namespace {

const std::string kDir = XQ_ALIGN_DIR;

struct Pair2 {
  std::unique_ptr<Session> float_session, quant_session;
};

Pair2 Sessions(const std::string& quant_name) {
  Pair2 p;
  auto f = LoadModel(kDir + "/float.onnx");
  auto q = LoadModel(kDir + "/" + quant_name + ".onnx");
  EXPECT_TRUE(f.ok() && q.ok());
  p.float_session = std::move(Session::Create(*f)).value();
  p.quant_session = std::move(Session::Create(*q)).value();
  return p;
}

std::map<std::string, std::string> Expected(const std::string& name) {
  std::ifstream in(kDir + "/" + name + "_expected.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  return doc.get<std::map<std::string, std::string>>();
}

class AlignmentFixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(AlignmentFixtures, EveryQuantizationPointPairedAsExpected) {
  const std::string name = GetParam();
  Pair2 s = Sessions(name);
  auto alignment = AlignGraphs(s.float_session->graph(), s.quant_session->graph());
  ASSERT_TRUE(alignment.ok()) << alignment.status().ToString();
  EXPECT_TRUE(alignment->unpaired.empty());
  const auto expected = Expected(name);
  ASSERT_EQ(alignment->points.size(), expected.size());
  for (const ComparePoint& p : alignment->points) {
    auto it = expected.find(p.quant_pre_tensor);
    ASSERT_NE(it, expected.end()) << "unexpected point " << p.quant_pre_tensor;
    EXPECT_EQ(p.float_tensor, it->second) << "point " << p.quant_pre_tensor;
    EXPECT_GE(p.confidence, 0.9) << p.name;
  }
  ASSERT_EQ(alignment->outputs.size(), 1u);
  EXPECT_EQ(alignment->outputs[0].first, "out");
}

INSTANTIATE_TEST_SUITE_P(Models, AlignmentFixtures, ::testing::Values("same_names", "renamed", "folded"));

TEST(Alignment, NamesMethodsAndFoldedNodes) {
  Pair2 s = Sessions("folded");
  auto a = AlignGraphs(s.float_session->graph(), s.quant_session->graph());
  ASSERT_TRUE(a.ok());
  std::map<std::string, const ComparePoint*> by_float;
  for (const ComparePoint& p : a->points) by_float[p.float_tensor] = &p;
  // The first conv's point covers the folded BN and the fused Relu and is named after the conv.
  const ComparePoint* conv1 = by_float.at("r1");
  EXPECT_EQ(conv1->name, "conv1");
  EXPECT_EQ(conv1->op_type, "Conv");
  EXPECT_THAT(conv1->float_nodes, ::testing::ElementsAre("conv1", "bn1", "relu1"));
  EXPECT_TRUE(conv1->weighted);
  EXPECT_EQ(conv1->pairing_method, "structure");
  EXPECT_EQ(conv1->quant_tensor, "layer1_out_dequantized");
  EXPECT_EQ(conv1->quantization.dtype, DataType::kUint8);
  EXPECT_EQ(conv1->quantization.bits, 8);
  EXPECT_FLOAT_EQ(conv1->quantization.scale.at(0), 0.02f);
  EXPECT_FLOAT_EQ(conv1->quantization.range_max, 255 * 0.02f);
  EXPECT_FLOAT_EQ(conv1->quantization.range_min, 0.0f);
  // The residual Add and its Relu form one point named after the Add; it has no weights.
  const ComparePoint* add = by_float.at("r2");
  EXPECT_EQ(add->name, "add");
  EXPECT_THAT(add->float_nodes, ::testing::ElementsAre("add", "relu2"));
  EXPECT_FALSE(add->weighted);
  EXPECT_EQ(by_float.at("x")->op_type, "Input");

  // Same names: method "name".
  Pair2 same = Sessions("same_names");
  auto b = AlignGraphs(same.float_session->graph(), same.quant_session->graph());
  ASSERT_TRUE(b.ok());
  for (const ComparePoint& p : b->points) EXPECT_EQ(p.pairing_method, "name") << p.name;
}

TEST(Alignment, MappingFileOverridesAndBadMappingsAreErrors) {
  Pair2 s = Sessions("renamed");
  auto mapping = LoadTensorMapping(kDir + "/mapping.json");
  ASSERT_TRUE(mapping.ok()) << mapping.status().ToString();
  ASSERT_EQ(mapping->size(), 1u);
  auto a = AlignGraphs(s.float_session->graph(), s.quant_session->graph(), *mapping);
  ASSERT_TRUE(a.ok());
  bool found = false;
  for (const ComparePoint& p : a->points) {
    if (p.quant_pre_tensor == (*mapping)[0].first) {
      found = true;
      EXPECT_EQ(p.float_tensor, "r2");
      EXPECT_EQ(p.pairing_method, "mapping");
      EXPECT_EQ(p.confidence, 1.0);
    }
  }
  EXPECT_TRUE(found);
  auto bad = AlignGraphs(s.float_session->graph(), s.quant_session->graph(), {{"nope", "r2"}, {"x", "missing"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("'nope' is not in the quantized model"));
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("'missing' is not in the float model"));
  auto not_json = LoadTensorMapping(kDir + "/float.onnx");
  ASSERT_FALSE(not_json.ok());
  EXPECT_THAT(not_json.status().message(), ::testing::HasSubstr("not valid JSON"));
}

TEST(Alignment, FloatModelAgainstItselfHasNoPoints) {
  Pair2 s = Sessions("same_names");
  auto a = AlignGraphs(s.float_session->graph(), s.float_session->graph());
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->points.empty());
}

}  // namespace
}  // namespace xquant::analysis
