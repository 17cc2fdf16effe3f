// RunReport: both models over both datasets, batch by batch, with metrics and histograms
// accumulated as the tensors are produced.
//
// Per batch, the float model runs first; its observer keeps (shares, not copies) the float tensor
// of every compare point and feeds the representative data's histograms. Then the quantized model
// runs; when a point's tensor entering its QuantizeLinear appears it is kept, and when the
// dequantized tensor appears all three errors of the point are evaluated and the kept tensors are
// dropped. Memory therefore holds one batch's compare tensors, whatever the number of samples.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include "analysis/accuracy.h"
#include "analysis/alignment.h"
#include "analysis/quantizers.h"
#include "analysis/detection.h"
#include "analysis/histogram.h"
#include "analysis/metrics.h"
#include "common/channel_slice.h"
#include "xquant/report.h"
#include "xquant/session.h"

namespace xquant {
namespace {

using analysis::MetricAccumulator;
using analysis::MetricSet;

// A float32 view of any tensor (the model outputs may be integers).
Tensor AsFloat(const Tensor& t) {
  if (t.dtype() == DataType::kFloat32) return t;
  Tensor out(DataType::kFloat32, t.shape());
  float* p = out.data<float>();
  for (int64_t k = 0; k < t.size(); ++k) p[k] = static_cast<float>(t.GetAsDouble(k));
  return out;
}

// `t` with the slice a CompareRescale names divided by its factor (a copy: `t` may share its
// storage with the session's tensor). False when the slice does not fit the tensor's shape.
bool Rescale(const CompareRescale& r, const Tensor& t, Tensor* out) {
  const int rank = static_cast<int>(t.shape().size());
  if (r.axis >= rank || (r.axis >= 0 && (r.begin < 0 || r.end > t.dim(r.axis) || r.begin >= r.end))) return false;
  *out = t.Clone();
  MultiplyChannels(out->data<float>(), t.shape(), r.axis, r.begin, r.end, static_cast<float>(1.0 / r.factor));
  return true;
}

struct PointState {
  MetricAccumulator accumulated, pre_quant, local;
  analysis::StreamingHistogram histogram;
  Tensor float_tensor;  // this batch's
  Tensor pre_tensor;    // this batch's
  bool size_warned = false;
};

class ReportRunner {
 public:
  ReportRunner(const ReportOptions& options, ReportResult* result) : options_(options), result_(result) {}

  Status Prepare(std::shared_ptr<const Model> float_model, std::shared_ptr<const Model> quant_model,
                 const std::string& quant_path);
  Status RunDataset(const std::string& spec, bool representative, DatasetMetrics* out);

 private:
  // `t` (a tensor of the point comparing `float_tensor`) in the units of the model before a
  // rewrite (ReportOptions::compare_rescales); `t` itself when no rescale names that tensor.
  Tensor InCompareUnits(const std::string& float_tensor, const Tensor& t) {
    auto it = rescales_.find(float_tensor);
    if (it == rescales_.end()) return t;
    Tensor out;
    if (Rescale(it->second, t, &out)) return out;
    if (rescale_warned_.insert(float_tensor).second)
      Warn("compare rescale of '" + float_tensor + "' does not fit the tensor's shape; compared unscaled");
    return t;
  }

  void Warn(const std::string& message) {
    result_->warnings.push_back(message);
    if (options_.log) options_.log("WARNING: " + message);
  }
  void Evaluate(size_t point, const Tensor& x, const Tensor& y, MetricAccumulator* acc);

  const ReportOptions& options_;
  ReportResult* result_;
  std::unique_ptr<Session> float_session_, quant_session_;
  std::optional<MetricSet> metrics_;
  std::vector<PointState> states_;
  std::vector<InputSpec> input_specs_;
  std::map<std::string, std::string> quant_input_name_;  // float input name -> quantized input name
  std::map<std::string, std::vector<size_t>> points_by_float_;
  std::map<std::string, CompareRescale> rescales_;  // by float tensor
  std::set<std::string> rescale_warned_;
  std::set<std::string> tracked_ranges_;  // float tensors whose min/max the judges need
  std::map<std::string, std::vector<size_t>> points_by_pre_;
  std::map<std::string, std::vector<size_t>> points_by_post_;
  std::vector<std::pair<std::string, std::string>> outputs_;  // (float output, quantized output)
  std::vector<double> scratch_;
};

Status ReportRunner::Prepare(std::shared_ptr<const Model> float_model, std::shared_ptr<const Model> quant_model,
                             const std::string& quant_path) {
  if (options_.batch_size <= 0)
    return InvalidArgumentError("batch size must be at least 1 (got " + std::to_string(options_.batch_size) + ")");
  if (!float_model || !quant_model) return InvalidArgumentError("RunReport: no float or no quantized model given");
  result_->float_model = float_model;
  result_->quantized_model = quant_model;
  SessionOptions session_options;
  session_options.num_threads = options_.num_threads;
  XQ_ASSIGN_OR_RETURN(float_session_, Session::Create(float_model, session_options));
  XQ_ASSIGN_OR_RETURN(quant_session_, Session::Create(quant_model, session_options));

  analysis::TensorMapping mapping;
  if (!options_.mapping_file.empty()) {
    XQ_ASSIGN_OR_RETURN(mapping, analysis::LoadTensorMapping(options_.mapping_file));
  }
  for (const auto& [quant_node, float_node] : options_.node_pins) {
    const Graph& fg = float_session_->graph();
    const Graph& qg = quant_session_->graph();
    const NodeId q = qg.FindNode(quant_node), f = fg.FindNode(float_node);
    if (q == kNoNode || f == kNoNode || qg.nodes[q].outputs.empty() || fg.nodes[f].outputs.empty() ||
        qg.nodes[q].outputs[0] == kNoValue || fg.nodes[f].outputs[0] == kNoValue) {
      const std::string warning = "the merge '" + quant_node + "' -> '" + float_node + "' names no node of the " +
                                  (q == kNoNode ? "quantized" : "float") + " model; not used for pairing";
      result_->warnings.push_back(warning);
      if (options_.log) options_.log("WARNING: " + warning);
      continue;
    }
    mapping.emplace_back(qg.values[qg.nodes[q].outputs[0]].name, fg.values[fg.nodes[f].outputs[0]].name);
  }
  XQ_ASSIGN_OR_RETURN(analysis::Alignment alignment,
                      analysis::AlignGraphs(float_session_->graph(), quant_session_->graph(), mapping));
  for (const auto& u : alignment.unpaired) result_->unpaired_points.emplace_back(u.quant_tensor, u.reason);
  if (!alignment.unpaired.empty()) {
    std::string names;
    for (size_t k = 0; k < alignment.unpaired.size() && k < 5; ++k)
      names += (k ? ", '" : "'") + alignment.unpaired[k].quant_tensor + "'";
    if (alignment.unpaired.size() > 5) names += ", ...";
    Warn(std::to_string(alignment.unpaired.size()) + " quantization point(s) could not be paired with a float tensor: " +
         names + " (reasons in alignment.json; a mapping file can pin pairs)");
  }
  const size_t quantization_points = alignment.points.size() + alignment.unpaired.size();
  // Weight quantizers are nodes only in the loaded model (the session folded them into constants).
  const Graph& loaded = quant_model->graph;
  const std::vector<QuantizerRecord> records = analysis::FindQuantizers(loaded, {});
  for (ComparePoint& p : alignment.points) {
    if (options_.compare != CompareSet::kAll && !p.weighted) continue;
    if (const Node* layer = analysis::WeightedProducer(loaded, loaded.FindValue(p.quant_pre_tensor))) {
      const analysis::LayerWeight weight = analysis::WeightOfLayer(loaded, records, *layer);
      if (weight.record) p.weight_quantization = weight.record->info;
    }
    result_->points.push_back(std::move(p));
  }
  if (result_->points.empty()) {
    if (quantization_points == 0)
      return InvalidArgumentError("the quantized model '" + quant_path +
                                  "' has no quantization points (no QuantizeLinear -> DequantizeLinear or fake-quant op "
                                  "on an activation): is it the quantized model?");
    return InvalidArgumentError(
        "none of the " + std::to_string(quantization_points) + " quantization points of '" + quant_path + "' " +
        (alignment.points.empty() ? "could be paired with a float tensor; check that the two models belong together, "
                                    "or pin pairs with a mapping file"
                                  : "follows a weighted layer (--compare weighted); use --compare all"));
  }
  outputs_ = alignment.outputs;
  if (outputs_.empty()) return InvalidArgumentError("the float and quantized models have no outputs to pair");

  XQ_ASSIGN_OR_RETURN(MetricSet set, MetricSet::Create(options_.config));
  metrics_ = std::move(set);
  result_->metric_names = metrics_->names();
  states_.resize(result_->points.size());
  for (size_t i = 0; i < result_->points.size(); ++i) {
    const ComparePoint& p = result_->points[i];
    states_[i].accumulated = MetricAccumulator(&*metrics_);
    states_[i].pre_quant = MetricAccumulator(&*metrics_);
    states_[i].local = MetricAccumulator(&*metrics_);
    points_by_float_[p.float_tensor].push_back(i);
    points_by_pre_[p.quant_pre_tensor].push_back(i);
    points_by_post_[p.quant_tensor].push_back(i);
  }
  scratch_.resize(metrics_->size());
  for (const CompareRescale& r : options_.compare_rescales) {
    if (float_session_->graph().FindValue(r.float_tensor) == kNoValue)
      return InvalidArgumentError("compare rescale: no tensor '" + r.float_tensor + "' in the float model");
    if (!(r.factor > 0) || !std::isfinite(r.factor))
      return InvalidArgumentError("compare rescale of '" + r.float_tensor + "': the factor must be positive and finite");
    rescales_[r.float_tensor] = r;
  }
  if (options_.track_input_ranges) {
    const Graph& fg = float_session_->graph();
    std::vector<std::string> nodes = options_.range_nodes;
    for (const ComparePoint& p : result_->points) nodes.insert(nodes.end(), p.float_nodes.begin(), p.float_nodes.end());
    for (const std::string& node_name : nodes) {
      NodeId id = fg.FindNode(node_name);
      if (id == kNoNode) continue;
      for (ValueId in : fg.nodes[id].inputs)
        if (in != kNoValue && !fg.values[in].constant) tracked_ranges_.insert(fg.values[in].name);
      for (ValueId out : fg.nodes[id].outputs)
        if (out != kNoValue) tracked_ranges_.insert(fg.values[out].name);
    }
  }

  input_specs_ = InputSpecsOf(*float_model);
  const Graph& fg = float_model->graph;
  const Graph& qg = quant_model->graph;
  if (fg.inputs.size() != qg.inputs.size())
    return InvalidArgumentError("the float model has " + std::to_string(fg.inputs.size()) +
                                " inputs but the quantized model has " + std::to_string(qg.inputs.size()));
  for (size_t k = 0; k < fg.inputs.size(); ++k) {
    const std::string& fname = fg.values[fg.inputs[k]].name;
    quant_input_name_[fname] = qg.FindValue(fname) != kNoValue && qg.values[qg.FindValue(fname)].is_graph_input
                                   ? fname
                                   : qg.values[qg.inputs[k]].name;
  }
  return Status::Ok();
}

void ReportRunner::Evaluate(size_t point, const Tensor& x, const Tensor& y, MetricAccumulator* acc) {
  if (x.size() != y.size()) {
    if (!states_[point].size_warned) {
      const ComparePoint& p = result_->points[point];
      Warn("layer '" + p.name + "': float tensor '" + p.float_tensor + "' " + ShapeToString(x.shape()) +
           " and quantized tensor " + ShapeToString(y.shape()) + " differ in size; its metrics are NaN");
      states_[point].size_warned = true;
    }
    std::vector<double> nan(metrics_->size(), std::numeric_limits<double>::quiet_NaN());
    acc->Add(nan.data());
    return;
  }
  metrics_->Evaluate(x.data<float>(), y.data<float>(), x.size(), scratch_.data());
  acc->Add(scratch_.data());
}

Status ReportRunner::RunDataset(const std::string& spec, bool representative, DatasetMetrics* out) {
  out->name = representative ? "repr" : "val";
  const std::string which = representative ? "representative dataset" : "validation dataset";
  auto opened = Dataset::Open(spec, input_specs_, options_.dataset);
  if (!opened.ok()) return opened.status().WithContext(which);
  std::unique_ptr<Dataset> dataset = std::move(opened).value();
  out->description = dataset->Describe();
  out->samples = dataset->size();
  if (out->samples == 0) return InvalidArgumentError(which + " '" + spec + "' holds no samples");
  const int64_t batch_size = options_.batch_size;
  const int64_t batches = (out->samples + batch_size - 1) / batch_size;
  out->batches = batches;

  for (size_t i = 0; i < states_.size(); ++i) {
    states_[i].accumulated = MetricAccumulator(&*metrics_);
    states_[i].pre_quant = MetricAccumulator(&*metrics_);
    states_[i].local = MetricAccumulator(&*metrics_);
  }
  MetricAccumulator all_outputs(&*metrics_);
  std::vector<MetricAccumulator> per_output(outputs_.size(), MetricAccumulator(&*metrics_));
  // Task accuracy of both models when the labels are classes; an output that is not [N, C]
  // turns it off with a warning (the layer comparison does not depend on it).
  std::string no_accuracy_reason;
  bool measure_accuracy = analysis::LabelsAreClassIndices(dataset->labels(), &no_accuracy_reason);
  if (!measure_accuracy && dataset->labels() && options_.log)
    options_.log("no task accuracy on the " + which + ": " + no_accuracy_reason);
  analysis::TopOneAccuracy float_accuracy, quant_accuracy;

  for (int64_t b = 0; b < batches; ++b) {
    const int64_t first = b * batch_size;
    const int64_t count = std::min(batch_size, out->samples - first);
    auto read = dataset->ReadBatch(first, count);
    if (!read.ok()) return read.status().WithContext(which);
    std::map<std::string, Tensor> inputs = std::move(read).value();

    // Float model: keep each point's tensor, feed the histograms.
    auto keep_float = [&](const std::string& name, const Tensor& tensor) {
      if (representative && tracked_ranges_.count(name) && tensor.dtype() == DataType::kFloat32 && tensor.size() > 0) {
        const float* v = tensor.data<float>();
        const auto [lo, hi] = std::minmax_element(v, v + tensor.size());
        auto [it, inserted] = result_->float_ranges.emplace(name, std::make_pair<double, double>(*lo, *hi));
        if (!inserted) {
          it->second.first = std::min<double>(it->second.first, *lo);
          it->second.second = std::max<double>(it->second.second, *hi);
        }
      }
      auto it = points_by_float_.find(name);
      if (it == points_by_float_.end()) return;
      Tensor t = InCompareUnits(name, AsFloat(tensor));
      for (size_t i : it->second) {
        states_[i].float_tensor = t;
      }
      if (representative) states_[it->second[0]].histogram.Add(t.data<float>(), t.size());
    };
    for (const auto& [name, tensor] : inputs) keep_float(name, tensor);
    // Only the compare points' and the tracked ranges' tensors are needed: the session may fold
    // the rest (an activation into its convolution) as in a plain run.
    FunctionObserver float_observer(
        [&](const TensorEvent& e) {
          keep_float(e.name, e.tensor);
          return Status::Ok();
        },
        [&](const std::string& name) { return points_by_float_.count(name) > 0 || tracked_ranges_.count(name) > 0; });
    auto float_run = float_session_->Run(inputs, &float_observer);
    if (!float_run.ok()) return float_run.status().WithContext("float model, " + which + " batch " + std::to_string(b));

    // Quantized model: evaluate each point when its dequantized tensor appears.
    std::map<std::string, Tensor> quant_inputs;
    for (const auto& [name, tensor] : inputs) quant_inputs[quant_input_name_[name]] = tensor;
    auto see_quant = [&](const std::string& name, const Tensor& tensor) {
      if (auto it = points_by_pre_.find(name); it != points_by_pre_.end())
        for (size_t i : it->second)
          states_[i].pre_tensor = InCompareUnits(result_->points[i].float_tensor, AsFloat(tensor));
      if (auto it = points_by_post_.find(name); it != points_by_post_.end()) {
        const Tensor post_as_read = AsFloat(tensor);
        for (size_t i : it->second) {
          PointState& s = states_[i];
          // A shifted quantizer (shift-negative correction) hands on x + offset: compare x.
          Tensor post = post_as_read;
          if (const double offset = result_->points[i].quantization.offset; offset != 0.0) {
            post = Tensor(DataType::kFloat32, post_as_read.shape());
            const float* in = post_as_read.data<float>();
            float* out = post.data<float>();
            const float c = static_cast<float>(offset);
            for (int64_t k = 0; k < post.size(); ++k) out[k] = in[k] - c;
          }
          post = InCompareUnits(result_->points[i].float_tensor, post);
          if (s.float_tensor.size() == post.size() && s.pre_tensor.size() == post.size()) {
            // The common case: all three errors in one pass over the three tensors.
            const float* f = s.float_tensor.data<float>();
            const float* pre = s.pre_tensor.data<float>();
            const float* q = post.data<float>();
            const analysis::PointSums sums = analysis::ComputePointSums(f, pre, q, post.size());
            metrics_->EvaluateFromSums(sums.accumulated, f, q, post.size(), scratch_.data());
            s.accumulated.Add(scratch_.data());
            metrics_->EvaluateFromSums(sums.pre_quant, f, pre, post.size(), scratch_.data());
            s.pre_quant.Add(scratch_.data());
            metrics_->EvaluateFromSums(sums.local, pre, q, post.size(), scratch_.data());
            s.local.Add(scratch_.data());
          } else {
            Evaluate(i, s.float_tensor, post, &s.accumulated);
            Evaluate(i, s.float_tensor, s.pre_tensor, &s.pre_quant);
            Evaluate(i, s.pre_tensor, post, &s.local);
          }
          s.float_tensor = Tensor();
          s.pre_tensor = Tensor();
        }
      }
    };
    for (const auto& [name, tensor] : quant_inputs) see_quant(name, tensor);
    FunctionObserver quant_observer(
        [&](const TensorEvent& e) {
          see_quant(e.name, e.tensor);
          return Status::Ok();
        },
        [&](const std::string& name) { return points_by_pre_.count(name) > 0 || points_by_post_.count(name) > 0; });
    auto quant_run = quant_session_->Run(quant_inputs, &quant_observer);
    if (!quant_run.ok())
      return quant_run.status().WithContext("quantized model, " + which + " batch " + std::to_string(b));

    // Model outputs: each, and all of them as one flattened tensor.
    std::vector<Tensor> float_outputs, quant_outputs;
    for (size_t k = 0; k < outputs_.size(); ++k) {
      Tensor f, q;
      for (const auto& [name, t] : *float_run)
        if (name == outputs_[k].first) f = AsFloat(t);
      for (const auto& [name, t] : *quant_run)
        if (name == outputs_[k].second) q = AsFloat(t);
      if (!f.defined() || !q.defined() || f.size() != q.size())
        return InternalError("model output '" + outputs_[k].first + "' missing or of different size in a run");
      metrics_->Evaluate(f.data<float>(), q.data<float>(), f.size(), scratch_.data());
      per_output[k].Add(scratch_.data());
      if (k == 0 && measure_accuracy) {
        Status counted = float_accuracy.Add(f, *dataset->labels(), first);
        if (counted.ok()) counted = quant_accuracy.Add(q, *dataset->labels(), first);
        if (!counted.ok()) {
          measure_accuracy = false;
          Warn("no task accuracy on the " + which + ", output '" + outputs_[0].first + "': " + counted.message());
        }
      }
      float_outputs.push_back(f);
      quant_outputs.push_back(q);
    }
    if (outputs_.size() == 1) {
      all_outputs.Add(scratch_.data());
    } else {
      int64_t total = 0;
      for (const Tensor& t : float_outputs) total += t.size();
      std::vector<float> fx, qy;
      fx.reserve(total);
      qy.reserve(total);
      for (size_t k = 0; k < outputs_.size(); ++k) {
        fx.insert(fx.end(), float_outputs[k].data<float>(), float_outputs[k].data<float>() + float_outputs[k].size());
        qy.insert(qy.end(), quant_outputs[k].data<float>(), quant_outputs[k].data<float>() + quant_outputs[k].size());
      }
      metrics_->Evaluate(fx.data(), qy.data(), total, scratch_.data());
      all_outputs.Add(scratch_.data());
    }
    // A point whose tensors did not both appear in this run (should not happen) is an error, not
    // a silently missing batch.
    for (size_t i = 0; i < states_.size(); ++i) {
      if (states_[i].accumulated.batches() != b + 1)
        return InternalError("layer '" + result_->points[i].name + "': its tensors were not all produced in batch " +
                             std::to_string(b));
    }
    if (options_.progress) options_.progress(out->name, b + 1, batches);
  }

  out->output = all_outputs.Finish();
  if (measure_accuracy) {
    out->float_accuracy = float_accuracy.Value();
    out->quantized_accuracy = quant_accuracy.Value();
    if (options_.log && out->float_accuracy && out->quantized_accuracy)
      options_.log(which + " top-1 accuracy: float " + std::to_string(*out->float_accuracy) + ", quantized " +
                   std::to_string(*out->quantized_accuracy) + " (" + std::to_string(float_accuracy.total()) +
                   " samples)");
  }
  for (size_t k = 0; k < outputs_.size(); ++k) out->per_output.emplace_back(outputs_[k].first, per_output[k].Finish());
  out->layers.resize(states_.size());
  for (size_t i = 0; i < states_.size(); ++i) {
    out->layers[i].accumulated = states_[i].accumulated.Finish();
    out->layers[i].pre_quant = states_[i].pre_quant.Finish();
    out->layers[i].local = states_[i].local.Finish();
  }
  if (representative) {
    result_->histograms.clear();
    for (size_t i = 0; i < states_.size(); ++i) {
      // Points sharing a float tensor share its histogram.
      const auto& owners = points_by_float_[result_->points[i].float_tensor];
      result_->histograms.push_back(states_[owners[0]].histogram.Finish());
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ReportResult> RunReport(const std::string& float_model_path, const std::string& quantized_model_path,
                                 const std::string& repr_spec, const std::string& val_spec,
                                 const ReportOptions& options) {
  auto float_model = LoadModel(float_model_path);
  if (!float_model.ok()) return float_model.status().WithContext("float model");
  auto quant_model = LoadModel(quantized_model_path);
  if (!quant_model.ok()) return quant_model.status().WithContext("quantized model");
  return RunReport(*float_model, *quant_model, float_model_path, quantized_model_path, repr_spec, val_spec, options);
}

StatusOr<ReportResult> RunReport(std::shared_ptr<const Model> float_model, std::shared_ptr<const Model> quantized_model,
                                 const std::string& float_model_path, const std::string& quantized_model_path,
                                 const std::string& repr_spec, const std::string& val_spec,
                                 const ReportOptions& user_options) {
  // Everything said during the run also goes to report_dir/logs_<DDMMYYYY_HHMMSS>/xquant.log.
  ReportOptions options = user_options;
  std::shared_ptr<std::ofstream> log_file;
  if (!options.config.report_dir.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%d%m%Y_%H%M%S", std::localtime(&now));
    const std::filesystem::path dir = std::filesystem::path(options.config.report_dir) / (std::string("logs_") + stamp);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return IOError("cannot create the log directory '" + dir.string() + "': " + ec.message());
    log_file = std::make_shared<std::ofstream>(dir / "xquant.log");
    if (!*log_file) return IOError("cannot create '" + (dir / "xquant.log").string() + "'");
    auto user_log = user_options.log;
    options.log = [log_file, user_log](const std::string& message) {
      const std::time_t t = std::time(nullptr);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
      *log_file << when << " " << message << "\n";
      log_file->flush();
      if (user_log) user_log(message);
    };
    auto user_progress = user_options.progress;
    options.progress = [log_file, user_progress](const std::string& stage, int64_t done, int64_t total) {
      if (done == total) *log_file << stage << ": " << total << " batches done\n";
      if (user_progress) user_progress(stage, done, total);
    };
    options.log("xquant report: float '" + float_model_path + "', quantized '" + quantized_model_path +
                "', repr '" + repr_spec + "', val '" + val_spec + "'");
  }
  ReportResult result;
  result.float_model_path = float_model_path;
  result.quantized_model_path = quantized_model_path;
  result.config = options.config;
  result.compare = options.compare;
  result.compare_at = options.compare_at;
  result.batch_size = options.batch_size;
  ReportRunner runner(options, &result);
  XQ_RETURN_IF_ERROR(runner.Prepare(std::move(float_model), std::move(quantized_model), quantized_model_path));
  XQ_RETURN_IF_ERROR(runner.RunDataset(repr_spec, /*representative=*/true, &result.repr));
  XQ_RETURN_IF_ERROR(runner.RunDataset(val_spec, /*representative=*/false, &result.val));
  analysis::DetectDegradedLayers(&result, options.log);
  if (options.log) {
    options.log(std::to_string(result.points.size()) + " compare points; " +
                std::to_string(result.degraded_layers.size()) + " degraded");
    for (const std::string& layer : result.degraded_layers) options.log("degraded: " + layer);
  }
  return result;
}

}  // namespace xquant
