// Grids and rounding per threshold type and bit width (hand-computed values), and the threshold
// search of each error method against a brute-force loop written independently here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "quantize/quant_grid.h"
#include "quantize/threshold_search.h"

namespace xquant::quantize {
namespace {

TEST(QuantGrid, PowerOfTwoCeil) {
  EXPECT_EQ(PowerOfTwoCeil(3.0), 4.0);
  EXPECT_EQ(PowerOfTwoCeil(4.0), 4.0);
  EXPECT_EQ(PowerOfTwoCeil(0.3), 0.5);
  EXPECT_EQ(PowerOfTwoCeil(0.0), 1.0);
}

TEST(QuantGrid, SignedEightBits) {
  const Grid g = SymmetricGrid(1.0, 8, true);  // delta = 1/128, codes -128..127
  EXPECT_DOUBLE_EQ(g.scale, 1.0 / 128);
  EXPECT_EQ(g.Code(0.5), 64);
  EXPECT_EQ(g.Code(1.0), 127);  // t itself is not representable: t - delta is the top
  EXPECT_EQ(g.Code(-1.0), -128);
  EXPECT_DOUBLE_EQ(g.FakeQuantize(0.3), 38.0 / 128);  // 38.4 -> 38
  EXPECT_EQ(g.Code(2.5 / 128), 2);                     // half to even
  EXPECT_EQ(g.Code(3.5 / 128), 4);
  EXPECT_DOUBLE_EQ(g.upper(), 127.0 / 128);
  EXPECT_DOUBLE_EQ(g.lower(), -1.0);
}

TEST(QuantGrid, UnsignedEightBits) {
  const Grid g = SymmetricGrid(2.0, 8, false);  // delta = 2/256, codes 0..255
  EXPECT_DOUBLE_EQ(g.scale, 1.0 / 128);
  EXPECT_EQ(g.Code(-0.1), 0);
  EXPECT_EQ(g.Code(2.0), 255);
  EXPECT_DOUBLE_EQ(g.upper(), 255.0 / 128);
}

TEST(QuantGrid, FourAndTwoBits) {
  const Grid g4 = SymmetricGrid(1.0, 4, true);  // delta 1/8, codes -8..7
  EXPECT_EQ(g4.qmin, -8);
  EXPECT_EQ(g4.qmax, 7);
  EXPECT_DOUBLE_EQ(g4.FakeQuantize(0.9), 0.875);
  EXPECT_DOUBLE_EQ(g4.FakeQuantize(-1.2), -1.0);
  const Grid u4 = SymmetricGrid(1.0, 4, false);  // delta 1/16, codes 0..15
  EXPECT_DOUBLE_EQ(u4.FakeQuantize(0.5), 0.5);
  EXPECT_DOUBLE_EQ(u4.FakeQuantize(1.0), 15.0 / 16);
  const Grid g2 = SymmetricGrid(1.0, 2, true);  // delta 0.5, codes -2..1
  EXPECT_DOUBLE_EQ(g2.FakeQuantize(0.3), 0.5);
  EXPECT_DOUBLE_EQ(g2.FakeQuantize(0.2), 0.0);
  EXPECT_DOUBLE_EQ(g2.FakeQuantize(0.9), 0.5);
  EXPECT_DOUBLE_EQ(g2.FakeQuantize(-5.0), -1.0);
}

TEST(QuantGrid, UniformNudgesZeroOntoTheGrid) {
  const Grid g = UniformGrid(-1.0, 3.0, 8);  // s = 4/255, zp = round(63.75) = 64
  EXPECT_DOUBLE_EQ(g.scale, 4.0 / 255);
  EXPECT_EQ(g.zero_point, 64);
  EXPECT_DOUBLE_EQ(g.lower(), -64 * 4.0 / 255);
  EXPECT_DOUBLE_EQ(g.upper(), 191 * 4.0 / 255);
  EXPECT_DOUBLE_EQ(g.FakeQuantize(0.0), 0.0);
  const Grid u2 = UniformGrid(0.0, 3.0, 2);  // s = 1, codes 0..3
  EXPECT_DOUBLE_EQ(u2.FakeQuantize(1.4), 1.0);
  EXPECT_DOUBLE_EQ(u2.FakeQuantize(7.0), 3.0);
}

std::vector<float> Laplace(int n, double b, unsigned seed) {
  std::mt19937 gen(seed);
  std::exponential_distribution<double> e(1.0 / b);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(sign(gen) ? e(gen) : -e(gen));
  return v;
}

// Independent brute force: symmetric signed n-bit clip-then-round with threshold t, error ^p.
double BruteError(const std::vector<float>& v, double t, int bits, double p) {
  const double delta = t / std::pow(2.0, bits - 1);
  const double lo = -t, hi = t - delta;
  double e = 0;
  for (float x : v) {
    const double q = std::nearbyint(std::min(std::max<double>(x, lo), hi) / delta) * delta;
    e += std::pow(std::abs(q - x), p);
  }
  return e / v.size();
}

double BruteBestSymmetric(const std::vector<float>& v, int bits, double p) {
  double max_abs = 0;
  for (float x : v) max_abs = std::max<double>(max_abs, std::abs(x));
  double best_t = max_abs, best_e = BruteError(v, max_abs, bits, p);
  for (int k = 1; k <= 95; ++k) {
    const double t = max_abs * (1.0 - 0.01 * k);
    const double e = BruteError(v, t, bits, p);
    if (e < best_e) best_e = e, best_t = t;
  }
  return best_t;
}

TEST(ThresholdSearch, NoClippingCoversTheRange) {
  std::vector<float> v = {-3.0f, 0.5f, 2.0f};
  SearchSettings s;
  s.error_method = QuantizationErrorMethod::kNoClipping;
  s.is_signed = true;
  EXPECT_EQ(SearchRange(PointsFromValues(v), s).threshold, 4.0);  // 2^ceil(log2 3)
  s.method = QuantizationMethod::kSymmetric;
  EXPECT_EQ(SearchRange(PointsFromValues(v), s).threshold, 3.0);
  s.method = QuantizationMethod::kUniform;
  const RangeChoice u = SearchRange(PointsFromValues(v), s);
  EXPECT_NEAR(u.range_min, -3.0, 5.0 / 255);
  EXPECT_NEAR(u.range_max, 2.0, 5.0 / 255);
}

TEST(ThresholdSearch, MseMaeLpMatchBruteForceOnLaplace) {
  const std::vector<float> v = Laplace(4000, 1.0, 7);
  double max_abs = 0;
  for (float x : v) max_abs = std::max<double>(max_abs, std::abs(x));
  for (auto [method, p] : {std::pair{QuantizationErrorMethod::kMse, 2.0}, std::pair{QuantizationErrorMethod::kMae, 1.0},
                           std::pair{QuantizationErrorMethod::kLp, 3.0}}) {
    SearchSettings s;
    s.method = QuantizationMethod::kSymmetric;
    s.error_method = method;
    s.p = p;
    s.bits = 4;
    s.is_signed = true;
    const double t = SearchRange(PointsFromValues(v), s).threshold;
    EXPECT_NEAR(t, BruteBestSymmetric(v, 4, p), 1e-9 * max_abs) << QuantizationErrorMethodName(method);
    EXPECT_LT(t, 0.9 * max_abs) << "a long tail is clipped at 4 bits";
  }
}

TEST(ThresholdSearch, MseKeepsTheRangeOfUniformData) {
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> v(4000);
  for (float& x : v) x = u(gen);
  SearchSettings s;
  s.method = QuantizationMethod::kSymmetric;
  s.is_signed = true;
  const double t = SearchRange(PointsFromValues(v), s).threshold;
  EXPECT_GT(t, 0.97 * 2.0);  // nothing to gain by clipping a flat distribution at 8 bits
  EXPECT_NEAR(t, BruteBestSymmetric(v, 8, 2.0), 1e-9);
}

TEST(ThresholdSearch, PowerOfTwoCandidatesHalve) {
  // 20000 values in [-1, 1] and one at 60, 4 bits: t0 = 64 rounds every ordinary value to 0 (mean
  // squared error ~1/3), while t = 2 costs the outlier (60 - 1.75)^2 / 20001 ~ 0.17: MSE clips.
  std::vector<float> v;
  for (int i = 0; i < 20000; ++i) v.push_back(-1.0f + 2.0f * i / 19999);
  v.push_back(60.0f);
  SearchSettings s;
  s.bits = 4;
  s.is_signed = true;
  const double t = SearchRange(PointsFromValues(v), s).threshold;
  EXPECT_EQ(std::log2(t), std::round(std::log2(t)));  // a power of two
  EXPECT_LT(t, 64.0);
  // Brute force over the same candidates with the independent error loop.
  double best_t = 64, best_e = BruteError(v, 64, 4, 2);
  for (int i = 1; i <= 10; ++i) {
    const double c = 64.0 / std::pow(2.0, i), e = BruteError(v, c, 4, 2);
    if (e < best_e) best_e = e, best_t = c;
  }
  EXPECT_EQ(t, best_t);
}

TEST(ThresholdSearch, KlClipsAHeavyTail) {
  const std::vector<float> v = Laplace(4000, 1.0, 11);
  SearchSettings s;
  s.method = QuantizationMethod::kSymmetric;
  s.error_method = QuantizationErrorMethod::kKl;
  s.bits = 4;
  s.is_signed = true;
  const RangeChoice kl = SearchRange(PointsFromValues(v), s);
  s.error_method = QuantizationErrorMethod::kNoClipping;
  const RangeChoice none = SearchRange(PointsFromValues(v), s);
  EXPECT_LT(kl.threshold, none.threshold);
  EXPECT_GT(kl.threshold, 0.05 * none.threshold);
}

TEST(ThresholdSearch, ZThresholdDropsOutliers) {
  std::mt19937 gen(5);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> v(2000);
  for (float& x : v) x = n(gen);
  v.push_back(100.0f);
  const WeightedPoints kept = RemoveOutliers(PointsFromValues(v), 5.0);
  EXPECT_LT(kept.max, 6.0);
  EXPECT_EQ(kept.values.size(), v.size() - 1);
  const WeightedPoints all = RemoveOutliers(PointsFromValues(v), std::numeric_limits<double>::infinity());
  EXPECT_EQ(all.max, 100.0);
}

TEST(ThresholdSearch, HistogramPointsAreBinCentres) {
  const WeightedPoints p = PointsFromHistogram(0.0, 4.0, {1, 0, 3, 2});
  ASSERT_EQ(p.values.size(), 3u);  // empty bins dropped
  EXPECT_DOUBLE_EQ(p.values[0], 0.5);
  EXPECT_DOUBLE_EQ(p.values[1], 2.5);
  EXPECT_DOUBLE_EQ(p.weights[1], 3.0);
  EXPECT_DOUBLE_EQ(p.max, 4.0);
}

}  // namespace
}  // namespace xquant::quantize
