// Mixed precision of the weights: which bit width each weighted layer gets under a memory budget.
//
// Sensitivity. The baseline model has every weighted layer at the widest candidate width. For each
// layer and each narrower candidate, one model is built with only that layer lowered; its distance
// to the prepared float model on the first `num_of_images` representative samples is the layer's
// sensitivity to that width (the widest width's sensitivity is the baseline's distance). The
// distance at one interest point is the normalised squared error  sum (f - q)^2 / sum f^2  over all
// samples (scale-free, so that points of different magnitude can be averaged). Interest points: the
// output of every weighted layer and every model output.
//   AVERAGE     the mean over all interest points (the reference's default);
//   LAST_LAYER  the mean over the model outputs only (the seed's countermeasure: a small last
//               layer that barely moves the average can still ruin the output).
//
// Choice. Minimise the summed sensitivity of the chosen widths subject to
//   sum over layers of num_elements * bits / 8  <=  budget (bytes),
// a multiple-choice knapsack, solved exactly by dynamic programming over the Pareto front of
// (memory, summed sensitivity) after each layer: a partial choice survives only when no other
// partial choice is both cheaper-or-equal in memory and lower in sensitivity. Memory is counted
// in integer bits, so the budget is honoured exactly. Should the front outgrow kMaxFrontSize
// (thousands of layers with unrelated sizes), it is thinned to the best state per memory bucket,
// which can only cost optimality, never the budget.
//
// Streaming: samples are read one batch at a time; every candidate model's session is created
// once and runs each batch right after the float model, whose interest tensors are kept only
// for that batch.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "xquant/quantize.h"
#include "xquant/session.h"

namespace xquant {
namespace {

constexpr size_t kMaxFrontSize = 200000;

// One tensor compared between the float and a quantized model.
struct InterestPoint {
  std::string float_tensor;
  std::string quant_tensor;
  bool model_output = false;
};

// A quantized model being measured and its accumulated squared errors per interest point.
struct Candidate {
  size_t layer = 0;  // index into weighted_layers(); meaningless for the baseline
  int bits = 0;
  std::unique_ptr<Session> session;
  std::vector<double> error_sum;   // sum (f - q)^2, per interest point
  std::vector<double> signal_sum;  // sum f^2, per interest point
  std::vector<int64_t> count;      // elements compared, per interest point
};

std::string FormatBits(const std::vector<int>& bits) {
  std::string s;
  for (int b : bits) s += (s.empty() ? "" : ", ") + std::to_string(b);
  return "{" + s + "}";
}

Status CheckConfig(const MixedPrecisionConfig& config) {
  if (config.num_of_images <= 0)
    return InvalidArgumentError("mixed_precision.num_of_images must be at least 1 (got " +
                                std::to_string(config.num_of_images) + ")");
  if (config.candidate_bits.empty())
    return InvalidArgumentError("mixed_precision.candidate_bits is empty: give the widths to choose from, e.g. [8, 4, 2]");
  for (int b : config.candidate_bits)
    if (b < 2 || b > 16)
      return InvalidArgumentError("mixed_precision.candidate_bits " + FormatBits(config.candidate_bits) +
                                  ": each width must be within 2..16");
  if (config.weights_memory < 0 || config.weights_memory_fraction < 0)
    return InvalidArgumentError("mixed_precision: weights_memory and weights_memory_fraction must not be negative");
  if (config.weights_memory == 0 && config.weights_memory_fraction == 0)
    return InvalidArgumentError(
        "mixed precision needs a weight-memory budget: set mixed_precision.weights_memory (bytes) or "
        "mixed_precision.weights_memory_fraction (of the all-8-bit weight size, e.g. 0.5)");
  return Status::Ok();
}

// Pairs the float model's interest tensors with a quantized model's: a weighted layer by its node
// name (the quantizer keeps it) and its first output; model outputs by position.
std::vector<InterestPoint> FindInterestPoints(const Graph& float_graph, const Graph& quant_graph,
                                              const std::vector<WeightedLayer>& layers,
                                              const std::function<void(const std::string&)>& log) {
  std::vector<InterestPoint> points;
  std::set<std::string> float_outputs;
  for (ValueId v : float_graph.outputs) float_outputs.insert(float_graph.values[v].name);
  for (const WeightedLayer& layer : layers) {
    const NodeId f = float_graph.FindNode(layer.node);
    const NodeId q = quant_graph.FindNode(layer.node);
    if (f == kNoNode || q == kNoNode || float_graph.nodes[f].outputs.empty() || quant_graph.nodes[q].outputs.empty()) {
      if (log) log("mixed precision: weighted layer '" + layer.node + "' not found in both models; its output is not compared");
      continue;
    }
    const std::string& float_tensor = float_graph.values[float_graph.nodes[f].outputs[0]].name;
    if (float_outputs.count(float_tensor)) continue;  // compared below, as a model output
    points.push_back({float_tensor, quant_graph.values[quant_graph.nodes[q].outputs[0]].name, false});
  }
  const size_t outputs = std::min(float_graph.outputs.size(), quant_graph.outputs.size());
  for (size_t k = 0; k < outputs; ++k)
    points.push_back({float_graph.values[float_graph.outputs[k]].name,
                      quant_graph.values[quant_graph.outputs[k]].name, true});
  return points;
}

// Adds the squared error between the kept float tensor and `q` to point `p` of `candidate`.
// A point the float run did not produce (folded into a constant) is left out of the distance.
Status Accumulate(const Tensor& f, const Tensor& q, size_t p, const InterestPoint& point, Candidate* candidate) {
  if (!f.defined()) return Status::Ok();
  if (f.dtype() != DataType::kFloat32 || q.dtype() != DataType::kFloat32 || f.size() != q.size())
    return InternalError("mixed precision: tensor '" + point.quant_tensor + "' of the quantized model does not match '" +
                         point.float_tensor + "' of the float model in type or size");
  const float* x = f.data<float>();
  const float* y = q.data<float>();
  double error = 0.0, signal = 0.0;
  for (int64_t k = 0; k < f.size(); ++k) {
    const double d = static_cast<double>(x[k]) - y[k];
    error += d * d;
    signal += static_cast<double>(x[k]) * x[k];
  }
  candidate->error_sum[p] += error;
  candidate->signal_sum[p] += signal;
  candidate->count[p] += f.size();
  return Status::Ok();
}

// The candidate's distance to the float model under `weighting`.
double Distance(const Candidate& c, const std::vector<InterestPoint>& points, MpDistanceWeighting weighting) {
  double sum = 0.0;
  int used = 0;
  for (size_t p = 0; p < points.size(); ++p) {
    if (weighting == MpDistanceWeighting::kLastLayer && !points[p].model_output) continue;
    if (c.count[p] == 0) continue;
    // A point whose float tensor is all zeros: the plain mean squared error.
    sum += c.signal_sum[p] > 0 ? c.error_sum[p] / c.signal_sum[p] : c.error_sum[p] / static_cast<double>(c.count[p]);
    ++used;
  }
  // A model that produced NaN is as far from the float model as can be.
  if (std::isnan(sum)) return std::numeric_limits<double>::infinity();
  return used ? sum / used : 0.0;
}

// The exact multiple-choice knapsack over the Pareto front (see the file comment).
// options[l] = (memory in bits, sensitivity, width) of each width of layer l.
struct Option {
  int64_t memory_bits;
  double sensitivity;
  int bits;
};
StatusOr<std::vector<int>> ChooseWidths(const std::vector<std::vector<Option>>& options, int64_t budget_bits) {
  struct State {
    int64_t memory_bits;
    double sensitivity;
    int32_t parent;  // index into the previous layer's front
    int bits;
  };
  std::vector<std::vector<State>> fronts;
  std::vector<State> front = {{0, 0.0, -1, 0}};
  for (const std::vector<Option>& layer : options) {
    std::vector<State> next;
    next.reserve(front.size() * layer.size());
    for (size_t s = 0; s < front.size(); ++s)
      for (const Option& o : layer)
        if (front[s].memory_bits + o.memory_bits <= budget_bits)
          next.push_back({front[s].memory_bits + o.memory_bits, front[s].sensitivity + o.sensitivity,
                          static_cast<int32_t>(s), o.bits});
    std::sort(next.begin(), next.end(), [](const State& a, const State& b) {
      return a.memory_bits != b.memory_bits ? a.memory_bits < b.memory_bits : a.sensitivity < b.sensitivity;
    });
    std::vector<State> pareto;
    for (const State& s : next)
      if (pareto.empty() || s.sensitivity < pareto.back().sensitivity) pareto.push_back(s);
    if (pareto.size() > kMaxFrontSize) {
      // Thin: the best state per memory bucket (sensitivity falls with memory along the front,
      // so the last state of each bucket is its best).
      const int64_t bucket = budget_bits / static_cast<int64_t>(kMaxFrontSize) + 1;
      std::vector<State> thinned;
      for (size_t k = 0; k < pareto.size(); ++k)
        if (k + 1 == pareto.size() || pareto[k].memory_bits / bucket != pareto[k + 1].memory_bits / bucket)
          thinned.push_back(pareto[k]);
      pareto = std::move(thinned);
    }
    if (pareto.empty()) return InternalError("mixed precision: no choice of widths fits the budget");
    fronts.push_back(front);
    front = std::move(pareto);
  }
  fronts.push_back(front);
  // The last front's final state has the lowest sensitivity (the front is sorted by memory with
  // strictly falling sensitivity); walk back through the parents.
  std::vector<int> widths(options.size());
  int32_t index = static_cast<int32_t>(fronts.back().size()) - 1;
  for (size_t l = options.size(); l-- > 0;) {
    const State& s = fronts[l + 1][index];
    widths[l] = s.bits;
    index = s.parent;
  }
  return widths;
}

}  // namespace

StatusOr<std::map<std::string, int>> SearchMixedPrecision(const Quantizer& quantizer, Dataset& representative,
                                                          const MixedPrecisionConfig& config,
                                                          const std::function<void(const std::string&)>& log) {
  XQ_RETURN_IF_ERROR(CheckConfig(config));
  const std::vector<WeightedLayer>& layers = quantizer.weighted_layers();
  std::map<std::string, int> chosen;
  if (layers.empty()) {
    if (log) log("mixed precision: the model has no weighted layers; nothing to choose");
    return chosen;
  }
  std::vector<int> widths = config.candidate_bits;
  std::sort(widths.rbegin(), widths.rend());
  widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
  const int widest = widths.front();

  // The budget in bits (memory = elements * bits / 8 bytes, so bits keep it integral).
  int64_t elements = 0, smallest_bits = 0;
  for (const WeightedLayer& layer : layers) {
    elements += layer.num_elements;
    smallest_bits += layer.num_elements * widths.back();
  }
  const double budget_bytes =
      config.weights_memory > 0 ? config.weights_memory : config.weights_memory_fraction * static_cast<double>(elements);
  // The small epsilon keeps a budget given as an exact fraction (0.5 of an odd count) from
  // losing a bit to floating-point rounding.
  const int64_t budget_bits = static_cast<int64_t>(std::floor(budget_bytes * 8.0 + 1e-6));
  if (budget_bits < smallest_bits)
  {
    std::ostringstream message;
    message << "mixed precision: the weight-memory budget of " << budget_bytes
            << " bytes is below the smallest possible weight memory, " << smallest_bits / 8.0
            << " bytes (every weighted layer at " << widths.back()
            << " bits); raise the budget or add a narrower width";
    return InvalidArgumentError(message.str());
  }

  // One model per (layer, narrower width), plus the baseline (every layer at the widest width).
  std::map<std::string, int> all_widest;
  for (const WeightedLayer& layer : layers) all_widest[layer.node] = widest;
  const SessionOptions session_options{quantizer.options().num_threads, true};
  std::vector<Candidate> candidates;
  auto add_candidate = [&](size_t layer, int bits) -> Status {
    std::map<std::string, int> assignment = all_widest;
    assignment[layers[layer].node] = bits;
    auto model = quantizer.Build(assignment);
    if (!model.ok())
      return model.status().WithContext("mixed precision, layer '" + layers[layer].node + "' at " +
                                        std::to_string(bits) + " bits");
    auto session = Session::Create(*model, session_options);
    if (!session.ok()) return session.status().WithContext("mixed precision, layer '" + layers[layer].node + "'");
    Candidate c;
    c.layer = layer;
    c.bits = bits;
    c.session = std::move(session).value();
    candidates.push_back(std::move(c));
    return Status::Ok();
  };
  XQ_RETURN_IF_ERROR(add_candidate(0, widest));  // the baseline
  for (size_t l = 0; l < layers.size(); ++l)
    for (size_t w = 1; w < widths.size(); ++w) XQ_RETURN_IF_ERROR(add_candidate(l, widths[w]));

  auto float_session = Session::Create(quantizer.prepared_model(), session_options);
  if (!float_session.ok()) return float_session.status().WithContext("mixed precision, the prepared float model");
  const std::vector<InterestPoint> points =
      FindInterestPoints((*float_session)->graph(), candidates[0].session->graph(), layers, log);
  std::map<std::string, size_t> point_by_float, point_by_quant;
  for (size_t p = 0; p < points.size(); ++p) {
    point_by_float[points[p].float_tensor] = p;
    point_by_quant[points[p].quant_tensor] = p;
  }
  for (Candidate& c : candidates) {
    c.error_sum.assign(points.size(), 0.0);
    c.signal_sum.assign(points.size(), 0.0);
    c.count.assign(points.size(), 0);
  }

  // Measure: per batch, the float model once, then every candidate against its kept tensors.
  const int64_t samples = std::min<int64_t>(config.num_of_images, representative.size());
  if (samples == 0) return InvalidArgumentError("mixed precision: the representative dataset holds no samples");
  const int64_t batch_size = std::max<int64_t>(1, quantizer.options().batch_size);
  for (int64_t first = 0; first < samples; first += batch_size) {
    auto batch = representative.ReadBatch(first, std::min(batch_size, samples - first));
    if (!batch.ok()) return batch.status().WithContext("mixed precision, representative dataset");
    std::vector<Tensor> kept(points.size());
    FunctionObserver keep([&](const TensorEvent& e) {
      if (auto it = point_by_float.find(e.name); it != point_by_float.end() && !points[it->second].model_output)
        kept[it->second] = e.tensor;
      return Status::Ok();
    });
    auto float_run = (*float_session)->Run(*batch, &keep);
    if (!float_run.ok()) return float_run.status().WithContext("mixed precision, the prepared float model");
    for (const auto& [name, tensor] : *float_run)
      if (auto it = point_by_float.find(name); it != point_by_float.end() && points[it->second].model_output)
        kept[it->second] = tensor;
    for (Candidate& c : candidates) {
      // Inner interest points as the observer sees them; model outputs from the run's results.
      FunctionObserver compare([&](const TensorEvent& e) {
        auto it = point_by_quant.find(e.name);
        if (it == point_by_quant.end() || points[it->second].model_output) return Status::Ok();
        return Accumulate(kept[it->second], e.tensor, it->second, points[it->second], &c);
      });
      auto run = c.session->Run(*batch, &compare);
      if (!run.ok()) return run.status().WithContext("mixed precision, layer '" + layers[c.layer].node + "'");
      for (const auto& [name, tensor] : *run) {
        auto it = point_by_quant.find(name);
        if (it != point_by_quant.end() && points[it->second].model_output)
          XQ_RETURN_IF_ERROR(Accumulate(kept[it->second], tensor, it->second, points[it->second], &c));
      }
    }
  }

  // Sensitivities, then the choice.
  const MpDistanceWeighting weighting = config.distance_weighting_method;
  const double baseline = Distance(candidates[0], points, weighting);
  std::vector<std::vector<Option>> options(layers.size());
  for (size_t l = 0; l < layers.size(); ++l) options[l].push_back({layers[l].num_elements * widest, baseline, widest});
  for (size_t k = 1; k < candidates.size(); ++k) {
    const Candidate& c = candidates[k];
    options[c.layer].push_back({layers[c.layer].num_elements * c.bits, Distance(c, points, weighting), c.bits});
  }
  if (log) {
    log("mixed precision: " + std::to_string(samples) + " samples, " + std::to_string(points.size()) +
        " interest points, distance " + MpDistanceWeightingName(weighting) + ", widths " + FormatBits(widths));
    for (size_t l = 0; l < layers.size(); ++l) {
      std::ostringstream line;
      line.precision(12);
      line << "mixed precision: sensitivity " << layers[l].node << " (" << layers[l].num_elements << " weights):";
      for (const Option& o : options[l]) line << " " << o.bits << "b=" << o.sensitivity;
      log(line.str());
    }
  }
  auto choice = ChooseWidths(options, budget_bits);
  if (!choice.ok()) return choice.status();
  int64_t used_bits = 0;
  for (size_t l = 0; l < layers.size(); ++l) {
    chosen[layers[l].node] = (*choice)[l];
    used_bits += layers[l].num_elements * (*choice)[l];
  }
  if (log) {
    for (size_t l = 0; l < layers.size(); ++l)
      log("mixed precision: " + layers[l].node + " -> " + std::to_string((*choice)[l]) + " bits");
    std::ostringstream line;
    line << "mixed precision: weights memory " << used_bits / 8.0 << " bytes of a budget of " << budget_bits / 8.0
         << " (all at " << widest << " bits: " << static_cast<double>(elements) * widest / 8.0 << ")";
    log(line.str());
  }
  return chosen;
}

}  // namespace xquant
