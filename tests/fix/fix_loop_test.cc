// The whole fix loop on model pairs with one pathology each: the candidate with that pathology's
// countermeasure must raise every degraded layer's SQNR by the case's margin, leave it no longer
// degraded, and make the finding go away. The "before" side is anchored to the fixture script's
// own numpy computation of the pathology.
//
// The pairs: shift_negative, mixed_precision and outlier_coarse of
// tests/fixtures/make_troubleshoot_models.py, each quantized there (in numpy) the way that produces
// its problem. outlier_coarse (a 4-bit input quantized over a range three rare outliers stretch)
// comes with outlier_coarse_qconfig.json, the xquant configuration that makes that same model; it is
// the fix loop's base, as a user would give it, and the loop's "base" candidate (that configuration,
// no countermeasure) must measure what the script's model measures.
//
// The troubleshooting fixtures' outlier and concat pairs are not used: their degraded layers are
// flagged by the absolute mse of very large values while their SQNR is already 20-60 dB, and no
// re-quantization of the float model can raise it by a margin (see docs/fix.md, "Limits"). The
// concat pair's own countermeasure, concatenation scaling, is tested in concat_scaling_test.cc on
// the slice it repairs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fix_test_util.h"

#include "xquant/fix.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;

// The report's metrics of the user's model against the fixture's numpy fake quantization (same
// data, same batches; only float32 summation order differs).
constexpr double kDesignRelativeTolerance = 1e-2;
// xquant's quantizer with NAME_qconfig.json against the script's quantized model: the same grids,
// so the same SQNR up to float32 rounding of scales and sums.
constexpr double kReproducedToleranceDb = 0.01;

struct Case {
  std::string pair;
  std::string dir;          // where the fixture script wrote the pair
  std::string judge;        // the finding the pair is built to produce; the countermeasure's source
  std::string design_metric;  // the fixture's numpy figure of the degraded layer: "sqnr" or "mse"
  bool base_config;         // NAME_qconfig.json is the loop's base configuration (and reproduces the pair)
  double min_gain_db;       // the countermeasure must lift each degraded layer by this much
  // ... and the model output by this much (0: not checked).
  double min_output_gain_db = 0.0;
};

std::string Path(const Case& c, const std::string& suffix) { return c.dir + "/" + c.pair + suffix; }

std::string TempDir(const std::string& name) { return fix_test::TempDir("fix_test", name); }

using fix_test::ReadJson;

class FixLoop : public ::testing::TestWithParam<Case> {};

TEST_P(FixLoop, CountermeasureFixesItsPathology) {
  const Case& c = GetParam();
  for (const char* suffix : {"_float.onnx", "_quantized.onnx", "_data.npy", "_expected.json"})
    ASSERT_TRUE(fs::exists(Path(c, suffix)))
        << Path(c, suffix) << " is missing: run `ctest -R make_troubleshoot_models` first";
  const nlohmann::json expected = ReadJson(Path(c, "_expected.json"));
  const std::string data = Path(c, "_data.npy");
  const std::string dir = TempDir(c.pair);

  FixOptions options;
  options.troubleshoot.report.config.report_dir = dir;
  if (c.base_config) {
    auto config = LoadQuantizationConfig(Path(c, "_qconfig.json"));
    ASSERT_TRUE(config.ok()) << config.status().message();
    options.quantize.config = *config;
    options.quantize_config_path = Path(c, "_qconfig.json");
  }
  auto result = RunFix(Path(c, "_float.onnx"), Path(c, "_quantized.onnx"), data, data, options);
  ASSERT_TRUE(result.ok()) << result.status().message();
  const ReportResult& before = result->original.report;
  ASSERT_FALSE(before.degraded_layers.empty());
  if (expected.contains("degraded_layers")) {
    ASSERT_EQ(before.degraded_layers, expected["degraded_layers"].get<std::vector<std::string>>());
  }

  const FixCandidate* countermeasure = nullptr;
  const FixCandidate* base = nullptr;
  for (const FixCandidate& candidate : result->candidates) {
    if (candidate.source == c.judge) countermeasure = &candidate;
    if (candidate.id == "base") base = &candidate;
  }
  if (c.base_config) {
    // The configuration reproduces the script's quantization: re-quantized with it and nothing
    // else, the model measures as the script's does, at the degraded layers and at the output.
    ASSERT_NE(base, nullptr) << "no base candidate";
    ASSERT_TRUE(base->status.ok()) << base->status.message();
    EXPECT_NEAR(FindMetric(base->output_val, "sqnr_db"), FindMetric(before.val.output, "sqnr_db"),
                kReproducedToleranceDb);
    ASSERT_EQ(base->layers.size(), before.degraded_layers.size());
    for (const FixLayerComparison& layer : base->layers)
      EXPECT_NEAR(FindMetric(layer.after, "sqnr_db"), FindMetric(layer.before, "sqnr_db"), kReproducedToleranceDb)
          << layer.layer;
  }
  ASSERT_NE(countermeasure, nullptr) << "no candidate answers " << c.judge;
  ASSERT_TRUE(countermeasure->status.ok()) << countermeasure->status.message();
  EXPECT_FALSE(countermeasure->config_delta.empty()) << countermeasure->id << " changes nothing";

  ASSERT_EQ(countermeasure->layers.size(), before.degraded_layers.size());
  for (const FixLayerComparison& layer : countermeasure->layers) {
    const double design = expected["design_metrics"][layer.layer][c.design_metric].get<double>();
    EXPECT_NEAR(FindMetric(layer.before, c.design_metric), design, kDesignRelativeTolerance * std::abs(design))
        << layer.layer;
    ASSERT_FALSE(layer.after.empty()) << countermeasure->id << " has no compare point for '" << layer.layer << "'";
    const double db_before = FindMetric(layer.before, "sqnr_db");
    const double db_after = FindMetric(layer.after, "sqnr_db");
    EXPECT_GE(db_after, db_before + c.min_gain_db) << countermeasure->id << " on " << layer.layer;
    EXPECT_FALSE(layer.degraded_after) << countermeasure->id << " on " << layer.layer_after;
  }
  if (c.min_output_gain_db > 0) {
    EXPECT_GE(FindMetric(countermeasure->output_val, "sqnr_db"),
              FindMetric(before.val.output, "sqnr_db") + c.min_output_gain_db)
        << countermeasure->id << ": the model output";
  }
  bool judged = false;
  for (const FindingOutcome& f : countermeasure->findings) {
    if (f.judge != c.judge) continue;
    judged = true;
    EXPECT_TRUE(f.judged) << countermeasure->id << ": the judges did not run on it";
    EXPECT_FALSE(f.still_found) << countermeasure->id << ": " << f.judge << " still finds " << f.layer;
  }
  EXPECT_TRUE(judged) << "the user's model had no " << c.judge << " finding on a degraded layer";
  EXPECT_TRUE(result->improved);
  EXPECT_TRUE(countermeasure->beats_original);

  // The files: best_quantized.onnx loads, runs, and measures what the loop measured in memory.
  ASSERT_TRUE(WriteFixReport(*result).ok());
  ASSERT_TRUE(fs::exists(fs::path(dir) / "best_quantized.onnx"));
  ASSERT_TRUE(fs::exists(fs::path(dir) / "fix_report.json"));
  auto rerun = RunReport(Path(c, "_float.onnx"), dir + "/best_quantized.onnx", data, data, ReportOptions{});
  ASSERT_TRUE(rerun.ok()) << rerun.status().message();
  const FixCandidate& best = result->candidates[result->best];
  EXPECT_DOUBLE_EQ(FindMetric(rerun->val.output, "sqnr_db"), FindMetric(best.output_val, "sqnr_db"));

  const nlohmann::json report = ReadJson(dir + "/fix_report.json");
  EXPECT_EQ(report["improved"], true);
  EXPECT_EQ(report["chosen"], best.id);
  EXPECT_EQ(report["best_model"], "best_quantized.onnx");
  EXPECT_EQ(report["candidates"].size(), result->candidates.size());
  for (const char* key : {"selection_rule", "quantize_config", "original", "candidates", "remaining_general_measures"})
    EXPECT_TRUE(report.contains(key)) << key;
  for (const auto& candidate : report["candidates"])
    for (const char* key : {"id", "countermeasure", "source", "config_delta", "status", "output", "layers", "findings",
                            "degraded_layers", "beats_original"})
      EXPECT_TRUE(candidate.contains(key)) << candidate.value("id", "?") << " lacks " << key;
  std::ifstream html(dir + "/index.html");
  const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  // One page: the findings, then the before/after section.
  const size_t findings = page.find("<section id=\"findings\">"), fix = page.find("<section id=\"fix\">");
  EXPECT_NE(findings, std::string::npos);
  EXPECT_NE(fix, std::string::npos);
  EXPECT_LT(findings, fix);
  EXPECT_NE(page.find(best.id + " (chosen)"), std::string::npos);
  fs::remove_all(dir);
}

// Margins: each pathology costs far more than the margin (half the signal clipped; 2-bit weights;
// the bulk of the input on about 3 of 16 levels), and each is below what the fixture's design leaves
// after the fix by a few dB, so that "fixed" and "noise" stay apart. shift_negative: the shifted
// quantizer (x + shift -> QuantizeLinear) pairs with the float tensor (QuantizationInfo::offset), so
// conv1 is compared directly; measured 6.9 -> 39.5 dB on conv1 and 24.3 -> 43.6 dB at the output.
// outlier_coarse: z_threshold 9.49 (the judge's suggestion) drops the three outliers, the input's
// step falls from 1.875 to about 0.55 and the three clipped values cost less than the bulk gains;
// measured 5.5 -> 14.8 dB on x and 24.3 -> 33.2 dB at the output.
INSTANTIATE_TEST_SUITE_P(
    Pathologies, FixLoop,
    ::testing::Values(
        Case{"shift_negative", XQ_TROUBLESHOOT_MODELS, "shift_negative_activation", "sqnr", false, 20.0, 10.0},
        Case{"mixed_precision", XQ_TROUBLESHOOT_MODELS, "mixed_precision_with_model_output_loss_objective", "sqnr",
             false, 10.0},
        Case{"outlier_coarse", XQ_TROUBLESHOOT_MODELS, "outlier_removal", "sqnr", true, 6.0, 5.0}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.pair; });

}  // namespace
}  // namespace xquant
