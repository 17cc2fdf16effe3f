// Unary elementwise kernels handed a channel-blocked input (oneDNN's nC[d][h]w16c, which a
// convolution leaves its output in when every reader accepts it): they keep it blocked when the
// output may be, and otherwise write plain C order themselves, the reorder folded into their pass.
// Either way every element must be bit for bit what the plain run gives. The blocked copies here
// are made by the index formula written out, independently of the kernels' tiled loop.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "exec/registry.h"

namespace xquant {
namespace {

constexpr int64_t kBlock = 16;

// Plain [N, C, spatial...] to blocked: element (n, c, s) moves to ((n*C/16 + c/16)*S + s)*16 + c%16.
Tensor Block(const Tensor& plain) {
  const Shape& shape = plain.shape();
  int64_t spatial = 1;
  for (size_t d = 2; d < shape.size(); ++d) spatial *= shape[d];
  const int64_t channels = shape[1];
  Tensor blocked(DataType::kFloat32, shape);
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t s = 0; s < spatial; ++s)
        blocked.data<float>()[((n * (channels / kBlock) + c / kBlock) * spatial + s) * kBlock + c % kBlock] =
            plain.data<float>()[(n * channels + c) * spatial + s];
  return blocked;
}

struct Layouts {
  bool input_blocked = false;
  bool may_block_output = false;
};

struct Result {
  Tensor output;
  bool output_blocked = false;
};

// Runs op `type` (its x * op(x) form when `times_input`) on `x` with the given layouts.
StatusOr<Result> RunUnary(const std::string& type, bool times_input, const Tensor& x, Layouts layouts) {
  Graph graph;
  graph.opset_imports[""] = 17;
  graph.values.resize(2);
  Node node;
  node.op_type = type;
  node.name = "n";
  node.inputs = {0};
  node.outputs = {1};
  exec::KernelFactory factory = exec::FindKernel("", type);
  if (!factory) return NotFoundError("no kernel for " + type);
  exec::KernelInfo info(node, graph, 17);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  if (times_input) {
    kernel = kernel->TimesInput();
    if (!kernel) return InternalError(type + " has no x * f(x) form");
  }
  EXPECT_TRUE(kernel->AcceptsBlockedInput());
  std::vector<Tensor> outputs(1);
  exec::KernelContext ctx(node, {&x}, &outputs);
  ctx.SetLayouts(layouts.input_blocked, layouts.may_block_output);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return Result{outputs[0], ctx.output_blocked()};
}

Tensor Random(Shape shape, uint32_t seed) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-12.0f, 12.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

void ExpectSameBits(const Tensor& a, const Tensor& e, const std::string& what) {
  ASSERT_EQ(a.shape(), e.shape()) << what;
  int64_t mismatches = 0;
  for (int64_t i = 0; i < e.size(); ++i)
    if (std::memcmp(&a.data<float>()[i], &e.data<float>()[i], sizeof(float)) != 0 && ++mismatches <= 3)
      ADD_FAILURE() << what << ": element " << i << " is " << a.data<float>()[i] << ", expected " << e.data<float>()[i];
  EXPECT_EQ(mismatches, 0) << what;
}

// Spatial sizes below, at and above the 64-position tile, one 3-d and one 5-d case, and one large
// enough to be split across threads.
const std::vector<Shape> kShapes = {{1, 16, 5}, {2, 32, 9, 11}, {1, 16, 8, 8}, {1, 32, 2, 3, 13}, {2, 64, 40, 40}};

TEST(ElementwiseBlocked, UnblockingGivesThePlainResultBitForBit) {
  for (const auto& [type, times_input] : std::vector<std::pair<std::string, bool>>{
           {"Sigmoid", true}, {"Sigmoid", false}, {"HardSigmoid", true}, {"Relu", false}, {"Tanh", false}}) {
    for (size_t k = 0; k < kShapes.size(); ++k) {
      const std::string what = type + (times_input ? "*x" : "") + " case " + std::to_string(k);
      Tensor x = Random(kShapes[k], 17 + static_cast<uint32_t>(k));
      auto plain = RunUnary(type, times_input, x, {});
      ASSERT_TRUE(plain.ok()) << plain.status().ToString();
      EXPECT_FALSE(plain->output_blocked);
      auto unblocked = RunUnary(type, times_input, Block(x), {true, false});
      ASSERT_TRUE(unblocked.ok()) << unblocked.status().ToString();
      EXPECT_FALSE(unblocked->output_blocked) << what;
      ExpectSameBits(unblocked->output, plain->output, what + " unblocked");
      auto kept = RunUnary(type, times_input, Block(x), {true, true});
      ASSERT_TRUE(kept.ok()) << kept.status().ToString();
      EXPECT_TRUE(kept->output_blocked) << what;
      ExpectSameBits(kept->output, Block(plain->output), what + " kept blocked");
    }
  }
}

TEST(ElementwiseBlocked, PlainInputStaysPlainEvenWhenTheOutputMayBeBlocked) {
  Tensor x = Random({1, 16, 4, 4}, 3);
  auto plain = RunUnary("Sigmoid", true, x, {});
  auto allowed = RunUnary("Sigmoid", true, x, {false, true});
  ASSERT_TRUE(plain.ok() && allowed.ok());
  EXPECT_FALSE(allowed->output_blocked);
  ExpectSameBits(allowed->output, plain->output, "plain input");
}

TEST(ElementwiseBlocked, RejectsABlockedInputThatCannotBe) {
  auto bad = RunUnary("Sigmoid", false, Random({1, 24, 4, 4}, 5), {true, false});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("multiple of 16"), std::string::npos) << bad.status().ToString();
}

}  // namespace
}  // namespace xquant
