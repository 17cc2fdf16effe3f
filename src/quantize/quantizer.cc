// The Quantizer (prepare once, build many quantized variants) and the one-call pipeline.
#include <algorithm>
#include <fstream>
#include <mutex>
#include <cmath>
#include <set>

#include "onnx/writer.h"
#include "quantize/graph_preparation.h"
#include "quantize/plan.h"
#include "quantize/qdq_builder.h"
#include "quantize/quantization_log.h"
#include "quantize/statistics.h"
#include "quantize/weight_quantization.h"
#include "xquant/quantize.h"
#include "xquant/session.h"

namespace xquant {
namespace {

using quantize::ActivationPlan;
using quantize::LayerPlan;
using quantize::QuantizedWeights;

// Ops whose meaning changed at opset 13 (axes moved from attributes to inputs, Softmax's axis
// semantics): a model below 13 using them cannot simply be relabelled 13, which per-axis QDQ needs.
const std::set<std::string> kChangedAtOpset13 = {"Squeeze", "Unsqueeze", "Split", "ReduceSum",
                                                 "Softmax", "LogSoftmax", "Hardmax"};

Status CheckModel(const Graph& graph, const std::string& origin) {
  const int64_t opset = graph.OpsetVersion("");
  if (opset < 11)
    return NotSupportedError("'" + origin + "' uses opset " + std::to_string(opset) +
                             "; xquant quantize writes opset-13 QDQ and needs opset 11 or later: convert the model "
                             "first (onnx.version_converter.convert_version(model, 13))");
  if (opset < 13)
    for (const Node& n : graph.nodes)
      if (n.domain.empty() && kChangedAtOpset13.count(n.op_type))
        return NotSupportedError("'" + origin + "' uses opset " + std::to_string(opset) + " and " + n.Describe() +
                                 ", whose signature changed at opset 13 (needed for per-channel QDQ); convert the "
                                 "model first (onnx.version_converter.convert_version(model, 13))");
  if (graph.inputs.empty()) return InvalidArgumentError("'" + origin + "' has no graph inputs to calibrate with");
  // A NaN or infinite float constant (a weight, a bias, BatchNormalization statistics) has no
  // place on any grid: refuse it by name rather than quantize garbage.
  for (const Node& n : graph.nodes)
    for (ValueId in : n.inputs) {
      if (in == kNoValue || !graph.values[in].constant) continue;
      const Tensor& t = *graph.values[in].constant;
      if (t.dtype() != DataType::kFloat32) continue;
      const float* v = t.data<float>();
      for (int64_t k = 0; k < t.size(); ++k)
        if (!std::isfinite(v[k]))
          return InvalidArgumentError("'" + origin + "': constant '" + graph.values[in].name + "' of " + n.Describe() +
                                      " holds a non-finite value (" + std::to_string(v[k]) + " at element " +
                                      std::to_string(k) + "); fix the float model before quantizing it");
    }
  return Status::Ok();
}

Status CheckOptions(const QuantizeOptions& options) {
  const QuantizationConfig& c = options.config;
  if (options.batch_size < 1) return InvalidArgumentError("batch size must be at least 1");
  if (c.activation_n_bits < 2 || c.activation_n_bits > 8)
    return InvalidArgumentError("activation_n_bits is " + std::to_string(c.activation_n_bits) +
                                "; activations take 2 to 8 bits (opset-13 QuantizeLinear holds 8-bit codes)");
  if (c.weights_n_bits < 2 || c.weights_n_bits > 16)
    return InvalidArgumentError("weights_n_bits is " + std::to_string(c.weights_n_bits) + "; weights take 2 to 16 bits");
  for (const auto& [name, bits] : c.activation_n_bits_per_layer)
    if (bits < 2 || bits > 8)
      return InvalidArgumentError("activation_n_bits_per_layer." + name + " is " + std::to_string(bits) + "; use 2 to 8");
  for (const auto& [name, bits] : c.weights_n_bits_per_layer)
    if (bits < 2 || bits > 16)
      return InvalidArgumentError("weights_n_bits_per_layer." + name + " is " + std::to_string(bits) + "; use 2 to 16");
  return Status::Ok();
}

class QuantizerImpl final : public Quantizer {
 public:
  std::shared_ptr<const Model> prepared_model() const override { return prepared_; }
  const std::vector<WeightedLayer>& weighted_layers() const override { return weighted_layers_; }
  const QuantizeOptions& options() const override { return options_; }
  StatusOr<std::shared_ptr<const Model>> Build(const std::map<std::string, int>& weight_bits,
                                               QuantizationLog* log) const override;

  Status Init(std::shared_ptr<const Model> float_model, Dataset& representative, const QuantizeOptions& options);
  const quantize::PreparationState& preparation() const { return preparation_; }
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  int BitsOf(const LayerPlan& layer, const std::map<std::string, int>& weight_bits) const;
  const QuantizedWeights& WeightsAt(size_t layer, int bits) const;

  QuantizeOptions options_;
  std::shared_ptr<const Model> float_model_;
  std::shared_ptr<Model> prepared_;
  quantize::PreparationState preparation_;
  std::vector<ActivationPlan> activations_;
  std::vector<LayerPlan> layers_;
  std::vector<WeightedLayer> weighted_layers_;
  std::vector<std::string> warnings_;
  // Quantized weights per (layer, bits): the mixed-precision search builds many variants.
  mutable std::mutex cache_mutex_;
  mutable std::map<std::pair<size_t, int>, std::unique_ptr<QuantizedWeights>> cache_;
};

Status QuantizerImpl::Init(std::shared_ptr<const Model> float_model, Dataset& representative,
                           const QuantizeOptions& options) {
  options_ = options;
  float_model_ = std::move(float_model);
  auto say = [&](const std::string& m) {
    if (options_.log) options_.log(m);
  };
  XQ_RETURN_IF_ERROR(CheckOptions(options_));
  XQ_RETURN_IF_ERROR(CheckModel(float_model_->graph, float_model_->path));

  prepared_ = std::make_shared<Model>(*float_model_);
  XQ_RETURN_IF_ERROR(quantize::PrepareGraph(&prepared_->graph, options_.config.linear_collapsing,
                                            options_.config.residual_collapsing, &preparation_));
  std::map<std::string, int> merges_by_kind;
  for (const LayerMerge& m : preparation_.merges) {
    ++merges_by_kind[m.kind];
  }
  std::string summary;
  for (const auto& [kind, count] : merges_by_kind) summary += " " + kind + "=" + std::to_string(count);
  say("graph preparation:" + (summary.empty() ? std::string(" nothing merged") : summary));

  SessionOptions session_options;
  session_options.num_threads = options_.num_threads;
  XQ_ASSIGN_OR_RETURN(auto session, Session::Create(prepared_, session_options));
  const std::map<std::string, int> watched = quantize::WatchedTensors(prepared_->graph);
  XQ_ASSIGN_OR_RETURN(auto stats, quantize::CollectStatistics(*session, representative, watched, options_.batch_size,
                                                              options_.max_samples, options_.log));
  activations_ = quantize::PlanActivations(prepared_->graph, stats, options_.config, preparation_, &warnings_);
  layers_ = quantize::PlanLayers(prepared_->graph, activations_, stats);
  for (const LayerPlan& l : layers_)
    weighted_layers_.push_back({l.name, l.op_type, prepared_->graph.values[l.weight].constant->size()});
  int shifted = 0;
  for (const ActivationPlan& a : activations_) shifted += a.info.shift != 0.0;
  say("thresholds: " + std::to_string(activations_.size()) + " activation quantizers (" + std::to_string(shifted) +
      " shift-negative), " + std::to_string(layers_.size()) + " weighted layers");

  // Per-layer bit widths naming no layer are most likely typos: say so.
  std::set<std::string> known;
  for (const LayerPlan& l : layers_) {
    known.insert(l.name);
    known.insert(preparation_.OriginOf(l.name));
  }
  for (const auto& [name, bits] : options_.config.weights_n_bits_per_layer)
    if (!known.count(name)) warnings_.push_back("weights_n_bits_per_layer names '" + name + "', which is no weighted layer");
  for (const std::string& w : warnings_) say("warning: " + w);
  return Status::Ok();
}

int QuantizerImpl::BitsOf(const LayerPlan& layer, const std::map<std::string, int>& weight_bits) const {
  if (auto it = weight_bits.find(layer.name); it != weight_bits.end()) return it->second;
  const auto& per_layer = options_.config.weights_n_bits_per_layer;
  if (auto it = per_layer.find(layer.name); it != per_layer.end()) return it->second;
  if (auto it = per_layer.find(preparation_.OriginOf(layer.name)); it != per_layer.end()) return it->second;
  return options_.config.weights_n_bits;
}

const QuantizedWeights& QuantizerImpl::WeightsAt(size_t layer, int bits) const {
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (auto it = cache_.find({layer, bits}); it != cache_.end()) return *it->second;
  }
  const LayerPlan& l = layers_[layer];
  auto q = std::make_unique<QuantizedWeights>(quantize::QuantizeWeights(
      *prepared_->graph.values[l.weight].constant, l.axis, bits, options_.config));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  auto& slot = cache_[{layer, bits}];
  if (!slot) slot = std::move(q);
  return *slot;
}

StatusOr<std::shared_ptr<const Model>> QuantizerImpl::Build(const std::map<std::string, int>& weight_bits,
                                                            QuantizationLog* log) const {
  std::vector<const QuantizedWeights*> weights;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const int bits = BitsOf(layers_[i], weight_bits);
    if (bits < 2 || bits > 16)
      return InvalidArgumentError("layer '" + layers_[i].name + "': " + std::to_string(bits) +
                                  " weight bits; use 2 to 16");
    weights.push_back(&WeightsAt(i, bits));
  }
  for (const auto& [name, bits] : weight_bits) {
    bool found = false;
    for (const LayerPlan& l : layers_) found = found || l.name == name;
    if (!found) return InvalidArgumentError("weight bits given for '" + name + "', which is no weighted layer");
  }
  auto model = std::make_shared<Model>();
  model->path = float_model_->path + " (quantized)";
  model->ir_version = std::max<int64_t>(float_model_->ir_version, 7);
  model->producer_name = "xquant";
  model->producer_version = "0.1.0";
  XQ_ASSIGN_OR_RETURN(model->graph, quantize::BuildQdqGraph(prepared_->graph, activations_, layers_, weights,
                                                            options_.config, log));
  if (log) {
    log->merges = preparation_.merges;
    log->warnings = warnings_;
  }
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace

StatusOr<std::unique_ptr<Quantizer>> Quantizer::Create(std::shared_ptr<const Model> float_model,
                                                       Dataset& representative, const QuantizeOptions& options) {
  if (!float_model) return InvalidArgumentError("no float model given to the quantizer");
  auto q = std::make_unique<QuantizerImpl>();
  XQ_RETURN_IF_ERROR(q->Init(std::move(float_model), representative, options));
  return std::unique_ptr<Quantizer>(std::move(q));
}

StatusOr<QuantizeResult> Quantize(std::shared_ptr<const Model> float_model, Dataset& representative,
                                  const QuantizeOptions& options) {
  std::shared_ptr<const Model> float_copy = float_model;
  XQ_ASSIGN_OR_RETURN(auto quantizer, Quantizer::Create(float_model, representative, options));
  std::map<std::string, int> bits;
  if (options.config.mixed_precision) {
    if (options.log) options.log("mixed precision: searching weight bit widths");
    XQ_ASSIGN_OR_RETURN(bits, SearchMixedPrecision(*quantizer, representative, *options.config.mixed_precision,
                                                   options.log));
  }
  QuantizeResult result;
  XQ_ASSIGN_OR_RETURN(result.model, quantizer->Build(bits, &result.log));
  result.log.mixed_precision_bits = bits;
  if (!options.log_dir.empty()) {
    XQ_RETURN_IF_ERROR(quantize::WriteQuantizationLog(options.log_dir, result.log, options.config, float_copy->graph,
                                                      quantizer->prepared_model()->graph, result.model->graph));
    if (options.log) options.log("quantization log: " + options.log_dir + "/quantization_log.json");
  }
  return result;
}

Status SaveModel(const Model& model, const std::string& path) {
  XQ_ASSIGN_OR_RETURN(std::string bytes, onnx_export::SerializeModel(model));
  std::ofstream out(path, std::ios::binary);
  if (!out) return IOError("cannot open '" + path + "' for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IOError("writing '" + path + "' failed");
  return Status::Ok();
}

StatusOr<QuantizeResult> QuantizeFile(const std::string& float_path, const std::string& repr_spec,
                                      const std::string& output_path, const QuantizeOptions& options) {
  XQ_ASSIGN_OR_RETURN(auto model, LoadModel(float_path));
  XQ_ASSIGN_OR_RETURN(auto dataset, Dataset::Open(repr_spec, InputSpecsOf(*model), options.dataset));
  if (options.log) options.log("representative data: " + dataset->Describe());
  XQ_ASSIGN_OR_RETURN(QuantizeResult result, Quantize(model, *dataset, options));
  XQ_RETURN_IF_ERROR(SaveModel(*result.model, output_path));
  if (options.log) options.log("wrote " + output_path);
  return result;
}

}  // namespace xquant
