// Mixed precision with model output loss objective: the last layer quantized to very few bits.
//
// A mixed-precision search that averages its distance over all layers may give the last layer 2 bits
// or fewer, and the model output suffers most. The reference compares the last weighted layer's
// weight bit width and the final activation's bit width with a threshold (≤ 2 by default).
//
// Bit widths come from the quantizer records of the quantized model (xquant/quantization.h), as
// loaded (weight quantizers are still nodes there), whatever the dialect that wrote them:
//  - weights: the record of the last weighted layer's weight — its container's bits, narrowed by
//    the levels its codes actually use (4-bit weights stored in int8 use at most 16 codes) and by
//    the format (an integer Clip, num_bits, bitwidth, levels); float weights baked onto a grid
//    count the grid's levels;
//  - the final activation: the activation record nearest the graph output.
// With --quantization-log, the bit widths the quantizer logged for that layer's weights and for the
// final activation's tensor are read too: they confirm the graph's (the note says so), and a
// disagreement — the log of another model — is a warning, the graph's widths being what runs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/quantizers.h"
#include "troubleshoot/judge.h"

namespace xquant::troubleshoot {
namespace {

constexpr char kJudgeId[] = "mixed_precision_with_model_output_loss_objective";

struct Bits {
  int type_bits = 32;          // the container's bits (32: float, not quantized)
  int bits_used = 32;          // after narrowing by levels
  double levels = 0.0;         // the levels that bits_used counts (0: not known)
  double distinct = 0.0;       // distinct values in the weight tensor
  std::string how;             // for the note
};

std::string Describe(const Graph& g, const QuantizerRecord& r) {
  std::string text = r.info.dialect;
  if (r.quant_node != kNoNode) text += " " + g.nodes[r.quant_node].Describe();
  return text;
}

Bits WeightBits(const Graph& g, const analysis::LayerWeight& w) {
  Bits b;
  if (!w.record) {
    b.how = "float weights";
    return b;
  }
  const QuantizationInfo& q = w.record->info;
  b.type_bits = q.container_bits;
  b.bits_used = q.bits_used > 0 ? q.bits_used : q.bits;
  b.levels = q.levels_used > 0 ? static_cast<double>(q.levels_used) : q.Levels();
  b.distinct = static_cast<double>(q.distinct_values);
  b.how = q.dialect == "grid" ? "float weights on a grid of " + std::to_string(q.levels_used) + " values"
                              : "weights quantized by " + Describe(g, *w.record);
  return b;
}

// The activation quantizer nearest to the graph outputs: going up from each output, the first
// tensor that an activation record produces. Quantized constants are not entered.
const QuantizerRecord* FindFinalActivationQuantizer(const Graph& g, const std::vector<QuantizerRecord>& records) {
  std::deque<ValueId> queue(g.outputs.begin(), g.outputs.end());
  std::set<ValueId> seen(g.outputs.begin(), g.outputs.end());
  while (!queue.empty()) {
    const ValueId v = queue.front();
    queue.pop_front();
    for (const QuantizerRecord& r : records)
      if (r.post == v && r.kind == QuantizedKind::kActivation) return &r;
    const NodeId p = g.values[v].producer;
    if (p == kNoNode) continue;
    for (ValueId in : g.nodes[p].inputs)
      if (in != kNoValue && !g.values[in].constant && seen.insert(in).second) queue.push_back(in);
  }
  return nullptr;
}

// Levels of the activation's integer range the data reaches: the float histogram's [min, max] of
// the compare point quantized by `record`, in codes. Tells a too-coarse scale (all data in 3
// codes) apart from a too-small type.
std::optional<double> LevelsUsedByData(const ReportResult& report, const std::string& quant_node,
                                       const QuantizationInfo& q) {
  if (q.scale.size() != 1 || q.scale[0] <= 0.0f || q.qmax <= q.qmin) return std::nullopt;
  for (size_t i = 0; i < report.points.size() && i < report.histograms.size(); ++i) {
    if (report.points[i].quant_node != quant_node || report.histograms[i].counts.empty()) continue;
    const double qmin = static_cast<double>(q.qmin), qmax = static_cast<double>(q.qmax);
    const double zp = q.zero_point.empty() ? 0.0 : static_cast<double>(q.zero_point[0]);
    const double lo = std::clamp(std::nearbyint(report.histograms[i].min / q.scale[0]) + zp, qmin, qmax);
    const double hi = std::clamp(std::nearbyint(report.histograms[i].max / q.scale[0]) + zp, qmin, qmax);
    return hi - lo + 1.0;
  }
  return std::nullopt;
}

class MixedPrecisionJudge : public Judge {
 public:
  const JudgeInfo& info() const override {
    for (const JudgeInfo& j : Judges())
      if (j.id == kJudgeId) return j;
    return Judges().back();  // unreachable: the registry lists every judge
  }

  std::string Headline() const override {
    return "the quantization bitwidth of the last layer is an extremely small number. Refer to the troubleshooting "
           "manual of 'Mixed Precision with model output loss objective' (docs/troubleshooting/" +
           info().page + ".md).";
  }

  StatusOr<std::vector<Finding>> Run(const JudgeContext& context, std::vector<std::string>* warnings) const override {
    std::vector<Finding> findings;
    auto warn = [&](const std::string& m) {
      if (warnings) warnings->push_back("mixed precision with model output loss objective: " + m);
    };
    if (!context.report.quantized_model) {
      warn("no quantized model in the report; judge skipped");
      return findings;
    }
    const Graph& g = context.report.quantized_model->graph;
    const std::vector<QuantizerRecord> records = analysis::FindQuantizers(g, {});
    const Node* layer = nullptr;
    analysis::LayerWeight weight;
    for (auto it = g.nodes.rbegin(); it != g.nodes.rend() && !layer; ++it) {
      weight = analysis::WeightOfLayer(g, records, *it);
      if (weight.found) layer = &*it;
    }
    if (!layer) {
      warn("no Conv/ConvTranspose/Gemm/MatMul with constant weights in the quantized model '" +
           context.report.quantized_model->path + "'; the last layer's bit width was not judged");
      return findings;
    }
    Bits wb = WeightBits(g, weight);

    Bits ab;
    std::string activation_how = "no activation quantizer before the graph output: the final activation is float";
    std::optional<double> used_by_data;
    const QuantizerRecord* aq = FindFinalActivationQuantizer(g, records);
    if (aq) {
      const QuantizationInfo& q = aq->info;
      ab.type_bits = q.container_bits;
      ab.levels = q.Levels();
      ab.bits_used = q.bits;
      activation_how = "final activation quantized by " + Describe(g, *aq);
      used_by_data = LevelsUsedByData(context.report, g.nodes[aq->quant_node].name, q);
    }

    if (const QuantizationLogView* qlog = context.quantization_log) {
      // The log names weights by node and activations by the float tensor entering the quantizer.
      auto check = [&](const std::map<std::string, int>& logged, const std::string& key, Bits* bits,
                       std::string* how, const char* what) {
        auto it = logged.find(key);
        if (it == logged.end()) return;
        if (bits->type_bits == 32) {  // float in the graph: only the log knows (e.g. a fake-quant model)
          bits->bits_used = it->second;
          *how += "; " + std::string(what) + " bits " + std::to_string(it->second) + " from the quantization log";
        } else if (it->second == bits->bits_used) {
          *how += " (the quantization log agrees: " + std::to_string(it->second) + " bits)";
        } else {
          warn("the quantization log '" + qlog->path + "' gives " + what + " of '" + key + "' " +
               std::to_string(it->second) + " bits, the model " + std::to_string(bits->bits_used) +
               " (is the log from another model?); the model's width is judged");
        }
      };
      check(qlog->weight_bits_by_node, layer->name, &wb, &wb.how, "the weights");
      if (aq && aq->pre != kNoValue) check(qlog->activation_bits_by_tensor, g.values[aq->pre].name, &ab, &activation_how,
                                           "the final activation");
    }

    const double threshold = context.config.threshold_bitwidth_mixed_precision_with_model_output_loss_objective;
    if (wb.bits_used > threshold && ab.bits_used > threshold) return findings;

    Finding f;
    f.judge = kJudgeId;
    f.layer = layer->name;
    f.layers = {layer->name};
    if (aq) f.layers.push_back(g.nodes[aq->quant_node].name);
    for (size_t i = 0; i < context.report.points.size() && i < context.degraded.size(); ++i)
      if (context.degraded[i] && !layer->outputs.empty() &&
          layer->outputs[0] != kNoValue && context.report.points[i].quant_pre_tensor == g.values[layer->outputs[0]].name)
        f.on_degraded_layer = true;
    // The reference prints "bidwidth" (sic); we spell it right.
    f.message = "bitwidth of " + layer->name + ":" + std::to_string(wb.bits_used) + "(Weight), " +
                std::to_string(ab.bits_used) + "(Activation)";
    f.evidence = {{"weight_bits", wb.type_bits},
                  {"weight_bits_used", wb.bits_used},
                  {"weight_levels", wb.levels},
                  {"weight_distinct_values", wb.distinct},
                  {"activation_bits", ab.type_bits},
                  {"activation_bits_used", ab.bits_used},
                  {"activation_levels", ab.levels},
                  {"threshold", threshold}};
    if (used_by_data) f.evidence.emplace_back("activation_levels_used_by_data", *used_by_data);
    f.note = wb.how + "; " + activation_how;
    findings.push_back(std::move(f));
    return findings;
  }
};

}  // namespace

std::unique_ptr<Judge> MakeMixedPrecisionJudge() { return std::make_unique<MixedPrecisionJudge>(); }

}  // namespace xquant::troubleshoot
