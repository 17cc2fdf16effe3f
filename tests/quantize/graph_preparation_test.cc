// Graph preparation: each merge computes what the original layers computed (both models run
// through the Session on the same data), and is recorded with the original names.
#include <gtest/gtest.h>

#include "quantize/graph_preparation.h"
#include "test_util.h"

namespace xquant::quantize {
namespace {

using xquant::qtest::Batch;
using xquant::qtest::LoadOrDie;
using xquant::qtest::MaxAbs;
using xquant::qtest::MaxAbsDiff;
using xquant::qtest::ModelPath;
using xquant::qtest::RunModel;

struct Prepared {
  std::shared_ptr<const Model> original;
  std::shared_ptr<const Model> prepared;
  PreparationState state;
};

Prepared Prepare(const std::string& name, bool linear, bool residual) {
  Prepared p;
  p.original = LoadOrDie(ModelPath(name + ".onnx"));
  auto copy = std::make_shared<Model>(*p.original);
  Status s = PrepareGraph(&copy->graph, linear, residual, &p.state);
  EXPECT_TRUE(s.ok()) << s.ToString();
  p.prepared = copy;
  return p;
}

void ExpectSameOutputs(const Prepared& p, const std::string& name) {
  const auto inputs = Batch(*p.original, ModelPath(name + "_data.npy"), 16);
  const Tensor expected = RunModel(p.original, inputs);
  const Tensor actual = RunModel(p.prepared, inputs);
  EXPECT_LE(MaxAbsDiff(expected, actual), 1e-5 * std::max(1.0, MaxAbs(expected)));
}

int CountOps(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op_type == op;
  return n;
}

TEST(GraphPreparation, BatchNormFoldedExactly) {
  const Prepared p = Prepare("bn_fold", true, true);
  ASSERT_EQ(p.state.merges.size(), 2u);
  EXPECT_EQ(p.state.merges[0].kind, "bn_fold");
  EXPECT_EQ(p.state.merges[0].first, "conv1");
  EXPECT_EQ(p.state.merges[0].second, "bn1");
  EXPECT_EQ(p.state.merges[0].merged, "conv1_bn");
  EXPECT_EQ(p.state.merges[1].first, "conv2");
  EXPECT_EQ(p.state.merges[1].second, "bn2");
  EXPECT_EQ(CountOps(p.prepared->graph, "BatchNormalization"), 0);
  EXPECT_EQ(CountOps(p.prepared->graph, "Conv"), 2);
  EXPECT_EQ(p.prepared->graph.values[p.prepared->graph.outputs[0]].name, "output");
  ExpectSameOutputs(p, "bn_fold");
}

TEST(GraphPreparation, LinearCollapsingMergesTheOneByOneConv) {
  const Prepared p = Prepare("linear_collapse", true, true);
  ASSERT_EQ(p.state.merges.size(), 1u);
  EXPECT_EQ(p.state.merges[0].kind, "linear_collapsing");
  EXPECT_EQ(p.state.merges[0].merged, "conv1_collapsed");
  EXPECT_EQ(p.state.merges[0].first, "conv1");
  EXPECT_EQ(p.state.merges[0].second, "conv2");
  EXPECT_EQ(CountOps(p.prepared->graph, "Conv"), 1);
  ExpectSameOutputs(p, "linear_collapse");
}

TEST(GraphPreparation, LinearCollapsingCanBeTurnedOff) {
  const Prepared p = Prepare("linear_collapse", false, true);
  EXPECT_TRUE(p.state.merges.empty());
  EXPECT_EQ(CountOps(p.prepared->graph, "Conv"), 2);
}

TEST(GraphPreparation, ResidualCollapsingAddsTheIdentityToTheKernelCentre) {
  const Prepared p = Prepare("residual", true, true);
  ASSERT_EQ(p.state.merges.size(), 1u);
  EXPECT_EQ(p.state.merges[0].kind, "residual_collapsing");
  EXPECT_EQ(p.state.merges[0].first, "conv1");
  EXPECT_EQ(p.state.merges[0].second, "add");
  EXPECT_EQ(CountOps(p.prepared->graph, "Add"), 0);
  ExpectSameOutputs(p, "residual");
  const Prepared off = Prepare("residual", true, false);
  EXPECT_TRUE(off.state.merges.empty());
}

TEST(GraphPreparation, NothingToMergeInASingleConv) {
  const Prepared p = Prepare("bias_layer", true, true);
  EXPECT_TRUE(p.state.merges.empty());
}

}  // namespace
}  // namespace xquant::quantize
