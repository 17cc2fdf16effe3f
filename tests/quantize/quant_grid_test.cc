// Grids and rounding per threshold type and bit width (hand-computed values), and the threshold
// search of each error method against a brute-force loop written independently here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
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

// ---- KL and uniform MSE against references written here -----------------------------------------

// Deterministic samples of known distributions: the quantiles (i + 0.5) / n of the inverse CDF,
// so no random generator is involved and the data is the same on every platform.
std::vector<float> LaplaceQuantiles(int n, double b) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) {
    const double u = (i + 0.5) / n;
    v[i] = static_cast<float>(u < 0.5 ? b * std::log(2 * u) : -b * std::log(2 * (1 - u)));
  }
  return v;
}

// A skewed distribution: 30 % of the mass on a short negative tail (scale 0.5), 70 % on a long
// positive one (scale 2), as a biased pre-activation.
std::vector<float> SkewedQuantiles(int n) {
  std::vector<float> v(n);
  for (int i = 0; i < n; ++i) {
    const double u = (i + 0.5) / n;
    v[i] = static_cast<float>(u < 0.3 ? 0.5 * std::log(u / 0.3) : -2.0 * std::log((1 - u) / 0.7));
  }
  return v;
}

// The KL error method as threshold_search.h documents it, in plain double arithmetic over a
// 2048-bin histogram: a candidate threshold t gives the grid delta = t / 2^(bits - signed) with
// codes [-2^(bits-1), 2^(bits-1) - 1] (signed) or [0, 2^bits - 1]; P is the histogram restricted to
// the bins whose centre the grid covers, the mass of the bins beyond moved onto the outermost
// covered non-empty bin on that side; Q gives each covered non-empty bin the mean count of the
// non-empty bins that round to the same code. Returns the candidate of the smallest KL(P || Q)
// (the first on ties).
double ReferenceKlThreshold(const std::vector<float>& v, int bits, bool is_signed, const std::vector<double>& candidates) {
  constexpr int kBins = 2048;
  const double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
  const double width = (hi - lo) / kBins;
  std::vector<double> count(kBins, 0.0);
  for (float x : v) count[std::min(kBins - 1, static_cast<int>((x - lo) / width))] += 1;
  std::vector<double> centre(kBins);
  for (int i = 0; i < kBins; ++i) centre[i] = lo + (i + 0.5) * width;

  double best_t = candidates.front(), best_kl = std::numeric_limits<double>::infinity();
  for (double t : candidates) {
    const double delta = t / std::pow(2.0, is_signed ? bits - 1 : bits);
    const double code_min = is_signed ? -std::pow(2.0, bits - 1) : 0, code_max = is_signed ? std::pow(2.0, bits - 1) - 1 : std::pow(2.0, bits) - 1;
    const double low = code_min * delta, high = code_max * delta;
    std::vector<int> covered;  // non-empty bins inside the grid's range
    double below = 0, above = 0;
    for (int i = 0; i < kBins; ++i) {
      if (count[i] == 0) continue;
      if (centre[i] < low) below += count[i];
      else if (centre[i] > high) above += count[i];
      else covered.push_back(i);
    }
    if (covered.empty()) continue;
    std::map<long, std::pair<double, int>> cell;  // code -> (count, non-empty bins)
    auto code = [&](double x) { return static_cast<long>(std::clamp(std::nearbyint(x / delta), code_min, code_max)); };
    for (int i : covered) {
      cell[code(centre[i])].first += count[i];
      cell[code(centre[i])].second += 1;
    }
    double kl = 0;
    for (int i : covered) {
      double p = count[i];
      if (i == covered.front()) p += below;
      if (i == covered.back()) p += above;
      const auto& [mass, bins_in_cell] = cell[code(centre[i])];
      const double q = mass / bins_in_cell;
      kl += (p / v.size()) * std::log(p / q);
    }
    if (kl < best_kl) best_kl = kl, best_t = t;
  }
  return best_t;
}

std::vector<double> SymmetricCandidates(double top) {
  std::vector<double> c;
  for (int k = 0; k <= 95; ++k) c.push_back(top * (1.0 - 0.01 * k));  // ratios 1 down to 0.05
  return c;
}

TEST(ThresholdSearch, KlErrorOfAHandMadeHistogram) {
  // Bins of width 1 over [0, 4] with counts 2, 1, 1, 4 (centres 0.5 .. 3.5); unsigned 2-bit grid of
  // threshold 4: delta 1, codes 0..3, top 3. Centre 3.5 is clipped: its 4 move onto 2.5.
  // Codes: 0.5 -> 0 (half to even), 1.5 -> 2, 2.5 -> 2. P = (2, 1, 5) / 8; Q = (2, 1, 1) / 8
  // (cell 2 holds 2 over two bins). KL = 2/8 ln 1 + 1/8 ln 1 + 5/8 ln 5.
  const WeightedPoints p = PointsFromHistogram(0.0, 4.0, {2, 1, 1, 4});
  EXPECT_NEAR(QuantizationError(p, SymmetricGrid(4.0, 2, false), QuantizationErrorMethod::kKl, 2.0), 0.625 * std::log(5.0),
              1e-12);
  // Threshold 8 (delta 2, top 6): nothing clipped; centres / 2 = 0.25, 0.75, 1.25, 1.75 -> codes 0, 1, 1, 2.
  // P = (2, 1, 1, 4) / 8; Q = (2, 1, 1, 4) / 8: no loss.
  EXPECT_NEAR(QuantizationError(p, SymmetricGrid(8.0, 2, false), QuantizationErrorMethod::kKl, 2.0), 0.0, 1e-12);
}

TEST(ThresholdSearch, KlThresholdMatchesAReferenceOnKnownDistributions) {
  struct Case {
    const char* name;
    std::vector<float> values;
    QuantizationMethod method;
    int bits;
    bool is_signed;
    bool clips;  // at 4 bits KL clips the tail; at 8 bits it keeps the whole range
  };
  std::vector<float> half_laplace = LaplaceQuantiles(6000, 1.0);
  for (float& x : half_laplace) x = std::abs(x);
  const std::vector<Case> cases = {
      {"laplace, symmetric 4 bits", LaplaceQuantiles(4000, 1.0), QuantizationMethod::kSymmetric, 4, true, true},
      {"laplace, symmetric 8 bits", LaplaceQuantiles(4000, 1.0), QuantizationMethod::kSymmetric, 8, true, false},
      {"|laplace|, power of two unsigned 4 bits", half_laplace, QuantizationMethod::kPowerOfTwo, 4, false, true},
  };
  for (const Case& c : cases) {
    double max_abs = 0;
    for (float x : c.values) max_abs = std::max<double>(max_abs, std::abs(x));
    std::vector<double> candidates;
    if (c.method == QuantizationMethod::kSymmetric) {
      candidates = SymmetricCandidates(max_abs);
    } else {
      for (int i = 0; i <= 10; ++i) candidates.push_back(std::exp2(std::ceil(std::log2(max_abs)) - i));
    }
    SearchSettings s;
    s.method = c.method;
    s.error_method = QuantizationErrorMethod::kKl;
    s.bits = c.bits;
    s.is_signed = c.is_signed;
    const double t = SearchRange(PointsFromValues(c.values), s).threshold;
    const double want = ReferenceKlThreshold(c.values, c.bits, c.is_signed, candidates);
    EXPECT_DOUBLE_EQ(t, want) << c.name;
    if (c.clips) {
      EXPECT_LT(t, max_abs) << c.name;
    } else {
      EXPECT_EQ(t, candidates.front()) << c.name;
    }
  }
}

// Independent uniform quantizer over [l, h] (which holds 0): s = (h - l) / (2^bits - 1), zero point
// round(-l / s), codes 0..2^bits - 1; returns the mean squared error on v and the grid's range.
struct UniformOutcome {
  double mse, lower, upper;
};
UniformOutcome UniformMse(const std::vector<float>& v, double l, double h, int bits) {
  const double levels = std::pow(2.0, bits) - 1;
  const double s = (h - l) / levels, zp = std::nearbyint(-l / s);
  double e = 0;
  for (float x : v) {
    const double q = (std::clamp(std::nearbyint(x / s) + zp, 0.0, levels) - zp) * s;
    e += (q - x) * (q - x);
  }
  return {e / v.size(), -zp * s, (levels - zp) * s};
}

TEST(ThresholdSearch, UniformMseMatchesBruteForceOnSkewedData) {
  const std::vector<float> v = SkewedQuantiles(4000);
  const double lo = std::min(0.0f, *std::min_element(v.begin(), v.end()));
  const double hi = std::max(0.0f, *std::max_element(v.begin(), v.end()));
  SearchSettings s;
  s.method = QuantizationMethod::kUniform;
  s.error_method = QuantizationErrorMethod::kMse;
  s.bits = 4;
  const RangeChoice got = SearchRange(PointsFromValues(v), s);
  s.error_method = QuantizationErrorMethod::kNoClipping;
  const RangeChoice none = SearchRange(PointsFromValues(v), s);

  // The documented candidates: each end shrunk by 1, 0.95, ..., 0.05 independently.
  UniformOutcome best{std::numeric_limits<double>::infinity(), 0, 0};
  for (int a = 0; a < 20; ++a)
    for (int b = 0; b < 20; ++b) {
      const UniformOutcome o = UniformMse(v, lo * (1 - 0.05 * a), hi * (1 - 0.05 * b), 4);
      if (o.mse < best.mse) best = o;
    }
  EXPECT_NEAR(got.range_min, best.lower, 1e-9 * (hi - lo));
  EXPECT_NEAR(got.range_max, best.upper, 1e-9 * (hi - lo));
  const double got_mse = UniformMse(v, got.range_min, got.range_max, 4).mse;
  EXPECT_NEAR(got_mse, best.mse, 1e-9 * best.mse);
  EXPECT_LT(got.range_max, 0.9 * hi) << "the long positive tail is clipped at 4 bits";

  // Whatever the candidate set, the result is close to the best range on a 100 x 100 grid of shrink
  // factors and clearly better than keeping the whole range.
  double fine = std::numeric_limits<double>::infinity();
  for (int a = 0; a < 100; ++a)
    for (int b = 0; b < 100; ++b) fine = std::min(fine, UniformMse(v, lo * (1 - 0.01 * a), hi * (1 - 0.01 * b), 4).mse);
  EXPECT_LE(got_mse, 1.01 * fine);
  EXPECT_LT(got_mse, 0.8 * UniformMse(v, none.range_min, none.range_max, 4).mse);
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
