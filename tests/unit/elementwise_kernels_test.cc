// Elementwise kernels against hand-computed values and naive reference loops: broadcasting corner
// cases (coalesced loop nests, parallel chunks splitting rows), opset < 7 broadcasting, integer
// semantics (truncating division, wrap-around, Python modulo), Cast conversions, Clip forms, and
// the accuracy of the vectorised exp/sigmoid/tanh/erf against double-precision libm.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "exec/registry.h"
#include "kernels/avx512_dispatch.h"
#include "kernels/vector_math.h"

namespace xquant {
namespace {

constexpr auto IntAttr = &Attribute::Int;
constexpr auto FloatAttr = &Attribute::Float;
constexpr auto StringAttr = &Attribute::String;

struct Op {
  std::string type;
  int64_t opset = 17;
  std::map<std::string, Attribute> attrs = {};
  std::string domain = "";
};

// Creates the kernel for one node (inputs: nullptr = omitted) and runs it; returns output 0.
StatusOr<Tensor> RunNode(const Op& op, std::vector<const Tensor*> inputs) {
  Graph graph;
  graph.opset_imports[op.domain] = op.opset;
  Node node;
  node.op_type = op.type;
  node.domain = op.domain;
  node.name = "n";
  for (const auto& [name, attr] : op.attrs) node.attributes[name] = attr;
  for (size_t i = 0; i < inputs.size(); ++i) {
    graph.values.emplace_back();
    node.inputs.push_back(inputs[i] ? static_cast<ValueId>(i) : kNoValue);
  }
  graph.values.emplace_back();
  node.outputs.push_back(static_cast<ValueId>(inputs.size()));
  exec::KernelFactory factory = exec::FindKernel(op.domain, op.type);
  if (!factory) return NotFoundError("no kernel for " + op.type);
  exec::KernelInfo info(node, graph, op.opset);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  std::vector<Tensor> outputs(1);
  exec::KernelContext ctx(node, inputs, &outputs);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return outputs[0];
}

template <typename T>
Tensor Random(Shape shape, uint32_t seed, double lo = -3.0, double hi = 3.0) {
  Tensor t(DataTypeOf<T>(), std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.data<T>()[i] = static_cast<T>(dist(rng));
  return t;
}

// Offset into `in` of output element `index`, numpy broadcasting computed the slow, obvious way.
int64_t BroadcastOffset(const Shape& out, const Shape& in, int64_t index) {
  int64_t offset = 0, stride = 1;
  for (size_t d = out.size(); d-- > 0;) {
    const int64_t coord = index % out[d];
    index /= out[d];
    const size_t back = out.size() - d;
    if (back <= in.size()) {
      const int64_t dim = in[in.size() - back];
      if (dim != 1) offset += coord * stride;
      stride *= dim;
    }
  }
  return offset;
}

// Expects op(a, b) to equal f applied through naive broadcasting, exactly.
template <typename T, typename F>
void ExpectBinaryMatches(const std::string& op, const Tensor& a, const Tensor& b, const Shape& expected_shape, F f) {
  auto y = RunNode({op}, {&a, &b});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), expected_shape) << op << " " << ShapeToString(a.shape()) << " " << ShapeToString(b.shape());
  for (int64_t i = 0; i < y->size(); ++i) {
    const T want = f(a.data<T>()[BroadcastOffset(expected_shape, a.shape(), i)],
                     b.data<T>()[BroadcastOffset(expected_shape, b.shape(), i)]);
    ASSERT_EQ(y->data<T>()[i], want) << op << " " << ShapeToString(a.shape()) << " " << ShapeToString(b.shape()) << " at " << i;
  }
}

TEST(ElementwiseBroadcast, CornerCasesMatchNaiveLoop) {
  struct Case {
    Shape a, b, out;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}, {2, 3, 4, 5}},  // same shape: one contiguous run
      {{2, 3, 4, 5}, {}, {2, 3, 4, 5}},            // scalar B
      {{}, {2, 3, 4, 5}, {2, 3, 4, 5}},            // scalar A
      {{2, 3, 4, 5}, {3, 1, 1}, {2, 3, 4, 5}},     // per channel
      {{2, 3, 4, 5}, {5}, {2, 3, 4, 5}},           // last axis
      {{3, 1}, {1, 4}, {3, 4}},                    // both sides expand
      {{2, 1, 4, 1}, {1, 3, 1, 5}, {2, 3, 4, 5}},  // alternating
      {{1, 1, 1}, {1}, {1, 1, 1}},                 // all ones
      {{4, 1, 3}, {1, 1, 3}, {4, 1, 3}},           // size-1 dims inside
      {{2, 0, 3}, {3}, {2, 0, 3}},                 // empty
      {{5, 1, 1, 7}, {5, 6, 1, 7}, {5, 6, 1, 7}},
  };
  for (const Case& c : cases) {
    Tensor a = Random<float>(c.a, 1), b = Random<float>(c.b, 2, 0.5, 3.0);
    ExpectBinaryMatches<float>("Add", a, b, c.out, [](float x, float y) { return x + y; });
    ExpectBinaryMatches<float>("Sub", a, b, c.out, [](float x, float y) { return x - y; });
    ExpectBinaryMatches<float>("Mul", a, b, c.out, [](float x, float y) { return x * y; });
    ExpectBinaryMatches<float>("Div", a, b, c.out, [](float x, float y) { return x / y; });
    Tensor ia = Random<int32_t>(c.a, 3, -50, 50), ib = Random<int32_t>(c.b, 4, 1, 9);
    ExpectBinaryMatches<int32_t>("Div", ia, ib, c.out, [](int32_t x, int32_t y) { return x / y; });
  }
}

TEST(ElementwiseBroadcast, LargeTensorsTakeParallelPathAndMatchNaiveLoop) {
  // Sizes chosen so parallel chunks start and end in the middle of rows.
  Tensor x = Random<float>({3, 7, 129, 131}, 5);
  Tensor c = Random<float>({7, 1, 1}, 6);
  Tensor row = Random<float>({131}, 7);
  Tensor same = Random<float>({3, 7, 129, 131}, 8);
  ExpectBinaryMatches<float>("Add", x, c, x.shape(), [](float a, float b) { return a + b; });
  ExpectBinaryMatches<float>("Mul", x, row, x.shape(), [](float a, float b) { return a * b; });
  ExpectBinaryMatches<float>("Sub", c, x, x.shape(), [](float a, float b) { return a - b; });
  ExpectBinaryMatches<float>("Add", x, same, x.shape(), [](float a, float b) { return a + b; });
  Tensor tall = Random<float>({100003, 1}, 9), wide = Random<float>({1, 3}, 10);
  ExpectBinaryMatches<float>("Mul", tall, wide, Shape{100003, 3}, [](float a, float b) { return a * b; });
}

TEST(ElementwiseBroadcast, IncompatibleShapesNameBoth) {
  Tensor a = Random<float>({2, 3}, 1), b = Random<float>({4}, 2);
  auto y = RunNode({"Add"}, {&a, &b});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(y.status().message().find("[2, 3]"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("[4]"), std::string::npos) << y.status().message();
  EXPECT_NE(y.status().message().find("'n'"), std::string::npos) << y.status().message();
}

TEST(ElementwiseBroadcast, Opset6BroadcastWithAxis) {
  // Before opset 7, B [3, 4] with axis=1 lines up with A's dims 1 and 2, not the last two.
  Tensor a = Random<float>({2, 3, 4, 5}, 1), b = Random<float>({3, 4}, 2);
  auto y = RunNode({"Add", 6, {{"broadcast", IntAttr(1)}, {"axis", IntAttr(1)}}}, {&a, &b});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), a.shape());
  for (int64_t i = 0; i < a.size(); ++i) {
    const int64_t j = (i / 5) % 12;  // (dim1, dim2) of element i
    ASSERT_EQ(y->data<float>()[i], a.data<float>()[i] + b.data<float>()[j]) << i;
  }
  // An axis that does not leave room for B is an error, not a crash.
  auto bad = RunNode({"Add", 6, {{"broadcast", IntAttr(1)}, {"axis", IntAttr(3)}}}, {&a, &b});
  EXPECT_FALSE(bad.ok());
}

TEST(ElementwiseWhere, ThreeWayBroadcastMatchesNaiveLoop) {
  Tensor cond(DataType::kBool, {4, 1, 6});
  for (int64_t i = 0; i < cond.size(); ++i) cond.data<bool>()[i] = (i * 7) % 3 == 0;
  Tensor x = Random<int64_t>({5, 1}, 1, -100, 100), y = Random<int64_t>({1, 5, 6}, 2, -100, 100);
  auto out = RunNode({"Where"}, {&cond, &x, &y});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Shape shape = {4, 5, 6};
  ASSERT_EQ(out->shape(), shape);
  for (int64_t i = 0; i < out->size(); ++i) {
    const bool c = cond.data<bool>()[BroadcastOffset(shape, cond.shape(), i)];
    const int64_t want = c ? x.data<int64_t>()[BroadcastOffset(shape, x.shape(), i)]
                           : y.data<int64_t>()[BroadcastOffset(shape, y.shape(), i)];
    ASSERT_EQ(out->data<int64_t>()[i], want) << i;
  }
}

TEST(ElementwiseIntegers, DivTruncatesWrapsAndRejectsZero) {
  Tensor a = Tensor::FromVector<int32_t>({4}, {-7, 7, std::numeric_limits<int32_t>::min(), 9});
  Tensor b = Tensor::FromVector<int32_t>({4}, {2, -2, -1, 3});
  auto y = RunNode({"Div"}, {&a, &b});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->data<int32_t>()[0], -3);
  EXPECT_EQ(y->data<int32_t>()[1], -3);
  EXPECT_EQ(y->data<int32_t>()[2], std::numeric_limits<int32_t>::min());  // wraps instead of trapping
  EXPECT_EQ(y->data<int32_t>()[3], 3);
  Tensor zero = Tensor::FromVector<int32_t>({4}, {1, 0, 1, 1});
  auto z = RunNode({"Div"}, {&a, &zero});
  ASSERT_FALSE(z.ok());
  EXPECT_NE(z.status().message().find("division by zero"), std::string::npos);
}

TEST(ElementwiseIntegers, AddAndMulWrapAround) {
  Tensor a = Tensor::FromVector<int32_t>({2}, {std::numeric_limits<int32_t>::max(), 65536});
  Tensor b = Tensor::FromVector<int32_t>({2}, {1, 65536});
  auto s = RunNode({"Add"}, {&a, &b});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->data<int32_t>()[0], std::numeric_limits<int32_t>::min());
  auto m = RunNode({"Mul"}, {&a, &b});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->data<int32_t>()[1], 0);  // 2^32 wraps to 0
  Tensor u = Tensor::FromVector<uint8_t>({2}, {250, 3});
  Tensor v = Tensor::FromVector<uint8_t>({2}, {10, 5});
  auto d = RunNode({"Sub"}, {&u, &v});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->data<uint8_t>()[0], 240);
  EXPECT_EQ(d->data<uint8_t>()[1], 254);  // 3 - 5 wraps
}

TEST(ElementwiseIntegers, ModSignConventions) {
  Tensor a = Tensor::FromVector<int64_t>({4}, {-7, 7, -7, 7});
  Tensor b = Tensor::FromVector<int64_t>({4}, {3, -3, -3, 3});
  auto py = RunNode({"Mod"}, {&a, &b});  // fmod=0: sign of the divisor, like Python
  ASSERT_TRUE(py.ok()) << py.status().ToString();
  EXPECT_EQ(py->data<int64_t>()[0], 2);
  EXPECT_EQ(py->data<int64_t>()[1], -2);
  EXPECT_EQ(py->data<int64_t>()[2], -1);
  EXPECT_EQ(py->data<int64_t>()[3], 1);
  auto c = RunNode({"Mod", 13, {{"fmod", IntAttr(1)}}}, {&a, &b});  // sign of the dividend, like C
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->data<int64_t>()[0], -1);
  EXPECT_EQ(c->data<int64_t>()[1], 1);
  Tensor f = Tensor::FromVector<float>({1}, {5.5f}), g = Tensor::FromVector<float>({1}, {-2.0f});
  auto fm = RunNode({"Mod", 13, {{"fmod", IntAttr(1)}}}, {&f, &g});
  ASSERT_TRUE(fm.ok());
  EXPECT_EQ(fm->data<float>()[0], 1.5f);
  EXPECT_FALSE(RunNode({"Mod"}, {&f, &g}).ok()) << "fmod=0 is undefined for floats";
}

TEST(ElementwiseIntegers, BitShift) {
  Tensor a = Tensor::FromVector<uint8_t>({3}, {0x81, 16, 255});
  Tensor b = Tensor::FromVector<uint8_t>({3}, {1, 2, 8});
  auto l = RunNode({"BitShift", 11, {{"direction", StringAttr("LEFT")}}}, {&a, &b});
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->data<uint8_t>()[0], 0x02);
  EXPECT_EQ(l->data<uint8_t>()[1], 64);
  EXPECT_EQ(l->data<uint8_t>()[2], 0);
  auto r = RunNode({"BitShift", 11, {{"direction", StringAttr("RIGHT")}}}, {&a, &b});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->data<uint8_t>()[0], 0x40);
  EXPECT_EQ(r->data<uint8_t>()[2], 0);
  auto bad = RunNode({"BitShift", 11, {{"direction", StringAttr("UP")}}}, {&a, &b});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(ElementwisePow, MixedTypes) {
  Tensor ib = Tensor::FromVector<int32_t>({4}, {3, 2, -1, 1});
  Tensor ie = Tensor::FromVector<int64_t>({4}, {4, -1, 3, -5});
  auto ii = RunNode({"Pow", 15}, {&ib, &ie});
  ASSERT_TRUE(ii.ok()) << ii.status().ToString();
  EXPECT_EQ(ii->dtype(), DataType::kInt32);
  EXPECT_EQ(ii->data<int32_t>()[0], 81);
  EXPECT_EQ(ii->data<int32_t>()[1], 0);  // 2^-1 = 0.5 truncates
  EXPECT_EQ(ii->data<int32_t>()[2], -1);
  EXPECT_EQ(ii->data<int32_t>()[3], 1);
  Tensor fe = Tensor::FromVector<float>({4}, {0.5f, 3.0f, 2.0f, 1.0f});
  auto ifl = RunNode({"Pow", 15}, {&ib, &fe});
  ASSERT_TRUE(ifl.ok());
  EXPECT_EQ(ifl->data<int32_t>()[0], 1);  // sqrt(3) = 1.73 truncates
  EXPECT_EQ(ifl->data<int32_t>()[1], 8);
  Tensor fb = Tensor::FromVector<float>({2}, {-2.0f, 1.5f});
  Tensor e = Tensor::Scalar<int64_t>(3);
  auto fi = RunNode({"Pow", 15}, {&fb, &e});
  ASSERT_TRUE(fi.ok());
  EXPECT_EQ(fi->dtype(), DataType::kFloat32);
  EXPECT_FLOAT_EQ(fi->data<float>()[0], -8.0f);
  EXPECT_FLOAT_EQ(fi->data<float>()[1], 3.375f);
}

TEST(ElementwiseVariadic, BroadcastNaNAndMean) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor a = Tensor::FromVector<float>({2, 1}, {1.0f, nan});
  Tensor b = Tensor::FromVector<float>({3}, {0.0f, 2.0f, nan});
  Tensor c = Tensor::Scalar<float>(1.5f);
  auto mx = RunNode({"Max", 13}, {&a, &b, &c});
  ASSERT_TRUE(mx.ok()) << mx.status().ToString();
  ASSERT_EQ(mx->shape(), (Shape{2, 3}));
  EXPECT_EQ(mx->data<float>()[0], 1.5f);
  EXPECT_EQ(mx->data<float>()[1], 2.0f);
  for (int i : {2, 3, 4, 5}) EXPECT_TRUE(std::isnan(mx->data<float>()[i])) << "NaN propagates at " << i;
  auto mn = RunNode({"Min", 13}, {&a, &b});
  ASSERT_TRUE(mn.ok());
  EXPECT_EQ(mn->data<float>()[0], 0.0f);
  EXPECT_TRUE(std::isnan(mn->data<float>()[2]));
  Tensor d = Tensor::FromVector<float>({3}, {3.0f, 6.0f, 9.0f});
  auto mean = RunNode({"Mean", 13}, {&d, &c, &c});
  ASSERT_TRUE(mean.ok());
  EXPECT_FLOAT_EQ(mean->data<float>()[0], 2.0f);
  EXPECT_FLOAT_EQ(mean->data<float>()[2], 4.0f);
  Tensor i1 = Tensor::FromVector<int16_t>({2}, {-5, 7}), i2 = Tensor::FromVector<int16_t>({2}, {3, 9});
  auto sum = RunNode({"Sum", 13}, {&i1, &i2, &i2});
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->data<int16_t>()[0], 1);
  EXPECT_EQ(sum->data<int16_t>()[1], 25);
  Tensor mixed = Tensor::FromVector<double>({2}, {1.0, 2.0});
  EXPECT_FALSE(RunNode({"Sum", 13}, {&d, &mixed}).ok()) << "element types must agree";
}

TEST(ElementwiseCast, Conversions) {
  Tensor x = Tensor::FromVector<float>({6}, {2.7f, -2.7f, 300.0f, -1.0f, 0.0f, std::numeric_limits<float>::quiet_NaN()});
  auto i8 = RunNode({"Cast", 13, {{"to", IntAttr(3)}}}, {&x});
  ASSERT_TRUE(i8.ok()) << i8.status().ToString();
  ASSERT_EQ(i8->dtype(), DataType::kInt8);
  EXPECT_EQ(i8->data<int8_t>()[0], 2);
  EXPECT_EQ(i8->data<int8_t>()[1], -2);
  EXPECT_EQ(i8->data<int8_t>()[2], 44);  // truncated to int32 300, low byte
  auto u8 = RunNode({"Cast", 13, {{"to", IntAttr(2)}}}, {&x});
  ASSERT_TRUE(u8.ok());
  EXPECT_EQ(u8->data<uint8_t>()[3], 255);  // -1 -> 0xFF
  auto i32 = RunNode({"Cast", 13, {{"to", IntAttr(6)}}}, {&x});
  ASSERT_TRUE(i32.ok());
  EXPECT_EQ(i32->data<int32_t>()[5], std::numeric_limits<int32_t>::min());  // NaN: x86's "indefinite"
  auto b = RunNode({"Cast", 13, {{"to", IntAttr(9)}}}, {&x});
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->data<bool>()[0]);
  EXPECT_FALSE(b->data<bool>()[4]);
  EXPECT_TRUE(b->data<bool>()[5]);  // NaN != 0
  // Opsets before 6 name the type.
  auto named = RunNode({"Cast", 5, {{"to", StringAttr("INT64")}}}, {&x});
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->dtype(), DataType::kInt64);
  EXPECT_EQ(named->data<int64_t>()[2], 300);
  // Same type: no copy.
  auto same = RunNode({"Cast", 13, {{"to", IntAttr(1)}}}, {&x});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->SharesBufferWith(x));
  auto str = RunNode({"Cast", 13, {{"to", IntAttr(8)}}}, {&x});
  ASSERT_FALSE(str.ok());
  EXPECT_EQ(str.status().code(), StatusCode::kNotSupported);
}

TEST(ElementwiseCast, Float16RoundsToNearestEven) {
  const float h = std::ldexp(1.0f, -11);  // half an ulp of 1 in float16
  Tensor x = Tensor::FromVector<float>({7}, {1.0f + h, 1.0f + 3 * h, 65519.0f, 65520.0f, 3e-8f, 2e-8f, -0.1f});
  auto y = RunNode({"Cast", 13, {{"to", IntAttr(10)}}}, {&x});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataType::kFloat32);  // float16 is held as float32
  EXPECT_EQ(y->data<float>()[0], 1.0f);              // tie -> even
  EXPECT_EQ(y->data<float>()[1], 1.0f + 4 * h);      // tie -> even (upwards)
  EXPECT_EQ(y->data<float>()[2], 65504.0f);          // largest half
  EXPECT_TRUE(std::isinf(y->data<float>()[3]));      // rounds past it
  EXPECT_EQ(y->data<float>()[4], std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(y->data<float>()[5], 0.0f);
  EXPECT_EQ(y->data<float>()[6], -0.0999755859375f);  // -0.1 in float16
}

TEST(ElementwiseClip, AllForms) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::FromVector<float>({5}, {-5.0f, -0.5f, 0.5f, 5.0f, nan});
  auto attr = RunNode({"Clip", 6, {{"min", FloatAttr(-1.0f)}, {"max", FloatAttr(1.0f)}}}, {&x});
  ASSERT_TRUE(attr.ok()) << attr.status().ToString();
  EXPECT_EQ(attr->data<float>()[0], -1.0f);
  EXPECT_EQ(attr->data<float>()[1], -0.5f);
  EXPECT_EQ(attr->data<float>()[3], 1.0f);
  EXPECT_TRUE(std::isnan(attr->data<float>()[4]));
  Tensor hi = Tensor::Scalar<float>(0.0f);
  auto only_max = RunNode({"Clip", 13}, {&x, nullptr, &hi});
  ASSERT_TRUE(only_max.ok()) << only_max.status().ToString();
  EXPECT_EQ(only_max->data<float>()[0], -5.0f);
  EXPECT_EQ(only_max->data<float>()[2], 0.0f);
  Tensor lo = Tensor::Scalar<float>(2.0f), lower_hi = Tensor::Scalar<float>(1.0f);
  auto crossed = RunNode({"Clip", 13}, {&x, &lo, &lower_hi});  // min > max: everything becomes max
  ASSERT_TRUE(crossed.ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(crossed->data<float>()[i], 1.0f);
  Tensor q = Tensor::FromVector<int8_t>({3}, {-128, 5, 127});
  Tensor qlo = Tensor::Scalar<int8_t>(-10), qhi = Tensor::Scalar<int8_t>(10);
  auto ints = RunNode({"Clip", 13}, {&q, &qlo, &qhi});
  ASSERT_TRUE(ints.ok()) << ints.status().ToString();
  EXPECT_EQ(ints->data<int8_t>()[0], -10);
  EXPECT_EQ(ints->data<int8_t>()[2], 10);
  Tensor wrong = Tensor::FromVector<float>({2}, {0.0f, 1.0f});
  EXPECT_FALSE(RunNode({"Clip", 13}, {&x, &wrong}).ok()) << "min must be a scalar";
  EXPECT_FALSE(RunNode({"Clip", 13}, {&q, &lo}).ok()) << "min must have the input's type";
}

TEST(ElementwisePRelu, Forms) {
  Tensor x = Random<float>({2, 3, 4}, 1);
  Tensor slope = Tensor::FromVector<float>({3}, {0.1f, 0.2f, 0.3f});
  // Opset 6: a 1-D slope of C elements applies per channel (axis 1).
  auto legacy = RunNode({"PRelu", 6}, {&x, &slope});
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  for (int64_t i = 0; i < x.size(); ++i) {
    const float v = x.data<float>()[i], s = slope.data<float>()[(i / 4) % 3];
    ASSERT_EQ(legacy->data<float>()[i], v < 0 ? s * v : v) << i;
  }
  // Opset 9: numpy broadcasting only, and it may not grow x.
  EXPECT_FALSE(RunNode({"PRelu", 9}, {&x, &slope}).ok());
  Tensor big_slope = Random<float>({5, 2, 3, 4}, 2);
  EXPECT_FALSE(RunNode({"PRelu", 16}, {&x, &big_slope}).ok());
  Tensor last = Tensor::FromVector<float>({4}, {1.0f, 2.0f, 3.0f, 4.0f});
  auto numpy = RunNode({"PRelu", 16}, {&x, &last});
  ASSERT_TRUE(numpy.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    const float v = x.data<float>()[i];
    ASSERT_EQ(numpy->data<float>()[i], v < 0 ? last.data<float>()[i % 4] * v : v) << i;
  }
}

TEST(ElementwiseUnary, ActivationsOnLargeTensorMatchFormulas) {
  Tensor x = Random<float>({1, 3, 211, 307}, 11, -8.0, 8.0);
  x.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
  struct Check {
    const char* op;
    double (*f)(double);
    double tolerance;
  };
  const Check checks[] = {
      {"Relu", [](double v) { return v < 0 ? 0.0 : v; }, 0},
      {"HardSigmoid", [](double v) { return std::min(1.0, std::max(0.0, 0.2 * v + 0.5)); }, 1e-7},
      {"HardSwish", [](double v) { return v * std::min(1.0, std::max(0.0, v / 6 + 0.5)); }, 1e-6},
      {"Sigmoid", [](double v) { return 1 / (1 + std::exp(-v)); }, 2e-7},
      {"Tanh", [](double v) { return std::tanh(v); }, 2e-7},
      {"Erf", [](double v) { return std::erf(v); }, 2e-7},
      {"Exp", [](double v) { return std::exp(v); }, 2e-7},
      {"Softsign", [](double v) { return v / (1 + std::fabs(v)); }, 2e-7},
      {"Softplus", [](double v) { return std::log1p(std::exp(v)); }, 2e-7},
      {"Gelu", [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }, 5e-7},
  };
  for (const Check& c : checks) {
    auto y = RunNode({c.op, c.op == std::string("Gelu") ? 20 : 17}, {&x});
    ASSERT_TRUE(y.ok()) << c.op << ": " << y.status().ToString();
    EXPECT_TRUE(std::isnan(y->data<float>()[0])) << c.op << " must propagate NaN";
    for (int64_t i = 1; i < x.size(); ++i) {
      const double want = c.f(x.data<float>()[i]);
      ASSERT_NEAR(y->data<float>()[i], want, c.tolerance * std::max(1.0, std::fabs(want))) << c.op << " at x=" << x.data<float>()[i];
    }
  }
  auto ms = RunNode({"Gelu", 1, {}, "com.microsoft"}, {&x});
  ASSERT_TRUE(ms.ok()) << ms.status().ToString();
  EXPECT_NEAR(ms->data<float>()[5], 0.5 * x.data<float>()[5] * (1 + std::erf(x.data<float>()[5] / std::sqrt(2.0))), 1e-6);
}

TEST(ElementwiseUnary, SmallCases) {
  Tensor x = Tensor::FromVector<float>({6}, {0.5f, 1.5f, 2.5f, -0.5f, -2.5f, std::numeric_limits<float>::quiet_NaN()});
  auto r = RunNode({"Round", 11}, {&x});
  ASSERT_TRUE(r.ok());
  const float want[] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r->data<float>()[i], want[i]) << i;
  auto s = RunNode({"Sign", 13}, {&x});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->data<float>()[3], -1.0f);
  EXPECT_TRUE(std::isnan(s->data<float>()[5]));
  Tensor inf = Tensor::FromVector<float>({3}, {std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(), 1.0f});
  auto neg_only = RunNode({"IsInf", 10, {{"detect_positive", IntAttr(0)}}}, {&inf});
  ASSERT_TRUE(neg_only.ok());
  EXPECT_FALSE(neg_only->data<bool>()[0]);
  EXPECT_TRUE(neg_only->data<bool>()[1]);
  Tensor i = Tensor::FromVector<int8_t>({3}, {-128, -3, 4});
  auto abs = RunNode({"Abs", 13}, {&i});
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->data<int8_t>()[0], -128);  // wraps, as two's complement does
  EXPECT_EQ(abs->data<int8_t>()[1], 3);
  auto relu = RunNode({"Relu", 14}, {&i});
  ASSERT_TRUE(relu.ok());
  EXPECT_EQ(relu->data<int8_t>()[1], 0);
  EXPECT_EQ(relu->data<int8_t>()[2], 4);
  auto exp_int = RunNode({"Exp", 13}, {&i});
  ASSERT_FALSE(exp_int.ok());
  EXPECT_NE(exp_int.status().message().find("int8"), std::string::npos);
}

TEST(ElementwiseUnary, AttributeErrors) {
  Tensor x = Random<float>({4}, 1);
  auto gelu = RunNode({"Gelu", 20, {{"approximate", StringAttr("fast")}}}, {&x});
  ASSERT_FALSE(gelu.ok());
  EXPECT_EQ(gelu.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(gelu.status().message().find("approximate"), std::string::npos);
  EXPECT_FALSE(RunNode({"Celu", 12, {{"alpha", FloatAttr(0.0f)}}}, {&x}).ok());
  EXPECT_FALSE(RunNode({"Cast", 13}, {&x}).ok()) << "`to` is required";
}

// ---- vector_math.h against double-precision libm -----------------------------------------------------

double UlpError(float got, double want) {
  const float w = static_cast<float>(want);
  const double ulp = std::fabs(static_cast<double>(std::nextafter(w, std::numeric_limits<float>::infinity())) - w);
  return std::fabs(got - want) / ulp;
}

// Largest error in ulps over [lo, hi), sampled at points about 1000 ulps apart (a million or so),
// normal results only.
template <typename F, typename R>
double MaxUlpError(F f, R ref, float lo, float hi) {
  double worst = 0;
  for (float v = lo; v < hi; v += std::max(std::fabs(v) * 1000 * std::numeric_limits<float>::epsilon(), 1e-30f)) {
    const double want = ref(static_cast<double>(v));
    if (std::fabs(want) > 1.2e-38 && std::fabs(want) < 3.4e38) worst = std::max(worst, UlpError(f(v), want));
  }
  return worst;
}

TEST(ElementwiseVectorMath, AccuracyAgainstLibm) {
  using namespace kernels::elementwise;
  EXPECT_LT(MaxUlpError(ExpF, [](double v) { return std::exp(v); }, -87.0f, 88.7f), 1.0);
  EXPECT_LT(MaxUlpError(SigmoidF, [](double v) { return 1 / (1 + std::exp(-v)); }, -87.0f, 30.0f), 2.5);
  EXPECT_LT(MaxUlpError(TanhF, [](double v) { return std::tanh(v); }, -10.0f, 10.0f), 1.5);
  EXPECT_LT(MaxUlpError(ErfF, [](double v) { return std::erf(v); }, -5.0f, 5.0f), 2.5);
}

TEST(ElementwiseVectorMath, SpecialValues) {
  using namespace kernels::elementwise;
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(ExpF(inf), inf);
  EXPECT_EQ(ExpF(89.0f), inf);
  EXPECT_EQ(ExpF(-inf), 0.0f);
  EXPECT_GT(ExpF(-100.0f), 0.0f);  // a denormal, not flushed
  EXPECT_NEAR(ExpF(-100.0f), std::exp(-100.0), 1e-45);
  EXPECT_EQ(SigmoidF(-inf), 0.0f);
  EXPECT_EQ(SigmoidF(inf), 1.0f);
  EXPECT_EQ(TanhF(inf), 1.0f);
  EXPECT_EQ(TanhF(-inf), -1.0f);
  EXPECT_EQ(ErfF(10.0f), 1.0f);
  EXPECT_EQ(ErfF(-inf), -1.0f);
  EXPECT_EQ(TanhF(1e-30f), 1e-30f);
  EXPECT_EQ(ErfF(0.0f), 0.0f);
  for (auto f : {ExpF, SigmoidF, TanhF, ErfF}) EXPECT_TRUE(std::isnan(f(nan)));
}

// Runs `op` over `x` with the loop compiled for the build's target and, where the CPU has it, the
// one compiled for AVX-512 (kernels/avx512_dispatch.h), and compares both with the scalar call bit
// for bit, NaN payloads included. `op` must be a lambda calling the function directly, so that each
// loop inlines and vectorises the polynomial itself (through a function pointer both would call
// the one scalar build).
template <typename Op>
void ExpectSameBitsFromBothLoops(const char* name, const std::vector<float>& x, const Op& op) {
  SCOPED_TRACE(name);
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> plain(x.size()), avx512(x.size());
  kernels::UnaryLoopDefaultTarget(x.data(), plain.data(), n, op, 1 << 14);
  int64_t mismatches = 0;
  for (int64_t i = 0; i < n; ++i) mismatches += std::bit_cast<uint32_t>(plain[i]) != std::bit_cast<uint32_t>(op(x[i]));
  EXPECT_EQ(mismatches, 0) << "the default loop differs from the scalar function";
  if (!kernels::CpuHasAvx512()) return;
  kernels::UnaryLoopAvx512(x.data(), avx512.data(), n, op, 1 << 14);
  mismatches = 0;
  for (int64_t i = 0; i < n; ++i) mismatches += std::bit_cast<uint32_t>(avx512[i]) != std::bit_cast<uint32_t>(plain[i]);
  EXPECT_EQ(mismatches, 0) << "the AVX-512 loop differs from the default one";
}

// The float32 loops run compiled for AVX-512 where the CPU has it. Both builds of the loop, and
// the scalar function, must give the same bits on every kind of input: a stride through all 2^32
// bit patterns (normals, denormals, infinities, NaNs of both signs), in parallel chunks as the
// kernels run them.
TEST(ElementwiseVectorMath, Avx512LoopsGiveTheBitsOfTheDefaultLoops) {
  using namespace kernels::elementwise;
  std::vector<float> x;
  for (uint64_t bits = 0; bits < (uint64_t{1} << 32); bits += 4099) x.push_back(std::bit_cast<float>(static_cast<uint32_t>(bits)));
  ExpectSameBitsFromBothLoops("ExpF", x, [](float v) { return ExpF(v); });
  ExpectSameBitsFromBothLoops("SigmoidF", x, [](float v) { return SigmoidF(v); });
  ExpectSameBitsFromBothLoops("x*SigmoidF", x, [](float v) { return v * SigmoidF(v); });
  ExpectSameBitsFromBothLoops("TanhF", x, [](float v) { return TanhF(v); });
  ExpectSameBitsFromBothLoops("ErfF", x, [](float v) { return ErfF(v); });
  ExpectSameBitsFromBothLoops("floor", x, [](float v) { return std::floor(v); });
  ExpectSameBitsFromBothLoops("nearbyint", x, [](float v) { return std::nearbyint(v); });
  ExpectSameBitsFromBothLoops("clip", x, [](float v) { return v < -1.5f ? -1.5f : (v > 2.5f ? 2.5f : v); });
  if (!kernels::CpuHasAvx512()) std::cout << "[   NOTE   ] no AVX-512 on this CPU: only the default loops were compared\n";
}

}  // namespace
}  // namespace xquant
