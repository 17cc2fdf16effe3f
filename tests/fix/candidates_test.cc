// Which candidates the fix loop plans for which findings (src/fix/candidates.h), on hand-made
// troubleshooting results: no model runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "fix/candidates.h"

namespace xquant::fix {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

Finding MakeFinding(const std::string& judge, const std::string& layer, bool on_degraded,
                    std::vector<std::pair<std::string, double>> evidence = {}) {
  Finding f;
  f.judge = judge;
  f.layer = layer;
  f.layers = {layer};
  f.on_degraded_layer = on_degraded;
  f.evidence = std::move(evidence);
  return f;
}

std::vector<std::string> Ids(const std::vector<FixCandidate>& candidates) {
  std::vector<std::string> ids;
  for (const FixCandidate& c : candidates) ids.push_back(c.id);
  return ids;
}

const FixCandidate* Find(const std::vector<FixCandidate>& candidates, const std::string& id) {
  for (const FixCandidate& c : candidates)
    if (c.id == id) return &c;
  return nullptr;
}

TEST(Candidates, OutlierRemovalTriesEachDistinctSuggestedZ) {
  TroubleshootResult original;
  original.findings = {MakeFinding("outlier_removal", "a", true, {{"suggested_z_threshold", 7.25}}),
                       MakeFinding("outlier_removal", "b", true, {{"suggested_z_threshold", 4.5}}),
                       MakeFinding("outlier_removal", "c", true, {{"suggested_z_threshold", 4.5001}}),
                       // Not on a degraded layer: not a cause of this model's loss.
                       MakeFinding("outlier_removal", "d", false, {{"suggested_z_threshold", 3.0}})};
  std::vector<std::string> notes;
  const auto candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  EXPECT_THAT(Ids(candidates), ElementsAre("base", "outlier_removal_z4.5", "outlier_removal_z7.25"));
  const FixCandidate* low = Find(candidates, "outlier_removal_z4.5");
  ASSERT_NE(low, nullptr);
  EXPECT_DOUBLE_EQ(low->config.z_threshold, 4.5);
  EXPECT_EQ(low->source, "outlier_removal");
  EXPECT_THAT(low->config_delta, ElementsAre(Pair("z_threshold", "4.5")));
  EXPECT_TRUE(candidates[0].config_delta.empty());
}

TEST(Candidates, ShiftNegativeTurnsTheCorrectionOnOrExtendsIt) {
  TroubleshootResult original;
  original.findings = {MakeFinding("shift_negative_activation", "leaky", true)};
  std::vector<std::string> notes;
  QuantizeOptions off;
  off.config.shift_negative_activation_correction = false;
  auto candidates = PlanCandidates(original, off, 64, &notes);
  ASSERT_THAT(Ids(candidates), ElementsAre("base", "shift_negative_correction"));
  EXPECT_THAT(candidates[1].config_delta, ElementsAre(Pair("shift_negative_activation_correction", "true")));
  // The default config has the correction on already: the candidate applies it to every activation.
  candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  ASSERT_THAT(Ids(candidates), ElementsAre("base", "shift_negative_ratio_0"));
  EXPECT_THAT(candidates[1].config_delta, ElementsAre(Pair("shift_negative_ratio", "0")));
}

TEST(Candidates, UnbalancedConcatenationTurnsCollapsingOff) {
  TroubleshootResult original;
  original.findings = {MakeFinding("unbalanced_concatenation", "concat", true)};
  std::vector<std::string> notes;
  auto candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  ASSERT_THAT(Ids(candidates), ElementsAre("base", "collapsing_off"));
  EXPECT_THAT(candidates[1].config_delta,
              ElementsAre(Pair("linear_collapsing", "false"), Pair("residual_collapsing", "false")));
  // A base that does not collapse already: nothing new to measure, and a note says so.
  QuantizeOptions apart;
  apart.config.linear_collapsing = false;
  apart.config.residual_collapsing = false;
  notes.clear();
  candidates = PlanCandidates(original, apart, 64, &notes);
  EXPECT_THAT(Ids(candidates), ElementsAre("base"));
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("'base'"), std::string::npos) << notes[0];
}

TEST(Candidates, MixedPrecisionUsesTheOutputObjective) {
  TroubleshootResult original;
  original.findings = {MakeFinding("mixed_precision_with_model_output_loss_objective", "fc", true)};
  std::vector<std::string> notes;
  auto candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  ASSERT_THAT(Ids(candidates), ElementsAre("base", "mixed_precision_last_layer"));
  const QuantizationConfig& c = candidates[1].config;
  ASSERT_TRUE(c.mixed_precision.has_value());
  EXPECT_EQ(c.mixed_precision->distance_weighting_method, MpDistanceWeighting::kLastLayer);
  EXPECT_DOUBLE_EQ(c.mixed_precision->weights_memory_fraction, 0.75);
  // The user's own budget is kept; only the objective changes.
  QuantizeOptions budget;
  budget.config.mixed_precision = MixedPrecisionConfig{};
  budget.config.mixed_precision->weights_memory = 1234;
  candidates = PlanCandidates(original, budget, 64, &notes);
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_THAT(candidates[1].config_delta, ElementsAre(Pair("mixed_precision.distance_weighting_method", "LAST_LAYER")));
  EXPECT_DOUBLE_EQ(candidates[1].config.mixed_precision->weights_memory, 1234);
}

TEST(Candidates, GeneralMeasuresWhenNoJudgeApplies) {
  TroubleshootResult original;
  original.general_cases = {GeneralCase::kNoJudgeApplies};
  std::vector<std::string> notes;
  auto candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  EXPECT_THAT(Ids(candidates),
              ElementsAre("base", "error_method_mae", "error_method_noclipping", "bias_correction_off"));
  EXPECT_THAT(candidates[1].config_delta, ElementsAre(Pair("activation_error_method", "MAE")));
  EXPECT_THAT(candidates[3].config_delta, ElementsAre(Pair("weights_bias_correction", "false")));
  // Another base method: the two others are tried; a capped base gets "all samples".
  QuantizeOptions mae;
  mae.config.activation_error_method = QuantizationErrorMethod::kMae;
  mae.max_samples = 16;
  candidates = PlanCandidates(original, mae, 64, &notes);
  EXPECT_THAT(Ids(candidates), ElementsAre("base", "error_method_noclipping", "error_method_mse", "bias_correction_off",
                                           "all_representative_samples"));
  EXPECT_TRUE(IsAutomaticMeasure("threshold_error_method"));
  EXPECT_FALSE(IsAutomaticMeasure("gradient_based_ptq"));
}

TEST(Candidates, JudgedCausesWithoutGeneralCaseTryNoGeneralMeasure) {
  TroubleshootResult original;
  original.findings = {MakeFinding("outlier_removal", "a", true, {{"suggested_z_threshold", 6.0}}),
                       MakeFinding("shift_negative_activation", "b", false)};
  std::vector<std::string> notes;
  auto candidates = PlanCandidates(original, QuantizeOptions{}, 64, &notes);
  EXPECT_THAT(Ids(candidates), UnorderedElementsAre("base", "outlier_removal_z6"));
}

}  // namespace
}  // namespace xquant::fix
