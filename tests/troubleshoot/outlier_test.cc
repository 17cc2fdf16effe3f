// Outlier removal: the z-score statistics against hand-computed values, the judge on hand-made
// reports (the reference's documented synthetic case among them), and the outlier charts decoded
// and searched independently of the code that drew them.
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "../report/report_test_util.h"
#include "report/outlier_charts.h"
#include "troubleshoot/judge.h"
#include "troubleshoot/outlier_stats.h"

namespace xquant::troubleshoot {
namespace {

using ::testing::HasSubstr;
using xquant::testing::DecodePng;
using xquant::testing::Pixels;

// cairo and fontconfig keep process-wide font caches; releasing them after the tests lets
// LeakSanitizer (XQ_SANITIZE builds) report only our own leaks.
class ReleaseFontCaches : public ::testing::Environment {
 public:
  void TearDown() override {
    cairo_debug_reset_static_data();
    FcFini();
  }
};
const ::testing::Environment* const kReleaseFontCaches =
    ::testing::AddGlobalTestEnvironment(new ReleaseFontCaches);

// A histogram of `n` unit-wide bins starting at `min`, with the given (bin, count) entries.
Histogram UnitBins(double min, size_t n, const std::vector<std::pair<size_t, int64_t>>& entries) {
  Histogram h;
  h.min = min;
  h.max = min + static_cast<double>(n);
  h.counts.assign(n, 0);
  for (const auto& [bin, count] : entries) {
    h.counts[bin] = count;
    h.num += count;
  }
  return h;
}

// The reference's synthetic case (its test of judge_outlier_removal): bin edges −4..4, 50, 100 and
// counts 10,20,30,40,50,40,30,20,10,1, i.e. left edges −4..4 and 50. Here the bins are equal and
// unit wide from −4 to 51: left edges −4..4 hold the first nine counts and the bin at 50 (index 54)
// holds the 1 — the same (edge, count) pairs, so the same μ, σ and z.
Histogram ReferenceSyntheticHistogram() {
  return UnitBins(-4.0, 55,
                  {{0, 10}, {1, 20}, {2, 30}, {3, 40}, {4, 50}, {5, 40}, {6, 30}, {7, 20}, {8, 10}, {54, 1}});
}

// A report of one compare point per (name, histogram).
ReportResult MakeReport(const std::vector<std::pair<std::string, Histogram>>& layers) {
  ReportResult report;
  for (const auto& [name, histogram] : layers) {
    ComparePoint point;
    point.name = name;
    point.op_type = "Conv";
    report.points.push_back(point);
    report.histograms.push_back(histogram);
  }
  return report;
}

struct JudgeRun {
  std::vector<Finding> findings;
  std::vector<std::string> warnings;
};

JudgeRun RunJudge(const ReportResult& report, const std::vector<bool>& degraded, double threshold,
                  const std::string& report_dir = "dummy_report_dir") {
  XQuantConfig config;
  config.report_dir = report_dir;
  config.threshold_zscore_outlier_removal = threshold;
  const std::string log_dir;
  const JudgeContext context{report, config, degraded, log_dir};
  JudgeRun run;
  StatusOr<std::vector<Finding>> findings = MakeOutlierRemovalJudge()->Run(context, &run.warnings);
  EXPECT_TRUE(findings.ok()) << findings.status().ToString();
  if (findings.ok()) run.findings = *findings;
  return run;
}

double Evidence(const Finding& finding, const std::string& name) {
  for (const auto& [key, value] : finding.evidence) {
    if (key == name) return value;
  }
  ADD_FAILURE() << "no evidence named " << name;
  return NAN;
}

// ---- statistics ----

// Hand computation for the synthetic case: Σc = 251, Σb·c = 50 (the −4..4 part is symmetric),
// Σb²·c = 2·(16·10 + 9·20 + 4·30 + 1·40) + 2500 = 3500.
TEST(OutlierStats, ReferenceSyntheticCaseByHand) {
  const double mu = 50.0 / 251.0;
  const double sigma = std::sqrt((3500.0 - 251.0 * mu * mu) / 251.0);
  const OutlierStats stats = ComputeOutlierStats(ReferenceSyntheticHistogram(), 5.0);
  ASSERT_TRUE(stats.valid);
  EXPECT_NEAR(stats.mu, mu, 1e-12);
  EXPECT_NEAR(stats.sigma, sigma, 1e-12);
  EXPECT_NEAR(stats.lower_max_zscore, (4.0 + mu) / sigma, 1e-12);
  EXPECT_NEAR(stats.upper_max_zscore, (50.0 - mu) / sigma, 1e-12);
  EXPECT_NEAR(stats.upper_max_zscore, 13.355, 1e-3);
  EXPECT_EQ(stats.total, 251);
  EXPECT_EQ(stats.first_bin, 0);
  EXPECT_EQ(stats.last_bin, 54);
  // Only the bin at 50 is at z ≥ 5.
  EXPECT_EQ(stats.bins_beyond, 1);
  EXPECT_EQ(stats.samples_beyond, 1);
  EXPECT_DOUBLE_EQ(stats.share_beyond(), 1.0 / 251.0);
  EXPECT_TRUE(stats.detected);
}

// Two bins at 0 and 1 with counts 3 and 1: μ = 0.25, σ² = (3·0.0625 + 0.5625)/4 = 0.1875,
// z = 0.25/σ = 1/√3 and 0.75/σ = √3.
TEST(OutlierStats, TwoBinsByHand) {
  const OutlierStats stats = ComputeOutlierStats(UnitBins(0.0, 2, {{0, 3}, {1, 1}}), 1.7);
  ASSERT_TRUE(stats.valid);
  EXPECT_DOUBLE_EQ(stats.mu, 0.25);
  EXPECT_DOUBLE_EQ(stats.sigma, std::sqrt(0.1875));
  EXPECT_NEAR(stats.zscores[0], 1.0 / std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(stats.zscores[1], std::sqrt(3.0), 1e-12);
  EXPECT_NEAR(stats.ZScore(-0.5), 0.75 / std::sqrt(0.1875), 1e-12);
  EXPECT_TRUE(stats.detected);
  EXPECT_EQ(stats.samples_beyond, 1);
}

// Bins at 0 and 3 with one sample each: μ = 1.5, σ = 1.5, both z exactly 1. The comparison is
// inclusive, as the reference's (z ≥ threshold).
TEST(OutlierStats, ThresholdIsInclusive) {
  const Histogram h = UnitBins(0.0, 4, {{0, 1}, {3, 1}});
  const OutlierStats at = ComputeOutlierStats(h, 1.0);
  EXPECT_DOUBLE_EQ(at.mu, 1.5);
  EXPECT_DOUBLE_EQ(at.sigma, 1.5);
  EXPECT_TRUE(at.detected);
  EXPECT_EQ(at.bins_beyond, 2);
  EXPECT_DOUBLE_EQ(at.share_beyond(), 1.0);
  EXPECT_FALSE(ComputeOutlierStats(h, 1.0001).detected);
}

// Empty bins hold no samples: a threshold that only an empty bin's z would reach finds nothing.
TEST(OutlierStats, EmptyBinsAreNotJudged) {
  // Samples at 0 and 1 (μ = 0.5, σ = 0.5); the empty bins up to 9 have z up to 17.
  const OutlierStats stats = ComputeOutlierStats(UnitBins(0.0, 10, {{0, 5}, {1, 5}}), 2.0);
  ASSERT_TRUE(stats.valid);
  EXPECT_NEAR(stats.zscores[9], 17.0, 1e-12);
  EXPECT_FALSE(stats.detected);
  EXPECT_DOUBLE_EQ(stats.upper_max_zscore, 1.0);
}

TEST(OutlierStats, ConstantTensorIsNeverAnOutlier) {
  EXPECT_FALSE(ComputeOutlierStats(UnitBins(2.0, 8, {{3, 1000}}), 0.0).valid);
  Histogram same;  // min == max: every sample in the first bin
  same.min = same.max = 0.7;
  same.counts = {64, 0, 0, 0};
  EXPECT_FALSE(ComputeOutlierStats(same, 0.0).valid);
  EXPECT_FALSE(ComputeOutlierStats(Histogram{}, 0.0).valid);
  EXPECT_FALSE(ComputeOutlierStats(UnitBins(0.0, 4, {}), 0.0).valid);
}

// The synthetic case at threshold 3: the bin at 50 lies beyond μ + 3σ ≈ 11.4 and rises from the
// empty bin before it, so it is the tail; nothing lies below μ − 3σ. The suggestion sits between
// the outermost kept bin (−4, z = lower_max_zscore) and the tail (z = upper_max_zscore) and
// drops exactly the tail's one sample.
TEST(OutlierStats, TailAndSuggestionForAFarCluster) {
  const OutlierStats stats = ComputeOutlierStats(ReferenceSyntheticHistogram(), 3.0);
  ASSERT_TRUE(stats.has_tail);
  for (size_t k = 0; k < stats.tail.size(); ++k) EXPECT_EQ(stats.tail[k], k == 54) << "bin " << k;
  EXPECT_EQ(stats.tail_samples, 1);
  const double middle = (stats.lower_max_zscore + stats.upper_max_zscore) / 2;  // ≈ 7.24
  EXPECT_NEAR(stats.suggested_z_threshold, middle, 0.005);
  EXPECT_GT(stats.suggested_z_threshold, stats.lower_max_zscore);
  EXPECT_LT(stats.suggested_z_threshold, stats.upper_max_zscore);
  EXPECT_EQ(stats.samples_dropped_at_suggestion, 1);
}

// A smooth decaying tail (100000, 10, 5, 1 at bins 0..3) has no rise, so no red tail; the
// suggestion keeps 99.99%: it may drop at most 10.0016 samples — bins 3 and 2 (6 samples), not
// bin 1 as well (16) — so it is z of bin 1 = (1 − m)/s with m = 23/100016, s² = 39/100016 − m².
TEST(OutlierStats, SuggestionWithoutTailKeeps9999PerMille) {
  const OutlierStats stats = ComputeOutlierStats(UnitBins(0.0, 4, {{0, 100000}, {1, 10}, {2, 5}, {3, 1}}), 0.5);
  ASSERT_TRUE(stats.valid);
  EXPECT_FALSE(stats.has_tail);
  const double m = 23.0 / 100016.0;
  const double s = std::sqrt(39.0 / 100016.0 - m * m);
  EXPECT_NEAR(stats.suggested_z_threshold, (1.0 - m) / s, 1e-9);
  EXPECT_EQ(stats.samples_dropped_at_suggestion, 6);
  // Never below the judge's own threshold.
  EXPECT_DOUBLE_EQ(ComputeOutlierStats(UnitBins(0.0, 4, {{0, 100000}, {1, 10}, {2, 5}, {3, 1}}), 80.0)
                       .suggested_z_threshold,
                   80.0);
}

TEST(OutlierImageStem, SafeAndUnique) {
  std::vector<std::string> used;
  EXPECT_EQ(OutlierImageStem("/model/conv:0", &used), "model_conv_0");
  EXPECT_EQ(OutlierImageStem("model/conv.0", &used), "model_conv.0");
  EXPECT_EQ(OutlierImageStem("model:conv:0", &used), "model_conv_0_2");
  EXPECT_EQ(OutlierImageStem("../x", &used), "x");
  EXPECT_EQ(OutlierImageStem("///", &used), "layer");
  EXPECT_EQ(OutlierImageStem("", &used), "layer_2");
  EXPECT_EQ(OutlierImageStem(std::string(300, 'a'), &used).size(), 120u);
}

// ---- the judge ----

// The reference's parametrised test: threshold 100 finds nothing, 0.01 finds the layer with the
// image path report_dir/outlier_histgrams/<layer>.png.
TEST(OutlierJudge, ReferenceSyntheticCase) {
  const ReportResult report = MakeReport({{"conv1", ReferenceSyntheticHistogram()}});
  EXPECT_TRUE(RunJudge(report, {true}, 100.0).findings.empty());

  const JudgeRun run = RunJudge(report, {true}, 0.01);
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  EXPECT_EQ(f.judge, "outlier_removal");
  EXPECT_EQ(f.layer, "conv1");
  EXPECT_THAT(f.layers, ::testing::ElementsAre("conv1"));
  EXPECT_TRUE(f.on_degraded_layer);
  EXPECT_EQ(f.message, "dummy_report_dir/outlier_histgrams/conv1.png");
  EXPECT_EQ(f.note, "outlier_histgrams/conv1.png");
  EXPECT_TRUE(run.warnings.empty());
}

TEST(OutlierJudge, EvidenceNumbers) {
  const ReportResult report = MakeReport({{"conv1", ReferenceSyntheticHistogram()}});
  const JudgeRun run = RunJudge(report, {true}, 5.0);
  ASSERT_EQ(run.findings.size(), 1u);
  const Finding& f = run.findings[0];
  const double mu = 50.0 / 251.0;
  const double sigma = std::sqrt((3500.0 - 251.0 * mu * mu) / 251.0);
  EXPECT_NEAR(Evidence(f, "mu"), mu, 1e-12);
  EXPECT_NEAR(Evidence(f, "sigma"), sigma, 1e-12);
  EXPECT_NEAR(Evidence(f, "lower_max_zscore"), (4.0 + mu) / sigma, 1e-12);
  EXPECT_NEAR(Evidence(f, "upper_max_zscore"), (50.0 - mu) / sigma, 1e-12);
  EXPECT_DOUBLE_EQ(Evidence(f, "threshold"), 5.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "share_beyond_threshold"), 1.0 / 251.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "bins_beyond_threshold"), 1.0);
  EXPECT_DOUBLE_EQ(Evidence(f, "tail_share"), 1.0 / 251.0);
  EXPECT_GT(Evidence(f, "suggested_z_threshold"), (4.0 + mu) / sigma);
  EXPECT_LT(Evidence(f, "suggested_z_threshold"), (50.0 - mu) / sigma);
  EXPECT_DOUBLE_EQ(Evidence(f, "share_dropped_at_suggested"), 1.0 / 251.0);
}

TEST(OutlierJudge, OnlyDegradedLayersAreJudged) {
  const ReportResult report = MakeReport(
      {{"a", ReferenceSyntheticHistogram()}, {"b", ReferenceSyntheticHistogram()}, {"c", ReferenceSyntheticHistogram()}});
  const JudgeRun run = RunJudge(report, {false, true, false}, 0.01);
  ASSERT_EQ(run.findings.size(), 1u);
  EXPECT_EQ(run.findings[0].layer, "b");
  EXPECT_TRUE(RunJudge(report, {false, false, false}, 0.01).findings.empty());
}

// Findings follow the report's first-detection order (the reference iterates its degraded list).
TEST(OutlierJudge, DetectionOrder) {
  ReportResult report = MakeReport({{"a", ReferenceSyntheticHistogram()}, {"b", ReferenceSyntheticHistogram()}});
  report.degraded_layers = {"b", "a"};
  const JudgeRun run = RunJudge(report, {true, true}, 0.01);
  ASSERT_EQ(run.findings.size(), 2u);
  EXPECT_EQ(run.findings[0].layer, "b");
  EXPECT_EQ(run.findings[1].layer, "a");
}

TEST(OutlierJudge, ConstantTensorNotFlagged) {
  const ReportResult report = MakeReport({{"const", UnitBins(1.0, 16, {{5, 4096}})}});
  EXPECT_TRUE(RunJudge(report, {true}, 0.0).findings.empty());
  EXPECT_TRUE(RunJudge(report, {true}, 0.01).findings.empty());
}

TEST(OutlierJudge, MissingHistogramIsAWarning) {
  ReportResult report = MakeReport({{"a", ReferenceSyntheticHistogram()}, {"b/missing", Histogram{}}});
  const JudgeRun run = RunJudge(report, {true, true}, 0.01);
  ASSERT_EQ(run.findings.size(), 1u);
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_THAT(run.warnings[0], HasSubstr("'b/missing'"));
  report.histograms.pop_back();  // fewer histograms than points
  EXPECT_EQ(RunJudge(report, {true, true}, 0.01).warnings.size(), 1u);
}

TEST(OutlierJudge, ImageNamesAreSafeAndDistinct) {
  const ReportResult report =
      MakeReport({{"/blocks/fc2:0", ReferenceSyntheticHistogram()}, {"blocks/fc2/0", ReferenceSyntheticHistogram()}});
  const JudgeRun run = RunJudge(report, {true, true}, 0.01, "out");
  ASSERT_EQ(run.findings.size(), 2u);
  EXPECT_EQ(run.findings[0].note, "outlier_histgrams/blocks_fc2_0.png");
  EXPECT_EQ(run.findings[1].note, "outlier_histgrams/blocks_fc2_0_2.png");
  EXPECT_EQ(run.findings[1].message, "out/outlier_histgrams/blocks_fc2_0_2.png");
}

TEST(OutlierJudge, InfoAndHeadline) {
  const auto judge = MakeOutlierRemovalJudge();
  EXPECT_EQ(judge->info().id, "outlier_removal");
  EXPECT_EQ(judge->info().page, "outlier_removal");
  EXPECT_THAT(judge->Headline(), HasSubstr("There are output values that deviate significantly from the average. "
                                           "Refer to the following images"));
  EXPECT_THAT(judge->Headline(), HasSubstr("docs/troubleshooting/outlier_removal.md"));
}

// ---- the charts ----

// 2048 bins over [−8, 5]: a bell of ~100000 samples around 0, a separate cluster near −5.5
// (the red tail at threshold 3) and, optionally, one sample in the last bin.
Histogram BellWithCluster(bool far_single) {
  Histogram h;
  h.min = -8.0;
  h.max = 5.0;
  h.counts.assign(2048, 0);
  const double width = (h.max - h.min) / 2048;
  for (size_t k = 0; k < h.counts.size(); ++k) {
    const double x = h.min + (k + 0.5) * width;
    h.counts[k] = static_cast<int64_t>(std::llround(300.0 * std::exp(-x * x / 0.8)));
    if (x > -6.0 && x < -5.0) h.counts[k] += static_cast<int64_t>(std::llround(40.0 * std::exp(-(x + 5.5) * (x + 5.5) / 0.05)));
  }
  h.counts[0] = std::max<int64_t>(h.counts[0], 1);  // the range starts at a sample
  h.counts.back() = far_single ? 1 : 0;
  return h;
}

struct Frame {
  int top = -1, bottom = -1;  // rows of the plot's frame
};

// The plot frame's top and bottom: the rows that are mostly dark.
Frame FindFrame(const Pixels& p) {
  Frame frame;
  for (int y = 0; y < p.height; ++y) {
    int dark = 0;
    for (int x = 0; x < p.width; ++x) dark += p.R(x, y) < 128 && p.G(x, y) < 128 && p.B(x, y) < 128;
    if (dark > p.width / 2) {
      if (frame.top < 0) frame.top = y;
      frame.bottom = y;
    }
  }
  return frame;
}

int RedPixelsInRows(const Pixels& p, int y0, int y1) {
  int count = 0;
  for (int y = y0; y <= y1; ++y)
    for (int x = 0; x < p.width; ++x) count += p.IsRed(x, y);
  return count;
}

TEST(OutlierChart, PngSizeAndRedTail) {
  StatusOr<std::string> png = report::RenderOutlierChart("stages/0/fc2", BellWithCluster(false), 3.0, report::ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  const Pixels pixels = DecodePng(*png);
  EXPECT_EQ(pixels.width, report::kOutlierChartWidth);
  EXPECT_EQ(pixels.height, report::kOutlierChartHeight);
  const Frame frame = FindFrame(pixels);
  ASSERT_GT(frame.bottom - frame.top, 200);
  // The cluster's bars (up to 40 of a 300 peak: ~13% of the plot's height) are red; the dashed
  // threshold lines add at most a couple of pixels per row. A threshold so high that no bar lies
  // beyond it leaves only the "threshold= ->" labels at the top.
  const int tail_band = RedPixelsInRows(pixels, frame.bottom - 20, frame.bottom - 2);
  EXPECT_GT(tail_band, 150);
  StatusOr<std::string> no_tail =
      report::RenderOutlierChart("stages/0/fc2", BellWithCluster(false), 50.0, report::ImageFormat::kPng);
  ASSERT_TRUE(no_tail.ok());
  EXPECT_EQ(RedPixelsInRows(DecodePng(*no_tail), frame.bottom - 20, frame.bottom - 2), 0);
}

// One sample in the last bin next to a peak of 300: on a linear axis 1/330 of the plot's height,
// less than a pixel. It must still show as red near the bottom, in a column where no dashed
// threshold line runs (those are red in the plot's middle rows too).
TEST(OutlierChart, SingleFarOutlierIsVisible) {
  StatusOr<std::string> png = report::RenderOutlierChart("far", BellWithCluster(true), 3.0, report::ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  const Pixels p = DecodePng(*png);
  const Frame frame = FindFrame(p);
  const int middle0 = frame.top + (frame.bottom - frame.top) * 3 / 10;
  const int middle1 = frame.top + (frame.bottom - frame.top) * 7 / 10;
  int rightmost_blue = 0;
  for (int y = frame.top; y < frame.bottom; ++y)
    for (int x = 0; x < p.width; ++x)
      if (p.IsBlue(x, y)) rightmost_blue = std::max(rightmost_blue, x);
  bool seen = false;
  for (int x = rightmost_blue + 3; x < p.width && !seen; ++x) {
    bool red_low = false, red_middle = false;
    for (int y = frame.bottom - 14; y < frame.bottom; ++y) red_low |= p.IsRed(x, y);
    for (int y = middle0; y <= middle1; ++y) red_middle |= p.IsRed(x, y);
    seen = red_low && !red_middle;
  }
  EXPECT_TRUE(seen);
}

TEST(OutlierChart, SvgHasTheLabels) {
  StatusOr<std::string> svg = report::RenderOutlierChart("stages/0/fc2", BellWithCluster(false), 3.0, report::ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_THAT(*svg, HasSubstr("threshold=3"));
  EXPECT_THAT(*svg, HasSubstr("upper zscore="));
  EXPECT_THAT(*svg, HasSubstr("lower zscore="));
  EXPECT_THAT(*svg, HasSubstr(">z-score<"));
  EXPECT_THAT(*svg, HasSubstr(">bins<"));
  EXPECT_THAT(*svg, HasSubstr("<title>stages/0/fc2</title>"));
}

// A threshold line outside the plotted range becomes an arrow label at the plot's edge.
TEST(OutlierChart, OffPlotThresholdArrows) {
  StatusOr<std::string> svg = report::RenderOutlierChart("x", BellWithCluster(false), 50.0, report::ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok());
  EXPECT_THAT(*svg, HasSubstr("&lt;- threshold=50"));
  EXPECT_THAT(*svg, HasSubstr("threshold=50 -&gt;"));
}

TEST(OutlierChart, ConstantHistogramIsAnError) {
  EXPECT_EQ(report::RenderOutlierChart("c", UnitBins(0.0, 4, {{1, 9}}), 3.0, report::ImageFormat::kPng).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(OutlierChart, WriteOutlierChartsWritesEveryFinding) {
  const std::filesystem::path dir = xquant::testing::ScratchDir();
  TroubleshootResult result;
  result.report = MakeReport({{"/blocks/fc2:0", BellWithCluster(true)}, {"clean", UnitBins(0.0, 2, {{0, 1}, {1, 1}})}});
  result.report.config.report_dir = dir.string();
  result.findings = RunJudge(result.report, {true, true}, 3.0, dir.string()).findings;
  ASSERT_EQ(result.findings.size(), 1u);
  ASSERT_TRUE(report::WriteOutlierCharts(result, dir.string()).ok());
  const std::filesystem::path png = dir / "outlier_histgrams" / "blocks_fc2_0.png";
  EXPECT_EQ(result.findings[0].message, png.string());
  const Pixels pixels = DecodePng(xquant::testing::ReadFile(png));
  EXPECT_EQ(pixels.width, report::kOutlierChartWidth);
  EXPECT_EQ(pixels.height, report::kOutlierChartHeight);
  EXPECT_THAT(xquant::testing::ReadFile(dir / "outlier_histgrams" / "blocks_fc2_0.svg"), HasSubstr("upper zscore="));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir / "outlier_histgrams"),
                          std::filesystem::directory_iterator()),
            2);
}

}  // namespace
}  // namespace xquant::troubleshoot
