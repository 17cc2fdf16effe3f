// Unbalanced "concatenation": two tensors of very different ranges forced under one quantizer.
//
// (a) The reference's meaning: float layers merged into one quantized layer. The pairing shows
//     BatchNormalization folded into the preceding Conv (both in one compare point's float
//     nodes); for each degraded point of that kind, the ranges (max - min, representative data)
//     of the two layers' inputs are compared: ratio = range(second) / (range(first) + 1e-10),
//     r = max(ratio, 1 / ratio), found when r >= threshold_ratio_unbalanced_concatenation, with
//     "first layer * ratio" as the scaling that would balance them. With --quantization-log, the
//     merges the quantizer's log names (1x1-conv and residual collapsing too) are judged the same
//     way (judges/logged_merges.cc).
// (b) Beyond the reference: Concat, Add and Sum points, whose inputs share the point's one output
//     quantization scale. When their ranges differ by the same ratio, the smaller input is
//     represented with few integer levels; the evidence says how many, and whether the inputs'
//     own quantizer records share one scale and zero point (forced sharing, as PyTorch FX does).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "troubleshoot/judge.h"
#include "troubleshoot/judges/logged_merges.h"

namespace xquant::troubleshoot {
namespace {

constexpr double kEpsilon = kRangeEpsilon;
const auto& Format = FormatJudgeNumber;

class UnbalancedConcatenationJudge : public Judge {
 public:
  const JudgeInfo& info() const override { return Judges()[1]; }
  std::string Headline() const override {
    return "There are unbalanced range layers concatenated. Refer to the troubleshooting manual of "
           "'Unbalanced \"concatenation\"' (docs/troubleshooting/unbalanced_concatenation.md).";
  }

  StatusOr<std::vector<Finding>> Run(const JudgeContext& context, std::vector<std::string>* warnings) const override {
    const ReportResult& report = context.report;
    if (!report.float_model) return std::vector<Finding>{};
    if (report.float_ranges.empty()) {
      warnings->push_back("unbalanced concatenation: no input ranges were recorded (run the report with "
                          "track_input_ranges); judge skipped");
      return std::vector<Finding>{};
    }
    const Graph& fg = report.float_model->graph;
    const double threshold = context.config.threshold_ratio_unbalanced_concatenation;
    auto range_of = [&](ValueId v, double* out) {
      auto it = report.float_ranges.find(fg.values[v].name);
      if (it == report.float_ranges.end()) return false;
      *out = it->second.second - it->second.first;
      return true;
    };
    auto first_data_input = [&](const Node& n) {
      for (ValueId in : n.inputs)
        if (in != kNoValue && !fg.values[in].constant) return in;
      return kNoValue;
    };
    std::vector<Finding> degraded_findings, other_findings;
    for (size_t i = 0; i < report.points.size(); ++i) {
      const ComparePoint& p = report.points[i];
      const bool degraded = context.degraded[i];
      // (a) a Conv with BatchNormalization folded into it.
      for (size_t k = 0; degraded && k + 1 < p.float_nodes.size(); ++k) {
        NodeId first = fg.FindNode(p.float_nodes[k]), second = fg.FindNode(p.float_nodes[k + 1]);
        if (first == kNoNode || second == kNoNode) continue;
        const Node& a = fg.nodes[first];
        const Node& b = fg.nodes[second];
        if (!(a.op_type == "Conv" || a.op_type == "ConvTranspose" || a.op_type == "Gemm") ||
            b.op_type != "BatchNormalization")
          continue;
        double range_a = 0, range_b = 0;
        ValueId in_a = first_data_input(a), in_b = first_data_input(b);
        if (in_a == kNoValue || in_b == kNoValue || !range_of(in_a, &range_a) || !range_of(in_b, &range_b)) continue;
        const double ratio = range_b / (range_a + kEpsilon);
        const double r = std::max(ratio, 1.0 / ratio);
        if (!(r >= threshold)) continue;
        Finding f;
        f.judge = info().id;
        f.layer = p.name;
        f.layers = {a.name, b.name};
        f.on_degraded_layer = true;
        f.message = "first layer:" + a.name + ", second layer:" + b.name +
                    ", if you add a scaling operation, recommended scaling:first layer * " + Format(ratio);
        f.evidence = {{"first_input_range", range_a}, {"second_input_range", range_b}, {"ratio", r},
                      {"recommended_scaling", ratio}, {"threshold", threshold}};
        f.note = "merged: " + b.op_type + " folded into " + a.op_type;
        degraded_findings.push_back(std::move(f));
      }
      // (b) inputs of a Concat/Add/Sum under the point's one output quantizer.
      if (p.float_nodes.empty()) continue;
      NodeId head = fg.FindNode(p.float_nodes.front());
      if (head == kNoNode) continue;
      const Node& n = fg.nodes[head];
      if (n.op_type != "Concat" && n.op_type != "Add" && n.op_type != "Sum") continue;
      std::vector<std::pair<std::string, double>> ranges;
      for (ValueId in : n.inputs) {
        double range = 0;
        if (in != kNoValue && !fg.values[in].constant && range_of(in, &range))
          ranges.emplace_back(fg.values[in].name, range);
      }
      if (ranges.size() < 2) continue;
      auto [small, large] = std::minmax_element(ranges.begin(), ranges.end(),
                                                [](const auto& x, const auto& y) { return x.second < y.second; });
      const double r = large->second / (small->second + kEpsilon);
      if (!(r >= threshold)) continue;
      Finding f;
      f.judge = info().id;
      f.layer = p.name;
      f.layers = {small->first, large->first};
      f.on_degraded_layer = degraded;
      f.evidence = {{"smaller_input_range", small->second}, {"larger_input_range", large->second}, {"ratio", r},
                    {"recommended_scaling", r}, {"threshold", threshold}};
      const QuantizationInfo& q = p.quantization;
      std::string levels;
      if (q.scale.size() == 1 && q.scale[0] > 0 && q.bits > 0) {
        const double used = small->second / q.scale[0];
        f.evidence.emplace_back("smaller_input_levels", used);
        f.evidence.emplace_back("levels_available", std::ldexp(1.0, q.bits));
        levels = "; under the shared scale " + Format(q.scale[0]) + " it spans " + Format(used) + " of " +
                 Format(std::ldexp(1.0, q.bits)) + " levels";
      }
      // Whether the inputs' own quantizers (their compare points' records) share one scale and
      // zero point: PyTorch FX exports force it on Concat inputs by design.
      std::vector<const QuantizationInfo*> input_records;
      for (const auto& [name, range] : ranges)
        for (const ComparePoint& other : report.points)
          if (other.float_tensor == name) {
            input_records.push_back(&other.quantization);
            break;
          }
      if (input_records.size() == ranges.size()) {
        bool shared = true;
        for (const QuantizationInfo* r : input_records)
          shared = shared && r->scale == input_records[0]->scale && r->zero_point == input_records[0]->zero_point;
        f.evidence.emplace_back("inputs_share_scale", shared ? 1.0 : 0.0);
        if (shared) levels += "; its inputs' quantizers share that scale and zero point";
      }
      f.message = n.op_type + " " + n.name + ": inputs " + small->first + " (range " + Format(small->second) +
                  ") and " + large->first + " (range " + Format(large->second) + ") differ " + Format(r) +
                  "x under one quantization scale" + levels + "; recommended scaling:" + small->first + " * " +
                  Format(r);
      if (!degraded) f.note = "lower priority: not a degraded layer";
      (degraded ? degraded_findings : other_findings).push_back(std::move(f));
    }
    // Merges only the quantizer's log names (1x1-conv and residual collapsing; a BN fold the
    // pairing already showed is not repeated).
    for (Finding& f : LoggedMergeFindings(context, info().id, warnings)) {
      const bool known = std::any_of(degraded_findings.begin(), degraded_findings.end(),
                                     [&](const Finding& g) { return g.layers == f.layers; });
      if (!known) degraded_findings.push_back(std::move(f));
    }
    degraded_findings.insert(degraded_findings.end(), other_findings.begin(), other_findings.end());
    return degraded_findings;
  }
};

}  // namespace

std::unique_ptr<Judge> MakeUnbalancedConcatenationJudge() { return std::make_unique<UnbalancedConcatenationJudge>(); }

}  // namespace xquant::troubleshoot
