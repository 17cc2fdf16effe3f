// Kernels handed channel-blocked inputs (oneDNN's nC[d][h]w16c, which a convolution leaves its
// output in when every reader accepts it; exec/blocked_layout.h): unary elementwise ops keep it
// blocked when the output may be, and otherwise write plain C order themselves; Add and Mul keep
// it for a same-shape pair and for one value per channel; pools keep it; Concat keeps it along
// channels when all inputs but the last fill whole blocks; other forms unblock their inputs;
// GlobalAveragePool reads it and writes plain. Channel counts that are not a multiple of 16 leave
// padding lanes in the last block, which must stay zero. Every element must be what the plain run
// gives (bit for bit, except the global pool's sums, added in another order). The blocked copies
// here are made by the index formula written out, independently of the kernels' loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <random>

#include "exec/registry.h"

namespace xquant {
namespace {

constexpr int64_t kBlock = 16;

int64_t PaddedChannels(int64_t channels) { return (channels + kBlock - 1) / kBlock * kBlock; }

int64_t Spatial(const Shape& shape) {
  int64_t spatial = 1;
  for (size_t d = 2; d < shape.size(); ++d) spatial *= shape[d];
  return spatial;
}

// Plain [N, C, spatial...] to blocked: element (n, c, s) moves to ((n*Cp/16 + c/16)*S + s)*16 + c%16,
// Cp = C rounded up to 16; the padding lanes are filled with `pad`.
Tensor Block(const Tensor& plain, float pad = 0.0f) {
  const Shape& shape = plain.shape();
  const int64_t spatial = Spatial(shape), channels = shape[1], padded = PaddedChannels(channels);
  Tensor blocked = Tensor::WithCapacity(DataType::kFloat32, shape, shape[0] * padded * spatial);
  float* out = blocked.data<float>();
  std::fill(out, out + shape[0] * padded * spatial, pad);
  for (int64_t n = 0; n < shape[0]; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t s = 0; s < spatial; ++s)
        out[((n * (padded / kBlock) + c / kBlock) * spatial + s) * kBlock + c % kBlock] =
            plain.data<float>()[(n * channels + c) * spatial + s];
  return blocked;
}

struct Layouts {
  uint32_t inputs_blocked = 0;  // bit i: input i
  bool may_block_output = false;
};

struct Result {
  Tensor output;
  bool output_blocked = false;
};

// Runs op `type` (its x * op(x) form when `times_input`, with `clamp` folded in when given) on
// `inputs` with the given layouts.
StatusOr<Result> RunOp(const std::string& type, bool times_input, std::vector<const Tensor*> inputs, Layouts layouts,
                       std::map<std::string, Attribute, std::less<>> attributes = {},
                       std::optional<exec::Clamp> clamp = std::nullopt) {
  Graph graph;
  graph.opset_imports[""] = 17;
  graph.values.resize(inputs.size() + 1);
  Node node;
  node.op_type = type;
  node.name = "n";
  node.attributes = std::move(attributes);
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(static_cast<ValueId>(i));
  node.outputs = {static_cast<ValueId>(inputs.size())};
  exec::KernelFactory factory = exec::FindKernel("", type);
  if (!factory) return NotFoundError("no kernel for " + type);
  exec::KernelInfo info(node, graph, 17);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  if (times_input) {
    kernel = kernel->TimesInput();
    if (!kernel) return InternalError(type + " has no x * f(x) form");
  }
  if (clamp) {
    kernel = kernel->WithClamp(*clamp);
    if (!kernel) return InternalError(type + " cannot fold a clamp");
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (layouts.inputs_blocked >> i & 1u) {
      EXPECT_TRUE(kernel->AcceptsBlockedInput(i)) << type << " input " << i;
    }
  std::vector<Tensor> outputs(1);
  exec::KernelContext ctx(node, std::move(inputs), &outputs);
  ctx.SetLayouts(layouts.inputs_blocked, layouts.may_block_output);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return Result{outputs[0], ctx.output_blocked()};
}

StatusOr<Result> RunUnary(const std::string& type, bool times_input, const Tensor& x, Layouts layouts) {
  return RunOp(type, times_input, {&x}, layouts);
}

Tensor Random(Shape shape, uint32_t seed) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-12.0f, 12.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Compares `count` elements of the buffers (a blocked tensor's padding included when count says so).
void ExpectSameBits(const Tensor& a, const Tensor& e, const std::string& what, int64_t count = -1) {
  ASSERT_EQ(a.shape(), e.shape()) << what;
  if (count < 0) count = e.size();
  int64_t mismatches = 0;
  for (int64_t i = 0; i < count; ++i)
    if (std::memcmp(&a.data<float>()[i], &e.data<float>()[i], sizeof(float)) != 0 && ++mismatches <= 3)
      ADD_FAILURE() << what << ": element " << i << " is " << a.data<float>()[i] << ", expected " << e.data<float>()[i];
  EXPECT_EQ(mismatches, 0) << what;
}

int64_t BlockedCount(const Shape& shape) { return shape[0] * PaddedChannels(shape[1]) * Spatial(shape); }

// Spatial sizes below, at and above the 64-position tile, one 3-d and one 5-d case, one large
// enough to be split across threads, and channel counts leaving 8 (24, 40, 72) or 4 (20) valid
// lanes in the last block.
const std::vector<Shape> kShapes = {{1, 16, 5},         {2, 32, 9, 11},     {1, 16, 8, 8}, {1, 32, 2, 3, 13},
                                    {2, 64, 40, 40},    {2, 24, 9, 11},     {1, 40, 70},   {3, 20, 6, 7},
                                    {2, 72, 2, 3, 5},   {2, 88, 28, 28}};

TEST(BlockedKernels, UnblockingGivesThePlainResultBitForBit) {
  for (const auto& [type, times_input] : std::vector<std::pair<std::string, bool>>{
           {"Sigmoid", true}, {"Sigmoid", false}, {"HardSigmoid", true}, {"HardSigmoid", false}, {"Relu", false},
           {"Tanh", false}}) {
    for (size_t k = 0; k < kShapes.size(); ++k) {
      const std::string what = type + (times_input ? "*x" : "") + " case " + std::to_string(k);
      Tensor x = Random(kShapes[k], 17 + static_cast<uint32_t>(k));
      auto plain = RunUnary(type, times_input, x, {});
      ASSERT_TRUE(plain.ok()) << plain.status().ToString();
      EXPECT_FALSE(plain->output_blocked);
      auto unblocked = RunUnary(type, times_input, Block(x), {1, false});
      ASSERT_TRUE(unblocked.ok()) << unblocked.status().ToString();
      EXPECT_FALSE(unblocked->output_blocked) << what;
      ExpectSameBits(unblocked->output, plain->output, what + " unblocked");
      auto kept = RunUnary(type, times_input, Block(x), {1, true});
      ASSERT_TRUE(kept.ok()) << kept.status().ToString();
      EXPECT_TRUE(kept->output_blocked) << what;
      // Padding included: Sigmoid(0) and HardSigmoid(0) are 0.5, yet the padding must stay 0.
      ExpectSameBits(kept->output, Block(plain->output), what + " kept blocked", BlockedCount(x.shape()));
    }
  }
}

TEST(BlockedKernels, PlainInputStaysPlainEvenWhenTheOutputMayBeBlocked) {
  Tensor x = Random({1, 16, 4, 4}, 3);
  auto plain = RunUnary("Sigmoid", true, x, {});
  auto allowed = RunUnary("Sigmoid", true, x, {0, true});
  ASSERT_TRUE(plain.ok() && allowed.ok());
  EXPECT_FALSE(allowed->output_blocked);
  ExpectSameBits(allowed->output, plain->output, "plain input");
}

TEST(BlockedKernels, RejectsABlockedInputThatCannotBe) {
  auto bad = RunUnary("Sigmoid", false, Random({4, 24}, 5), {1, false});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("rank 3 to 5"), std::string::npos) << bad.status().ToString();
}

// Add, Sub, Mul and Div of two blocked tensors of one shape, and of a blocked tensor by one value
// per channel in every form numpy broadcasting allows ([N,C,1,1], [1,C,1,1], [C,1,1], [1,1,1,1], a
// scalar; the per-channel operand plain or itself blocked, first or second): blocked output,
// bit for bit the plain result, padding zero (Div computes 0 / 0 there and must clear it).
TEST(BlockedKernels, AddAndMulKeepTheBlockedForms) {
  for (const std::string type : {"Add", "Sub", "Mul", "Div"}) {
    for (const Shape& shape : std::vector<Shape>{{2, 24, 5, 7}, {1, 32, 9, 11}, {3, 20, 70}, {2, 72, 14, 14}}) {
      const std::string what = type + " " + ShapeToString(shape);
      Tensor a = Random(shape, 7), b = Random(shape, 8);
      auto plain = RunOp(type, false, {&a, &b}, {});
      ASSERT_TRUE(plain.ok()) << plain.status().ToString();
      Tensor ba = Block(a), bb = Block(b);
      auto both = RunOp(type, false, {&ba, &bb}, {3, true});
      ASSERT_TRUE(both.ok()) << both.status().ToString();
      EXPECT_TRUE(both->output_blocked) << what;
      ExpectSameBits(both->output, Block(plain->output), what + " same shape", BlockedCount(shape));

      Shape per_image(shape.size(), 1), per_channel(shape.size(), 1);
      per_image[0] = shape[0];
      per_image[1] = per_channel[1] = shape[1];
      const Shape channels_only(per_channel.begin() + 1, per_channel.end());
      for (const Shape& p_shape : std::vector<Shape>{per_image, per_channel, channels_only, Shape(shape.size(), 1), Shape{}}) {
        Tensor p = Random(p_shape, 9);
        // A blocked operand of lower rank ([C, 1, 1] against [N, C, H, W]) holds its channels
        // along its own first axis: no blocked path for it, the plain kernel runs.
        const bool can_block_p = p_shape.size() >= 3;
        for (bool p_blocked : {false, true}) {
          if (p_blocked && !can_block_p) continue;
          const bool stays_blocked = !p_blocked || p_shape.size() == shape.size();
          Tensor pb = p_blocked ? Block(p) : p;
          for (bool x_first : {true, false}) {
            const std::string form = what + " by " + ShapeToString(p_shape) + (p_blocked ? " blocked" : "") +
                                     (x_first ? ", x first" : ", x second");
            auto expected = x_first ? RunOp(type, false, {&a, &p}, {}) : RunOp(type, false, {&p, &a}, {});
            ASSERT_TRUE(expected.ok()) << expected.status().ToString();
            const uint32_t mask = (x_first ? 1u : 2u) | (p_blocked ? (x_first ? 2u : 1u) : 0u);
            auto got = x_first ? RunOp(type, false, {&ba, &pb}, {mask, true}) : RunOp(type, false, {&pb, &ba}, {mask, true});
            ASSERT_TRUE(got.ok()) << form << ": " << got.status().ToString();
            EXPECT_EQ(got->output_blocked, stays_blocked) << form;
            if (stays_blocked) ExpectSameBits(got->output, Block(expected->output), form, BlockedCount(shape));
            else ExpectSameBits(got->output, expected->output, form);
            // Not allowed to leave it blocked: the plain result.
            auto unblocked = x_first ? RunOp(type, false, {&ba, &pb}, {mask, false}) : RunOp(type, false, {&pb, &ba}, {mask, false});
            ASSERT_TRUE(unblocked.ok()) << form << ": " << unblocked.status().ToString();
            EXPECT_FALSE(unblocked->output_blocked) << form;
            ExpectSameBits(unblocked->output, expected->output, form + ", unblocked");
          }
        }
      }
    }
  }
}

// Forms without a blocked path: a blocked operand with a plain one of the same shape, and a
// spatially varying broadcast. The inputs are unblocked and the plain kernel runs.
TEST(BlockedKernels, OtherBinaryFormsUnblock) {
  const Shape shape = {2, 24, 5, 7};
  Tensor a = Random(shape, 11), b = Random(shape, 12), row = Random({1, 1, 1, 7}, 13);
  Tensor ba = Block(a);
  for (const Tensor* other : {&b, &row}) {
    auto expected = RunOp("Add", false, {&a, other}, {});
    auto got = RunOp("Add", false, {&ba, other}, {1, true});
    ASSERT_TRUE(expected.ok() && got.ok()) << got.status().ToString();
    EXPECT_FALSE(got->output_blocked);
    ExpectSameBits(got->output, expected->output, "Add by " + ShapeToString(other->shape()));
  }
}

// GlobalAveragePool of a blocked input: the plain average per channel, summed in another order.
// NaN in the padding would show up if the padding lanes were read.
TEST(BlockedKernels, GlobalAveragePoolReadsBlockedInput) {
  for (const Shape& shape : std::vector<Shape>{{2, 24, 9, 11}, {1, 576, 7, 7}, {3, 40, 70}, {2, 120, 14, 14}, {1, 20, 2, 3, 5}}) {
    Tensor x = Random(shape, 21);
    auto plain = RunUnary("GlobalAveragePool", false, x, {});
    auto blocked = RunUnary("GlobalAveragePool", false, Block(x, std::nanf("")), {1, true});
    ASSERT_TRUE(plain.ok() && blocked.ok()) << blocked.status().ToString();
    EXPECT_FALSE(blocked->output_blocked);
    ASSERT_EQ(blocked->output.shape(), plain->output.shape());
    for (int64_t i = 0; i < plain->output.size(); ++i)
      EXPECT_NEAR(blocked->output.data<float>()[i], plain->output.data<float>()[i], 1e-5)
          << ShapeToString(shape) << " channel " << i;
  }
}

// oneDNN's convolution writing 40 channels blocked (3 blocks, the last half padding) with a Clip
// to [0.5, 4] folded in: the padding lanes must still be zero (a clamp applied to them would make
// them 0.5), since the next convolution reads them. That next one, handed the blocked tensor,
// gives the plain chain's result. With 24 input channels both convolutions run oneDNN's blocked
// kernel; with 40 (360 multiply-adds per output) they run its channels-last brgemm kernel, between
// reorders from and to the blocked layout (ConvPrimitive's layout choice).
TEST(BlockedKernels, ConvolutionsKeepThePaddingZero) {
  for (const int64_t in_channels : {24, 40}) {
    SCOPED_TRACE("input channels " + std::to_string(in_channels));
    Tensor x = Random({2, in_channels, 9, 9}, 31), w = Random({40, in_channels, 3, 3}, 32), bias = Random({40}, 33);
    Tensor w2 = Random({8, 40, 3, 3}, 34);
    for (Tensor* t : {&w, &w2})
      for (int64_t i = 0; i < t->size(); ++i) t->data<float>()[i] *= 0.01f;
    const std::map<std::string, Attribute, std::less<>> pads = {{"pads", Attribute::Ints({1, 1, 1, 1})}};
    const exec::Clamp clip{0.5f, 4.0f};
    auto plain = RunOp("Conv", false, {&x, &w, &bias}, {}, pads, clip);
    auto blocked = RunOp("Conv", false, {&x, &w, &bias}, {0, true}, pads, clip);
    ASSERT_TRUE(plain.ok() && blocked.ok()) << blocked.status().ToString();
    ASSERT_TRUE(blocked->output_blocked);
    const Tensor expected = Block(plain->output, 0.0f);
    int64_t clipped_low = 0;
    for (int64_t i = 0; i < BlockedCount(expected.shape()); ++i) {
      const float e = expected.data<float>()[i], a = blocked->output.data<float>()[i];
      const int64_t block = i / (9 * 9 * kBlock) % 3;  // ((n * 3 + block) * 81 + s) * 16 + lane
      if (block == 2 && i % kBlock >= 8) {
        ASSERT_EQ(a, 0.0f) << "padding lane at " << i;
      }
      EXPECT_NEAR(a, e, 1e-5f * (1.0f + std::abs(e))) << "at " << i;
      clipped_low += e == 0.5f;
    }
    EXPECT_GT(clipped_low, 0) << "the clamp's lower bound is never reached";
    auto second_plain = RunOp("Conv", false, {&plain->output, &w2}, {}, pads);
    auto second_blocked = RunOp("Conv", false, {&blocked->output, &w2}, {1, false}, pads);
    ASSERT_TRUE(second_plain.ok() && second_blocked.ok()) << second_blocked.status().ToString();
    EXPECT_FALSE(second_blocked->output_blocked);
    for (int64_t i = 0; i < second_plain->output.size(); ++i)
      EXPECT_NEAR(second_blocked->output.data<float>()[i], second_plain->output.data<float>()[i], 1e-5f) << "at " << i;
  }
}

// MaxPool, AveragePool and LpPool on blocked input: strided, padded, ceil_mode, dilated, 1-D to
// 3-D, channel counts with and without padding lanes; kept blocked or unblocked.
TEST(BlockedKernels, PoolsKeepTheBlockedLayout) {
  using Attrs = std::map<std::string, Attribute, std::less<>>;
  struct Case {
    std::string type;
    Shape shape;
    Attrs attrs;
  };
  const std::vector<Case> cases = {
      {"MaxPool", {2, 24, 13, 13}, {{"kernel_shape", Attribute::Ints({3, 3})}, {"strides", Attribute::Ints({2, 2})}, {"ceil_mode", Attribute::Int(1)}}},
      {"MaxPool", {1, 64, 20, 20}, {{"kernel_shape", Attribute::Ints({3, 3})}, {"strides", Attribute::Ints({2, 2})}, {"pads", Attribute::Ints({1, 1, 1, 1})}}},
      {"MaxPool", {2, 40, 9, 11}, {{"kernel_shape", Attribute::Ints({2, 3})}, {"dilations", Attribute::Ints({2, 1})}}},
      {"MaxPool", {1, 20, 30}, {{"kernel_shape", Attribute::Ints({4})}, {"strides", Attribute::Ints({3})}, {"pads", Attribute::Ints({2, 1})}}},
      {"AveragePool", {2, 24, 9, 9}, {{"kernel_shape", Attribute::Ints({3, 3})}, {"pads", Attribute::Ints({1, 1, 1, 1})}}},
      {"AveragePool", {1, 72, 8, 8}, {{"kernel_shape", Attribute::Ints({3, 3})}, {"strides", Attribute::Ints({2, 2})}, {"pads", Attribute::Ints({1, 1, 1, 1})}, {"count_include_pad", Attribute::Int(1)}, {"ceil_mode", Attribute::Int(1)}}},
      {"AveragePool", {1, 16, 4, 5, 6}, {{"kernel_shape", Attribute::Ints({2, 2, 2})}, {"strides", Attribute::Ints({1, 2, 2})}}},
      {"LpPool", {2, 24, 7, 7}, {{"kernel_shape", Attribute::Ints({2, 2})}, {"strides", Attribute::Ints({2, 2})}}},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    const std::string what = c.type + " case " + std::to_string(k);
    Tensor x = Random(c.shape, 40 + static_cast<uint32_t>(k));
    Tensor bx = Block(x);
    auto plain = RunOp(c.type, false, {&x}, {}, c.attrs);
    ASSERT_TRUE(plain.ok()) << what << ": " << plain.status().ToString();
    auto kept = RunOp(c.type, false, {&bx}, {1, true}, c.attrs);
    ASSERT_TRUE(kept.ok()) << what << ": " << kept.status().ToString();
    EXPECT_TRUE(kept->output_blocked) << what;
    ExpectSameBits(kept->output, Block(plain->output), what + " kept blocked", BlockedCount(plain->output.shape()));
    auto unblocked = RunOp(c.type, false, {&bx}, {1, false}, c.attrs);
    ASSERT_TRUE(unblocked.ok()) << what << ": " << unblocked.status().ToString();
    EXPECT_FALSE(unblocked->output_blocked) << what;
    ExpectSameBits(unblocked->output, plain->output, what + " unblocked");
  }
}

// Concat along channels: blocked inputs whose channels (but the last's) fill whole blocks are
// joined blocked; a partial block before the end, a plain input or another axis unblock first.
TEST(BlockedKernels, ConcatJoinsWholeBlocks) {
  using Attrs = std::map<std::string, Attribute, std::less<>>;
  Tensor a = Random({2, 32, 5, 7}, 51), b = Random({2, 24, 5, 7}, 52), c = Random({2, 16, 5, 7}, 53);
  Tensor ba = Block(a), bb = Block(b), bc = Block(c);
  struct Case {
    std::vector<const Tensor*> plain, handed;
    uint32_t mask;
    int64_t axis;
    bool stays_blocked;
  };
  const std::vector<Case> cases = {
      {{&a, &c, &b}, {&ba, &bc, &bb}, 7, 1, true},   // 32 + 16 + 24: the last one padded
      {{&a, &b}, {&ba, &bb}, 3, -3, true},           // axis -3 is axis 1 at rank 4
      {{&b, &a}, {&bb, &ba}, 3, 1, false},           // 24 first: a partial block inside
      {{&a, &c}, {&ba, &c}, 1, 1, false},            // one plain input
      {{&a, &a}, {&ba, &ba}, 3, 0, false},           // along the batch
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& cs = cases[k];
    const std::string what = "Concat case " + std::to_string(k);
    const Attrs attrs = {{"axis", Attribute::Int(cs.axis)}};
    auto plain = RunOp("Concat", false, cs.plain, {}, attrs);
    auto got = RunOp("Concat", false, cs.handed, {cs.mask, true}, attrs);
    ASSERT_TRUE(plain.ok() && got.ok()) << what << ": " << got.status().ToString();
    EXPECT_EQ(got->output_blocked, cs.stays_blocked) << what;
    if (cs.stays_blocked)
      ExpectSameBits(got->output, Block(plain->output), what, BlockedCount(plain->output.shape()));
    else
      ExpectSameBits(got->output, plain->output, what);
  }
}

// Clip (bounds as inputs, opset 17) and Identity between convolutions: kept blocked or unblocked,
// bit for bit the plain result; a lower bound above 0 must not leak into the padding lanes.
TEST(BlockedKernels, ClipAndIdentityPassTheBlockedLayout) {
  const Shape shape = {2, 24, 5, 7};
  Tensor x = Random(shape, 61), bx = Block(x);
  for (const auto& [lo, hi] : std::vector<std::pair<float, float>>{{0.5f, 4.0f}, {-1.0f, 1.0f}, {-3.0f, 0.0f}}) {
    const std::string what = "Clip [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    Tensor min = Tensor::Scalar<float>(lo), max = Tensor::Scalar<float>(hi);
    auto plain = RunOp("Clip", false, {&x, &min, &max}, {});
    auto kept = RunOp("Clip", false, {&bx, &min, &max}, {1, true});
    auto unblocked = RunOp("Clip", false, {&bx, &min, &max}, {1, false});
    ASSERT_TRUE(plain.ok() && kept.ok() && unblocked.ok()) << kept.status().ToString();
    EXPECT_TRUE(kept->output_blocked) << what;
    ExpectSameBits(kept->output, Block(plain->output), what + " kept blocked", BlockedCount(shape));
    EXPECT_FALSE(unblocked->output_blocked) << what;
    ExpectSameBits(unblocked->output, plain->output, what + " unblocked");
  }
  auto kept = RunOp("Identity", false, {&bx}, {1, true});
  auto unblocked = RunOp("Identity", false, {&bx}, {1, false});
  ASSERT_TRUE(kept.ok() && unblocked.ok());
  EXPECT_TRUE(kept->output_blocked);
  EXPECT_TRUE(kept->output.SharesBufferWith(bx));
  EXPECT_FALSE(unblocked->output_blocked);
  ExpectSameBits(unblocked->output, x, "Identity unblocked");
}

}  // namespace
}  // namespace xquant
