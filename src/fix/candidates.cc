// The candidates of the fix loop. Each is the base configuration with one countermeasure; the
// countermeasures come from the findings on degraded layers (a judge's lower-priority listing,
// such as every activation with negative outputs, is not a cause of this model's loss), and the
// general measures a quantizer can try by itself come when no judge explains the loss.
#include "fix/candidates.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "fix/concat_scaling.h"
#include "fix/config_delta.h"

namespace xquant::fix {
namespace {

// At most this many outlier candidates (distinct suggested z thresholds): each costs a
// quantization and a report.
constexpr size_t kMaxOutlierCandidates = 3;
// The weight-memory budget of the mixed-precision countermeasure when the base config has none:
// three quarters of the all-8-bit weights, room for a few layers at 4 bits. The user's own budget
// (mixed_precision in --quantize-config) is used when given.
constexpr double kDefaultMemoryFraction = 0.75;

std::string Number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

double Evidence(const Finding& f, const std::string& name) {
  for (const auto& [key, value] : f.evidence)
    if (key == name) return value;
  return std::nan("");
}

struct Planner {
  const QuantizeOptions& base;
  std::vector<FixCandidate>& out;
  std::vector<std::string>* notes;

  // Adds a candidate unless its config repeats an earlier one's.
  void Add(std::string id, std::string countermeasure, std::string source, const QuantizationConfig& config) {
    FixCandidate c;
    c.id = std::move(id);
    c.countermeasure = std::move(countermeasure);
    c.source = std::move(source);
    c.config = config;
    c.config_delta = ConfigDelta(base.config, config);
    for (const FixCandidate& earlier : out) {
      if (earlier.float_model) continue;  // another float model: not the same candidate
      if (ConfigDelta(earlier.config, config).empty()) {
        notes->push_back(c.countermeasure + ": the same configuration as candidate '" + earlier.id +
                         "' (already measured there)");
        return;
      }
    }
    out.push_back(std::move(c));
  }
};

}  // namespace

bool IsAutomaticMeasure(const std::string& page) {
  return page == "threshold_error_method" || page == "bias_correction" || page == "representative_dataset" ||
         page == "mixed_precision_samples";
}

std::vector<FixCandidate> PlanCandidates(const TroubleshootResult& original, const QuantizeOptions& base,
                                         int64_t repr_samples, std::vector<std::string>* notes) {
  std::vector<FixCandidate> candidates;
  Planner p{base, candidates, notes};
  const QuantizationConfig& b = base.config;
  p.Add("base", "re-quantized with the base configuration (no countermeasure)", "base", b);

  std::set<std::string> judges;  // judges with a finding on a degraded layer
  std::vector<double> z_suggestions;
  for (const Finding& f : original.findings) {
    if (!f.on_degraded_layer) continue;
    judges.insert(f.judge);
    if (f.judge == "outlier_removal") {
      const double z = Evidence(f, "suggested_z_threshold");
      if (std::isfinite(z) && z > 0) z_suggestions.push_back(z);
      else notes->push_back("outlier removal on '" + f.layer + "': no suggested z threshold in the evidence");
    }
  }

  // Outlier removal: one candidate per distinct suggestion (3 significant digits), lowest first —
  // z_threshold is one value for every activation, so each suggestion is tried on the whole model.
  std::sort(z_suggestions.begin(), z_suggestions.end());
  std::set<std::string> z_seen;
  for (double z : z_suggestions) {
    const std::string shown = Number(z);
    if (!z_seen.insert(shown).second) continue;
    if (z_seen.size() > kMaxOutlierCandidates) {
      notes->push_back("outlier removal: more than " + std::to_string(kMaxOutlierCandidates) +
                       " suggested z thresholds; only the lowest were tried");
      break;
    }
    QuantizationConfig c = b;
    c.z_threshold = std::stod(shown);
    p.Add("outlier_removal_z" + shown, "outlier removal: z_threshold " + shown + " (the judge's suggestion)",
          "outlier_removal", c);
  }
  if (judges.count("shift_negative_activation")) {
    QuantizationConfig c = b;
    if (!b.shift_negative_activation_correction) {
      c.shift_negative_activation_correction = true;
      p.Add("shift_negative_correction", "shift negative activation correction on", "shift_negative_activation", c);
    } else {
      // Already on in the base: the base candidate measures it; a ratio of 0 extends it to every
      // activation with negative values, however small their share.
      c.shift_negative_ratio = 0.0;
      p.Add("shift_negative_ratio_0",
            "shift negative activation correction for every negative activation (shift_negative_ratio 0; "
            "the base config already has the correction on)",
            "shift_negative_activation", c);
    }
  }
  if (judges.count("unbalanced_concatenation")) {
    QuantizationConfig c = b;
    c.linear_collapsing = false;
    c.residual_collapsing = false;
    p.Add("collapsing_off", "linear and residual collapsing off (merged layers kept apart)",
          "unbalanced_concatenation", c);
  }
  // Concatenation scaling, per Concat whose inputs share one scale (the judge's reading beyond the
  // reference: evidence with the two input ranges, layers = {smaller input, larger input}): the
  // smaller input times the judge's recommended scaling r = range(larger) / range(smaller), which
  // makes the two ranges equal (the path to the Concat is positively homogeneous, so the range
  // scales by exactly r). The configuration stays the base's; the float model changes.
  std::set<std::string> scaled_inputs;
  for (const Finding& f : original.findings) {
    if (!f.on_degraded_layer || f.judge != "unbalanced_concatenation") continue;
    if (!std::isfinite(Evidence(f, "smaller_input_range")) || f.layers.size() != 2) continue;  // a merge
    if (!original.report.float_model || !scaled_inputs.insert(f.layers[0]).second) continue;
    const double r = Evidence(f, "recommended_scaling");
    auto scaled = ScaleConcatInput(*original.report.float_model, f.layers[0], f.layers[1], r);
    if (!scaled.ok()) {
      notes->push_back("concatenation scaling on '" + f.layer + "' not offered: " + scaled.status().message());
      continue;
    }
    FixCandidate c;
    c.id = "concat_scaling_" + f.layer;
    std::string compensated;
    for (const std::string& layer : scaled->compensated_layers)
      compensated += (compensated.empty() ? "" : ", ") + layer;
    c.countermeasure = "concatenation scaling: '" + f.layers[0] + "' * " + Number(r) +
                       " (the judge's recommended scaling) in the float model, compensated in " + compensated;
    c.source = "unbalanced_concatenation";
    c.config = b;
    c.float_model = scaled->model;
    c.float_rewrite = scaled->changes;
    c.compare_rescales = scaled->scaled_tensors;
    candidates.push_back(std::move(c));
  }
  if (judges.count("mixed_precision_with_model_output_loss_objective")) {
    QuantizationConfig c = b;
    MixedPrecisionConfig mp = b.mixed_precision.value_or(MixedPrecisionConfig{});
    if (!b.mixed_precision) mp.weights_memory_fraction = kDefaultMemoryFraction;
    mp.distance_weighting_method = MpDistanceWeighting::kLastLayer;
    c.mixed_precision = mp;
    p.Add("mixed_precision_last_layer", "mixed precision with the model output objective (LAST_LAYER)",
          "mixed_precision_with_model_output_loss_objective", c);
  }

  // The general measures a quantizer tries by itself: when no judge found a cause on a degraded
  // layer, or the troubleshooting named a general case (nothing or most layers degraded).
  if (judges.empty() || !original.general_cases.empty()) AddGeneralCandidates(base, repr_samples, &candidates, notes);
  return candidates;
}

void AddGeneralCandidates(const QuantizeOptions& base, int64_t repr_samples, std::vector<FixCandidate>* candidates,
                          std::vector<std::string>* notes) {
  Planner p{base, *candidates, notes};
  const QuantizationConfig& b = base.config;
  using M = QuantizationErrorMethod;
  for (M method : {M::kMae, M::kNoClipping, M::kMse}) {
    if (method == b.activation_error_method) continue;
    QuantizationConfig c = b;
    c.activation_error_method = method;
    std::string name = QuantizationErrorMethodName(method);
    std::string id = name;
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) { return std::tolower(ch); });
    p.Add("error_method_" + id, "activation error method " + name, "threshold_error_method", c);
  }
  QuantizationConfig c = b;
  c.weights_bias_correction = !b.weights_bias_correction;
  p.Add(c.weights_bias_correction ? "bias_correction_on" : "bias_correction_off",
        std::string("weights bias correction ") + (c.weights_bias_correction ? "on" : "off"), "bias_correction", c);
  if (base.max_samples > 0 && base.max_samples < repr_samples) {
    // More samples: the base used only part of the representative data. Marked in the id; the
    // config is the same, so it is added directly (not de-duplicated against the base).
    FixCandidate more;
    more.id = "all_representative_samples";
    more.countermeasure = "statistics on all " + std::to_string(repr_samples) + " representative samples (base: " +
                          std::to_string(base.max_samples) + ")";
    more.source = "representative_dataset";
    more.config = b;
    more.config_delta = {{"max_samples", "0 (all)"}};
    p.out.push_back(std::move(more));
  }
  if (b.mixed_precision && b.mixed_precision->num_of_images < repr_samples) {
    QuantizationConfig more = b;
    more.mixed_precision->num_of_images = static_cast<int>(repr_samples);
    p.Add("mixed_precision_all_samples", "mixed-precision sensitivity on all representative samples",
          "mixed_precision_samples", more);
  }
}

}  // namespace xquant::fix
