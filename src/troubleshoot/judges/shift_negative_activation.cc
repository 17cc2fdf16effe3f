// Shift negative activation: activations whose output has a small negative tail (GELU, SiLU,
// HardSwish, LeakyRelu, ...). Quantized unsigned, the tail is clipped to 0; quantized signed, half
// of the integer codes serve a tail a few percent wide. The countermeasure shifts the activation by
// a constant so it is non-negative and compensates in the next linear layer's bias.
//
// The reference lists such nodes by op type only and never looks at the values. We judge model-wide
// on the float graph too, but also recognise the forms exporters emit (GELU through Erf, SiLU as
// x*Sigmoid(x), HardSwish through HardSigmoid or Relu6, Mish through Tanh(Softplus)) and measure,
// on the activation's compare point, how much of the signal is negative and how much of it the
// quantizer clips. The quantizer is read from the point's record (xquant/quantization.h), so every
// dialect counts; a point whose record cannot represent negatives (representable minimum >= 0)
// while its float tensor has negative mass is a finding even when no activation explains it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "troubleshoot/judge.h"
#include "troubleshoot/judges/graph_match.h"

namespace xquant::troubleshoot {
namespace {

using graph_match::ClipBoundsOf;
using graph_match::Consumers;
using graph_match::IdOf;
using graph_match::InputOf;
using graph_match::Is;
using graph_match::OtherInput;
using graph_match::OutputOf;
using graph_match::Producer;
using graph_match::ScalarNear;

constexpr char kJudgeId[] = "shift_negative_activation";

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// One activation of the float graph that can output negative values.
struct Activation {
  const Node* output_node = nullptr;  // produces the activation's output
  std::string type;                   // op type, or the pattern's name
  std::vector<const Node*> nodes;     // every node that forms it
};

// Op types whose output has a negative part. Relu, Relu6 (Clip at 0) and the non-negative
// Softplus, Sigmoid, HardSigmoid, ThresholdedRelu are not listed. Tanh, Softsign and Clip(-a, a)
// are symmetric around 0: a signed quantizer fits them, so shifting would not help.
bool IsNegativeOutputOp(const Node& n) {
  static const std::set<std::string> kDefaultDomain = {"PRelu", "Elu",       "Selu", "Celu",
                                                       "LeakyRelu", "HardSwish", "Gelu", "Mish"};
  static const std::set<std::string> kMicrosoft = {"Gelu", "FastGelu", "BiasGelu", "QuickGelu"};
  if (n.domain.empty()) {
    if (!kDefaultDomain.count(n.op_type)) return false;
    // With alpha = 0 these two are Relu.
    if (n.op_type == "LeakyRelu") return n.GetFloat("alpha", 0.01f) != 0.0f;
    if (n.op_type == "Elu") return n.GetFloat("alpha", 1.0f) != 0.0f;
    return true;
  }
  return n.domain == "com.microsoft" && kMicrosoft.count(n.op_type) > 0;
}

// Finds the activations of one graph; each output node is reported once, in graph order.
class ActivationFinder {
 public:
  explicit ActivationFinder(const Graph& g) : g_(g) {}

  std::vector<Activation> Find() {
    for (const Node& n : g_.nodes) {
      if (Is(&n, "Mul")) Keep(TimesGate(n));
      if (Is(&n, "Erf")) Keep(GeluErf(n));
      if (Is(&n, "Tanh")) Keep(GeluTanh(n));
      if (Is(&n, "Clip")) Keep(HardSwishRelu6(n));
    }
    std::set<const Node*> in_patterns;
    for (const auto& [id, a] : found_)
      for (const Node* n : a.nodes) in_patterns.insert(n);
    for (const Node& n : g_.nodes) {
      if (in_patterns.count(&n) || !IsNegativeOutputOp(n)) continue;
      std::string type = n.domain.empty() ? n.op_type : n.op_type + " (" + n.domain + ")";
      Keep(Activation{&n, type, {&n}});
    }
    std::vector<Activation> out;
    for (auto& [id, a] : found_) out.push_back(std::move(a));
    return out;
  }

 private:
  void Keep(std::optional<Activation> a) {
    if (a) found_.emplace(IdOf(g_, *a->output_node), std::move(*a));
  }

  // x * f(x) with a gate f: Sigmoid (SiLU, Swish), HardSigmoid (HardSwish), Tanh(Softplus) (Mish).
  std::optional<Activation> TimesGate(const Node& mul) {
    if (mul.inputs.size() != 2) return std::nullopt;
    for (int k = 0; k < 2; ++k) {
      ValueId x = mul.inputs[k];
      const Node* gate = Producer(g_, mul.inputs[1 - k]);
      if (!gate || x == kNoValue) continue;
      ValueId gate_in = InputOf(*gate, 0);
      if (Is(gate, "Sigmoid") && gate_in == x) return Activation{&mul, "SiLU (x*Sigmoid(x))", {gate, &mul}};
      if (Is(gate, "Sigmoid")) {
        // Swish with a factor: Paddle writes SiLU as x * Sigmoid(1.0 * x); QuickGELU uses 1.702.
        const Node* scale = Producer(g_, gate_in);
        const std::optional<double> beta =
            Is(scale, "Mul") ? graph_match::ScalarOf(g_, OtherInput(*scale, x)) : std::nullopt;
        if (beta && std::abs(*beta - 1.0) <= graph_match::kPatternConstantTolerance)
          return Activation{&mul, "SiLU (x*Sigmoid(x))", {scale, gate, &mul}};
        if (beta) return Activation{&mul, "Swish (x*Sigmoid(" + Number(*beta) + "*x))", {scale, gate, &mul}};
      }
      if (Is(gate, "HardSigmoid") && gate_in == x)
        return Activation{&mul, "HardSwish (x*HardSigmoid(x))", {gate, &mul}};
      if (Is(gate, "Tanh")) {
        const Node* softplus = Producer(g_, gate_in);
        if (Is(softplus, "Softplus") && InputOf(*softplus, 0) == x)
          return Activation{&mul, "Mish (x*Tanh(Softplus(x)))", {softplus, gate, &mul}};
      }
    }
    return std::nullopt;
  }

  // Halving of `v`: Mul(v, 0.5) or Div(v, 2).
  bool IsHalfOf(const Node& n, ValueId v) const {
    if (Is(&n, "Mul")) return OtherInput(n, v) != kNoValue && ScalarNear(g_, OtherInput(n, v), 0.5);
    return Is(&n, "Div") && InputOf(n, 0) == v && ScalarNear(g_, InputOf(n, 1), 2.0);
  }

  // From u = 1 + Erf(...) or 1 + Tanh(...): the multiplications by x and by 0.5 in any order,
  // including x*0.5 computed first. `x` may be unknown (kNoValue) and is then taken from the chain.
  // Returns the last node of the chain and sets `x`.
  const Node* HalfXChain(ValueId u, ValueId* x, std::vector<const Node*>* nodes) const {
    bool has_x = false, has_half = false;
    ValueId cur = u;
    for (int step = 0; step < 3; ++step) {
      const Node* next = nullptr;
      for (const Node* n : Consumers(g_, cur)) {
        if (IsHalfOf(*n, cur)) {
          has_half = true;
          next = n;
          break;
        }
        if (!Is(n, "Mul")) continue;
        ValueId other = OtherInput(*n, cur);
        if (other == kNoValue || graph_match::ConstantOf(g_, other)) continue;
        const Node* half = Producer(g_, other);
        ValueId halved = kNoValue;
        if (Is(half, "Div") && ScalarNear(g_, InputOf(*half, 1), 2.0)) halved = InputOf(*half, 0);
        for (int k = 0; k < 2 && Is(half, "Mul"); ++k)
          if (ScalarNear(g_, InputOf(*half, 1 - k), 0.5)) halved = InputOf(*half, k);
        if (halved != kNoValue && (*x == kNoValue || halved == *x)) {
          *x = halved;
          has_x = has_half = true;
          nodes->push_back(half);
        } else if (*x == kNoValue || other == *x) {
          *x = other;
          has_x = true;
        } else {
          continue;
        }
        next = n;
        break;
      }
      if (!next) return nullptr;
      nodes->push_back(next);
      cur = OutputOf(*next);
      if (has_x && has_half) return next;
    }
    return nullptr;
  }

  // The "1 + g" Add after a gate output, or nullptr.
  const Node* PlusOne(ValueId gate_out) const {
    for (const Node* n : Consumers(g_, gate_out))
      if (Is(n, "Add") && OtherInput(*n, gate_out) != kNoValue && ScalarNear(g_, OtherInput(*n, gate_out), 1.0))
        return n;
    return nullptr;
  }

  // x * 0.5 * (1 + Erf(x / sqrt(2))): what torch.onnx emits for GELU before opset 20.
  std::optional<Activation> GeluErf(const Node& erf) {
    const Node* scale = Producer(g_, InputOf(erf, 0));
    ValueId x = kNoValue;
    if (Is(scale, "Div") && ScalarNear(g_, InputOf(*scale, 1), std::sqrt(2.0))) x = InputOf(*scale, 0);
    for (int k = 0; k < 2 && Is(scale, "Mul") && x == kNoValue; ++k)
      if (ScalarNear(g_, InputOf(*scale, 1 - k), 1.0 / std::sqrt(2.0))) x = InputOf(*scale, k);
    if (x == kNoValue) return std::nullopt;
    const Node* add = PlusOne(OutputOf(erf));
    if (!add) return std::nullopt;
    std::vector<const Node*> nodes = {scale, &erf, add};
    const Node* out = HalfXChain(OutputOf(*add), &x, &nodes);
    if (!out) return std::nullopt;
    return Activation{out, "GELU (x*0.5*(1+Erf(x/sqrt(2))))", nodes};
  }

  // 0.5 * x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 x^3))): the tanh approximation of GELU.
  std::optional<Activation> GeluTanh(const Node& tanh) {
    const Node* add = PlusOne(OutputOf(tanh));
    if (!add) return std::nullopt;
    ValueId x = kNoValue;
    std::vector<const Node*> nodes = {&tanh, add};
    const Node* out = HalfXChain(OutputOf(*add), &x, &nodes);
    // The Tanh must read a function of that same x (a few nodes up), not an unrelated tensor.
    if (!out || x == InputOf(tanh, 0) || !graph_match::ReachesWithin(g_, InputOf(tanh, 0), x, 6))
      return std::nullopt;
    return Activation{out, "GELU (tanh approximation)", nodes};
  }

  // x * Relu6(x + 3) / 6, with Relu6 as Clip(0, 6) and "/ 6" as Div 6 or Mul 1/6, before or after
  // the multiplication by x.
  std::optional<Activation> HardSwishRelu6(const Node& clip) {
    graph_match::ClipBounds b = ClipBoundsOf(g_, clip);
    if (!b.min || !b.max || *b.min != 0.0 || std::abs(*b.max - 6.0) > 1e-6) return std::nullopt;
    const Node* add = Producer(g_, InputOf(clip, 0));
    if (!Is(add, "Add") || add->inputs.size() != 2) return std::nullopt;
    ValueId x = ScalarNear(g_, add->inputs[1], 3.0) ? add->inputs[0]
                : ScalarNear(g_, add->inputs[0], 3.0) ? add->inputs[1]
                                                        : kNoValue;
    if (x == kNoValue) return std::nullopt;
    auto is_sixth = [&](const Node& n, ValueId v) {
      if (Is(&n, "Div")) return InputOf(n, 0) == v && ScalarNear(g_, InputOf(n, 1), 6.0);
      return Is(&n, "Mul") && OtherInput(n, v) != kNoValue && ScalarNear(g_, OtherInput(n, v), 1.0 / 6.0);
    };
    const ValueId gated = OutputOf(clip);
    for (const Node* first : Consumers(g_, gated)) {
      const bool times_x = Is(first, "Mul") && OtherInput(*first, gated) == x;
      if (!times_x && !is_sixth(*first, gated)) continue;
      for (const Node* second : Consumers(g_, OutputOf(*first))) {
        const bool ok = times_x ? is_sixth(*second, OutputOf(*first))
                                : Is(second, "Mul") && OtherInput(*second, OutputOf(*first)) == x;
        if (ok) return Activation{second, "HardSwish (x*Relu6(x+3)/6)", {add, &clip, first, second}};
      }
    }
    return std::nullopt;
  }

  const Graph& g_;
  std::map<NodeId, Activation> found_;  // by output node: graph order
};

// ---- measures on the float histogram --------------------------------------------------------------

// Share of the histogram's values below t. Values are taken as spread evenly within a bin, so the
// bin containing t counts in proportion to its part below t.
double ShareBelow(const Histogram& h, double t) {
  double total = 0.0, below = 0.0;
  const size_t bins = h.counts.size();
  const double width = bins ? (h.max - h.min) / static_cast<double>(bins) : 0.0;
  for (size_t k = 0; k < bins; ++k) {
    const double c = static_cast<double>(h.counts[k]);
    total += c;
    if (width <= 0.0) {
      below += h.min < t ? c : 0.0;
      continue;
    }
    const double lo = h.min + width * static_cast<double>(k);
    below += c * std::clamp((t - lo) / width, 0.0, 1.0);
  }
  return total > 0.0 ? below / total : 0.0;
}

// Energy the clipping at t removes, relative to the signal's energy:
//   Σ over values x < t of (x − t)²  /  Σ over all values of x².
// (x − t)² is the error clipping makes, so 10·log10(1 / share) is the SQNR that clipping alone
// allows; for t = 0 it is the energy of the negative part. The numerator is approximated from the
// bins (each bin's part below t at the centre of that part); the denominator is the exact sum of
// squares of the data.
double ClippedEnergyShare(const Histogram& h, double t) {
  const size_t bins = h.counts.size();
  if (bins == 0 || h.sum_squares <= 0.0) return 0.0;
  const double width = (h.max - h.min) / static_cast<double>(bins);
  double clipped = 0.0;
  for (size_t k = 0; k < bins; ++k) {
    const double c = static_cast<double>(h.counts[k]);
    if (width <= 0.0) {
      clipped += h.min < t ? c * (h.min - t) * (h.min - t) : 0.0;
      continue;
    }
    const double lo = h.min + width * static_cast<double>(k);
    const double hi = std::min(lo + width, t);
    if (hi <= lo) continue;
    const double centre = 0.5 * (lo + hi);
    clipped += c * (hi - lo) / width * (centre - t) * (centre - t);
  }
  return clipped / h.sum_squares;
}

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3g%%", 100.0 * share);
  return buf;
}

// ---- what the quantizer record says --------------------------------------------------------------

// Integer codes below zero: the representable minimum in steps (0 for an unsigned quantizer).
double NegativeLevels(const QuantizationInfo& q) {
  if (q.range_min >= 0.0f || q.scale.empty()) return 0.0;
  const float step = *std::max_element(q.scale.begin(), q.scale.end());
  return step > 0.0f ? std::nearbyint(-q.range_min / step) : 0.0;
}

double MinZeroPoint(const QuantizationInfo& q) {
  return q.zero_point.empty() ? 0.0 : static_cast<double>(*std::min_element(q.zero_point.begin(), q.zero_point.end()));
}

// "uint8" for an integer container, else the dialect and format: "MCT unsigned 8-bit".
std::string QuantizerName(const QuantizationInfo& q) {
  if (q.dtype != DataType::kUndefined) return DataTypeName(q.dtype);
  return q.dialect + (q.is_signed ? " signed " : " unsigned ") + std::to_string(q.bits) + "-bit";
}

// The compare point measuring the activation's output, or -1.
int FindPoint(const ReportResult& report, const Graph& g, const Activation& a) {
  const ValueId out = OutputOf(*a.output_node);
  const std::string out_name = out == kNoValue ? "" : g.values[out].name;
  for (size_t i = 0; i < report.points.size(); ++i)
    if (report.points[i].float_tensor == out_name) return static_cast<int>(i);
  for (size_t i = 0; i < report.points.size(); ++i) {
    const auto& covered = report.points[i].float_nodes;
    if (std::find(covered.begin(), covered.end(), a.output_node->name) != covered.end()) return static_cast<int>(i);
  }
  return -1;
}

// A finding with the measured numbers; `*priority` is 0 for degraded layers with measured negative
// values, 1 for the rest.
Finding MakeFinding(const JudgeContext& context, const Graph& g, const Activation& a, int* priority) {
  Finding f;
  f.judge = kJudgeId;
  f.layer = a.output_node->name;
  for (const Node* n : a.nodes) f.layers.push_back(n->name);
  f.message = a.output_node->name + "=" + a.type;
  const int point = FindPoint(context.report, g, a);
  if (point < 0) {
    *priority = 1;
    f.message += " (not measured)";
    f.note = "lower priority: no compare point measures this activation's output, so neither its values nor its "
             "degradation are known";
    return f;
  }
  const ComparePoint& p = context.report.points[point];
  f.on_degraded_layer = point < static_cast<int>(context.degraded.size()) && context.degraded[point];
  std::vector<std::string> notes;
  if (p.name != f.layer) notes.push_back("measured at compare point '" + p.name + "'");

  const bool has_histogram = point < static_cast<int>(context.report.histograms.size()) &&
                             !context.report.histograms[point].counts.empty();
  double negative_share = 0.0;
  if (has_histogram) {
    const Histogram& h = context.report.histograms[point];
    negative_share = ShareBelow(h, 0.0);
    f.evidence.emplace_back("negative_share", negative_share);
    f.evidence.emplace_back("min", h.min);
    f.evidence.emplace_back("max", h.max);
    f.message += ": " + Percent(negative_share) + " of values negative (min " + Number(h.min) + ")";
    const QuantizationInfo& q = p.quantization;
    if (q.bits > 0 && q.bits < 63) {
      const double clipped_share = ShareBelow(h, q.range_min);
      const double clipped_energy = ClippedEnergyShare(h, q.range_min);
      const double negative_levels = NegativeLevels(q);
      f.evidence.emplace_back("bits", q.bits);
      f.evidence.emplace_back("levels", q.Levels());
      f.evidence.emplace_back("negative_levels", negative_levels);
      f.evidence.emplace_back("range_min", q.range_min);
      f.evidence.emplace_back("clipped_share", clipped_share);
      f.evidence.emplace_back("clipped_energy_share", clipped_energy);
      if (clipped_energy > 0.0) f.evidence.emplace_back("clipping_sqnr_db_bound", -10.0 * std::log10(clipped_energy));
      f.message += "; " + QuantizerName(q) + " zero point " + Number(MinZeroPoint(q)) + ": " + Number(negative_levels) +
                   " of " + Number(q.Levels()) + " levels below zero, " + Percent(clipped_share) + " of values and " +
                   Percent(clipped_energy) + " of signal energy clipped";
      if (negative_share > 0.0 && q.range_min >= 0.0f)
        notes.push_back("the quantizer is unsigned here: every negative value becomes 0");
    }
  } else {
    notes.push_back("no histogram for this compare point: values not measured");
  }

  const bool negatives_seen = !has_histogram || negative_share > 0.0;
  *priority = f.on_degraded_layer && negatives_seen ? 0 : 1;
  if (!f.on_degraded_layer) notes.push_back("lower priority: not a degraded layer");
  if (!negatives_seen)
    notes.push_back("lower priority: no negative value measured on the representative data");
  for (size_t k = 0; k < notes.size(); ++k) f.note += (k ? "; " : "") + notes[k];
  return f;
}

// A compare point no activation above explains whose quantizer record cannot represent negative
// values (representable minimum >= 0) while its float tensor has negative mass: every negative
// value becomes 0. An onnxruntime-removed Relu is not one: its float partner is the Relu output.
std::optional<Finding> UnsignedOnNegativeData(const JudgeContext& context, size_t point, int* priority) {
  const ReportResult& report = context.report;
  const ComparePoint& p = report.points[point];
  const QuantizationInfo& q = p.quantization;
  if (point >= report.histograms.size() || report.histograms[point].counts.empty()) return std::nullopt;
  if (q.bits <= 0 || q.range_min < 0.0f) return std::nullopt;
  const Histogram& h = report.histograms[point];
  const double negative_share = ShareBelow(h, 0.0);
  if (!(h.min < 0.0) || !(negative_share > 0.0)) return std::nullopt;
  Finding f;
  f.judge = kJudgeId;
  f.layer = p.name;
  f.layers = p.float_nodes.empty() ? std::vector<std::string>{p.name} : p.float_nodes;
  f.on_degraded_layer = point < context.degraded.size() && context.degraded[point];
  const double clipped_share = ShareBelow(h, q.range_min);
  const double clipped_energy = ClippedEnergyShare(h, q.range_min);
  f.evidence = {{"negative_share", negative_share}, {"min", h.min}, {"max", h.max},
                {"bits", static_cast<double>(q.bits)}, {"levels", q.Levels()}, {"negative_levels", 0.0},
                {"range_min", q.range_min}, {"clipped_share", clipped_share},
                {"clipped_energy_share", clipped_energy}};
  if (clipped_energy > 0.0) f.evidence.emplace_back("clipping_sqnr_db_bound", -10.0 * std::log10(clipped_energy));
  f.message = p.name + "=unsigned " + q.dialect + " quantizer on negative values: " + Percent(negative_share) +
              " of values negative (min " + Number(h.min) + "); " + QuantizerName(q) + " zero point " +
              Number(MinZeroPoint(q)) + ": 0 of " + Number(q.Levels()) + " levels below zero, " +
              Percent(clipped_share) + " of values and " + Percent(clipped_energy) + " of signal energy clipped";
  f.note = "the quantizer is unsigned here: every negative value becomes 0";
  if (!f.on_degraded_layer) f.note += "; lower priority: not a degraded layer";
  *priority = f.on_degraded_layer ? 0 : 1;
  return f;
}

class ShiftNegativeActivationJudge : public Judge {
 public:
  const JudgeInfo& info() const override {
    for (const JudgeInfo& j : Judges())
      if (j.id == kJudgeId) return j;
    return Judges().front();  // unreachable: the registry lists every judge
  }

  std::string Headline() const override {
    return "There are activations that contain negative values. Refer to the troubleshooting manual of \"Shift "
           "Negative Activation\" (docs/troubleshooting/" +
           info().page + ".md).";
  }

  StatusOr<std::vector<Finding>> Run(const JudgeContext& context, std::vector<std::string>* warnings) const override {
    if (!context.report.float_model) {
      if (warnings) warnings->push_back("shift negative activation: no float model in the report; judge skipped");
      return std::vector<Finding>{};
    }
    const Graph& g = context.report.float_model->graph;
    std::vector<Finding> first, rest;
    std::set<int> explained;  // compare points an activation's finding covers
    for (const Activation& a : ActivationFinder(g).Find()) {
      int priority = 1;
      explained.insert(FindPoint(context.report, g, a));
      Finding f = MakeFinding(context, g, a, &priority);
      (priority == 0 ? first : rest).push_back(std::move(f));
    }
    for (size_t i = 0; i < context.report.points.size(); ++i) {
      if (explained.count(static_cast<int>(i))) continue;
      int priority = 1;
      if (std::optional<Finding> f = UnsignedOnNegativeData(context, i, &priority))
        (priority == 0 ? first : rest).push_back(std::move(*f));
    }
    first.insert(first.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return first;
  }
};

}  // namespace

std::unique_ptr<Judge> MakeShiftNegativeActivationJudge() { return std::make_unique<ShiftNegativeActivationJudge>(); }

}  // namespace xquant::troubleshoot
