// The nn kernels (src/kernels/nn) against hand-computed values and against naive loops written
// here from the ONNX definitions: pooling geometry (pads, strides, dilations, ceil_mode, auto_pad,
// Indices), normalisations, the opset-13 change of Softmax/Hardmax axis semantics, reductions over
// non-contiguous axes, Resize coordinate modes and the fused NCHW path; tensors big enough to take
// the parallel paths; and the errors for bad attributes and shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "exec/registry.h"

namespace xquant {
namespace {

constexpr auto Int = &Attribute::Int;
constexpr auto Ints = &Attribute::Ints;
constexpr auto Float = &Attribute::Float;
constexpr auto Floats = &Attribute::Floats;
constexpr auto String = &Attribute::String;

using Attributes = std::map<std::string, Attribute, std::less<>>;

// Runs one node; nullptr inputs are omitted optional inputs. Returns all `num_outputs` outputs.
StatusOr<std::vector<Tensor>> RunNode(const std::string& op_type, std::vector<const Tensor*> inputs, const Attributes& attributes = {},
                                  int64_t opset = 13, size_t num_outputs = 1) {
  Graph graph;
  graph.opset_imports[""] = opset;
  Node node;
  node.op_type = op_type;
  node.name = op_type;  // not a string literal: assigning one trips a false GCC 12 -Wrestrict warning
  for (const auto& [name, value] : attributes) node.attributes[name] = value;
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(inputs[i] ? static_cast<ValueId>(i) : kNoValue);
  for (size_t i = 0; i < num_outputs; ++i) node.outputs.push_back(static_cast<ValueId>(inputs.size() + i));
  exec::KernelInfo info(node, graph, opset);
  exec::KernelFactory factory = exec::FindKernel("", op_type);
  if (!factory) return NotFoundError("no kernel for " + op_type);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  std::vector<Tensor> outputs(num_outputs);
  exec::KernelContext ctx(node, inputs, &outputs);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return outputs;
}

StatusOr<Tensor> RunOne(const std::string& op_type, std::vector<const Tensor*> inputs, const Attributes& attributes = {},
                      int64_t opset = 13) {
  XQ_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, RunNode(op_type, std::move(inputs), attributes, opset));
  return outputs[0];
}

Tensor Random(Shape shape, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(gen);
  return t;
}

void ExpectNear(const Tensor& actual, const std::vector<double>& expected, double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), static_cast<int64_t>(expected.size())) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual.GetAsDouble(static_cast<int64_t>(i)), expected[i], tolerance) << what << " element " << i;
}

std::vector<double> Values(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.size()));
  for (int64_t i = 0; i < t.size(); ++i) v[i] = t.GetAsDouble(i);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Pooling against a naive N-D loop written from the ONNX definition.

struct PoolCase {
  std::string op;  // MaxPool / AveragePool / LpPool
  Shape input;
  std::vector<int64_t> kernel = {}, strides = {}, dilations = {}, pads = {};
  std::string auto_pad = "NOTSET";
  int64_t ceil_mode = 0;
  int64_t count_include_pad = 0;
};

// Output size and begin padding of one axis, straight from the spec's formulas.
void NaiveAxis(const PoolCase& c, size_t i, int64_t in, int64_t* out, int64_t* pad_begin, int64_t* pad_end) {
  const int64_t n = static_cast<int64_t>(c.kernel.size());
  const int64_t k = c.kernel[i], s = c.strides[i], d = c.dilations[i];
  const int64_t extent = (k - 1) * d + 1;
  *pad_begin = c.pads[i];
  *pad_end = c.pads[i + n];
  if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
    *out = static_cast<int64_t>(std::ceil(static_cast<double>(in) / static_cast<double>(s)));
    const int64_t total = std::max<int64_t>(0, (*out - 1) * s + extent - in);
    *pad_begin = c.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    *pad_end = total - *pad_begin;
    return;
  }
  if (c.auto_pad == "VALID") *pad_begin = *pad_end = 0;
  const double span = static_cast<double>(in + *pad_begin + *pad_end - extent) / static_cast<double>(s);
  *out = static_cast<int64_t>(c.ceil_mode && c.auto_pad == "NOTSET" ? std::ceil(span) : std::floor(span)) + 1;
  // ceil_mode: a window must start inside the input or the begin padding.
  if (c.ceil_mode && c.auto_pad == "NOTSET" && (*out - 1) * s >= in + *pad_begin) --*out;
}

std::vector<double> NaivePool(const PoolCase& c, const Tensor& x, Shape* out_shape) {
  const size_t n = c.kernel.size();
  std::vector<int64_t> out(n), pb(n), pe(n);
  *out_shape = {x.dim(0), x.dim(1)};
  for (size_t i = 0; i < n; ++i) {
    NaiveAxis(c, i, x.dim(static_cast<int>(i) + 2), &out[i], &pb[i], &pe[i]);
    out_shape->push_back(out[i]);
  }
  std::vector<double> y;
  const int64_t planes = x.dim(0) * x.dim(1);
  int64_t in_plane = 1, out_count = 1, taps_total = 1;
  for (size_t i = 0; i < n; ++i) {
    in_plane *= x.dim(static_cast<int>(i) + 2);
    out_count *= out[i];
    taps_total *= c.kernel[i];
  }
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t o = 0; o < out_count; ++o) {
      std::vector<int64_t> opos(n);
      for (int64_t rem = o, i = static_cast<int64_t>(n) - 1; i >= 0; --i) {
        opos[i] = rem % out[i];
        rem /= out[i];
      }
      double max = -std::numeric_limits<double>::infinity(), sum = 0;
      int64_t inside = 0, inside_padded = 0;
      for (int64_t t = 0; t < taps_total; ++t) {
        int64_t rem = t, offset = 0;
        bool valid = true, valid_padded = true;
        std::vector<int64_t> kpos(n);
        for (int64_t i = static_cast<int64_t>(n) - 1; i >= 0; --i) {
          kpos[i] = rem % c.kernel[i];
          rem /= c.kernel[i];
        }
        for (size_t i = 0; i < n; ++i) {
          const int64_t in = x.dim(static_cast<int>(i) + 2);
          const int64_t pos = opos[i] * c.strides[i] - pb[i] + kpos[i] * c.dilations[i];
          if (pos < 0 || pos >= in) valid = false;
          if (pos >= in + pe[i]) valid_padded = false;
          offset = offset * in + pos;
        }
        if (valid_padded) ++inside_padded;
        if (!valid) continue;
        const double v = x.GetAsDouble(p * in_plane + offset);
        ++inside;
        max = std::max(max, v);
        sum += c.op == "LpPool" ? v * v : v;
      }
      if (c.op == "MaxPool") y.push_back(max);
      else if (c.op == "LpPool") y.push_back(std::sqrt(sum));
      else y.push_back(sum / static_cast<double>(c.count_include_pad ? inside_padded : inside));
    }
  }
  return y;
}

void CheckPool(PoolCase c, uint32_t seed) {
  const size_t n = c.kernel.size();
  if (c.strides.empty()) c.strides.assign(n, 1);
  if (c.dilations.empty()) c.dilations.assign(n, 1);
  if (c.pads.empty()) c.pads.assign(2 * n, 0);
  const Tensor x = Random(c.input, seed);
  Attributes attributes = {{"kernel_shape", Ints(c.kernel)}, {"strides", Ints(c.strides)},     {"pads", Ints(c.pads)},
                           {"dilations", Ints(c.dilations)}, {"auto_pad", String(c.auto_pad)}, {"ceil_mode", Int(c.ceil_mode)},
                           {"count_include_pad", Int(c.count_include_pad)}};
  if (c.auto_pad != "NOTSET") attributes.erase("pads");
  auto y = RunOne(c.op, {&x}, attributes, 19);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  Shape expected_shape;
  const std::vector<double> expected = NaivePool(c, x, &expected_shape);
  const std::string what = c.op + " input " + ShapeToString(c.input) + " kernel " + ShapeToString(c.kernel) + " strides " +
                           ShapeToString(c.strides) + " dilations " + ShapeToString(c.dilations) + " pads " +
                           ShapeToString(c.pads) + " " + c.auto_pad + " ceil " + std::to_string(c.ceil_mode);
  ASSERT_EQ(y->shape(), expected_shape) << what;
  ExpectNear(*y, expected, 1e-5, what);
}

TEST(NnPool, MatchesNaiveLoops) {
  uint32_t seed = 1;
  for (const char* op : {"MaxPool", "AveragePool", "LpPool"}) {
    CheckPool({op, {1, 2, 7, 9}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}}, seed++);
    CheckPool({op, {2, 3, 8, 8}, {2, 2}, {2, 2}}, seed++);
    CheckPool({op, {1, 2, 9, 10}, {3, 2}, {1, 3}, {2, 2}, {2, 0, 1, 1}}, seed++);
    CheckPool({op, {1, 1, 6, 7}, {3, 3}, {2, 2}, {}, {0, 0, 0, 0}, "NOTSET", 1}, seed++);
    CheckPool({op, {1, 1, 7, 7}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, "NOTSET", 1}, seed++);
    CheckPool({op, {1, 2, 7, 6}, {3, 2}, {2, 2}, {}, {}, "SAME_UPPER"}, seed++);
    CheckPool({op, {1, 2, 7, 6}, {3, 2}, {2, 2}, {}, {}, "SAME_LOWER"}, seed++);
    CheckPool({op, {1, 2, 7, 6}, {3, 2}, {2, 1}, {}, {}, "VALID"}, seed++);
    // Odd padding totals: SAME_UPPER puts the extra element at the end, SAME_LOWER at the start.
    CheckPool({op, {1, 1, 7, 6}, {2, 4}, {1, 1}, {}, {}, "SAME_UPPER"}, seed++);
    CheckPool({op, {1, 1, 7, 6}, {2, 4}, {1, 1}, {}, {}, "SAME_LOWER"}, seed++);
    // ceil_mode where the last window would start in the end padding and is dropped.
    CheckPool({op, {1, 1, 5, 5}, {2, 2}, {2, 2}, {}, {1, 1, 1, 1}, "NOTSET", 1}, seed++);
    CheckPool({op, {2, 2, 11}, {4}, {3}, {2}, {1, 3}}, seed++);
    CheckPool({op, {1, 2, 5, 6, 7}, {2, 3, 2}, {2, 1, 2}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}}, seed++);
  }
  CheckPool({"AveragePool", {1, 2, 7, 7}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}, "NOTSET", 1, 1}, seed++);
  CheckPool({"AveragePool", {1, 2, 8, 9}, {3, 3}, {1, 1}, {}, {2, 1, 0, 2}, "NOTSET", 0, 1}, seed++);
}

TEST(NnPool, LargeTensorsTakeTheParallelPath) {
  CheckPool({"MaxPool", {2, 16, 56, 56}, {3, 3}, {2, 2}, {}, {1, 1, 1, 1}}, 99);
  CheckPool({"AveragePool", {2, 16, 56, 56}, {3, 3}, {1, 1}, {}, {1, 1, 1, 1}, "NOTSET", 0, 1}, 98);
}

TEST(NnPool, AveragePoolCeilModeDividesByTheTapsInside) {
  // 3x3 input 1..9, kernel 2, stride 2, ceil_mode: the right/bottom windows overhang the input.
  const Tensor x = Tensor::FromVector<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto y = RunOne("AveragePool", {&x}, {{"kernel_shape", Ints({2, 2})}, {"strides", Ints({2, 2})}, {"ceil_mode", Int(1)}}, 11);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->shape(), (Shape{1, 1, 2, 2}));
  ExpectNear(*y, {(1 + 2 + 4 + 5) / 4.0, (3 + 6) / 2.0, (7 + 8) / 2.0, 9}, 1e-6, "ceil_mode average");

  // count_include_pad counts the padding but not a ceil_mode overhang past it (onnxruntime agrees):
  // windows [-1, 1], [1, 3], [3, 5] over {1, 2, 4, 8} with one pad each side.
  const Tensor row = Tensor::FromVector<float>({1, 1, 4}, {1, 2, 4, 8});
  auto padded = RunOne("AveragePool", {&row},
                       {{"kernel_shape", Ints({3})}, {"strides", Ints({2})}, {"pads", Ints({1, 1})}, {"ceil_mode", Int(1)},
                        {"count_include_pad", Int(1)}},
                       12);
  ASSERT_TRUE(padded.ok()) << padded.status().ToString();
  ExpectNear(*padded, {(0 + 1 + 2) / 3.0, (2 + 4 + 8) / 3.0, 8 / 2.0}, 1e-6, "count_include_pad with ceil_mode");
}

TEST(NnPool, MaxPoolIndicesRowAndColumnMajor) {
  // Two planes of 2x3; kernel 2x2 stride 1 -> 1x2 outputs per plane.
  const Tensor x = Tensor::FromVector<float>({1, 2, 2, 3}, {1, 9, 2, 3, 4, 5, 8, 7, 6, 5, 4, 3});
  for (int64_t order : {0, 1}) {
    auto y = RunNode("MaxPool", {&x}, {{"kernel_shape", Ints({2, 2})}, {"storage_order", Int(order)}}, 12, 2);
    ASSERT_TRUE(y.ok()) << y.status().ToString();
    ExpectNear((*y)[0], {9, 9, 8, 7}, 0, "max");
    ASSERT_EQ((*y)[1].dtype(), DataType::kInt64);
    // Plane 0: 9 at (h 0, w 1); plane 1 (offset 6): 8 at (0, 0), 7 at (0, 1).
    // Row-major spatial index h * 3 + w; column-major h + w * 2.
    const std::vector<double> expected = order == 0 ? std::vector<double>{1, 1, 6, 7} : std::vector<double>{2, 2, 6, 8};
    ExpectNear((*y)[1], expected, 0, "indices storage_order " + std::to_string(order));
  }
}

TEST(NnPool, MaxPoolInt8AndLpPoolP1) {
  const Tensor q = Tensor::FromVector<int8_t>({1, 1, 1, 4}, {-128, -5, 7, -100});
  auto y = RunOne("MaxPool", {&q}, {{"kernel_shape", Ints({1, 2})}, {"strides", Ints({1, 2})}}, 12);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataType::kInt8);
  ExpectNear(*y, {-5, 7}, 0, "int8 max");
  const Tensor x = Tensor::FromVector<float>({1, 1, 4}, {1, -2, 3, -4});
  auto lp = RunOne("LpPool", {&x}, {{"kernel_shape", Ints({2})}, {"strides", Ints({2})}, {"p", Int(1)}}, 11);
  ASSERT_TRUE(lp.ok()) << lp.status().ToString();
  ExpectNear(*lp, {3, 7}, 1e-6, "L1 pool");
  auto global = RunOne("GlobalLpPool", {&x}, {{"p", Int(2)}});
  ASSERT_TRUE(global.ok());
  ExpectNear(*global, {std::sqrt(30.0)}, 1e-5, "global L2 pool");
  auto gmax = RunOne("GlobalMaxPool", {&x});
  ASSERT_TRUE(gmax.ok());
  EXPECT_EQ(gmax->shape(), (Shape{1, 1, 1}));
  ExpectNear(*gmax, {3}, 0, "global max");
}

TEST(NnPool, RejectsBadAttributesAndShapes) {
  const Tensor x = Random({1, 1, 4, 4}, 3);
  auto no_kernel = RunOne("MaxPool", {&x}, {});
  EXPECT_EQ(no_kernel.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_kernel.status().message().find("kernel_shape"), std::string::npos);
  auto bad_pads = RunOne("AveragePool", {&x}, {{"kernel_shape", Ints({2, 2})}, {"pads", Ints({1, 1})}});
  EXPECT_EQ(bad_pads.status().code(), StatusCode::kInvalidArgument);
  auto wrong_rank = RunOne("MaxPool", {&x}, {{"kernel_shape", Ints({2})}});
  EXPECT_EQ(wrong_rank.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_rank.status().message().find("rank 3"), std::string::npos) << wrong_rank.status().message();
  auto too_big = RunOne("MaxPool", {&x}, {{"kernel_shape", Ints({5, 5})}});
  EXPECT_EQ(too_big.status().code(), StatusCode::kInvalidArgument);
  auto bad_auto_pad = RunOne("MaxPool", {&x}, {{"kernel_shape", Ints({2, 2})}, {"auto_pad", String("SAME")}});
  EXPECT_EQ(bad_auto_pad.status().code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Normalisations.

TEST(NnBatchNormalization, PerChannelAndSpatialZero) {
  // x [1, 2, 2]: channel 0 = {1, 3}, channel 1 = {2, 6}.
  const Tensor x = Tensor::FromVector<float>({1, 2, 2}, {1, 3, 2, 6});
  const Tensor scale = Tensor::FromVector<float>({2}, {2, 0.5f});
  const Tensor bias = Tensor::FromVector<float>({2}, {1, -1});
  const Tensor mean = Tensor::FromVector<float>({2}, {1, 4});
  const Tensor var = Tensor::FromVector<float>({2}, {4, 1});
  auto y = RunOne("BatchNormalization", {&x, &scale, &bias, &mean, &var}, {{"epsilon", Float(0)}}, 15);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // (x - mean) / sqrt(var) * scale + bias
  ExpectNear(*y, {1, 3, -2, 0}, 1e-6, "per channel");

  // spatial = 0 (opset 7): one parameter per element of a sample.
  const Tensor s4 = Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4});
  const Tensor z4 = Tensor::FromVector<float>({2, 2}, {0, 0, 0, 0});
  const Tensor o4 = Tensor::FromVector<float>({2, 2}, {1, 1, 1, 1});
  auto y7 = RunOne("BatchNormalization", {&x, &s4, &z4, &z4, &o4}, {{"epsilon", Float(0)}, {"spatial", Int(0)}}, 7);
  ASSERT_TRUE(y7.ok()) << y7.status().ToString();
  ExpectNear(*y7, {1, 6, 6, 24}, 1e-6, "spatial=0");
  auto mismatch = RunOne("BatchNormalization", {&x, &s4, &z4, &z4, &o4}, {}, 9);
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument);
}

TEST(NnBatchNormalization, TrainingIsNotSupported) {
  const Tensor x = Random({1, 2, 2}, 4);
  const Tensor p = Tensor::FromVector<float>({2}, {1, 1});
  auto y = RunOne("BatchNormalization", {&x, &p, &p, &p, &p}, {{"training_mode", Int(1)}}, 15);
  EXPECT_EQ(y.status().code(), StatusCode::kNotSupported);
  auto y9 = RunNode("BatchNormalization", {&x, &p, &p, &p, &p}, {}, 9, 5);
  EXPECT_EQ(y9.status().code(), StatusCode::kNotSupported);
}

TEST(NnBatchNormalization, LargeTensorMatchesFormula) {
  const Tensor x = Random({2, 8, 64, 80}, 5);
  const Tensor scale = Random({8}, 6), bias = Random({8}, 7), mean = Random({8}, 8), var = Random({8}, 9, 0.5f, 2.0f);
  auto y = RunOne("BatchNormalization", {&x, &scale, &bias, &mean, &var}, {}, 15);
  ASSERT_TRUE(y.ok());
  const int64_t inner = 64 * 80;
  for (int64_t i = 0; i < x.size(); i += 97) {
    const int64_t c = (i / inner) % 8;
    const double expected = (x.data<float>()[i] - mean.data<float>()[c]) / std::sqrt(var.data<float>()[c] + 1e-5) *
                                scale.data<float>()[c] + bias.data<float>()[c];
    ASSERT_NEAR(y->data<float>()[i], expected, 1e-5) << i;
  }
}

TEST(NnNormalization, InstanceAndGroup) {
  // One sample, 4 channels of 2 values.
  const Tensor x = Tensor::FromVector<float>({1, 4, 2}, {1, 3, 2, 2, 0, 4, 5, 7});
  const Tensor scale = Tensor::FromVector<float>({4}, {1, 2, 1, 1});
  const Tensor bias = Tensor::FromVector<float>({4}, {0, 0, 1, 0});
  auto inst = RunOne("InstanceNormalization", {&x, &scale, &bias}, {{"epsilon", Float(0)}}, 6);
  ASSERT_TRUE(inst.ok()) << inst.status().ToString();
  // Channel 1 is constant: (x - mean) = 0, var = 0 -> 0 / sqrt(0 + 0) is NaN, so use epsilon 0
  // only where the variance is non-zero; check channels 0, 2, 3.
  const std::vector<double> v = Values(*inst);
  EXPECT_NEAR(v[0], -1, 1e-6);
  EXPECT_NEAR(v[1], 1, 1e-6);
  EXPECT_NEAR(v[4], 0, 1e-6);
  EXPECT_NEAR(v[5], 2, 1e-6);
  EXPECT_NEAR(v[6], -1, 1e-6);
  EXPECT_NEAR(v[7], 1, 1e-6);

  // GroupNormalization, 2 groups: {1, 3, 2, 2} (mean 2, var 0.5) and {0, 4, 5, 7} (mean 4, var 6.5).
  const Tensor gscale = Tensor::FromVector<float>({2}, {1, 2});
  const Tensor gbias = Tensor::FromVector<float>({2}, {0, 1});
  auto group = RunOne("GroupNormalization", {&x, &gscale, &gbias}, {{"num_groups", Int(2)}, {"epsilon", Float(0)}}, 18);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  const double s0 = std::sqrt(0.5), s1 = std::sqrt(6.5);
  ExpectNear(*group, {-1 / s0, 1 / s0, 0, 0, 1 - 8 / s1, 1, 1 + 2 / s1, 1 + 6 / s1}, 1e-5, "group norm, per-group scale");
  // Opset 21: per-channel scale and bias.
  auto per_channel = RunOne("GroupNormalization", {&x, &scale, &bias}, {{"num_groups", Int(2)}, {"epsilon", Float(0)}}, 21);
  ASSERT_TRUE(per_channel.ok()) << per_channel.status().ToString();
  ExpectNear(*per_channel, {-1 / s0, 1 / s0, 0, 0, 1 - 4 / s1, 1, 1 / s1, 3 / s1}, 1e-5, "group norm, per-channel scale");
  auto bad = RunOne("GroupNormalization", {&x, &gscale, &gbias}, {{"num_groups", Int(3)}}, 18);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(NnNormalization, LayerNormalizationOutputsAndBroadcast) {
  const Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 2, 2, 8});
  const Tensor scale = Tensor::FromVector<float>({1, 3}, {1, 2, 3});  // leading 1 broadcasts
  const Tensor bias = Tensor::FromVector<float>({1}, {10});
  auto y = RunNode("LayerNormalization", {&x, &scale, &bias}, {{"epsilon", Float(0)}}, 17, 3);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // Row 0: mean 2, var 2/3; row 1: mean 4, var 8.
  const double r0 = 1 / std::sqrt(2.0 / 3), r1 = 1 / std::sqrt(8.0);
  ExpectNear((*y)[0], {10 - r0, 10, 10 + 3 * r0, 10 - 2 * r1, 10 - 4 * r1, 10 + 12 * r1}, 1e-5, "Y");
  EXPECT_EQ((*y)[1].shape(), (Shape{2, 1}));
  EXPECT_EQ((*y)[1].dtype(), DataType::kFloat32);
  ExpectNear((*y)[1], {2, 4}, 1e-6, "Mean");
  ExpectNear((*y)[2], {r0, r1}, 1e-5, "InvStdDev");
  // axis 0: one normalisation over all 6 values; scale must then cover [2, 3].
  const Tensor full = Tensor::FromVector<float>({2, 3}, {1, 1, 1, 1, 1, 1});
  auto all = RunOne("LayerNormalization", {&x, &full}, {{"axis", Int(0)}, {"epsilon", Float(0)}}, 17);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  const double mean = 3, sd = std::sqrt((4 + 1 + 0 + 1 + 1 + 25) / 6.0);
  ExpectNear(*all, {(1 - mean) / sd, (2 - mean) / sd, 0, (2 - mean) / sd, (2 - mean) / sd, (8 - mean) / sd}, 1e-5, "axis 0");
  auto wrong = RunOne("LayerNormalization", {&x, &full}, {}, 17);  // [2, 3] does not fit [3]
  EXPECT_NE(wrong.status().code(), StatusCode::kOk);
}

TEST(NnNormalization, LpNormalizationLrnAndMvn) {
  const Tensor x = Tensor::FromVector<float>({2, 2}, {3, -4, 0, 0});
  auto l2 = RunOne("LpNormalization", {&x}, {}, 1);
  ASSERT_TRUE(l2.ok());
  ExpectNear(*l2, {0.6, -0.8, 0, 0}, 1e-6, "L2, zero row stays zero");
  auto l1 = RunOne("LpNormalization", {&x}, {{"axis", Int(0)}, {"p", Int(1)}}, 1);
  ASSERT_TRUE(l1.ok());
  ExpectNear(*l1, {1, -1, 0, 0}, 1e-6, "L1 along axis 0");
  EXPECT_EQ(RunOne("LpNormalization", {&x}, {{"p", Int(3)}}, 1).status().code(), StatusCode::kInvalidArgument);

  // LRN with alpha / size = 1, beta 1, bias 1 over channels {1, 2, 3}.
  const Tensor c = Tensor::FromVector<float>({1, 3, 1, 1}, {1, 2, 3});
  auto lrn = RunOne("LRN", {&c}, {{"size", Int(3)}, {"alpha", Float(3)}, {"beta", Float(1)}, {"bias", Float(1)}});
  ASSERT_TRUE(lrn.ok());
  ExpectNear(*lrn, {1.0 / 6, 2.0 / 15, 3.0 / 14}, 1e-6, "LRN");
  EXPECT_EQ(RunOne("LRN", {&c}, {}).status().code(), StatusCode::kInvalidArgument);

  // MVN over the default axes {0, 2, 3}: channel 0 holds {1, 3}, channel 1 {10, 10}.
  const Tensor m = Tensor::FromVector<float>({1, 2, 1, 2}, {1, 3, 10, 10});
  auto mvn = RunOne("MeanVarianceNormalization", {&m});
  ASSERT_TRUE(mvn.ok());
  ExpectNear(*mvn, {-1, 1, 0, 0}, 1e-6, "MVN");
}

// ---------------------------------------------------------------------------------------------
// Softmax family: opset < 13 flattens at `axis`, opset 13 works along `axis` only.

TEST(NnSoftmax, AxisMeaningChangesAtOpset13) {
  const Tensor x = Random({2, 3, 4}, 10, -3, 3);
  auto old_form = RunOne("Softmax", {&x}, {{"axis", Int(1)}}, 11);
  auto new_form = RunOne("Softmax", {&x}, {{"axis", Int(1)}}, 13);
  ASSERT_TRUE(old_form.ok() && new_form.ok());
  const float* v = x.data<float>();
  for (int b = 0; b < 2; ++b) {
    double flat = 0;  // opset 11: one softmax over the 12 values of each batch
    for (int i = 0; i < 12; ++i) flat += std::exp(v[b * 12 + i]);
    for (int i = 0; i < 12; ++i)
      EXPECT_NEAR(old_form->data<float>()[b * 12 + i], std::exp(v[b * 12 + i]) / flat, 1e-6);
    for (int k = 0; k < 4; ++k) {  // opset 13: over the 3 values along axis 1
      double sum = 0;
      for (int c = 0; c < 3; ++c) sum += std::exp(v[b * 12 + c * 4 + k]);
      for (int c = 0; c < 3; ++c)
        EXPECT_NEAR(new_form->data<float>()[b * 12 + c * 4 + k], std::exp(v[b * 12 + c * 4 + k]) / sum, 1e-6);
    }
  }
  // Default axis: 1 before opset 13 (flatten [2, 12]), -1 from 13.
  auto old_default = RunOne("LogSoftmax", {&x}, {}, 11);
  ASSERT_TRUE(old_default.ok());
  double first_sum = 0;
  for (int i = 0; i < 12; ++i) first_sum += std::exp(v[i]);
  EXPECT_NEAR(old_default->data<float>()[0], v[0] - std::log(first_sum), 1e-5);
}

TEST(NnSoftmax, HardmaxFirstMaximumPerSlice) {
  // [1, 2, 3] with a tie: along axis 1 (opset 13) the first of the equal values wins.
  const Tensor x = Tensor::FromVector<float>({1, 2, 3}, {5, 1, 7, 5, 9, 2});
  auto along = RunOne("Hardmax", {&x}, {{"axis", Int(1)}}, 13);
  ASSERT_TRUE(along.ok());
  ExpectNear(*along, {1, 0, 1, 0, 1, 0}, 0, "opset 13 axis 1");
  auto flat = RunOne("Hardmax", {&x}, {{"axis", Int(1)}}, 11);
  ASSERT_TRUE(flat.ok());
  ExpectNear(*flat, {0, 0, 0, 0, 1, 0}, 0, "opset 11 flattened at axis 1");
}

TEST(NnSoftmax, LargeInputsDoNotOverflow) {
  const Tensor x = Tensor::FromVector<float>({1, 3}, {10000, 10001, 10002});
  auto y = RunOne("LogSoftmax", {&x});
  ASSERT_TRUE(y.ok());
  const double log_sum = std::log(std::exp(-2.0) + std::exp(-1.0) + 1.0);
  ExpectNear(*y, {-2 - log_sum, -1 - log_sum, -log_sum}, 1e-5, "log softmax");
  auto s = RunOne("Softmax", {&x});
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR(s->data<float>()[2], 1 / (std::exp(-2.0) + std::exp(-1.0) + 1.0), 1e-6);
}

TEST(NnSoftmax, LargeTensorBothLayouts) {
  const Tensor x = Random({4, 96, 200}, 11, -5, 5);
  for (int64_t axis : {1, 2}) {
    auto y = RunOne("Softmax", {&x}, {{"axis", Int(axis)}});
    ASSERT_TRUE(y.ok());
    const int64_t n = x.dim(static_cast<int>(axis)), inner = axis == 1 ? 200 : 1;
    for (int64_t o = 0; o < 4; ++o) {
      for (int64_t i = 0; i < inner; i += 37) {
        double sum = 0;
        for (int64_t j = 0; j < n; ++j) sum += std::exp(x.data<float>()[(o * n + j) * inner + i]);
        for (int64_t j = 0; j < n; j += 13) {
          const int64_t at = (o * n + j) * inner + i;
          ASSERT_NEAR(y->data<float>()[at], std::exp(x.data<float>()[at]) / sum, 1e-6) << "axis " << axis;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reductions.

// Naive reduction of x over `axes` (kept dims of size 1), by visiting every element.
std::vector<double> NaiveReduce(const Tensor& x, const std::vector<int>& axes, const std::string& op) {
  Shape out_shape = x.shape();
  for (int a : axes) out_shape[a] = 1;
  const int64_t count = x.size() / ElementCount(out_shape);
  std::vector<double> acc(ElementCount(out_shape), op == "max" ? -1e300 : op == "prod" ? 1 : 0);
  std::vector<int64_t> index(x.rank(), 0);
  for (int64_t i = 0; i < x.size(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < x.rank(); ++d) o = o * out_shape[d] + (out_shape[d] == 1 ? 0 : index[d]);
    const double v = x.GetAsDouble(i);
    if (op == "max") acc[o] = std::max(acc[o], v);
    else if (op == "prod") acc[o] *= v;
    else if (op == "l2") acc[o] += v * v;
    else acc[o] += v;
    for (int d = x.rank() - 1; d >= 0 && ++index[d] == x.dim(d); --d) index[d] = 0;
  }
  for (double& a : acc) {
    if (op == "mean") a /= static_cast<double>(count);
    if (op == "l2") a = std::sqrt(a);
  }
  return acc;
}

TEST(NnReduce, AnyAxesMatchNaive) {
  const Tensor x = Random({3, 4, 5, 6}, 12, 0.5f, 1.5f);
  const std::vector<std::vector<int>> axes_sets = {{0}, {1}, {3}, {1, 2}, {0, 2}, {1, 3}, {0, 1, 2, 3}, {0, 3}};
  const std::map<std::string, std::string> ops = {
      {"ReduceSum", "sum"}, {"ReduceMean", "mean"}, {"ReduceMax", "max"}, {"ReduceProd", "prod"}, {"ReduceL2", "l2"}};
  for (const auto& axes : axes_sets) {
    for (const auto& [op, naive] : ops) {
      std::vector<int64_t> a(axes.begin(), axes.end());
      auto y = RunOne(op, {&x}, {{"axes", Ints(a)}, {"keepdims", Int(1)}}, 11);
      ASSERT_TRUE(y.ok()) << y.status().ToString();
      const std::vector<double> expected = NaiveReduce(x, axes, naive);
      for (size_t i = 0; i < expected.size(); ++i)
        ASSERT_NEAR(y->GetAsDouble(i), expected[i], 1e-5 * std::max(1.0, std::abs(expected[i])))
            << op << " axes " << ShapeToString(a) << " element " << i;
    }
  }
}

TEST(NnReduce, KeepdimsAxesInputAndNoop) {
  const Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto dropped = RunOne("ReduceSum", {&x}, {{"axes", Ints({-1})}, {"keepdims", Int(0)}}, 11);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->shape(), (Shape{2}));
  ExpectNear(*dropped, {6, 15}, 0, "sum over the last axis");
  // ReduceSum 13 takes the axes as an input.
  const Tensor axes = Tensor::FromVector<int64_t>({1}, {0});
  auto input_axes = RunOne("ReduceSum", {&x, &axes}, {}, 13);
  ASSERT_TRUE(input_axes.ok());
  EXPECT_EQ(input_axes->shape(), (Shape{1, 3}));
  ExpectNear(*input_axes, {5, 7, 9}, 0, "axes input");
  // No axes: everything, or nothing with noop_with_empty_axes.
  auto all = RunOne("ReduceSum", {&x}, {{"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->shape(), Shape{});
  ExpectNear(*all, {21}, 0, "all axes");
  const Tensor empty_axes = Tensor(DataType::kInt64, {0});
  auto noop = RunOne("ReduceSum", {&x, &empty_axes}, {{"noop_with_empty_axes", Int(1)}}, 13);
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(noop->shape(), x.shape());
  ExpectNear(*noop, {1, 2, 3, 4, 5, 6}, 0, "noop");
  // ReduceMax 18 takes axes as an input too.
  auto max18 = RunOne("ReduceMax", {&x, &axes}, {{"keepdims", Int(0)}}, 18);
  ASSERT_TRUE(max18.ok());
  ExpectNear(*max18, {4, 5, 6}, 0, "ReduceMax 18");
  auto twice = RunOne("ReduceMean", {&x}, {{"axes", Ints({1, -1})}}, 11);
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  auto out_of_range = RunOne("ReduceMean", {&x}, {{"axes", Ints({2})}}, 11);
  EXPECT_EQ(out_of_range.status().code(), StatusCode::kInvalidArgument);
}

TEST(NnReduce, SpecialKindsAndIntegers) {
  const Tensor x = Tensor::FromVector<float>({2, 2}, {1000, 1000, -3, 4});
  auto lse = RunOne("ReduceLogSumExp", {&x}, {{"axes", Ints({1})}, {"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(lse.ok());
  ExpectNear(*lse, {1000 + std::log(2.0), 4 + std::log(1 + std::exp(-7.0))}, 1e-3, "log-sum-exp without overflow");
  auto l1 = RunOne("ReduceL1", {&x}, {{"axes", Ints({0})}, {"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(l1.ok());
  ExpectNear(*l1, {1003, 1004}, 0, "L1");
  auto sq = RunOne("ReduceSumSquare", {&x}, {{"axes", Ints({0})}, {"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(sq.ok());
  ExpectNear(*sq, {1e6 + 9, 1e6 + 16}, 1e-1, "sum of squares");
  auto log_sum = RunOne("ReduceLogSum", {&x}, {{"axes", Ints({0})}, {"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(log_sum.ok());
  ExpectNear(*log_sum, {std::log(997.0), std::log(1004.0)}, 1e-5, "log sum");
  auto min = RunOne("ReduceMin", {&x}, {{"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(min.ok());
  ExpectNear(*min, {-3}, 0, "min of all");

  const Tensor i = Tensor::FromVector<int32_t>({3}, {7, -2, 5});
  auto mean = RunOne("ReduceMean", {&i}, {{"keepdims", Int(0)}}, 13);
  ASSERT_TRUE(mean.ok());
  EXPECT_EQ(mean->dtype(), DataType::kInt32);
  ExpectNear(*mean, {3}, 0, "integer mean truncates");
  const Tensor u = Tensor::FromVector<uint8_t>({4}, {3, 250, 7, 0});
  auto umax = RunOne("ReduceMax", {&u}, {}, 13);
  ASSERT_TRUE(umax.ok());
  ExpectNear(*umax, {250}, 0, "uint8 max");
}

TEST(NnReduce, LargeTensorsParallelPaths) {
  const Tensor x = Random({8, 64, 300}, 13, 0, 1);
  for (const std::vector<int>& axes : std::vector<std::vector<int>>{{2}, {1}, {0, 2}}) {
    std::vector<int64_t> a(axes.begin(), axes.end());
    auto y = RunOne("ReduceSum", {&x}, {{"axes", Ints(a)}}, 11);
    ASSERT_TRUE(y.ok());
    const std::vector<double> expected = NaiveReduce(x, axes, "sum");
    for (size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(y->GetAsDouble(i), expected[i], 1e-5 * expected[i]) << i;
  }
}

// ---------------------------------------------------------------------------------------------
// Resize and Upsample.

TEST(NnResize, NearestModesAndLegacyUpsample) {
  const Tensor x = Tensor::FromVector<float>({1, 1, 1, 3}, {1, 2, 3});
  const Tensor scales = Tensor::FromVector<float>({4}, {1, 1, 1, 2});
  // asymmetric + floor: output i takes input floor(i / 2).
  auto floor = RunOne("Resize", {&x, nullptr, &scales},
                    {{"coordinate_transformation_mode", String("asymmetric")}, {"nearest_mode", String("floor")}});
  ASSERT_TRUE(floor.ok()) << floor.status().ToString();
  ExpectNear(*floor, {1, 1, 2, 2, 3, 3}, 0, "asymmetric floor");
  // align_corners + floor: sources i * 2 / 5 = 0, .4, .8, 1.2, 1.6, 2 -> 0, 0, 0, 1, 1, 2.
  auto align = RunOne("Resize", {&x, nullptr, &scales},
                      {{"coordinate_transformation_mode", String("align_corners")}, {"nearest_mode", String("floor")}});
  ASSERT_TRUE(align.ok());
  ExpectNear(*align, {1, 1, 1, 2, 2, 3}, 0, "align_corners floor");
  // half_pixel + ceil: sources -0.25, 0.25, 0.75, 1.25, 1.75, 2.25 -> 0, 1, 1, 2, 2, 2 (clamped).
  auto ceil = RunOne("Resize", {&x, nullptr, &scales}, {{"nearest_mode", String("ceil")}});
  ASSERT_TRUE(ceil.ok());
  ExpectNear(*ceil, {1, 2, 2, 3, 3, 3}, 0, "half_pixel ceil");
  // asymmetric sources 0, .5, 1, 1.5, 2, 2.5: the ties go down or up with the round_prefer_* mode.
  for (const char* mode : {"round_prefer_floor", "round_prefer_ceil"}) {
    auto tie = RunOne("Resize", {&x, nullptr, &scales},
                      {{"coordinate_transformation_mode", String("asymmetric")}, {"nearest_mode", String(mode)}});
    ASSERT_TRUE(tie.ok());
    const bool up = std::string(mode) == "round_prefer_ceil";
    ExpectNear(*tie, up ? std::vector<double>{1, 2, 2, 3, 3, 3} : std::vector<double>{1, 1, 2, 2, 3, 3}, 0, mode);
  }
  // Upsample 7 (scales attribute) and 9 (scales input): the same integer upscaling.
  auto up7 = RunOne("Upsample", {&x}, {{"scales", Floats({1, 1, 1, 2})}}, 7);
  ASSERT_TRUE(up7.ok()) << up7.status().ToString();
  ExpectNear(*up7, {1, 1, 2, 2, 3, 3}, 0, "Upsample 7");
  auto up9 = RunOne("Upsample", {&x, &scales}, {{"mode", String("linear")}}, 9);
  ASSERT_TRUE(up9.ok()) << up9.status().ToString();
  ExpectNear(*up9, {1, 1.5, 2, 2.5, 3, 3}, 1e-6, "Upsample 9 linear (asymmetric)");
  // Resize 10 / Upsample nearest keep onnxruntime's legacy rounding: truncate when upscaling (sources
  // i / 1.5 = 0, .67, 1.33, 2, 2.67, 3.33), ceil when downscaling (sources 0, 1.67).
  const Tensor four = Tensor::FromVector<float>({1, 1, 1, 4}, {1, 2, 3, 4});
  const Tensor up15 = Tensor::FromVector<float>({4}, {1, 1, 1, 1.5f});
  auto legacy_up = RunOne("Resize", {&four, &up15}, {}, 10);
  ASSERT_TRUE(legacy_up.ok()) << legacy_up.status().ToString();
  ExpectNear(*legacy_up, {1, 1, 2, 3, 3, 4}, 0, "Resize 10 upscaling");
  const Tensor down = Tensor::FromVector<float>({4}, {1, 1, 1, 0.6f});
  auto legacy_down = RunOne("Upsample", {&four, &down}, {}, 9);
  ASSERT_TRUE(legacy_down.ok()) << legacy_down.status().ToString();
  ExpectNear(*legacy_down, {1, 3}, 0, "downscaling");
  const Tensor ints = Tensor::FromVector<int64_t>({1, 1, 1, 3}, {4, 5, 6});
  auto nearest_int = RunOne("Resize", {&ints, nullptr, &scales}, {});
  ASSERT_TRUE(nearest_int.ok());
  ExpectNear(*nearest_int, {4, 4, 5, 5, 6, 6}, 0, "int64 nearest");
}

TEST(NnResize, LinearHalfPixelAndCropAndResize) {
  const Tensor x = Tensor::FromVector<float>({1, 2}, {0, 1});
  const Tensor scales = Tensor::FromVector<float>({2}, {1, 2});
  auto y = RunOne("Resize", {&x, nullptr, &scales}, {{"mode", String("linear")}});
  ASSERT_TRUE(y.ok());
  // Sources -0.25, 0.25, 0.75, 1.25, clamped to [0, 1].
  ExpectNear(*y, {0, 0.25, 0.75, 1}, 1e-6, "half_pixel linear");
  // tf_crop_and_resize: roi [0.5, 1.5] along the last axis maps outputs to 0.5, 1.5 (outside).
  const Tensor roi = Tensor::FromVector<float>({4}, {0, 0.5f, 1, 1.5f});
  const Tensor sizes = Tensor::FromVector<int64_t>({2}, {1, 2});
  auto crop = RunOne("Resize", {&x, &roi, nullptr, &sizes},
                   {{"mode", String("linear")}, {"coordinate_transformation_mode", String("tf_crop_and_resize")},
                    {"extrapolation_value", Float(-7)}});
  ASSERT_TRUE(crop.ok()) << crop.status().ToString();
  ExpectNear(*crop, {0.5, -7}, 1e-6, "crop and resize");
}

// Naive separable interpolation of one output element from the definitions: linear (2 taps,
// coordinate clamped) or cubic (4 taps, A = -0.75, indices clamped) with half_pixel coordinates.
double NaiveInterpolate(const Tensor& x, int64_t plane, int64_t oh, int64_t ow, double scale_h, double scale_w, bool cubic) {
  const int64_t h = x.dim(2), w = x.dim(3);
  auto taps = [&](double coord, int64_t len, std::vector<int64_t>* idx, std::vector<double>* wt) {
    if (!cubic) {
      const double c = std::min(std::max(coord, 0.0), static_cast<double>(len - 1));
      const int64_t i0 = static_cast<int64_t>(std::floor(c));
      const int64_t i1 = std::min(i0 + 1, len - 1);
      *idx = {i0, i1};
      *wt = {1 - (c - i0), c - i0};
      return;
    }
    const double f = std::floor(coord), t = coord - f, a = -0.75;
    auto k = [&](double d) {
      d = std::abs(d);
      return d <= 1 ? (a + 2) * d * d * d - (a + 3) * d * d + 1 : d < 2 ? a * d * d * d - 5 * a * d * d + 8 * a * d - 4 * a : 0;
    };
    idx->clear();
    wt->clear();
    for (int j = -1; j <= 2; ++j) {
      idx->push_back(std::min(std::max<int64_t>(static_cast<int64_t>(f) + j, 0), len - 1));
      wt->push_back(k(t - j));
    }
  };
  std::vector<int64_t> ih, iw;
  std::vector<double> wh, ww;
  taps((oh + 0.5) / scale_h - 0.5, h, &ih, &wh);
  taps((ow + 0.5) / scale_w - 0.5, w, &iw, &ww);
  double v = 0;
  for (size_t a = 0; a < ih.size(); ++a)
    for (size_t b = 0; b < iw.size(); ++b) v += wh[a] * ww[b] * x.data<float>()[(plane * h + ih[a]) * w + iw[b]];
  return v;
}

TEST(NnResize, FusedNchwPathMatchesNaive) {
  // Both spatial axes resized (the fused path), large enough for the parallel path, up and down.
  const Tensor x = Random({2, 16, 37, 53}, 14);
  for (bool cubic : {false, true}) {
    for (const auto& [sh, sw] : std::vector<std::pair<float, float>>{{2.0f, 2.0f}, {0.6f, 1.7f}, {3.0f, 0.5f}}) {
      const Tensor scales = Tensor::FromVector<float>({4}, {1, 1, sh, sw});
      auto y = RunOne("Resize", {&x, nullptr, &scales}, {{"mode", String(cubic ? "cubic" : "linear")}});
      ASSERT_TRUE(y.ok()) << y.status().ToString();
      const int64_t oh = static_cast<int64_t>(std::floor(37 * static_cast<double>(sh)));
      const int64_t ow = static_cast<int64_t>(std::floor(53 * static_cast<double>(sw)));
      ASSERT_EQ(y->shape(), (Shape{2, 16, oh, ow}));
      for (int64_t i = 0; i < y->size(); i += 31) {
        const int64_t plane = i / (oh * ow), r = (i / ow) % oh, c = i % ow;
        ASSERT_NEAR(y->data<float>()[i], NaiveInterpolate(x, plane, r, c, sh, sw, cubic), 2e-5)
            << (cubic ? "cubic" : "linear") << " scales " << sh << "x" << sw << " at " << r << "," << c;
      }
    }
  }
  // One axis only (the separable pass) gives the same as the naive loop too.
  const Tensor scales_h = Tensor::FromVector<float>({4}, {1, 1, 1.5f, 1});
  auto y = RunOne("Resize", {&x, nullptr, &scales_h}, {{"mode", String("linear")}});
  ASSERT_TRUE(y.ok());
  for (int64_t i = 0; i < y->size(); i += 29) {
    const int64_t oh = y->dim(2), plane = i / (oh * 53), r = (i / 53) % oh, c = i % 53;
    ASSERT_NEAR(y->data<float>()[i], NaiveInterpolate(x, plane, r, c, 1.5, 1, false), 2e-5) << i;
  }
}

TEST(NnResize, RejectsBadInputs) {
  const Tensor x = Random({1, 1, 2, 2}, 15);
  const Tensor scales = Tensor::FromVector<float>({4}, {1, 1, 2, 2});
  const Tensor sizes = Tensor::FromVector<int64_t>({4}, {1, 1, 4, 4});
  EXPECT_EQ(RunOne("Resize", {&x, nullptr, &scales, &sizes}, {}).status().code(), StatusCode::kInvalidArgument);
  const Tensor short_scales = Tensor::FromVector<float>({2}, {2, 2});
  auto wrong_count = RunOne("Resize", {&x, nullptr, &short_scales}, {});
  EXPECT_EQ(wrong_count.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong_count.status().message().find("scales has 2 values"), std::string::npos) << wrong_count.status().message();
  EXPECT_EQ(RunOne("Resize", {&x, nullptr, &scales}, {{"mode", String("area")}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RunOne("Resize", {&x, nullptr, &scales}, {{"antialias", Int(1)}}, 18).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(RunOne("Resize", {&x, nullptr, &scales}, {{"mode", String("cubic")}}, 10).status().code(),
            StatusCode::kInvalidArgument);  // cubic arrived at opset 11
  const Tensor ints = Tensor::FromVector<int32_t>({1, 2}, {1, 2});
  const Tensor s2 = Tensor::FromVector<float>({2}, {1, 2});
  EXPECT_EQ(RunOne("Resize", {&ints, nullptr, &s2}, {{"mode", String("linear")}}).status().code(), StatusCode::kNotSupported);
}

TEST(NnResize, Opset18AxesAndAspectRatio) {
  const Tensor x = Random({1, 1, 4, 6}, 16);
  // sizes for axes {2, 3} = {2, 2} with not_larger: scale = min(2/4, 2/6) = 1/3 -> [1, 2].
  const Tensor sizes = Tensor::FromVector<int64_t>({2}, {2, 2});
  auto y = RunOne("Resize", {&x, nullptr, nullptr, &sizes}, {{"axes", Ints({2, 3})}, {"keep_aspect_ratio_policy", String("not_larger")}},
                18);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->shape(), (Shape{1, 1, 1, 2}));
}

}  // namespace
}  // namespace xquant
