// The quant kernels against references written here: QuantizeLinear bit for bit on random values
// (ties, saturation, per-axis on any axis), the opset-21 blocked QuantizeLinear/DequantizeLinear,
// QLinearConv / ConvInteger / QLinearMatMul / MatMulInteger against direct loops (no im2col), and
// DynamicQuantizeLinear. The references round with their own half-to-even (floor + parity, not
// nearbyint) and saturate in 64-bit integers; hand-computed cases anchor them.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "exec/registry.h"

namespace xquant {
namespace {

using Attributes = std::map<std::string, Attribute, std::less<>>;

constexpr auto IntAttr = &Attribute::Int;
constexpr auto IntsAttr = &Attribute::Ints;
constexpr auto StringAttr = &Attribute::String;

// Runs one node of `op_type` (default domain) on `inputs` (nullptr = omitted) and returns its outputs.
StatusOr<std::vector<Tensor>> RunNode(const std::string& op_type, std::vector<const Tensor*> inputs,
                                      Attributes attributes = {}, int64_t opset = 13, size_t num_outputs = 1) {
  Graph graph;
  graph.opset_imports[""] = opset;
  Node node;
  node.op_type = op_type;
  node.name = "n";
  node.attributes = std::move(attributes);
  for (size_t i = 0; i < inputs.size(); ++i) {
    node.inputs.push_back(inputs[i] ? static_cast<ValueId>(graph.values.size()) : kNoValue);
    graph.values.emplace_back();
  }
  for (size_t i = 0; i < num_outputs; ++i) {
    node.outputs.push_back(static_cast<ValueId>(graph.values.size()));
    graph.values.emplace_back();
  }
  exec::KernelInfo info(node, graph, opset);
  exec::KernelFactory factory = exec::FindKernel("", op_type);
  if (!factory) return NotFoundError("no kernel for " + op_type);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  std::vector<Tensor> outputs(num_outputs);
  exec::KernelContext ctx(node, inputs, &outputs);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return outputs;
}

StatusOr<Tensor> RunOne(const std::string& op_type, std::vector<const Tensor*> inputs, Attributes attributes = {},
                        int64_t opset = 13) {
  XQ_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, RunNode(op_type, std::move(inputs), std::move(attributes), opset));
  return outputs[0];
}

// ---------------------------------------------------------------------------------------------
// The test's own rounding and saturation.

// Round half to even of a float32 value, by floor and parity (independent of nearbyint and of the
// rounding mode). Values beyond +-2^40 are clamped first: they saturate any 8/16-bit type anyway.
int64_t RoundHalfEven(float value) {
  double v = static_cast<double>(value);  // exact
  v = std::fmax(-1099511627776.0, std::fmin(1099511627776.0, v));
  const double fl = std::floor(v);
  const double frac = v - fl;  // exact for |v| < 2^40
  int64_t r = static_cast<int64_t>(fl);
  if (frac > 0.5 || (frac == 0.5 && (r % 2 != 0))) ++r;
  return r;
}

int64_t Saturate(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// QuantizeLinear as the spec and onnxruntime define it: the float32 quotient x / scale, rounded half
// to even, plus the zero point, saturated.
int64_t ReferenceQuantize(float x, float scale, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const float q = x / scale;
  return Saturate(RoundHalfEven(q) + zero_point, qmin, qmax);
}

// The requantization of an int32 accumulator: float32(acc) * combined scale, rounded, + zero point.
int64_t ReferenceRequantize(int32_t acc, float scale, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const float v = static_cast<float>(acc) * scale;
  return Saturate(RoundHalfEven(v) + zero_point, qmin, qmax);
}

TEST(QuantReference, RoundHalfEvenIsRight) {
  // The reference itself, on values whose rounding is known by hand.
  EXPECT_EQ(RoundHalfEven(0.5f), 0);
  EXPECT_EQ(RoundHalfEven(1.5f), 2);
  EXPECT_EQ(RoundHalfEven(2.5f), 2);
  EXPECT_EQ(RoundHalfEven(-0.5f), 0);
  EXPECT_EQ(RoundHalfEven(-1.5f), -2);
  EXPECT_EQ(RoundHalfEven(-2.5f), -2);
  EXPECT_EQ(RoundHalfEven(-3.5f), -4);
  EXPECT_EQ(RoundHalfEven(2.4999998f), 2);
  EXPECT_EQ(RoundHalfEven(2.5000002f), 3);
  EXPECT_EQ(RoundHalfEven(-2.5000002f), -3);
  EXPECT_EQ(RoundHalfEven(1e30f), int64_t{1} << 40);
  EXPECT_EQ(ReferenceQuantize(3.0f, 2.0f, 10, 0, 255), 12);    // 1.5 -> 2
  EXPECT_EQ(ReferenceQuantize(5.0f, 2.0f, 10, 0, 255), 12);    // 2.5 -> 2
  EXPECT_EQ(ReferenceQuantize(-300.0f, 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(ReferenceQuantize(1.0f, 0.001f, 100, 0, 255), 255);
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear bit-exactness.

template <typename Q>
void CheckQuantizeMatchesReference(const std::vector<float>& xs, float scale, Q zero_point, int64_t opset) {
  Tensor x = Tensor::FromVector<float>({static_cast<int64_t>(xs.size())}, xs);
  Tensor s = Tensor::Scalar<float>(scale);
  Tensor zp = Tensor::Scalar<Q>(zero_point);
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {}, opset);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataTypeOf<Q>());
  const int64_t qmin = std::numeric_limits<Q>::min();
  const int64_t qmax = std::numeric_limits<Q>::max();
  int mismatches = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t expected = ReferenceQuantize(xs[i], scale, zero_point, qmin, qmax);
    const int64_t got = y->data<Q>()[i];
    if (got != expected && ++mismatches <= 10)
      ADD_FAILURE() << "x=" << xs[i] << " scale=" << scale << " zp=" << int64_t{zero_point} << ": got " << got
                    << ", expected " << expected;
  }
  EXPECT_EQ(mismatches, 0);
}

// Random values around the representable range (some saturating), exact .5 ties of x / scale and
// their float neighbours. Returns the values and counts the ties actually produced.
std::vector<float> QuantizeInputs(float scale, int64_t range, uint32_t seed, int* ties) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> wide(-1.3f * range, 1.3f * range);
  std::uniform_int_distribution<int64_t> k(-range, range);
  std::vector<float> xs;
  *ties = 0;
  for (int i = 0; i < 40000; ++i) {
    xs.push_back(wide(rng) * scale);
    const float tie = (static_cast<float>(k(rng)) + 0.5f) * scale;
    xs.push_back(tie);
    xs.push_back(std::nextafter(tie, 1e30f));
    xs.push_back(std::nextafter(tie, -1e30f));
    const float q = tie / scale;
    if (q - std::floor(q) == 0.5f) ++*ties;
  }
  xs.push_back(0.0f);
  xs.push_back(-0.0f);
  xs.push_back(1e30f);
  xs.push_back(-1e30f);
  return xs;
}

TEST(QuantizeLinearExact, RandomValuesTiesAndSaturation) {
  // Power-of-two and small-integer scales give exact ties; the others test the float32 quotient.
  const std::vector<float> scales = {1.0f, 0.5f, 0.125f, 3.0f, 0.1f, 0.0273f, 7.3e-5f};
  for (size_t si = 0; si < scales.size(); ++si) {
    const float scale = scales[si];
    SCOPED_TRACE("scale " + std::to_string(scale));
    int ties = 0;
    const std::vector<float> x8 = QuantizeInputs(scale, 300, 17 + si, &ties);
    if (scale == 1.0f || scale == 0.5f || scale == 0.125f || scale == 3.0f) {
      EXPECT_GT(ties, 30000);
    }
    CheckQuantizeMatchesReference<uint8_t>(x8, scale, 128, 13);
    CheckQuantizeMatchesReference<uint8_t>(x8, scale, 0, 13);
    CheckQuantizeMatchesReference<int8_t>(x8, scale, -7, 13);
    CheckQuantizeMatchesReference<int8_t>(x8, scale, 0, 13);
    const std::vector<float> x16 = QuantizeInputs(scale, 70000, 91 + si, &ties);
    CheckQuantizeMatchesReference<uint16_t>(x16, scale, 30000, 21);
    CheckQuantizeMatchesReference<int16_t>(x16, scale, -5, 21);
  }
}

// Per-axis QuantizeLinear on x [2, 3, 4, 5] along `axis` against the reference per element.
void CheckPerAxis(int64_t axis) {
  SCOPED_TRACE("axis " + std::to_string(axis));
  const Shape shape = {2, 3, 4, 5};
  const int a = static_cast<int>(axis < 0 ? axis + 4 : axis);
  std::mt19937 rng(5 + a);
  std::uniform_real_distribution<float> dist(-40.0f, 40.0f);
  std::vector<float> xs(2 * 3 * 4 * 5);
  for (float& v : xs) v = dist(rng);
  // Put some exact ties in: multiples of 0.25 are exact ties for scale 0.5 when odd multiples.
  for (size_t i = 0; i < xs.size(); i += 3) xs[i] = 0.25f * static_cast<float>(static_cast<int>(i % 61) * 2 + 1);
  std::vector<float> scales;
  std::vector<int8_t> zps;
  for (int64_t c = 0; c < shape[a]; ++c) {
    scales.push_back(c % 2 == 0 ? 0.5f : 0.3f + 0.1f * static_cast<float>(c));
    zps.push_back(static_cast<int8_t>(c * 3 - 4));
  }
  Tensor x = Tensor::FromVector<float>(shape, xs);
  Tensor s = Tensor::FromVector<float>({shape[a]}, scales);
  Tensor zp = Tensor::FromVector<int8_t>({shape[a]}, zps);
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(axis)}});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  int64_t inner = 1;
  for (int d = a + 1; d < 4; ++d) inner *= shape[d];
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t c = (static_cast<int64_t>(i) / inner) % shape[a];
    const int64_t expected = ReferenceQuantize(xs[i], scales[c], zps[c], -128, 127);
    ASSERT_EQ(y->data<int8_t>()[i], expected) << "element " << i << " channel " << c << " x=" << xs[i];
  }
}

TEST(QuantizeLinearExact, PerAxisOnEveryAxisIncludingNegative) {
  CheckPerAxis(1);
  CheckPerAxis(2);
  CheckPerAxis(3);
  CheckPerAxis(-1);
  CheckPerAxis(-3);
  CheckPerAxis(0);
}

TEST(QuantizeLinearExact, PerAxisOutOfRangeAxisIsAnError) {
  Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor s = Tensor::FromVector<float>({3}, {1, 1, 1});
  Tensor zp = Tensor::FromVector<uint8_t>({3}, {0, 0, 0});
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(-3)}});
  EXPECT_FALSE(y.ok());
}

// ---------------------------------------------------------------------------------------------
// Opset-21 blocked quantization, hand-computed.

TEST(BlockedQdq, QuantizeLinearAlongLastAxis) {
  // x [2, 4], axis 1, block_size 2: scale and zero point [2, 2], one per (row, block of 2 columns).
  Tensor x = Tensor::FromVector<float>({2, 4}, {1.0f, 2.0f, 3.0f, 5.0f, 10.0f, -10.0f, 6.0f, 7.5f});
  Tensor s = Tensor::FromVector<float>({2, 2}, {1.0f, 2.0f, 4.0f, 0.5f});
  Tensor zp = Tensor::FromVector<int8_t>({2, 2}, {0, 1, -2, 3});
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(1)}, {"block_size", IntAttr(2)}}, 21);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // Row 0: 1/1=1, 2/1=2 (zp 0); 3/2=1.5->2, 5/2=2.5->2 (zp 1) -> 3, 3.
  // Row 1: 10/4=2.5->2, -10/4=-2.5->-2 (zp -2) -> 0, -4; 6/0.5=12, 7.5/0.5=15 (zp 3) -> 15, 18.
  const std::vector<int> expected = {1, 2, 3, 3, 0, -4, 15, 18};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y->data<int8_t>()[i], expected[i]) << "element " << i;
}

TEST(BlockedQdq, QuantizeLinearAlongFirstAxisWithPartialBlock) {
  // x [3, 2], axis 0, block_size 2: ceil(3 / 2) = 2 blocks; scale [2, 2] = (block, column).
  Tensor x = Tensor::FromVector<float>({3, 2}, {4.0f, 4.0f, 8.0f, 8.0f, 9.0f, 3.0f});
  Tensor s = Tensor::FromVector<float>({2, 2}, {1.0f, 2.0f, 3.0f, 0.25f});
  Tensor zp = Tensor::FromVector<uint8_t>({2, 2}, {10, 20, 30, 40});
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(0)}, {"block_size", IntAttr(2)}}, 21);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // Rows 0-1 use block 0: column 0 scale 1 zp 10, column 1 scale 2 zp 20.
  // Row 2 uses block 1: column 0 scale 3 zp 30 (9/3 = 3), column 1 scale 0.25 zp 40 (3/0.25 = 12).
  const std::vector<int> expected = {14, 22, 18, 24, 33, 52};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->data<uint8_t>()[i], expected[i]) << "element " << i;
}

TEST(BlockedQdq, DequantizeLinearAlongLastAxis) {
  Tensor x = Tensor::FromVector<int8_t>({2, 4}, {1, 2, 3, 3, 0, -4, 15, 18});
  Tensor s = Tensor::FromVector<float>({2, 2}, {1.0f, 2.0f, 4.0f, 0.5f});
  Tensor zp = Tensor::FromVector<int8_t>({2, 2}, {0, 1, -2, 3});
  auto y = RunOne("DequantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(1)}, {"block_size", IntAttr(2)}}, 21);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // (x - zp) * scale per (row, block).
  const std::vector<float> expected = {1.0f, 2.0f, 4.0f, 4.0f, 8.0f, -8.0f, 6.0f, 7.5f};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y->data<float>()[i], expected[i]) << "element " << i;
}

TEST(BlockedQdq, DequantizeLinearAlongFirstAxisWithPartialBlock) {
  Tensor x = Tensor::FromVector<uint8_t>({3, 2}, {14, 22, 18, 24, 33, 52});
  Tensor s = Tensor::FromVector<float>({2, 2}, {1.0f, 2.0f, 3.0f, 0.25f});
  Tensor zp = Tensor::FromVector<uint8_t>({2, 2}, {10, 20, 30, 40});
  auto y = RunOne("DequantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(0)}, {"block_size", IntAttr(2)}}, 21);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  const std::vector<float> expected = {4.0f, 4.0f, 8.0f, 8.0f, 9.0f, 3.0f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->data<float>()[i], expected[i]) << "element " << i;
}

TEST(BlockedQdq, RejectsScaleOfTheWrongBlockCount) {
  Tensor x = Tensor::FromVector<float>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  Tensor s = Tensor::FromVector<float>({2, 3}, {1, 1, 1, 1, 1, 1});
  Tensor zp = Tensor::FromVector<int8_t>({2, 3}, {0, 0, 0, 0, 0, 0});
  auto y = RunOne("QuantizeLinear", {&x, &s, &zp}, {{"axis", IntAttr(1)}, {"block_size", IntAttr(2)}}, 21);
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("block_size"), std::string::npos) << y.status().message();
}

// ---------------------------------------------------------------------------------------------
// Convolution: a direct reference (no im2col).

struct ConvSpec {
  Shape x, w;  // [N, C, spatial...], [M, C / group, kernel...]
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;  // empty: defaults
  std::string auto_pad = "NOTSET";
};

Attributes ConvAttrs(const ConvSpec& c) {
  Attributes a;
  if (c.group != 1) a["group"] = IntAttr(c.group);
  if (!c.strides.empty()) a["strides"] = IntsAttr(c.strides);
  if (!c.dilations.empty()) a["dilations"] = IntsAttr(c.dilations);
  if (!c.pads.empty()) a["pads"] = IntsAttr(c.pads);
  if (c.auto_pad != "NOTSET") a["auto_pad"] = StringAttr(c.auto_pad);
  return a;
}

// int32 (wrapping) accumulators [N, M, out...] of conv(x - x_zp, w - w_zp[m]), looping over every
// output element and every (channel, kernel offset) directly.
template <typename X, typename W>
std::vector<int32_t> ReferenceConv(const ConvSpec& c, const std::vector<X>& x, int64_t x_zp, const std::vector<W>& w,
                                   const std::vector<int64_t>& w_zp, Shape* out_shape) {
  const size_t nd = c.x.size() - 2;
  std::vector<int64_t> in(nd), k(nd), s(nd), d(nd), pb(nd), out(nd);
  for (size_t i = 0; i < nd; ++i) {
    in[i] = c.x[i + 2];
    k[i] = c.w[i + 2];
    s[i] = c.strides.empty() ? 1 : c.strides[i];
    d[i] = c.dilations.empty() ? 1 : c.dilations[i];
    const int64_t extent = (k[i] - 1) * d[i] + 1;
    if (c.auto_pad == "SAME_UPPER" || c.auto_pad == "SAME_LOWER") {
      out[i] = static_cast<int64_t>(std::ceil(static_cast<double>(in[i]) / static_cast<double>(s[i])));
      const int64_t total = std::max<int64_t>(0, (out[i] - 1) * s[i] + extent - in[i]);
      pb[i] = c.auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2;
    } else {
      pb[i] = c.pads.empty() ? 0 : c.pads[i];
      const int64_t pe = c.pads.empty() ? 0 : c.pads[i + nd];
      out[i] = (in[i] + pb[i] + pe - extent) / s[i] + 1;
    }
  }
  const int64_t n_count = c.x[0], channels = c.x[1], m_count = c.w[0];
  const int64_t cg = channels / c.group, mg = m_count / c.group;
  *out_shape = {n_count, m_count};
  int64_t out_count = 1, k_count = 1, in_count = 1;
  for (size_t i = 0; i < nd; ++i) {
    out_shape->push_back(out[i]);
    out_count *= out[i];
    k_count *= k[i];
    in_count *= in[i];
  }
  std::vector<int32_t> y(static_cast<size_t>(n_count * m_count * out_count));
  std::vector<int64_t> opos(nd), kpos(nd);
  for (int64_t n = 0; n < n_count; ++n) {
    for (int64_t m = 0; m < m_count; ++m) {
      const int64_t grp = m / mg;
      for (int64_t o = 0; o < out_count; ++o) {
        int64_t rem = o;
        for (size_t i = nd; i-- > 0;) {
          opos[i] = rem % out[i];
          rem /= out[i];
        }
        int64_t sum = 0;
        for (int64_t ci = 0; ci < cg; ++ci) {
          for (int64_t kk = 0; kk < k_count; ++kk) {
            int64_t krem = kk;
            for (size_t i = nd; i-- > 0;) {
              kpos[i] = krem % k[i];
              krem /= k[i];
            }
            int64_t x_index = 0;
            bool inside = true;
            for (size_t i = 0; i < nd; ++i) {
              const int64_t p = opos[i] * s[i] - pb[i] + kpos[i] * d[i];
              inside = inside && p >= 0 && p < in[i];
              x_index = x_index * in[i] + p;
            }
            if (!inside) continue;
            const int64_t xv = static_cast<int64_t>(x[(n * channels + grp * cg + ci) * in_count + x_index]) - x_zp;
            const int64_t wv = static_cast<int64_t>(w[(m * cg + ci) * k_count + kk]) - w_zp[w_zp.size() > 1 ? m : 0];
            sum += xv * wv;
          }
        }
        y[(n * m_count + m) * out_count + o] = static_cast<int32_t>(static_cast<uint32_t>(sum));  // 32-bit wrap
      }
    }
  }
  return y;
}

template <typename T>
std::vector<T> RandomInts(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  std::vector<T> v(count);
  for (T& e : v) e = static_cast<T>(dist(rng));
  return v;
}

TEST(ConvInteger, HandComputed) {
  // x 1x1x3x3 = 1..9 with zero point 1 -> 0..8; w 1x1x2x2 = {2, 3, 4, 5} with zero point 2 -> {0, 1, 2, 3}.
  Tensor x = Tensor::FromVector<uint8_t>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  Tensor w = Tensor::FromVector<uint8_t>({1, 1, 2, 2}, {2, 3, 4, 5});
  Tensor xzp = Tensor::Scalar<uint8_t>(1);
  Tensor wzp = Tensor::Scalar<uint8_t>(2);
  auto y = RunOne("ConvInteger", {&x, &w, &xzp, &wzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{1, 1, 2, 2}));
  ASSERT_EQ(y->dtype(), DataType::kInt32);
  // Windows of 0..8: [0 1 3 4] . [0 1 2 3] = 1 + 6 + 12 = 19; [1 2 4 5] -> 2 + 8 + 15 = 25;
  // [3 4 6 7] -> 4 + 12 + 21 = 37; [4 5 7 8] -> 5 + 14 + 24 = 43.
  EXPECT_EQ(y->data<int32_t>()[0], 19);
  EXPECT_EQ(y->data<int32_t>()[1], 25);
  EXPECT_EQ(y->data<int32_t>()[2], 37);
  EXPECT_EQ(y->data<int32_t>()[3], 43);
}

TEST(ConvInteger, SameUpperAndSameLowerPadOppositeEnds) {
  // 1-D x [1, 2, 3, 4], kernel [1, 1]: SAME needs one pad; SAME_UPPER puts it at the end.
  Tensor x = Tensor::FromVector<uint8_t>({1, 1, 4}, {1, 2, 3, 4});
  Tensor w = Tensor::FromVector<uint8_t>({1, 1, 2}, {1, 1});
  auto upper = RunOne("ConvInteger", {&x, &w}, {{"auto_pad", StringAttr("SAME_UPPER")}}, 10);
  auto lower = RunOne("ConvInteger", {&x, &w}, {{"auto_pad", StringAttr("SAME_LOWER")}}, 10);
  ASSERT_TRUE(upper.ok()) << upper.status().ToString();
  ASSERT_TRUE(lower.ok()) << lower.status().ToString();
  const std::vector<int32_t> expected_upper = {3, 5, 7, 4};
  const std::vector<int32_t> expected_lower = {1, 3, 5, 7};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(upper->data<int32_t>()[i], expected_upper[i]) << i;
    EXPECT_EQ(lower->data<int32_t>()[i], expected_lower[i]) << i;
  }
}

template <typename X, typename W>
void CheckConvInteger(const ConvSpec& spec, int64_t x_zp, const std::vector<int64_t>& w_zps, uint32_t seed) {
  const std::vector<X> xs = RandomInts<X>(static_cast<size_t>(ElementCount(spec.x)), seed);
  const std::vector<W> ws = RandomInts<W>(static_cast<size_t>(ElementCount(spec.w)), seed + 1);
  Tensor x = Tensor::FromVector<X>(spec.x, xs);
  Tensor w = Tensor::FromVector<W>(spec.w, ws);
  Tensor xzp = Tensor::Scalar<X>(static_cast<X>(x_zp));
  std::vector<W> wzv;
  for (int64_t v : w_zps) wzv.push_back(static_cast<W>(v));
  Tensor wzp = w_zps.size() == 1 ? Tensor::Scalar<W>(wzv[0]) : Tensor::FromVector<W>({static_cast<int64_t>(wzv.size())}, wzv);
  auto y = RunOne("ConvInteger", {&x, &w, &xzp, &wzp}, ConvAttrs(spec), 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  Shape shape;
  const std::vector<int32_t> expected = ReferenceConv(spec, xs, x_zp, ws, w_zps, &shape);
  ASSERT_EQ(y->shape(), shape);
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(y->data<int32_t>()[i], expected[i]) << "element " << i;
}

TEST(ConvInteger, MatchesDirectLoops) {
  // Strides, dilations, asymmetric pads, groups, per-channel weight zero points, 1-D/2-D/3-D.
  CheckConvInteger<uint8_t, uint8_t>({{1, 3, 7, 6}, {4, 3, 3, 2}, 1, {2, 1}, {1, 2}, {1, 0, 2, 1}}, 128, {3}, 1);
  CheckConvInteger<int8_t, uint8_t>({{2, 4, 5, 5}, {6, 2, 3, 3}, 2, {1, 2}, {}, {1, 1, 1, 1}}, -3, {1, 2, 3, 4, 5, 6}, 2);
  CheckConvInteger<uint8_t, int8_t>({{1, 4, 9}, {4, 1, 3}, 4, {2}, {2}, {3, 0}}, 7, {-1, 0, 1, 2}, 3);
  CheckConvInteger<int8_t, int8_t>({{1, 2, 4, 5, 3}, {3, 2, 2, 3, 2}, 1, {1, 2, 1}, {}, {0, 1, 1, 1, 0, 0}}, 0, {5}, 4);
  CheckConvInteger<uint8_t, uint8_t>({{1, 2, 6, 7}, {2, 2, 3, 3}, 1, {2, 2}, {}, {}, "SAME_UPPER"}, 9, {0}, 5);
  CheckConvInteger<uint8_t, uint8_t>({{1, 2, 6, 7}, {2, 2, 3, 2}, 1, {2, 2}, {}, {}, "SAME_LOWER"}, 9, {0, 200}, 6);
  CheckConvInteger<uint8_t, uint8_t>({{1, 2, 6, 7}, {2, 2, 3, 3}, 1, {}, {2, 2}, {}, "VALID"}, 9, {0}, 7);
}

TEST(ConvInteger, AccumulationWrapsIn32Bits) {
  // 1x1 conv with 40000 channels of (-128 - 127) * (255 - 0) = -65025: the sum -2601000000 wraps.
  const int64_t channels = 40000;
  Tensor x = Tensor::FromVector<int8_t>({1, channels, 1, 1}, std::vector<int8_t>(channels, -128));
  Tensor w = Tensor::FromVector<uint8_t>({1, channels, 1, 1}, std::vector<uint8_t>(channels, 255));
  Tensor xzp = Tensor::Scalar<int8_t>(127);
  auto y = RunOne("ConvInteger", {&x, &w, &xzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  const int64_t exact = -65025LL * channels;
  EXPECT_EQ(y->data<int32_t>()[0], static_cast<int32_t>(exact + (int64_t{1} << 32)));
}

TEST(ConvInteger, Errors) {
  Tensor x = Tensor::FromVector<uint8_t>({1, 3, 4, 4}, std::vector<uint8_t>(48, 1));
  Tensor w = Tensor::FromVector<uint8_t>({2, 2, 2, 2}, std::vector<uint8_t>(16, 1));
  auto channels = RunOne("ConvInteger", {&x, &w}, {}, 10);
  ASSERT_FALSE(channels.ok());
  EXPECT_NE(channels.status().message().find("channels"), std::string::npos) << channels.status().message();

  Tensor w3 = Tensor::FromVector<uint8_t>({2, 3, 5, 5}, std::vector<uint8_t>(150, 1));
  auto too_big = RunOne("ConvInteger", {&x, &w3}, {}, 10);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("larger than the padded input"), std::string::npos) << too_big.status().message();

  Tensor w1 = Tensor::FromVector<uint8_t>({2, 3, 1, 1}, std::vector<uint8_t>(6, 1));
  auto bad_pad = RunOne("ConvInteger", {&x, &w1}, {{"auto_pad", StringAttr("SAME")}}, 10);
  ASSERT_FALSE(bad_pad.ok());
  EXPECT_NE(bad_pad.status().message().find("auto_pad"), std::string::npos);
  auto bad_stride = RunOne("ConvInteger", {&x, &w1}, {{"strides", IntsAttr({1, 0})}}, 10);
  ASSERT_FALSE(bad_stride.ok());
  EXPECT_NE(bad_stride.status().message().find("strides"), std::string::npos);
  auto bad_len = RunOne("ConvInteger", {&x, &w1}, {{"pads", IntsAttr({1, 1})}}, 10);
  ASSERT_FALSE(bad_len.ok());
  EXPECT_NE(bad_len.status().message().find("pads"), std::string::npos);

  Tensor wzp = Tensor::FromVector<uint8_t>({3}, {1, 2, 3});
  Tensor xzp = Tensor::Scalar<uint8_t>(0);
  auto bad_zp = RunOne("ConvInteger", {&x, &w1, &xzp, &wzp}, {}, 10);
  ASSERT_FALSE(bad_zp.ok());
  EXPECT_NE(bad_zp.status().message().find("w_zero_point"), std::string::npos);
  Tensor xzp8 = Tensor::Scalar<int8_t>(0);
  auto bad_type = RunOne("ConvInteger", {&x, &w1, &xzp8}, {}, 10);
  ASSERT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("x_zero_point has type int8"), std::string::npos) << bad_type.status().message();
}

// QLinearConv against ReferenceConv + ReferenceRequantize.
template <typename X, typename W, typename Y>
void CheckQLinearConv(const ConvSpec& spec, int64_t x_zp, const std::vector<int64_t>& w_zps,
                      const std::vector<float>& w_scales, int64_t y_zp, bool with_bias, uint32_t seed) {
  const std::vector<X> xs = RandomInts<X>(static_cast<size_t>(ElementCount(spec.x)), seed);
  const std::vector<W> ws = RandomInts<W>(static_cast<size_t>(ElementCount(spec.w)), seed + 1);
  const int64_t m_count = spec.w[0];
  std::vector<int32_t> bias(static_cast<size_t>(m_count));
  std::mt19937 rng(seed + 2);
  std::uniform_int_distribution<int32_t> bias_dist(-30000, 30000);
  for (int32_t& b : bias) b = bias_dist(rng);
  const float x_scale = 0.02f;
  const float y_scale = 0.7f;
  Tensor x = Tensor::FromVector<X>(spec.x, xs);
  Tensor xs_t = Tensor::Scalar<float>(x_scale);
  Tensor xzp = Tensor::Scalar<X>(static_cast<X>(x_zp));
  Tensor w = Tensor::FromVector<W>(spec.w, ws);
  Tensor ws_t = w_scales.size() == 1 ? Tensor::Scalar<float>(w_scales[0])
                                     : Tensor::FromVector<float>({static_cast<int64_t>(w_scales.size())}, w_scales);
  std::vector<W> wzv;
  for (int64_t v : w_zps) wzv.push_back(static_cast<W>(v));
  Tensor wzp = w_zps.size() == 1 ? Tensor::Scalar<W>(wzv[0]) : Tensor::FromVector<W>({static_cast<int64_t>(wzv.size())}, wzv);
  Tensor ys_t = Tensor::Scalar<float>(y_scale);
  Tensor yzp = Tensor::Scalar<Y>(static_cast<Y>(y_zp));
  Tensor b = Tensor::FromVector<int32_t>({m_count}, bias);
  std::vector<const Tensor*> inputs = {&x, &xs_t, &xzp, &w, &ws_t, &wzp, &ys_t, &yzp};
  if (with_bias) inputs.push_back(&b);
  auto y = RunOne("QLinearConv", inputs, ConvAttrs(spec), 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataTypeOf<Y>());
  Shape shape;
  const std::vector<int32_t> acc = ReferenceConv(spec, xs, x_zp, ws, w_zps, &shape);
  ASSERT_EQ(y->shape(), shape);
  const int64_t per_channel = ElementCount(shape) / (shape[0] * m_count);
  int saturated = 0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t m = (static_cast<int64_t>(i) / per_channel) % m_count;
    const float scale = x_scale * w_scales[w_scales.size() > 1 ? m : 0] / y_scale;
    const int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc[i]) + static_cast<uint32_t>(with_bias ? bias[m] : 0));
    const int64_t expected = ReferenceRequantize(a, scale, y_zp, std::numeric_limits<Y>::min(), std::numeric_limits<Y>::max());
    if (expected == std::numeric_limits<Y>::min() || expected == std::numeric_limits<Y>::max()) ++saturated;
    ASSERT_EQ(static_cast<int64_t>(y->data<Y>()[i]), expected) << "element " << i << " acc " << a;
  }
  // The scales are chosen so the outputs span the range without all saturating.
  EXPECT_LT(saturated, static_cast<int>(acc.size()));
}

TEST(QLinearConv, HandComputedWithTieAndSaturation) {
  // x 1x1x1x3 = {1, 3, 5} (zp 0, scale 1), w 1x1x1x1 = {1} (zp 0, scale 1), y scale 2, zp 10:
  // acc {1, 3, 5} / 2 = {0.5, 1.5, 2.5} -> {0, 2, 2} (ties to even) + 10. Bias 250 saturates.
  Tensor x = Tensor::FromVector<uint8_t>({1, 1, 1, 3}, {1, 3, 5});
  Tensor one = Tensor::Scalar<float>(1.0f);
  Tensor zero = Tensor::Scalar<uint8_t>(0);
  Tensor w = Tensor::FromVector<uint8_t>({1, 1, 1, 1}, {1});
  Tensor ys = Tensor::Scalar<float>(2.0f);
  Tensor yzp = Tensor::Scalar<uint8_t>(10);
  auto y = RunOne("QLinearConv", {&x, &one, &zero, &w, &one, &zero, &ys, &yzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->data<uint8_t>()[0], 10);
  EXPECT_EQ(y->data<uint8_t>()[1], 12);
  EXPECT_EQ(y->data<uint8_t>()[2], 12);
  Tensor bias = Tensor::FromVector<int32_t>({1}, {500});
  auto yb = RunOne("QLinearConv", {&x, &one, &zero, &w, &one, &zero, &ys, &yzp, &bias}, {}, 10);
  ASSERT_TRUE(yb.ok()) << yb.status().ToString();
  EXPECT_EQ(yb->data<uint8_t>()[0], 255);  // (1 + 500) / 2 = 250.5 -> 250, + 10 saturates
}

TEST(QLinearConv, MatchesReferenceForTypesGroupsAndPadding) {
  CheckQLinearConv<uint8_t, uint8_t, uint8_t>({{1, 3, 8, 7}, {5, 3, 3, 3}, 1, {1, 2}, {}, {1, 1, 1, 1}}, 120, {130}, {0.004f}, 128,
                                              true, 11);
  CheckQLinearConv<int8_t, int8_t, int8_t>({{2, 4, 6, 6}, {4, 2, 3, 3}, 2, {}, {2, 1}, {2, 1, 0, 1}}, -5,
                                           {0, 1, -1, 2}, {0.003f, 0.005f, 0.002f, 0.0041f}, -3, true, 12);
  CheckQLinearConv<uint8_t, int8_t, int8_t>({{1, 6, 5, 5}, {6, 1, 3, 3}, 6, {2, 2}, {}, {}, "SAME_UPPER"}, 128, {0},
                                            {0.01f, 0.02f, 0.03f, 0.01f, 0.02f, 0.03f}, 0, false, 13);
  CheckQLinearConv<int8_t, uint8_t, uint8_t>({{1, 2, 11}, {3, 2, 4}, 1, {3}, {2}, {2, 3}}, 0, {128, 100, 90},
                                             {0.004f}, 100, true, 14);
  CheckQLinearConv<uint8_t, uint8_t, int8_t>({{1, 2, 3, 4, 4}, {2, 2, 2, 2, 2}, 1, {1, 1, 2}, {}, {}, "SAME_LOWER"}, 7, {3},
                                             {0.005f}, 1, true, 15);
}

TEST(QLinearConv, LargeCasesTakeBothParallelPaths) {
  // Many output channels in one group: parallel over channels. Depthwise with a batch: parallel
  // over (image, group) units.
  CheckQLinearConv<uint8_t, int8_t, uint8_t>({{1, 16, 24, 24}, {32, 16, 3, 3}, 1, {}, {}, {1, 1, 1, 1}}, 128, {0},
                                             std::vector<float>(32, 0.003f), 128, true, 21);
  CheckQLinearConv<uint8_t, int8_t, uint8_t>({{3, 32, 20, 20}, {32, 1, 3, 3}, 32, {}, {}, {1, 1, 1, 1}}, 128, {0},
                                             {0.004f}, 128, true, 22);
}

TEST(QLinearConv, Errors) {
  Tensor x = Tensor::FromVector<uint8_t>({1, 2, 3, 3}, std::vector<uint8_t>(18, 1));
  Tensor s = Tensor::Scalar<float>(1.0f);
  Tensor zp = Tensor::Scalar<uint8_t>(0);
  Tensor w = Tensor::FromVector<uint8_t>({3, 2, 1, 1}, std::vector<uint8_t>(6, 1));
  Tensor ws2 = Tensor::FromVector<float>({2}, {1.0f, 1.0f});
  auto bad_scale = RunOne("QLinearConv", {&x, &s, &zp, &w, &ws2, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(bad_scale.ok());
  EXPECT_NE(bad_scale.status().message().find("w_scale has shape [2]"), std::string::npos) << bad_scale.status().message();
  Tensor bias = Tensor::FromVector<int32_t>({2}, {0, 0});
  auto bad_bias = RunOne("QLinearConv", {&x, &s, &zp, &w, &s, &zp, &s, &zp, &bias}, {}, 10);
  ASSERT_FALSE(bad_bias.ok());
  EXPECT_NE(bad_bias.status().message().find("B has shape"), std::string::npos) << bad_bias.status().message();
  auto bad_x_scale = RunOne("QLinearConv", {&x, &ws2, &zp, &w, &s, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(bad_x_scale.ok());
  EXPECT_NE(bad_x_scale.status().message().find("x_scale must hold one value"), std::string::npos);
  auto missing = RunOne("QLinearConv", {&x, &s, &zp, &w, &s, &zp, &s}, {}, 10);
  ASSERT_FALSE(missing.ok());
  auto bad_group = RunOne("QLinearConv", {&x, &s, &zp, &w, &s, &zp, &s, &zp}, {{"group", IntAttr(0)}}, 10);
  ASSERT_FALSE(bad_group.ok());
  EXPECT_NE(bad_group.status().message().find("group"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Matrix products: a direct reference with numpy broadcasting of the batch dims.

// Per-row (a) / per-column (b) parameters of the reference: value for (matrix, index).
struct Param {
  std::vector<float> scale;   // size 1, or per index, or per (matrix, index)
  std::vector<int64_t> zp;
  int64_t per_matrix = 0;     // index count per matrix when the parameter varies by matrix, else 0
  float Scale(int64_t mat, int64_t i) const { return scale.size() == 1 ? scale[0] : scale[mat * per_matrix + i]; }
  int64_t Zp(int64_t mat, int64_t i) const { return zp.size() == 1 ? zp[0] : zp[mat * per_matrix + i]; }
};

// y[batch..., m, n] accumulators for a [A..., M, K], b [B..., K, N] (both rank >= 2).
template <typename A, typename B>
std::vector<int32_t> ReferenceMatMul(const Shape& as, const std::vector<A>& a, const Param& ap, const Shape& bs,
                                     const std::vector<B>& b, const Param& bp, Shape* out_shape,
                                     std::vector<std::pair<int64_t, int64_t>>* matrices) {
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const size_t rank = std::max(as.size(), bs.size());
  Shape batch(rank - 2);
  std::vector<int64_t> a_dims(rank - 2, 1), b_dims(rank - 2, 1);
  for (size_t i = 0; i < rank - 2; ++i) {
    // Right-aligned: a has as.size() - 2 batch dims, the output rank - 2.
    if (i + as.size() >= rank) a_dims[i] = as[i + as.size() - rank];
    if (i + bs.size() >= rank) b_dims[i] = bs[i + bs.size() - rank];
    batch[i] = std::max(a_dims[i], b_dims[i]);
  }
  *out_shape = batch;
  out_shape->push_back(m);
  out_shape->push_back(n);
  const int64_t count = ElementCount(batch);
  std::vector<int32_t> y(static_cast<size_t>(count * m * n));
  matrices->clear();
  for (int64_t o = 0; o < count; ++o) {
    int64_t rem = o, ai = 0, bi = 0, a_stride = 1, b_stride = 1;
    for (size_t i = rank - 2; i-- > 0;) {
      const int64_t idx = rem % batch[i];
      rem /= batch[i];
      ai += (a_dims[i] == 1 ? 0 : idx) * a_stride;
      bi += (b_dims[i] == 1 ? 0 : idx) * b_stride;
      a_stride *= a_dims[i];
      b_stride *= b_dims[i];
    }
    matrices->push_back({ai, bi});
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t c = 0; c < n; ++c) {
        int64_t sum = 0;
        for (int64_t kk = 0; kk < k; ++kk)
          sum += (static_cast<int64_t>(a[(ai * m + r) * k + kk]) - ap.Zp(ai, r)) *
                 (static_cast<int64_t>(b[(bi * k + kk) * n + c]) - bp.Zp(bi, c));
        y[(o * m + r) * n + c] = static_cast<int32_t>(static_cast<uint32_t>(sum));
      }
    }
  }
  return y;
}

template <typename T>
Tensor ParamTensor(const Shape& shape, const std::vector<int64_t>& values) {
  std::vector<T> v;
  for (int64_t e : values) v.push_back(static_cast<T>(e));
  return Tensor::FromVector<T>(shape, v);
}

template <typename A, typename B, typename Y>
void CheckQLinearMatMul(const Shape& as, const Shape& bs, const Shape& a_param_shape, const Param& ap,
                        const Shape& b_param_shape, const Param& bp, float y_scale, int64_t y_zp, uint32_t seed) {
  const std::vector<A> av = RandomInts<A>(static_cast<size_t>(ElementCount(as)), seed);
  const std::vector<B> bv = RandomInts<B>(static_cast<size_t>(ElementCount(bs)), seed + 1);
  Tensor a = Tensor::FromVector<A>(as, av);
  Tensor b = Tensor::FromVector<B>(bs, bv);
  Tensor a_scale = Tensor::FromVector<float>(a_param_shape, ap.scale);
  Tensor a_zp = ParamTensor<A>(a_param_shape, ap.zp);
  Tensor b_scale = Tensor::FromVector<float>(b_param_shape, bp.scale);
  Tensor b_zp = ParamTensor<B>(b_param_shape, bp.zp);
  Tensor ys = Tensor::Scalar<float>(y_scale);
  Tensor yzp = Tensor::Scalar<Y>(static_cast<Y>(y_zp));
  auto y = RunOne("QLinearMatMul", {&a, &a_scale, &a_zp, &b, &b_scale, &b_zp, &ys, &yzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  Shape shape;
  std::vector<std::pair<int64_t, int64_t>> matrices;
  const std::vector<int32_t> acc = ReferenceMatMul(as, av, ap, bs, bv, bp, &shape, &matrices);
  ASSERT_EQ(y->shape(), shape);
  const int64_t m = as[as.size() - 2], n = bs.back();
  int inside = 0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t o = static_cast<int64_t>(i) / (m * n), r = (static_cast<int64_t>(i) / n) % m, c = static_cast<int64_t>(i) % n;
    const float scale = ap.Scale(matrices[o].first, r) * bp.Scale(matrices[o].second, c) / y_scale;
    const int64_t expected = ReferenceRequantize(acc[i], scale, y_zp, std::numeric_limits<Y>::min(), std::numeric_limits<Y>::max());
    if (expected != std::numeric_limits<Y>::min() && expected != std::numeric_limits<Y>::max()) ++inside;
    ASSERT_EQ(static_cast<int64_t>(y->data<Y>()[i]), expected) << "element " << i;
  }
  EXPECT_GT(inside, static_cast<int>(acc.size()) / 4);
}

TEST(QLinearMatMul, HandComputedTies) {
  // a [1, 3] = {1, 3, 5} (scale 0.5, zp 0), b [3, 2] = identity-like, y scale 1 zp 0:
  // row . column 0 = 1 -> 0.5 -> 0; column 1 = 3 + 5 = 8 -> 4. With b zero point per column.
  Tensor a = Tensor::FromVector<uint8_t>({1, 3}, {1, 3, 5});
  Tensor b = Tensor::FromVector<uint8_t>({3, 2}, {1, 0, 0, 1, 0, 1});
  Tensor as = Tensor::Scalar<float>(0.5f);
  Tensor azp = Tensor::Scalar<uint8_t>(0);
  Tensor bs = Tensor::Scalar<float>(1.0f);
  Tensor bzp = Tensor::Scalar<uint8_t>(0);
  Tensor ys = Tensor::Scalar<float>(1.0f);
  Tensor yzp = Tensor::Scalar<int8_t>(0);
  auto y = RunOne("QLinearMatMul", {&a, &as, &azp, &b, &bs, &bzp, &ys, &yzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataType::kInt8);
  ASSERT_EQ(y->shape(), (Shape{1, 2}));
  EXPECT_EQ(y->data<int8_t>()[0], 0);
  EXPECT_EQ(y->data<int8_t>()[1], 4);
  // Per-column b: scale {3, 1}, zero point {0, 1}: column 0 = 1 * 0.5 * 3 = 1.5 -> 2;
  // column 1 = (1*-1 + 3*0 + 5*0) * 0.5 = -0.5 -> 0 (tie to even, not -1).
  Tensor bs2 = Tensor::FromVector<float>({2}, {3.0f, 1.0f});
  Tensor bzp2 = Tensor::FromVector<uint8_t>({2}, {0, 1});
  auto y2 = RunOne("QLinearMatMul", {&a, &as, &azp, &b, &bs2, &bzp2, &ys, &yzp}, {}, 21);
  ASSERT_TRUE(y2.ok()) << y2.status().ToString();
  EXPECT_EQ(y2->data<int8_t>()[0], 2);
  EXPECT_EQ(y2->data<int8_t>()[1], 0);
}

TEST(QLinearMatMul, MatchesReference) {
  // Per tensor, 2-D.
  CheckQLinearMatMul<uint8_t, uint8_t, uint8_t>({5, 7}, {7, 6}, {}, {{0.02f}, {120}}, {}, {{0.01f}, {130}}, 0.3f, 100, 31);
  // Per-column b ([N]), per-row a ([M]), broadcast batch [2, 1] x [3].
  CheckQLinearMatMul<int8_t, int8_t, int8_t>(
      {2, 1, 4, 9}, {3, 9, 5}, {4}, {{0.01f, 0.02f, 0.015f, 0.03f}, {0, 1, -1, 2}}, {5},
      {{0.01f, 0.011f, 0.012f, 0.013f, 0.02f}, {1, 0, -2, 3, 0}}, 0.6f, 0, 32);
  // Per-batch-and-column b ([B, 1, N]) and per-batch-and-row a ([B, M, 1]).
  Param ap{{0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f}, {10, 20, 30, 40, 50, 60}, 3};
  Param bp{{0.01f, 0.02f, 0.015f, 0.025f}, {100, 110, 120, 130}, 2};
  CheckQLinearMatMul<uint8_t, uint8_t, int8_t>({2, 3, 8}, {2, 8, 2}, {2, 3, 1}, ap, {2, 1, 2}, bp, 2.0f, 3, 33);
  // Large enough for the parallel path.
  CheckQLinearMatMul<uint8_t, int8_t, uint8_t>({3, 64, 96}, {96, 80}, {}, {{0.02f}, {128}}, {}, {{0.004f}, {0}}, 0.25f, 128, 34);
}

TEST(QLinearMatMul, OneDimensionalOperands) {
  // a [3] . b [3, 2] -> [2]; a [2, 3] . b [3] -> [2].
  Tensor a1 = Tensor::FromVector<uint8_t>({3}, {1, 2, 3});
  Tensor b2 = Tensor::FromVector<uint8_t>({3, 2}, {1, 2, 3, 4, 5, 6});
  Tensor one = Tensor::Scalar<float>(1.0f);
  Tensor zero = Tensor::Scalar<uint8_t>(0);
  auto y = RunOne("QLinearMatMul", {&a1, &one, &zero, &b2, &one, &zero, &one, &zero}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->shape(), (Shape{2}));
  EXPECT_EQ(y->data<uint8_t>()[0], 22);  // 1 + 6 + 15
  EXPECT_EQ(y->data<uint8_t>()[1], 28);  // 2 + 8 + 18
  Tensor a2 = Tensor::FromVector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  auto y2 = RunOne("QLinearMatMul", {&a2, &one, &zero, &a1, &one, &zero, &one, &zero}, {}, 10);
  ASSERT_TRUE(y2.ok()) << y2.status().ToString();
  ASSERT_EQ(y2->shape(), (Shape{2}));
  EXPECT_EQ(y2->data<uint8_t>()[0], 14);
  EXPECT_EQ(y2->data<uint8_t>()[1], 32);
}

TEST(QLinearMatMul, Errors) {
  Tensor a = Tensor::FromVector<uint8_t>({2, 3}, std::vector<uint8_t>(6, 1));
  Tensor b = Tensor::FromVector<uint8_t>({3, 4}, std::vector<uint8_t>(12, 1));
  Tensor s = Tensor::Scalar<float>(1.0f);
  Tensor zp = Tensor::Scalar<uint8_t>(0);
  Tensor s3 = Tensor::FromVector<float>({3}, {1, 1, 1});
  auto bad_b_scale = RunOne("QLinearMatMul", {&a, &s, &zp, &b, &s3, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(bad_b_scale.ok());
  EXPECT_NE(bad_b_scale.status().message().find("b_scale has shape [3]"), std::string::npos) << bad_b_scale.status().message();
  auto bad_a_scale = RunOne("QLinearMatMul", {&a, &s3, &zp, &b, &s, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(bad_a_scale.ok());
  EXPECT_NE(bad_a_scale.status().message().find("a_scale has shape [3]"), std::string::npos);
  auto inner = RunOne("QLinearMatMul", {&b, &s, &zp, &a, &s, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(inner.ok());
  EXPECT_NE(inner.status().message().find("inner dimensions"), std::string::npos);
  auto bad_y = RunOne("QLinearMatMul", {&a, &s, &zp, &b, &s, &zp, &s3, &zp}, {}, 10);
  ASSERT_FALSE(bad_y.ok());
  EXPECT_NE(bad_y.status().message().find("y_scale must hold one value"), std::string::npos);
  Tensor a3 = Tensor::FromVector<uint8_t>({2, 2, 3}, std::vector<uint8_t>(12, 1));
  Tensor b3 = Tensor::FromVector<uint8_t>({3, 3, 4}, std::vector<uint8_t>(36, 1));
  auto batch = RunOne("QLinearMatMul", {&a3, &s, &zp, &b3, &s, &zp, &s, &zp}, {}, 10);
  ASSERT_FALSE(batch.ok());
  EXPECT_NE(batch.status().message().find("batch dimensions"), std::string::npos) << batch.status().message();
}

TEST(MatMulInteger, MatchesReferenceWithRowAndColumnZeroPoints) {
  const Shape as = {2, 1, 3, 7};
  const Shape bs = {4, 7, 5};
  const std::vector<int8_t> av = RandomInts<int8_t>(static_cast<size_t>(ElementCount(as)), 41);
  const std::vector<uint8_t> bv = RandomInts<uint8_t>(static_cast<size_t>(ElementCount(bs)), 42);
  Param ap{{1.0f}, {-3, 0, 5}, 0};
  Param bp{{1.0f}, {0, 255, 128, 7, 1}, 0};
  Tensor a = Tensor::FromVector<int8_t>(as, av);
  Tensor b = Tensor::FromVector<uint8_t>(bs, bv);
  Tensor azp = ParamTensor<int8_t>({3}, ap.zp);
  Tensor bzp = ParamTensor<uint8_t>({5}, bp.zp);
  auto y = RunOne("MatMulInteger", {&a, &b, &azp, &bzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataType::kInt32);
  Shape shape;
  std::vector<std::pair<int64_t, int64_t>> matrices;
  const std::vector<int32_t> expected = ReferenceMatMul(as, av, ap, bs, bv, bp, &shape, &matrices);
  ASSERT_EQ(y->shape(), shape);
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(y->data<int32_t>()[i], expected[i]) << "element " << i;

  // Without zero points.
  auto y0 = RunOne("MatMulInteger", {&a, &b}, {}, 10);
  ASSERT_TRUE(y0.ok()) << y0.status().ToString();
  const std::vector<int32_t> expected0 = ReferenceMatMul(as, av, Param{{1.0f}, {0}, 0}, bs, bv, Param{{1.0f}, {0}, 0}, &shape, &matrices);
  for (size_t i = 0; i < expected0.size(); ++i) ASSERT_EQ(y0->data<int32_t>()[i], expected0[i]) << "element " << i;
}

TEST(MatMulInteger, HandComputedAndWrapping) {
  // [[1, 2], [3, 4]] - 1 = [[0, 1], [2, 3]] times [[5, 6], [7, 8]] - [5, 6] = [[0, 0], [2, 2]].
  Tensor a = Tensor::FromVector<uint8_t>({2, 2}, {1, 2, 3, 4});
  Tensor b = Tensor::FromVector<uint8_t>({2, 2}, {5, 6, 7, 8});
  Tensor azp = Tensor::Scalar<uint8_t>(1);
  Tensor bzp = Tensor::FromVector<uint8_t>({2}, {5, 6});
  auto y = RunOne("MatMulInteger", {&a, &b, &azp, &bzp}, {}, 10);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  const std::vector<int32_t> expected = {2, 2, 6, 6};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y->data<int32_t>()[i], expected[i]) << i;

  const int64_t k = 40000;
  Tensor big_a = Tensor::FromVector<int8_t>({1, k}, std::vector<int8_t>(k, 127));
  Tensor big_b = Tensor::FromVector<int8_t>({k, 1}, std::vector<int8_t>(k, -128));
  Tensor big_bzp = Tensor::Scalar<int8_t>(127);
  Tensor big_azp = Tensor::Scalar<int8_t>(-128);
  auto wrapped = RunOne("MatMulInteger", {&big_a, &big_b, &big_azp, &big_bzp}, {}, 10);
  ASSERT_TRUE(wrapped.ok()) << wrapped.status().ToString();
  EXPECT_EQ(wrapped->data<int32_t>()[0], static_cast<int32_t>(-65025LL * k + (int64_t{1} << 32)));
}

// ---------------------------------------------------------------------------------------------
// DynamicQuantizeLinear.

TEST(DynamicQuantizeLinear, HandComputed) {
  // min -1, max 2.5: scale 3.5 / 255, zero point round(1 / scale) = round(72.857) = 73.
  Tensor x = Tensor::FromVector<float>({4}, {-1.0f, 0.0f, 2.5f, 1.0f});
  auto out = RunNode("DynamicQuantizeLinear", {&x}, {}, 11, 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float scale = 3.5f / 255.0f;
  EXPECT_EQ((*out)[1].data<float>()[0], scale);
  EXPECT_EQ((*out)[2].data<uint8_t>()[0], 73);
  ASSERT_EQ((*out)[0].dtype(), DataType::kUint8);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ((*out)[0].data<uint8_t>()[i], ReferenceQuantize(x.data<float>()[i], scale, 73, 0, 255)) << i;
  EXPECT_EQ((*out)[0].data<uint8_t>()[0], 0);
  EXPECT_EQ((*out)[0].data<uint8_t>()[2], 255);
}

TEST(DynamicQuantizeLinear, RangeAlwaysIncludesZero) {
  Tensor positive = Tensor::FromVector<float>({3}, {2.0f, 4.0f, 5.1f});
  auto p = RunNode("DynamicQuantizeLinear", {&positive}, {}, 11, 3);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ((*p)[1].data<float>()[0], 5.1f / 255.0f);
  EXPECT_EQ((*p)[2].data<uint8_t>()[0], 0);
  EXPECT_EQ((*p)[0].data<uint8_t>()[2], 255);
  Tensor negative = Tensor::FromVector<float>({2}, {-2.0f, -0.5f});
  auto n = RunNode("DynamicQuantizeLinear", {&negative}, {}, 11, 3);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ((*n)[2].data<uint8_t>()[0], 255);
  EXPECT_EQ((*n)[0].data<uint8_t>()[0], 0);
  // -0.5 / (2 / 255) = -63.75 -> -64, + 255 = 191.
  EXPECT_EQ((*n)[0].data<uint8_t>()[1], 191);
}

TEST(DynamicQuantizeLinear, AllZerosGiveScaleOne) {
  Tensor zeros = Tensor::Zeros(DataType::kFloat32, {5});
  auto z = RunNode("DynamicQuantizeLinear", {&zeros}, {}, 11, 3);
  ASSERT_TRUE(z.ok()) << z.status().ToString();
  EXPECT_EQ((*z)[1].data<float>()[0], 1.0f);
  EXPECT_EQ((*z)[2].data<uint8_t>()[0], 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ((*z)[0].data<uint8_t>()[i], 0);
}

TEST(DynamicQuantizeLinear, LargeTensorMatchesReference) {
  std::mt19937 rng(77);
  std::uniform_real_distribution<float> dist(-3.0f, 7.0f);
  std::vector<float> xs(200000);
  for (float& v : xs) v = dist(rng);
  xs[5] = -3.5f;
  xs[9] = 7.25f;
  Tensor x = Tensor::FromVector<float>({static_cast<int64_t>(xs.size())}, xs);
  auto out = RunNode("DynamicQuantizeLinear", {&x}, {}, 11, 3);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const float scale = (7.25f - -3.5f) / 255.0f;
  const int64_t zp = RoundHalfEven(std::fmin(255.0f, std::fmax(0.0f, 0.0f - -3.5f / scale)));
  EXPECT_EQ((*out)[1].data<float>()[0], scale);
  EXPECT_EQ((*out)[2].data<uint8_t>()[0], zp);
  for (size_t i = 0; i < xs.size(); ++i)
    ASSERT_EQ((*out)[0].data<uint8_t>()[i], ReferenceQuantize(xs[i], scale, zp, 0, 255)) << "element " << i;
}

}  // namespace
}  // namespace xquant
