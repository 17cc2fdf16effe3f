// Metrics, streaming histograms and detection against hand-computed values and the reference's
// documented check values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "analysis/detection.h"
#include "analysis/histogram.h"
#include "analysis/metrics.h"

namespace xquant::analysis {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

MetricValues EvaluateOnce(const std::vector<float>& x, const std::vector<float>& y, XQuantConfig config = {}) {
  config.custom_similarity_metrics = {"mae", "max_abs_error"};
  auto set = MetricSet::Create(config);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  MetricAccumulator acc(&*set);
  std::vector<double> values(set->size());
  set->Evaluate(x.data(), y.data(), static_cast<int64_t>(x.size()), values.data());
  acc.Add(values.data());
  return acc.Finish();
}

TEST(Metrics, ReferenceCheckValues) {
  // The reference documents x=[3,3,3], y=[1,1,1] -> mse 4, cs 1, sqnr 2.25, mae 2.
  MetricValues m = EvaluateOnce({3, 3, 3}, {1, 1, 1});
  EXPECT_DOUBLE_EQ(FindMetric(m, "mse"), 4.0);
  EXPECT_DOUBLE_EQ(FindMetric(m, "cs"), 1.0);
  EXPECT_DOUBLE_EQ(FindMetric(m, "sqnr"), 2.25);
  EXPECT_DOUBLE_EQ(FindMetric(m, "mae"), 2.0);
  EXPECT_DOUBLE_EQ(FindMetric(m, "max_abs_error"), 2.0);
  EXPECT_NEAR(FindMetric(m, "sqnr_db"), 10 * std::log10(2.25), 1e-12);
  // Report order: the three reference metrics, dB, then the extras.
  std::vector<std::string> names;
  for (const auto& [name, v] : m) names.push_back(name);
  EXPECT_THAT(names, ::testing::ElementsAre("mse", "cs", "sqnr", "sqnr_db", "mae", "max_abs_error"));
}

TEST(Metrics, IdenticalAndZeroTensors) {
  MetricValues same = EvaluateOnce({1, -2, 3}, {1, -2, 3});
  EXPECT_EQ(FindMetric(same, "mse"), 0.0);
  EXPECT_EQ(FindMetric(same, "sqnr"), kInf);
  EXPECT_EQ(FindMetric(same, "sqnr_db"), kInf);
  EXPECT_NEAR(FindMetric(same, "cs"), 1.0, 1e-12);
  // Both zero: the reference's rules give mse 0, cs 0 (norms floored at 1e-8), sqnr 0/0 = NaN.
  MetricValues zeros = EvaluateOnce({0, 0}, {0, 0});
  EXPECT_EQ(FindMetric(zeros, "mse"), 0.0);
  EXPECT_EQ(FindMetric(zeros, "cs"), 0.0);
  EXPECT_TRUE(std::isnan(FindMetric(zeros, "sqnr")));
  // Float all zero, quantized not: no signal, so sqnr 0 and -inf dB.
  MetricValues no_signal = EvaluateOnce({0, 0}, {1, 1});
  EXPECT_EQ(FindMetric(no_signal, "sqnr"), 0.0);
  EXPECT_EQ(FindMetric(no_signal, "sqnr_db"), -kInf);
  // Opposite vectors: cs -1.
  EXPECT_NEAR(FindMetric(EvaluateOnce({1, 2}, {-1, -2}), "cs"), -1.0, 1e-12);
}

TEST(Metrics, AverageOverBatchesIsArithmetic) {
  auto set = MetricSet::Create({});
  ASSERT_TRUE(set.ok());
  MetricAccumulator acc(&*set);
  std::vector<double> v(set->size());
  std::vector<float> x1 = {3, 3, 3}, y1 = {1, 1, 1};  // mse 4, sqnr 2.25
  std::vector<float> x2 = {2, 2}, y2 = {1, 1};        // mse 1, sqnr 4
  set->Evaluate(x1.data(), y1.data(), 3, v.data());
  acc.Add(v.data());
  set->Evaluate(x2.data(), y2.data(), 2, v.data());
  acc.Add(v.data());
  MetricValues m = acc.Finish();
  EXPECT_DOUBLE_EQ(FindMetric(m, "mse"), 2.5);  // not weighted by batch size
  EXPECT_DOUBLE_EQ(FindMetric(m, "sqnr"), 3.125);
  EXPECT_NEAR(FindMetric(m, "sqnr_db"), 10 * std::log10(3.125), 1e-12);  // dB of the mean
}

TEST(Metrics, LargeTensorMatchesDoublePrecisionLoop) {
  std::mt19937 gen(3);
  std::normal_distribution<float> dist(0.5f, 2.0f);
  const int64_t n = 3'000'001;  // odd, several parallel chunks
  std::vector<float> x(n), y(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = dist(gen);
    y[i] = x[i] + 0.01f * dist(gen);
  }
  double diff_sq = 0, dot = 0, xx = 0, yy = 0, abs_diff = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - y[i];
    diff_sq += d * d;
    dot += static_cast<double>(x[i]) * y[i];
    xx += static_cast<double>(x[i]) * x[i];
    yy += static_cast<double>(y[i]) * y[i];
    abs_diff += std::fabs(d);
  }
  MetricValues m = EvaluateOnce(x, y);
  EXPECT_NEAR(FindMetric(m, "mse"), diff_sq / n, 1e-5 * diff_sq / n);
  EXPECT_NEAR(FindMetric(m, "cs"), dot / std::sqrt(xx * yy), 1e-7);
  EXPECT_NEAR(FindMetric(m, "sqnr"), xx / diff_sq, 1e-4 * xx / diff_sq);
  EXPECT_NEAR(FindMetric(m, "mae"), abs_diff / n, 1e-5 * abs_diff / n);
}

TEST(Metrics, NanPropagates) {
  MetricValues m = EvaluateOnce({1, NAN, 3}, {1, 2, 3});
  EXPECT_TRUE(std::isnan(FindMetric(m, "mse")));
  EXPECT_TRUE(std::isnan(FindMetric(m, "cs")));
  EXPECT_TRUE(std::isnan(FindMetric(m, "sqnr")));
}

TEST(Metrics, CustomFunctionsAndOverrides) {
  XQuantConfig config;
  config.custom_metric_functions["l_inf_rel"] = [](std::span<const float> x, std::span<const float> y) {
    double m = 0;
    for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(double(x[i]) - y[i]) / std::fabs(double(x[i])));
    return m;
  };
  // Overriding a default, as the reference allows.
  config.custom_metric_functions["mse"] = [](std::span<const float>, std::span<const float>) { return 42.0; };
  MetricValues m = EvaluateOnce({2, 4}, {1, 4}, config);
  EXPECT_DOUBLE_EQ(FindMetric(m, "l_inf_rel"), 0.5);
  EXPECT_DOUBLE_EQ(FindMetric(m, "mse"), 42.0);
  EXPECT_DOUBLE_EQ(FindMetric(m, "sqnr"), 20.0);  // (4+16)/2 / (1/2)
}

TEST(Metrics, UnknownMetricNameIsAnError) {
  XQuantConfig config;
  config.custom_similarity_metrics = {"psnr"};
  auto set = MetricSet::Create(config);
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), ::testing::HasSubstr("'psnr'"));
  EXPECT_THAT(set.status().message(), ::testing::HasSubstr("max_abs_error"));
}

// The exact two-pass histogram: bins over the global [min, max], last bin closed.
std::vector<int64_t> ExactHistogram(const std::vector<float>& v, int bins, double lo, double hi) {
  std::vector<int64_t> counts(bins, 0);
  for (float x : v) {
    int64_t b = static_cast<int64_t>((x - lo) / (hi - lo) * bins);
    counts[std::clamp<int64_t>(b, 0, bins - 1)]++;
  }
  return counts;
}

TEST(StreamingHistogram, MatchesExactHistogramWithinOneBin) {
  std::mt19937 gen(11);
  std::normal_distribution<float> narrow(0.0f, 0.5f);
  std::vector<float> all;
  StreamingHistogram h;
  // Batches whose range grows on both sides, as activations do.
  for (int batch = 0; batch < 6; ++batch) {
    std::vector<float> v(20000);
    for (float& x : v) x = narrow(gen) * (1.0f + batch);
    if (batch == 3) v[5] = 40.0f;   // an outlier far right
    if (batch == 4) v[7] = -9.0f;   // and one left
    h.Add(v.data(), static_cast<int64_t>(v.size()));
    all.insert(all.end(), v.begin(), v.end());
  }
  Histogram out = h.Finish(2048);
  const double lo = *std::min_element(all.begin(), all.end()), hi = *std::max_element(all.begin(), all.end());
  EXPECT_EQ(out.min, lo);
  EXPECT_EQ(out.max, hi);
  EXPECT_EQ(out.num, static_cast<int64_t>(all.size()));
  ASSERT_EQ(out.counts.size(), 2048u);
  std::vector<int64_t> exact = ExactHistogram(all, 2048, lo, hi);
  // Every count may move by at most one bin: cumulative counts agree to within one bin's shift.
  int64_t cum_exact = 0, cum_stream = 0, total = 0;
  for (int b = 0; b < 2048; ++b) {
    cum_exact += exact[b];
    cum_stream += out.counts[b];
    total += out.counts[b];
    const int64_t before = b > 0 ? cum_exact - exact[b] : 0;                        // exact, one bin left
    const int64_t after = cum_exact + (b + 1 < 2048 ? exact[b + 1] : 0);            // exact, one bin right
    EXPECT_GE(cum_stream, before) << "bin " << b;
    EXPECT_LE(cum_stream, after) << "bin " << b;
  }
  EXPECT_EQ(total, static_cast<int64_t>(all.size()));
  // The outliers sit in the extreme bins.
  EXPECT_GE(out.counts.back(), 1);
  EXPECT_GE(out.counts.front(), 1);
  double sum = 0;
  for (float x : all) sum += x;
  EXPECT_NEAR(out.sum, sum, 1e-3 * std::fabs(sum) + 1e-2);
}

TEST(StreamingHistogram, ConstantStreamAndNaN) {
  StreamingHistogram h;
  std::vector<float> v = {2.5f, 2.5f, NAN, 2.5f};
  h.Add(v.data(), 4);
  h.Add(v.data(), 4);
  Histogram out = h.Finish();
  EXPECT_EQ(out.num, 6);
  EXPECT_EQ(h.nan_count(), 2);
  ASSERT_EQ(out.counts.size(), 1u);
  EXPECT_EQ(out.counts[0], 6);
  // A constant stream that later widens keeps its counts.
  std::vector<float> w = {0.0f, 5.0f};
  h.Add(w.data(), 2);
  Histogram wide = h.Finish(4);  // bins of width 1.25: 0 | 2.5 is in bin 2 | 5 in the last
  ASSERT_EQ(wide.counts.size(), 4u);
  EXPECT_EQ(wide.counts[0], 1);
  EXPECT_EQ(wide.counts[2], 6);
  EXPECT_EQ(wide.counts[3], 1);
}

ReportResult ResultWithValues(const std::vector<double>& mse, const std::vector<double>& cs) {
  ReportResult r;
  r.metric_names = {"mse", "cs", "sqnr", "sqnr_db"};
  r.repr.name = "repr";
  r.val.name = "val";
  for (size_t i = 0; i < mse.size(); ++i) {
    ComparePoint p;
    p.name = "layer" + std::to_string(i);
    r.points.push_back(p);
    LayerMetrics m;
    m.accumulated = {{"mse", mse[i]}, {"cs", cs[i]}, {"sqnr", 100.0}, {"sqnr_db", 20.0}};
    r.repr.layers.push_back(m);
    LayerMetrics v = m;
    v.accumulated[0].second = 0.0;  // val: nothing degraded in mse
    r.val.layers.push_back(v);
  }
  return r;
}

TEST(Detection, InclusiveThresholdsNanAndFirstDetectionOrder) {
  // mse: over 0.1 (inclusive); cs: under 0.1 (inclusive).
  ReportResult r = ResultWithValues({0.05, 0.1, NAN, 0.3}, {0.9, 0.9, 0.1, 0.1});
  DetectDegradedLayers(&r);
  ASSERT_EQ(r.detections.size(), 6u);  // 3 metrics x 2 datasets
  EXPECT_EQ(r.detections[0].metric, "mse");
  EXPECT_EQ(r.detections[0].dataset, "repr");
  EXPECT_THAT(r.detections[0].degraded, ::testing::ElementsAre(false, true, false, true));  // 0.1 >= 0.1; NaN never
  EXPECT_THAT(r.detections[2].degraded, ::testing::ElementsAre(false, false, true, true));  // cs <= 0.1
  // Union in first-detection order: mse/repr finds 1 and 3, then cs/repr adds 2.
  EXPECT_THAT(r.degraded_layers, ::testing::ElementsAre("layer1", "layer3", "layer2"));
}

TEST(Detection, MissingThresholdAndFlagWarn) {
  ReportResult r = ResultWithValues({0.5}, {0.9});
  r.metric_names.push_back("mae");
  r.config.threshold_quantize_error = {{"mse", 0.1}, {"psnr", 3.0}};
  r.config.is_detect_under_threshold_quantize_error.erase("mse");
  DetectDegradedLayers(&r);
  std::string all;
  for (const auto& w : r.warnings) all += w + "\n";
  EXPECT_THAT(all, ::testing::HasSubstr("'mae' has no threshold"));
  EXPECT_THAT(all, ::testing::HasSubstr("'psnr', which the report does not compute"));
  EXPECT_THAT(all, ::testing::HasSubstr("'mse' has no entry in is_detect_under_threshold_quantize_error"));
  ASSERT_EQ(r.detections.size(), 2u);
  EXPECT_FALSE(r.detections[0].under);
  EXPECT_THAT(r.degraded_layers, ::testing::ElementsAre("layer0"));
}

}  // namespace
}  // namespace xquant::analysis
