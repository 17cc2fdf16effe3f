// Mixed precision with model output loss objective: the last layer quantized to very few bits.
//
// A mixed-precision search that averages its distance over all layers may give the last layer 2 bits
// or fewer, and the model output suffers most. The reference compares the last weighted layer's
// weight bit width and the final activation's bit width with a threshold (≤ 2 by default).
//
// We read the effective bit widths off the quantized model's own graph (the loaded one: weights are
// DequantizeLinear of constant integer tensors), not only its container types:
//  - weights: the integer type's bits, narrowed by the integer levels actually present in the
//    constant (4-bit weights stored in int8 use at most 16 codes) and by a Clip on the integer
//    codes (Brevitas QCDQ);
//  - the final activation: the quantizer closest to the graph output, its type's bits narrowed by
//    a Clip between QuantizeLinear and DequantizeLinear (QCDQ).
// The quantizer's log (context.quantization_log_dir) has no defined format yet and is not read.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "analysis/alignment.h"
#include "troubleshoot/judge.h"
#include "troubleshoot/judges/graph_match.h"

namespace xquant::troubleshoot {
namespace {

using graph_match::ClipBoundsOf;
using graph_match::ConstantOf;
using graph_match::InputOf;
using graph_match::Is;
using graph_match::OutputOf;
using graph_match::Producer;

constexpr char kJudgeId[] = "mixed_precision_with_model_output_loss_objective";

bool IsIntegerType(DataType t) {
  return t == DataType::kInt8 || t == DataType::kUint8 || t == DataType::kInt16 || t == DataType::kUint16 ||
         t == DataType::kInt32 || t == DataType::kInt64;
}

// Bits needed to tell `levels` values apart (at least 1).
int BitsFor(double levels) { return levels <= 2.0 ? 1 : static_cast<int>(std::ceil(std::log2(levels) - 1e-9)); }

// Where a weighted layer's weight comes from: a constant, possibly through quantize/dequantize.
struct WeightSource {
  const Tensor* constant = nullptr;
  const Node* dequantize = nullptr;  // DequantizeLinear of the weight
  const Node* quantize = nullptr;    // a QuantizeLinear of a float constant (quantized at run time)
  const Node* clip = nullptr;        // a Clip on the integer codes (QCDQ)
};

// Walks from `v` up through the ops exporters put between a weight and its layer. Empty when `v`
// is not computed from a constant alone.
std::optional<WeightSource> TraceWeight(const Graph& g, ValueId v) {
  static const std::set<std::string> kPassThrough = {"Identity", "Transpose", "Reshape", "Flatten",
                                                     "Squeeze",  "Unsqueeze", "Cast"};
  WeightSource w;
  for (int depth = 0; depth < 8; ++depth) {
    if (const Tensor* t = ConstantOf(g, v)) {
      w.constant = t;
      return w;
    }
    const Node* n = Producer(g, v);
    if (!n || !n->domain.empty()) return std::nullopt;
    if (n->op_type == "DequantizeLinear" && !w.dequantize) {
      w.dequantize = n;
    } else if (n->op_type == "QuantizeLinear" && w.dequantize && !w.quantize) {
      w.quantize = n;
    } else if (n->op_type == "Clip" && w.dequantize && !w.quantize) {
      w.clip = n;
    } else if (!kPassThrough.count(n->op_type)) {
      return std::nullopt;
    }
    v = InputOf(*n, 0);
  }
  return std::nullopt;
}

// The last Conv/ConvTranspose/Gemm/MatMul (graph order) with a constant weight, and that weight.
const Node* LastWeightedLayer(const Graph& g, WeightSource* weight) {
  for (auto it = g.nodes.rbegin(); it != g.nodes.rend(); ++it) {
    const Node& n = *it;
    if (!n.domain.empty()) continue;
    std::vector<size_t> slots;
    if (n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm") slots = {1};
    if (n.op_type == "MatMul") slots = {1, 0};
    for (size_t slot : slots) {
      if (std::optional<WeightSource> w = TraceWeight(g, InputOf(n, slot))) {
        *weight = *w;
        return &n;
      }
    }
  }
  return nullptr;
}

// The integer range [lo, hi] of a quantized type.
std::pair<double, double> TypeRange(DataType t) {
  const int bits = static_cast<int>(DataTypeSize(t) * 8);
  const bool is_signed = t == DataType::kInt8 || t == DataType::kInt16 || t == DataType::kInt32 || t == DataType::kInt64;
  if (is_signed) return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1) - 1};
  return {0.0, std::ldexp(1.0, bits) - 1};
}

// Levels of an integer Clip's [min, max], or nullopt when it does not narrow anything.
std::optional<double> ClipLevels(const Graph& g, const Node* clip) {
  if (!clip) return std::nullopt;
  graph_match::ClipBounds b = ClipBoundsOf(g, *clip);
  if (!b.min || !b.max || *b.max < *b.min) return std::nullopt;
  return std::floor(*b.max) - std::ceil(*b.min) + 1.0;
}

struct Bits {
  int type_bits = 32;          // the container's bits (32: float, not quantized)
  int bits_used = 32;          // after narrowing by levels
  double levels = 0.0;         // the levels that bits_used counts (0: not known)
  double distinct = 0.0;       // distinct values in the weight tensor
  double span = 0.0;           // largest − smallest integer code + 1
  std::string how;             // for the note
};

// Distinct values and, when they are integers, their span.
void CountCodes(const std::vector<double>& codes, Bits* b) {
  std::vector<double> sorted = codes;
  std::sort(sorted.begin(), sorted.end());
  b->distinct = static_cast<double>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
  b->span = sorted.empty() ? 0.0 : sorted.back() - sorted.front() + 1.0;
}

// A small distinct count is the quantizer's doing only when the values repeat: a tensor of 10
// weights has at most 10 distinct values whatever its bits. So the distinct count is trusted when
// the tensor has at least this many elements per distinct value; otherwise the span of the codes
// (which a symmetric 8-bit quantizer stretches to ±127 for any tensor) counts.
constexpr double kRepeatsPerLevel = 4.0;

Bits WeightBits(const Graph& g, const WeightSource& w) {
  Bits b;
  const Tensor& t = *w.constant;
  std::vector<double> codes;
  codes.reserve(static_cast<size_t>(t.size()));
  if (w.dequantize && w.quantize) {
    // A float constant quantized at run time: its codes are round(w / scale) + zero point, clamped.
    QuantizationInfo q = analysis::DescribeQuantization(g, *w.quantize);
    const auto [qmin, qmax] = TypeRange(q.dtype);
    const Shape& shape = t.shape();
    // Per axis when the scale has several entries (ONNX's axis attribute, default 1, may be negative).
    int axis = -1;
    if (q.scale.size() > 1) {
      axis = static_cast<int>(w.quantize->GetInt("axis", 1));
      if (axis < 0) axis += t.rank();
    }
    int64_t inner = 1;
    for (int d = axis + 1; axis >= 0 && d < t.rank(); ++d) inner *= shape[d];
    for (int64_t k = 0; k < t.size(); ++k) {
      size_t c = axis >= 0 && axis < t.rank() ? static_cast<size_t>((k / inner) % shape[axis]) : 0;
      const double scale = c < q.scale.size() ? q.scale[c] : (q.scale.empty() ? 1.0 : q.scale[0]);
      const double zp = c < q.zero_point.size() ? q.zero_point[c] : (q.zero_point.empty() ? 0.0 : q.zero_point[0]);
      codes.push_back(std::clamp(std::nearbyint(t.GetAsDouble(k) / scale) + zp, qmin, qmax));
    }
    b.type_bits = q.bits;
    b.how = "float weights quantized by " + w.quantize->Describe();
  } else {
    for (int64_t k = 0; k < t.size(); ++k) codes.push_back(t.GetAsDouble(k));
    b.type_bits = w.dequantize && IsIntegerType(t.dtype()) ? static_cast<int>(DataTypeSize(t.dtype()) * 8) : 32;
    b.how = w.dequantize ? "integer weights dequantized by " + w.dequantize->Describe() : "float weights";
  }
  CountCodes(codes, &b);
  const bool repeats = static_cast<double>(codes.size()) >= kRepeatsPerLevel * b.distinct;
  if (b.type_bits < 32) {
    b.levels = repeats ? b.distinct : std::min(b.span, std::ldexp(1.0, b.type_bits));
    if (std::optional<double> clip = ClipLevels(g, w.clip)) b.levels = std::min(b.levels, *clip);
    b.bits_used = std::min(b.type_bits, BitsFor(b.levels));
  } else if (repeats && b.distinct <= 256.0) {
    // Float weights baked onto a grid (a fake-quant export): the grid's levels are the bits.
    b.levels = b.distinct;
    b.bits_used = BitsFor(b.levels);
    b.how += " on a grid of " + std::to_string(static_cast<int64_t>(b.distinct)) + " values";
  } else {
    b.levels = b.distinct;
  }
  return b;
}

// The activation quantizer nearest to the graph outputs: QuantizeLinear [→ Clip/Cast/Identity] →
// DequantizeLinear. Dequantized constants (weights, biases) are not activations and are not
// entered.
struct ActivationQuantizer {
  const Node* quantize = nullptr;
  const Node* dequantize = nullptr;
  const Node* clip = nullptr;
};

std::optional<ActivationQuantizer> FindFinalActivationQuantizer(const Graph& g) {
  std::deque<ValueId> queue(g.outputs.begin(), g.outputs.end());
  std::set<ValueId> seen(g.outputs.begin(), g.outputs.end());
  while (!queue.empty()) {
    const ValueId v = queue.front();
    queue.pop_front();
    const Node* n = Producer(g, v);
    if (!n) continue;
    if (Is(n, "DequantizeLinear")) {
      ActivationQuantizer a;
      a.dequantize = n;
      const Node* up = Producer(g, InputOf(*n, 0));
      while (up && (Is(up, "Clip") || Is(up, "Cast") || Is(up, "Identity"))) {
        if (Is(up, "Clip")) a.clip = up;
        up = Producer(g, InputOf(*up, 0));
      }
      if (Is(up, "QuantizeLinear") && !ConstantOf(g, InputOf(*up, 0))) {
        a.quantize = up;
        return a;
      }
      continue;  // a dequantized constant
    }
    for (ValueId in : n->inputs)
      if (in != kNoValue && !ConstantOf(g, in) && seen.insert(in).second) queue.push_back(in);
  }
  return std::nullopt;
}

// Levels of the activation's integer range the data reaches: the float histogram's [min, max] of
// the compare point quantized by `q`, in codes. Tells a too-coarse scale (all data in 3 codes) apart
// from a too-small type.
std::optional<double> LevelsUsedByData(const ReportResult& report, const Node& quantize, const QuantizationInfo& q) {
  if (q.scale.size() != 1 || q.scale[0] <= 0.0f) return std::nullopt;
  for (size_t i = 0; i < report.points.size() && i < report.histograms.size(); ++i) {
    if (report.points[i].quant_node != quantize.name || report.histograms[i].counts.empty()) continue;
    const auto [qmin, qmax] = TypeRange(q.dtype);
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
    if (!context.quantization_log_dir.empty())
      warn("the quantization log '" + context.quantization_log_dir +
           "' was not read (its format is not defined yet); bit widths come from the quantized model's graph");
    if (!context.report.quantized_model) {
      warn("no quantized model in the report; judge skipped");
      return findings;
    }
    const Graph& g = context.report.quantized_model->graph;
    WeightSource weight;
    const Node* layer = LastWeightedLayer(g, &weight);
    if (!layer) {
      warn("no Conv/ConvTranspose/Gemm/MatMul with constant weights in the quantized model '" +
           context.report.quantized_model->path + "'; the last layer's bit width was not judged");
      return findings;
    }
    const Bits wb = WeightBits(g, weight);

    Bits ab;
    std::string activation_how = "no activation quantizer before the graph output: the final activation is float";
    std::optional<double> used_by_data;
    const std::optional<ActivationQuantizer> aq = FindFinalActivationQuantizer(g);
    if (aq) {
      const QuantizationInfo q = analysis::DescribeQuantization(g, *aq->quantize);
      ab.type_bits = q.bits;
      ab.levels = std::ldexp(1.0, q.bits);
      if (std::optional<double> clip = ClipLevels(g, aq->clip)) ab.levels = std::min(ab.levels, *clip);
      ab.bits_used = std::min(ab.type_bits, BitsFor(ab.levels));
      activation_how = "final activation quantized by " + aq->quantize->Describe() +
                       (aq->clip ? " with integer " + aq->clip->Describe() : "");
      used_by_data = LevelsUsedByData(context.report, *aq->quantize, q);
    }

    const double threshold = context.config.threshold_bitwidth_mixed_precision_with_model_output_loss_objective;
    if (wb.bits_used > threshold && ab.bits_used > threshold) return findings;

    Finding f;
    f.judge = kJudgeId;
    f.layer = layer->name;
    f.layers = {layer->name};
    if (aq) f.layers.push_back(aq->quantize->name);
    for (size_t i = 0; i < context.report.points.size() && i < context.degraded.size(); ++i)
      if (context.degraded[i] && context.report.points[i].quant_pre_tensor == g.values[OutputOf(*layer)].name)
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
