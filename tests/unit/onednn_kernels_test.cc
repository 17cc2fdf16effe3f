// The oneDNN kernels (Conv, ConvTranspose, Gemm, MatMul) against the naive loops of
// reference_linear.h on many random shapes: groups, depthwise, dilations, strides, asymmetric and
// automatic padding, 1-D/3-D, batches, output_shape/output_padding, Gemm transposes and C
// broadcasts, MatMul promotion and batch broadcasting; constant and non-constant weights; shapes
// changing between runs; and the errors for bad attributes and shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "exec/registry.h"
#include "reference_linear.h"

namespace xquant {
namespace {

// |ours - reference| <= kTolerance * magnitude + kFloor, where magnitude is the sum of the absolute
// values of the products added up (reference_linear.h): float32 sums in any order stay far within
// this for the sizes used here (the worst-case bound is inner_size * 6e-8 * magnitude).
constexpr double kTolerance = 1e-5;
constexpr double kFloor = 1e-6;

constexpr auto Int = &Attribute::Int;
constexpr auto Ints = &Attribute::Ints;
constexpr auto Float = &Attribute::Float;
constexpr auto String = &Attribute::String;

using Attributes = std::map<std::string, Attribute, std::less<>>;

// One node prepared the way the session prepares it: inputs marked constant are constants of the
// graph when the kernel is created (so it can pack them); the others arrive at run time.
class PreparedOp {
 public:
  static StatusOr<std::unique_ptr<PreparedOp>> Create(const std::string& op_type,
                                                      Attributes attributes,
                                                      const std::vector<const Tensor*>& inputs,
                                                      const std::vector<bool>& constant,
                                                      int64_t opset = 13) {
    auto op = std::unique_ptr<PreparedOp>(new PreparedOp());
    op->graph_.opset_imports[""] = opset;
    op->node_.op_type = op_type;
    op->node_.name = "n";
    op->node_.attributes = std::move(attributes);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i]) {
        op->node_.inputs.push_back(kNoValue);
        continue;
      }
      Value v;
      v.name = "in" + std::to_string(i);
      v.dtype = inputs[i]->dtype();
      if (i < constant.size() && constant[i]) v.constant = *inputs[i];
      op->node_.inputs.push_back(static_cast<ValueId>(op->graph_.values.size()));
      op->graph_.values.push_back(std::move(v));
    }
    Value out;
    out.name = "out";
    op->node_.outputs.push_back(static_cast<ValueId>(op->graph_.values.size()));
    op->graph_.values.push_back(out);
    exec::KernelFactory factory = exec::FindKernel("", op_type);
    if (!factory) return NotFoundError("no kernel for " + op_type);
    exec::KernelInfo info(op->node_, op->graph_, opset);
    XQ_ASSIGN_OR_RETURN(op->kernel_, factory(info));
    return op;
  }

  StatusOr<Tensor> Run(const std::vector<const Tensor*>& inputs) {
    std::vector<Tensor> outputs(1);
    exec::KernelContext ctx(node_, inputs, &outputs);
    XQ_RETURN_IF_ERROR(kernel_->Compute(ctx));
    return outputs[0];
  }

 private:
  PreparedOp() = default;
  Graph graph_;
  Node node_;
  std::unique_ptr<exec::Kernel> kernel_;
};

// Prepares and runs once.
StatusOr<Tensor> RunOnce(const std::string& op_type, Attributes attributes,
                         const std::vector<const Tensor*>& inputs,
                         const std::vector<bool>& constant = {}, int64_t opset = 13) {
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<PreparedOp> op,
                      PreparedOp::Create(op_type, std::move(attributes), inputs, constant, opset));
  return op->Run(inputs);
}

Tensor Random(Shape shape, std::mt19937& rng) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

::testing::AssertionResult Near(const StatusOr<Tensor>& actual, const reference::Result& expected) {
  if (!actual.ok()) return ::testing::AssertionFailure() << actual.status().ToString();
  if (actual->dtype() != DataType::kFloat32)
    return ::testing::AssertionFailure() << "dtype " << DataTypeName(actual->dtype());
  if (actual->shape() != expected.value.shape())
    return ::testing::AssertionFailure()
           << "shape " << ShapeToString(actual->shape()) << " vs expected "
           << ShapeToString(expected.value.shape());
  int64_t bad = 0, first = -1;
  for (int64_t i = 0; i < actual->size(); ++i) {
    const double a = actual->data<float>()[i], e = expected.value.data<float>()[i];
    if (!(std::fabs(a - e) <= kTolerance * expected.magnitude[i] + kFloor) && bad++ == 0) first = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << actual->size() << " elements differ; first at " << first << ": "
         << actual->data<float>()[first] << " vs " << expected.value.data<float>()[first]
         << " (magnitude " << expected.magnitude[first] << ")";
}

// ---------------------------------------------------------------------------------------------
// Conv

struct ConvCase {
  ConvCase(std::string case_name, Shape x_shape, Shape w_shape)
      : name(std::move(case_name)), x(std::move(x_shape)), w(std::move(w_shape)) {}
  ConvCase& Group(int64_t g) { return group = g, *this; }
  ConvCase& Strides(std::vector<int64_t> v) { return strides = std::move(v), *this; }
  ConvCase& Dilations(std::vector<int64_t> v) { return dilations = std::move(v), *this; }
  ConvCase& Pads(std::vector<int64_t> v) { return pads = std::move(v), *this; }
  ConvCase& AutoPad(std::string v) { return auto_pad = std::move(v), *this; }
  ConvCase& NoBias() { return bias = false, *this; }

  std::string name;
  Shape x, w;
  bool bias = true;
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;  // empty: attribute absent
  std::string auto_pad;                           // empty: absent
};

void PrintTo(const ConvCase& c, std::ostream* os) { *os << c.name; }

// The explicit pads the ONNX spec gives for `c` (auto_pad resolved), for the reference.
reference::ConvSpec ResolveConvSpec(const ConvCase& c) {
  const size_t rank = c.x.size() - 2;
  reference::ConvSpec s;
  s.group = c.group;
  s.strides = c.strides.empty() ? std::vector<int64_t>(rank, 1) : c.strides;
  s.dilations = c.dilations.empty() ? std::vector<int64_t>(rank, 1) : c.dilations;
  s.pad_begin.assign(rank, 0);
  s.pad_end.assign(rank, 0);
  for (size_t i = 0; i < rank; ++i) {
    if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
      const int64_t in = c.x[i + 2], out = (in + s.strides[i] - 1) / s.strides[i];
      const int64_t total = std::max<int64_t>(
          0, (out - 1) * s.strides[i] + (c.w[i + 2] - 1) * s.dilations[i] + 1 - in);
      s.pad_begin[i] = c.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
      s.pad_end[i] = total - s.pad_begin[i];
    } else if (c.auto_pad.empty() && !c.pads.empty()) {
      s.pad_begin[i] = c.pads[i];
      s.pad_end[i] = c.pads[i + rank];
    }
  }
  return s;
}

Attributes ConvAttributes(const ConvCase& c) {
  Attributes a;
  if (c.group != 1) a["group"] = Int(c.group);
  if (!c.strides.empty()) a["strides"] = Ints(c.strides);
  if (!c.dilations.empty()) a["dilations"] = Ints(c.dilations);
  if (!c.pads.empty()) a["pads"] = Ints(c.pads);
  if (!c.auto_pad.empty()) a["auto_pad"] = String(c.auto_pad);
  return a;
}

const std::vector<ConvCase>& ConvCases() {
  static const std::vector<ConvCase> cases = {
      ConvCase("3x3_pad1", {1, 16, 10, 12}, {32, 16, 3, 3}).Pads({1, 1, 1, 1}),
      ConvCase("depthwise_3x3_stride2", {1, 32, 15, 15}, {32, 1, 3, 3})
          .Group(32)
          .Strides({2, 2})
          .Pads({1, 1, 1, 1}),
      ConvCase("depthwise_5x5_stride2_odd_channels", {1, 40, 14, 13}, {40, 1, 5, 5})
          .Group(40)
          .Strides({2, 2})
          .Pads({2, 2, 2, 2}),
      // More depthwise geometries: wide and narrow rows, both strides, odd and large pads.
      ConvCase("depthwise_wide_stride1", {2, 8, 37, 77}, {8, 1, 3, 3}).Group(8).Pads({1, 1, 1, 1}),
      ConvCase("depthwise_wide_stride2", {1, 16, 29, 75}, {16, 1, 3, 3})
          .Group(16)
          .Strides({2, 2})
          .Pads({1, 1, 1, 1})
          .NoBias(),
      ConvCase("depthwise_mixed_strides_asymmetric_pads", {1, 6, 13, 41}, {6, 1, 3, 3})
          .Group(6)
          .Strides({2, 1})
          .Pads({0, 2, 2, 0}),
      ConvCase("depthwise_stride_1_2_large_pads", {1, 5, 9, 20}, {5, 1, 3, 3})
          .Group(5)
          .Strides({1, 2})
          .Pads({2, 3, 2, 3}),
      ConvCase("depthwise_narrow_valid", {3, 4, 5, 4}, {4, 1, 3, 3}).Group(4),
      ConvCase("depthwise_same_upper", {1, 24, 16, 16}, {24, 1, 3, 3})
          .Group(24)
          .Strides({2, 2})
          .AutoPad("SAME_UPPER"),
      ConvCase("depthwise_one_pixel", {1, 3, 1, 1}, {3, 1, 3, 3}).Group(3).Pads({1, 1, 1, 1}),
      ConvCase("depthwise_dilated", {1, 8, 12, 12}, {8, 1, 3, 3})
          .Group(8)
          .Dilations({2, 2})
          .Pads({2, 2, 2, 2}),
      ConvCase("depthwise_multiplier2", {2, 8, 9, 9}, {16, 1, 3, 3}).Group(8).Pads({1, 1, 1, 1}),
      ConvCase("group4_dilation2", {1, 16, 11, 10}, {24, 4, 3, 3})
          .Group(4)
          .Dilations({2, 2})
          .Pads({2, 2, 2, 2}),
      ConvCase("conv1d_stride2_dilation2_asymmetric", {3, 5, 17}, {7, 5, 3})
          .Strides({2})
          .Dilations({2})
          .Pads({0, 2}),
      ConvCase("conv1d_group", {2, 6, 9}, {9, 2, 2}).Group(3).Pads({1, 0}).NoBias(),
      ConvCase("conv3d_group2_asymmetric", {1, 4, 5, 7, 6}, {6, 2, 2, 3, 3})
          .Group(2)
          .Strides({1, 2, 1})
          .Pads({0, 1, 1, 1, 0, 2}),
      ConvCase("conv3d_blocked_channels", {1, 16, 4, 6, 5}, {16, 16, 3, 3, 3})
          .Pads({1, 1, 1, 1, 1, 1}),
      ConvCase("pointwise_batch2", {2, 24, 9, 11}, {40, 24, 1, 1}),
      ConvCase("pointwise_large_image", {1, 24, 32, 32}, {40, 24, 1, 1}),
      ConvCase("pointwise_stride2", {1, 32, 10, 10}, {64, 32, 1, 1}).Strides({2, 2}).NoBias(),
      ConvCase("stem_7x7_stride2_three_channels", {1, 3, 31, 29}, {16, 3, 7, 7})
          .Strides({2, 2})
          .Pads({3, 3, 3, 3}),
      ConvCase("asymmetric_pads_strides", {1, 8, 13, 14}, {12, 8, 3, 2})
          .Strides({2, 3})
          .Pads({1, 0, 2, 3}),
      ConvCase("same_upper_odd_total", {1, 4, 8, 8}, {5, 4, 3, 3})
          .Strides({2, 2})
          .AutoPad("SAME_UPPER"),
      ConvCase("same_lower_odd_total", {1, 4, 8, 8}, {5, 4, 3, 3})
          .Strides({2, 2})
          .AutoPad("SAME_LOWER"),
      ConvCase("same_upper_dilated", {1, 4, 9, 7}, {5, 4, 3, 3})
          .Dilations({2, 3})
          .AutoPad("SAME_UPPER"),
      ConvCase("valid", {1, 4, 8, 7}, {5, 4, 3, 2}).Strides({2, 1}).AutoPad("VALID"),
      ConvCase("kernel_larger_than_input", {1, 3, 2, 2}, {4, 3, 3, 3}).Pads({1, 1, 1, 1}),
      ConvCase("no_bias_5x5_dilated_batch2", {2, 20, 12, 12}, {36, 20, 5, 5})
          .Dilations({2, 2})
          .Pads({4, 4, 4, 4})
          .NoBias(),
      ConvCase("resnet_like_64ch", {1, 64, 28, 28}, {64, 64, 3, 3}).Pads({1, 1, 1, 1}),
  };
  return cases;
}

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesReference) {
  const ConvCase& c = GetParam();
  std::mt19937 rng(42);
  const Tensor x = Random(c.x, rng), w = Random(c.w, rng), b = Random({c.w[0]}, rng);
  const reference::Result expected =
      reference::Conv(x, w, c.bias ? &b : nullptr, ResolveConvSpec(c));
  std::vector<const Tensor*> inputs = {&x, &w};
  if (c.bias) inputs.push_back(&b);
  Attributes attributes = ConvAttributes(c);
  EXPECT_TRUE(Near(RunOnce("Conv", attributes, inputs, {false, true, true}), expected))
      << "constant weights";
  EXPECT_TRUE(Near(RunOnce("Conv", attributes, inputs, {false, false, false}), expected))
      << "weights as an input";
  attributes["kernel_shape"] = Ints(Shape(c.w.begin() + 2, c.w.end()));
  EXPECT_TRUE(Near(RunOnce("Conv", attributes, inputs, {false, true, true}, /*opset=*/1), expected))
      << "kernel_shape, opset 1";
}

INSTANTIATE_TEST_SUITE_P(OnednnKernels, ConvTest, ::testing::ValuesIn(ConvCases()),
                         [](const ::testing::TestParamInfo<ConvCase>& info) {
                           return info.param.name;
                         });

TEST(OnednnConv, NewInputShapesBetweenRuns) {
  std::mt19937 rng(1);
  const Tensor w = Random({12, 8, 3, 3}, rng), b = Random({12}, rng);
  const Tensor x1 = Random({1, 8, 10, 10}, rng), x2 = Random({2, 8, 7, 9}, rng);
  Attributes attributes = {{"pads", Ints({1, 1, 1, 1})}};
  auto op = PreparedOp::Create("Conv", attributes, {&x1, &w, &b}, {false, true, true});
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  reference::ConvSpec spec{1, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
  for (const Tensor* x : {&x1, &x2, &x1, &x2})
    EXPECT_TRUE(Near((*op)->Run({x, &w, &b}), reference::Conv(*x, w, &b, spec)));
}

TEST(OnednnConv, EmptyBatchGivesEmptyOutput) {
  std::mt19937 rng(2);
  const Tensor x(DataType::kFloat32, {0, 4, 5, 5});
  const Tensor w = Random({6, 4, 3, 3}, rng);
  auto y = RunOnce("Conv", {}, {&x, &w});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->shape(), (Shape{0, 6, 3, 3}));
}

TEST(OnednnConv, RejectsBadAttributesAtPreparation) {
  std::mt19937 rng(3);
  const Tensor x = Random({1, 4, 5, 5}, rng), w = Random({6, 4, 3, 3}, rng);
  struct Bad {
    Attributes attributes;
    std::string mentions;
  };
  const std::vector<Bad> bad = {
      {{{"group", Int(0)}}, "group"},
      {{{"strides", Ints({1, 0})}}, "strides"},
      {{{"dilations", Ints({-1, 1})}}, "dilations"},
      {{{"pads", Ints({1, 1, -1, 1})}}, "pads"},
      {{{"pads", Ints({1, 1, 1})}}, "pads"},
      {{{"auto_pad", String("SAME")}}, "auto_pad"},
      {{{"strides", Ints({1, 1, 1})}}, "spatial axes"},  // three axes for 2-D weights
      {{{"kernel_shape", Ints({3})}}, "spatial"},
  };
  for (const Bad& b : bad) {
    auto op = PreparedOp::Create("Conv", b.attributes, {&x, &w}, {false, true});
    ASSERT_FALSE(op.ok()) << b.mentions;
    EXPECT_EQ(op.status().code(), StatusCode::kInvalidArgument) << op.status().ToString();
    EXPECT_NE(op.status().message().find("Conv 'n'"), std::string::npos) << op.status().message();
    EXPECT_NE(op.status().message().find(b.mentions), std::string::npos) << op.status().message();
  }
}

TEST(OnednnConv, RejectsBadShapesAtRunTime) {
  std::mt19937 rng(4);
  const Tensor x = Random({1, 4, 5, 5}, rng), w_channels = Random({6, 3, 3, 3}, rng),
               w = Random({6, 4, 3, 3}, rng);
  auto y = RunOnce("Conv", {}, {&x, &w_channels});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(y.status().message().find("Conv 'n'"), std::string::npos) << y.status().message();

  const Tensor small = Random({1, 4, 2, 2}, rng);
  y = RunOnce("Conv", {}, {&small, &w});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("smaller than the dilated kernel"), std::string::npos)
      << y.status().message();

  const Tensor bias = Random({5}, rng);
  y = RunOnce("Conv", {}, {&x, &w, &bias});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("bias"), std::string::npos) << y.status().message();

  y = RunOnce("Conv", {{"kernel_shape", Ints({2, 2})}}, {&x, &w});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("kernel_shape"), std::string::npos) << y.status().message();
}

TEST(OnednnConv, UnsupportedTypesAndRanksAreNotSupported) {
  const Tensor x64(DataType::kFloat64, {1, 2, 4, 4}), w64(DataType::kFloat64, {3, 2, 3, 3});
  auto y = RunOnce("Conv", {}, {&x64, &w64});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kNotSupported) << y.status().ToString();

  std::mt19937 rng(5);
  const Tensor x4d = Random({1, 1, 3, 3, 3, 3}, rng), w4d = Random({1, 1, 2, 2, 2, 2}, rng);
  y = RunOnce("Conv", {}, {&x4d, &w4d});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kNotSupported) << y.status().ToString();
}

// ---------------------------------------------------------------------------------------------
// ConvTranspose

struct ConvTransposeCase {
  ConvTransposeCase(std::string case_name, Shape x_shape, Shape w_shape)
      : name(std::move(case_name)), x(std::move(x_shape)), w(std::move(w_shape)) {}
  ConvTransposeCase& Group(int64_t g) { return group = g, *this; }
  ConvTransposeCase& Strides(std::vector<int64_t> v) { return strides = std::move(v), *this; }
  ConvTransposeCase& Dilations(std::vector<int64_t> v) { return dilations = std::move(v), *this; }
  ConvTransposeCase& Pads(std::vector<int64_t> v) { return pads = std::move(v), *this; }
  ConvTransposeCase& OutputPadding(std::vector<int64_t> v) {
    return output_padding = std::move(v), *this;
  }
  ConvTransposeCase& OutputShape(std::vector<int64_t> v) {
    return output_shape = std::move(v), *this;
  }
  ConvTransposeCase& AutoPad(std::string v) { return auto_pad = std::move(v), *this; }
  ConvTransposeCase& NoBias() { return bias = false, *this; }

  std::string name;
  Shape x, w;  // w [C, M / group, k...]
  bool bias = true;
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads, output_padding, output_shape;
  std::string auto_pad;
};

void PrintTo(const ConvTransposeCase& c, std::ostream* os) { *os << c.name; }

// Pads and output sizes from the ONNX spec's formulas, for the reference.
std::pair<reference::ConvSpec, std::vector<int64_t>> ResolveConvTransposeSpec(
    const ConvTransposeCase& c) {
  const size_t rank = c.x.size() - 2;
  reference::ConvSpec s;
  s.group = c.group;
  s.strides = c.strides.empty() ? std::vector<int64_t>(rank, 1) : c.strides;
  s.dilations = c.dilations.empty() ? std::vector<int64_t>(rank, 1) : c.dilations;
  s.pad_begin.assign(rank, 0);
  s.pad_end.assign(rank, 0);
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t op = c.output_padding.empty() ? 0 : c.output_padding[i];
    const int64_t full =
        s.strides[i] * (c.x[i + 2] - 1) + op + (c.w[i + 2] - 1) * s.dilations[i] + 1;
    int64_t wanted = -1;
    if (!c.output_shape.empty())
      wanted = c.output_shape[i];
    else if (!c.auto_pad.empty() && c.auto_pad != "VALID")
      wanted = c.x[i + 2] * s.strides[i];
    if (wanted >= 0) {
      const int64_t total = full - wanted;
      // Python's //, as the spec's formulas: rounds toward minus infinity.
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      s.pad_begin[i] = c.auto_pad == "SAME_UPPER" ? half : total - half;
      out[i] = wanted;
    } else {
      if (!c.pads.empty()) s.pad_begin[i] = c.pads[i];
      out[i] = full - s.pad_begin[i] - (c.pads.empty() ? 0 : c.pads[i + rank]);
    }
  }
  return {s, out};
}

const std::vector<ConvTransposeCase>& ConvTransposeCases() {
  static const std::vector<ConvTransposeCase> cases = {
      ConvTransposeCase("stride2_pad1_output_padding1", {1, 4, 5, 6}, {4, 6, 3, 3})
          .Strides({2, 2})
          .Pads({1, 1, 1, 1})
          .OutputPadding({1, 1}),
      ConvTransposeCase("conv1d_group2_dilation2", {2, 4, 7}, {4, 3, 3})
          .Group(2)
          .Dilations({2})
          .Pads({1, 0}),
      ConvTransposeCase("conv3d_strides", {1, 3, 3, 4, 3}, {3, 2, 2, 3, 2})
          .Strides({2, 1, 2})
          .Pads({0, 1, 0, 1, 0, 1})
          .NoBias(),
      ConvTransposeCase("output_shape_beyond_full_output", {1, 2, 3, 3}, {2, 3, 3, 3})
          .Strides({3, 2})
          .OutputShape({12, 9}),
      ConvTransposeCase("output_shape_cropping", {1, 2, 4, 4}, {2, 3, 3, 3})
          .Strides({2, 2})
          .OutputShape({6, 7}),
      ConvTransposeCase("output_padding2_stride3_no_pads", {1, 2, 4, 3}, {2, 2, 3, 3})
          .Strides({3, 3})
          .OutputPadding({2, 2}),
      ConvTransposeCase("same_upper_stride2", {1, 3, 3, 4}, {3, 2, 3, 3})
          .Strides({2, 2})
          .AutoPad("SAME_UPPER"),
      ConvTransposeCase("same_lower_stride2", {1, 3, 3, 4}, {3, 2, 3, 3})
          .Strides({2, 2})
          .AutoPad("SAME_LOWER"),
      ConvTransposeCase("depthwise_upsample_4x4", {1, 16, 6, 6}, {16, 1, 4, 4})
          .Group(16)
          .Strides({2, 2})
          .Pads({1, 1, 1, 1}),
      ConvTransposeCase("decoder_32_to_16", {1, 32, 12, 12}, {32, 16, 4, 4})
          .Strides({2, 2})
          .Pads({1, 1, 1, 1}),
      ConvTransposeCase("batch2_asymmetric_pads", {2, 5, 4, 5}, {5, 4, 3, 2})
          .Strides({2, 3})
          .Pads({0, 1, 2, 0})
          .NoBias(),
  };
  return cases;
}

class ConvTransposeTest : public ::testing::TestWithParam<ConvTransposeCase> {};

TEST_P(ConvTransposeTest, MatchesReference) {
  const ConvTransposeCase& c = GetParam();
  std::mt19937 rng(7);
  const Tensor x = Random(c.x, rng), w = Random(c.w, rng), b = Random({c.w[1] * c.group}, rng);
  const auto [spec, out] = ResolveConvTransposeSpec(c);
  const reference::Result expected =
      reference::ConvTranspose(x, w, c.bias ? &b : nullptr, spec, out);
  Attributes a;
  if (c.group != 1) a["group"] = Int(c.group);
  if (!c.strides.empty()) a["strides"] = Ints(c.strides);
  if (!c.dilations.empty()) a["dilations"] = Ints(c.dilations);
  if (!c.pads.empty()) a["pads"] = Ints(c.pads);
  if (!c.output_padding.empty()) a["output_padding"] = Ints(c.output_padding);
  if (!c.output_shape.empty()) a["output_shape"] = Ints(c.output_shape);
  if (!c.auto_pad.empty()) a["auto_pad"] = String(c.auto_pad);
  std::vector<const Tensor*> inputs = {&x, &w};
  if (c.bias) inputs.push_back(&b);
  EXPECT_TRUE(Near(RunOnce("ConvTranspose", a, inputs, {false, true, true}), expected))
      << "constant weights";
  EXPECT_TRUE(Near(RunOnce("ConvTranspose", a, inputs, {false, false, false}), expected))
      << "weights as an input";
}

INSTANTIATE_TEST_SUITE_P(OnednnKernels, ConvTransposeTest,
                         ::testing::ValuesIn(ConvTransposeCases()),
                         [](const ::testing::TestParamInfo<ConvTransposeCase>& info) {
                           return info.param.name;
                         });

TEST(OnednnConvTranspose, RejectsPadsLargerThanTheOutputAndMismatchedChannels) {
  std::mt19937 rng(8);
  const Tensor x = Random({1, 2, 2, 2}, rng), w = Random({2, 3, 2, 2}, rng),
               w_channels = Random({3, 3, 2, 2}, rng);
  auto y = RunOnce("ConvTranspose", {{"pads", Ints({2, 2, 2, 2})}}, {&x, &w});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(y.status().message().find("ConvTranspose 'n'"), std::string::npos)
      << y.status().message();
  y = RunOnce("ConvTranspose", {}, {&x, &w_channels});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("does not fit"), std::string::npos) << y.status().message();
}

// ---------------------------------------------------------------------------------------------
// Gemm

TEST(OnednnGemm, TransposesBroadcastsAndScalesLikeTheReference) {
  std::mt19937 rng(11);
  struct Size {
    int64_t m, k, n;
  };
  const std::vector<Size> sizes = {{5, 7, 9}, {33, 130, 70}, {1, 64, 1000}};
  // alpha = 1 takes the bias path for a one-row C, other alphas the accumulate path; beta = 0
  // ignores C.
  const std::vector<std::pair<float, float>> scales = {
      {1.0f, 1.0f}, {0.5f, 2.0f}, {1.0f, 0.0f}, {1.0f, 0.25f}};
  for (const Size& s : sizes) {
    const std::vector<Shape> c_shapes = {{}, {s.n}, {1, s.n}, {s.m, 1}, {1, 1}, {s.m, s.n}, {1}};
    for (int trans_a = 0; trans_a < 2; ++trans_a)
      for (int trans_b = 0; trans_b < 2; ++trans_b)
        for (int c_index = -1; c_index < static_cast<int>(c_shapes.size()); ++c_index)
          for (const auto& [alpha, beta] : scales) {
            if (s.m > 5 && c_index > 0 && c_index != 3 && alpha != 1.0f)
              continue;  // keep the test quick
            const Tensor a = Random(trans_a ? Shape{s.k, s.m} : Shape{s.m, s.k}, rng);
            const Tensor b = Random(trans_b ? Shape{s.n, s.k} : Shape{s.k, s.n}, rng);
            const Tensor c = Random(c_index < 0 ? Shape{1} : c_shapes[c_index], rng);
            const Tensor* c_ptr = c_index < 0 ? nullptr : &c;
            const reference::Result expected =
                reference::Gemm(a, b, c_ptr, alpha, beta, trans_a, trans_b);
            const Attributes attributes = {{"alpha", Float(alpha)},
                                           {"beta", Float(beta)},
                                           {"transA", Int(trans_a)},
                                           {"transB", Int(trans_b)}};
            std::vector<const Tensor*> inputs = {&a, &b};
            if (c_ptr) inputs.push_back(c_ptr);
            const std::string what =
                "M=" + std::to_string(s.m) + " transA=" + std::to_string(trans_a) +
                " transB=" + std::to_string(trans_b) +
                " C=" + (c_ptr ? ShapeToString(c.shape()) : "none") +
                " alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta);
            EXPECT_TRUE(Near(RunOnce("Gemm", attributes, inputs, {false, true, true}), expected))
                << what << ", constant B";
            EXPECT_TRUE(Near(RunOnce("Gemm", attributes, inputs, {false, false, false}), expected))
                << what << ", B as an input";
          }
  }
}

TEST(OnednnGemm, OldOpsetWithBroadcastAttribute) {
  std::mt19937 rng(12);
  const Tensor a = Random({3, 4}, rng), b = Random({4, 5}, rng), c = Random({5}, rng);
  EXPECT_TRUE(
      Near(RunOnce("Gemm", {{"broadcast", Int(1)}}, {&a, &b, &c}, {false, true, true}, /*opset=*/6),
           reference::Gemm(a, b, &c, 1.0f, 1.0f, false, false)));
}

TEST(OnednnGemm, EmptyInnerDimensionGivesBetaTimesC) {
  const Tensor a(DataType::kFloat32, {2, 0}), b(DataType::kFloat32, {0, 3});
  const Tensor c = Tensor::FromVector<float>({3}, {1.0f, -2.0f, 4.0f});
  auto y = RunOnce("Gemm", {{"beta", Float(0.5f)}}, {&a, &b, &c});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{2, 3}));
  const std::vector<float> expected = {0.5f, -1.0f, 2.0f, 0.5f, -1.0f, 2.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->data<float>()[i], expected[i]) << i;
}

TEST(OnednnGemm, RejectsMismatchedShapes) {
  std::mt19937 rng(13);
  const Tensor a = Random({3, 4}, rng), b = Random({5, 6}, rng), b_ok = Random({4, 6}, rng),
               c_bad = Random({2, 6}, rng);
  auto y = RunOnce("Gemm", {}, {&a, &b});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(y.status().message().find("Gemm 'n'"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("inner dimensions"), std::string::npos)
      << y.status().message();
  y = RunOnce("Gemm", {}, {&a, &b_ok, &c_bad});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("does not broadcast"), std::string::npos)
      << y.status().message();
  const Tensor a3 = Random({1, 3, 4}, rng);
  y = RunOnce("Gemm", {}, {&a3, &b_ok});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("matrices"), std::string::npos) << y.status().message();
}

// ---------------------------------------------------------------------------------------------
// MatMul

TEST(OnednnMatMul, PromotesAndBroadcastsLikeNumpy) {
  std::mt19937 rng(21);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{6}, {6}},                       // vector . vector -> scalar
      {{6}, {6, 4}},                    // vector x matrix
      {{5, 6}, {6}},                    // matrix x vector
      {{7}, {3, 7, 4}},                 // vector x batch
      {{3, 5, 7}, {7}},                 // batch x vector
      {{3, 5, 7}, {7, 4}},              // batch x matrix: folded into one product
      {{2, 3, 5, 7}, {1, 7, 4}},        // batch x matrix with a leading 1
      {{5, 7}, {3, 7, 4}},              // matrix x batch
      {{2, 1, 3, 4}, {1, 5, 4, 6}},     // both sides broadcast
      {{4, 1, 2, 3}, {4, 6, 3, 5}},     // one side broadcast
      {{2, 3, 4}, {2, 4, 3}},           // plain batches
      {{2, 1, 1, 3, 4}, {3, 1, 4, 2}},  // ranks differ
      {{64, 256}, {256, 300}},          // large enough for both threads
  };
  for (const auto& [sa, sb] : cases) {
    const Tensor a = Random(sa, rng), b = Random(sb, rng);
    const reference::Result expected = reference::MatMul(a, b);
    EXPECT_TRUE(Near(RunOnce("MatMul", {}, {&a, &b}, {false, true}), expected))
        << ShapeToString(sa) << " x " << ShapeToString(sb) << ", constant B";
    EXPECT_TRUE(Near(RunOnce("MatMul", {}, {&a, &b}, {false, false}), expected))
        << ShapeToString(sa) << " x " << ShapeToString(sb) << ", B as an input";
  }
}

TEST(OnednnMatMul, NewInputShapesBetweenRuns) {
  std::mt19937 rng(22);
  const Tensor b = Random({8, 5}, rng);
  const Tensor a1 = Random({3, 8}, rng), a2 = Random({2, 4, 8}, rng), a3 = Random({8}, rng);
  auto op = PreparedOp::Create("MatMul", {}, {&a1, &b}, {false, true});
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  for (const Tensor* a : {&a1, &a2, &a3, &a1})
    EXPECT_TRUE(Near((*op)->Run({a, &b}), reference::MatMul(*a, b))) << ShapeToString(a->shape());
}

TEST(OnednnMatMul, EmptyDimensions) {
  const Tensor a(DataType::kFloat32, {0, 4}), b = Tensor::Zeros(DataType::kFloat32, {4, 3});
  auto y = RunOnce("MatMul", {}, {&a, &b});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->shape(), (Shape{0, 3}));

  const Tensor a0(DataType::kFloat32, {2, 0}), b0(DataType::kFloat32, {0, 3});
  y = RunOnce("MatMul", {}, {&a0, &b0});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->data<float>()[i], 0.0f);
}

TEST(OnednnMatMul, RejectsMismatchedShapes) {
  std::mt19937 rng(23);
  const Tensor a = Random({2, 3, 4}, rng), b = Random({3, 4, 5}, rng),
               b_inner = Random({5, 5}, rng);
  auto y = RunOnce("MatMul", {}, {&a, &b});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(y.status().message().find("MatMul 'n'"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("batch"), std::string::npos) << y.status().message();
  y = RunOnce("MatMul", {}, {&a, &b_inner});
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("inner dimensions"), std::string::npos)
      << y.status().message();
  const Tensor i32(DataType::kInt32, {2, 2});
  y = RunOnce("MatMul", {}, {&i32, &i32});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kNotSupported) << y.status().ToString();
}

// ---------------------------------------------------------------------------------------------
// Timing of two typical convolutions (not run by default):
//   unit_tests --gtest_also_run_disabled_tests --gtest_filter='OnednnTiming*'

// Milliseconds per Run after 3 warm-up runs: {median, minimum} of `runs`. The machine is shared,
// so the minimum says more about the kernel than the median.
std::pair<double, double> TimeMs(PreparedOp& op, const std::vector<const Tensor*>& inputs,
                                 int runs) {
  std::vector<double> ms;
  for (int i = 0; i < runs + 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto y = op.Run(inputs);
    const auto end = std::chrono::steady_clock::now();
    if (!y.ok()) return {-1, -1};
    if (i >= 3) ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[0]};
}

TEST(OnednnTiming, DISABLED_TypicalConvolutions) {
  std::mt19937 rng(31);
  struct Timed {
    const char* name;
    Shape x, w;
    Attributes attributes;
  };
  const std::vector<Timed> convs = {
      {"3x3 64->64 on 1x64x56x56", {1, 64, 56, 56}, {64, 64, 3, 3}, {{"pads", Ints({1, 1, 1, 1})}}},
      {"1x1 32->192 on 1x32x112x112", {1, 32, 112, 112}, {192, 32, 1, 1}, {}},
      {"depthwise 3x3 144 on 1x144x56x56",
       {1, 144, 56, 56},
       {144, 1, 3, 3},
       {{"pads", Ints({1, 1, 1, 1})}, {"group", Int(144)}}},
  };
  for (const Timed& t : convs) {
    const Tensor x = Random(t.x, rng), w = Random(t.w, rng), b = Random({t.w[0]}, rng);
    auto op = PreparedOp::Create("Conv", t.attributes, {&x, &w, &b}, {false, true, true});
    ASSERT_TRUE(op.ok()) << op.status().ToString();
    const auto [median, fastest] = TimeMs(**op, {&x, &w, &b}, 50);
    std::printf("%-36s median %.3f ms, min %.3f ms\n", t.name, median, fastest);
  }
}

}  // namespace
}  // namespace xquant
