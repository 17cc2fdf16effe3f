#include "troubleshoot/judges/logged_merges.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xquant::troubleshoot {

std::string FormatJudgeNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

namespace {

// The compare point that carries a merged layer: the one named after it or covering either of
// its original nodes (the pairing names a point after the float node heading its group).
int PointOf(const ReportResult& report, const LoggedMerge& m) {
  for (size_t i = 0; i < report.points.size(); ++i) {
    const ComparePoint& p = report.points[i];
    if (p.name == m.merged || p.name == m.first || p.name == m.second) return static_cast<int>(i);
    for (const std::string& n : p.float_nodes)
      if (n == m.first || n == m.second) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::vector<Finding> LoggedMergeFindings(const JudgeContext& context, const std::string& judge_id,
                                         std::vector<std::string>* warnings) {
  std::vector<Finding> findings;
  const QuantizationLogView* log = context.quantization_log;
  const ReportResult& report = context.report;
  if (!log || !report.float_model) return findings;
  const Graph& fg = report.float_model->graph;
  const double threshold = context.config.threshold_ratio_unbalanced_concatenation;
  // The range of a node's first non-constant input.
  auto input_range = [&](const std::string& node_name, double* range) {
    const NodeId id = fg.FindNode(node_name);
    if (id == kNoNode) return false;
    for (ValueId in : fg.nodes[id].inputs) {
      if (in == kNoValue || fg.values[in].constant) continue;
      auto it = report.float_ranges.find(fg.values[in].name);
      if (it == report.float_ranges.end()) return false;
      *range = it->second.second - it->second.first;
      return true;
    }
    return false;
  };
  for (const LoggedMerge& m : log->merges) {
    const int point = PointOf(report, m);
    if (point < 0) {
      warnings->push_back("unbalanced concatenation: the merged layer '" + m.merged + "' (" + m.first + " + " +
                          m.second + ", " + m.kind + ") of the quantization log matches no compare point");
      continue;
    }
    if (!context.degraded[static_cast<size_t>(point)]) continue;
    double range_first = 0, range_second = 0;
    if (!input_range(m.first, &range_first) || !input_range(m.second, &range_second)) {
      warnings->push_back("unbalanced concatenation: no input range of '" + m.first + "' or '" + m.second +
                          "' (merged into '" + m.merged + "'): are they nodes of the float model?");
      continue;
    }
    // A constant input (range 0) has nothing to balance: the reference would print "first layer *
    // 0" or divide by its epsilon; we say so instead.
    if (!(range_first > 0.0) || !(range_second > 0.0) || !std::isfinite(range_first) || !std::isfinite(range_second)) {
      warnings->push_back("unbalanced concatenation: '" + m.first + "' or '" + m.second + "' (merged into '" + m.merged +
                          "') has a constant or non-finite input on the representative data; not judged");
      continue;
    }
    const double ratio = range_second / (range_first + kRangeEpsilon);
    const double r = std::max(ratio, 1.0 / ratio);
    if (!(r >= threshold)) continue;
    Finding f;
    f.judge = judge_id;
    f.layer = report.points[static_cast<size_t>(point)].name;
    f.layers = {m.first, m.second};
    f.on_degraded_layer = true;
    f.message = "first layer:" + m.first + ", second layer:" + m.second +
                ", if you add a scaling operation, recommended scaling:first layer * " + FormatJudgeNumber(ratio);
    f.evidence = {{"first_input_range", range_first}, {"second_input_range", range_second}, {"ratio", r},
                  {"recommended_scaling", ratio}, {"threshold", threshold}};
    f.note = "merged by the quantizer (" + m.kind + " into '" + m.merged + "', from its log)";
    findings.push_back(std::move(f));
  }
  return findings;
}

}  // namespace xquant::troubleshoot
