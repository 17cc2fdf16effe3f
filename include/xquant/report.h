// The XQuant report: how much error quantization put into every layer.
//
// RunReport() runs the float and the quantized model side by side over the representative and the
// validation data, pairs every quantization point of the quantized model with the float tensor of
// the same meaning, and accumulates error metrics and float histograms batch by batch. The result
// lives in memory (ReportResult); WriteReport() turns it into the files of the report directory.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "xquant/dataset.h"
#include "xquant/model.h"
#include "xquant/quantization.h"
#include "xquant/status.h"

namespace xquant {

// ---- metrics ---------------------------------------------------------------------------------------

// A similarity metric of a float tensor x and a quantized tensor y of the same size, evaluated on
// one whole batch tensor at a time (the per-batch values are then averaged, as the reference does).
using MetricFunction = std::function<double(std::span<const float> x, std::span<const float> y)>;

// Metric values by name, in report order: mse, cs, sqnr, sqnr_db, then the extra metrics.
using MetricValues = std::vector<std::pair<std::string, double>>;
// The value named `name`, or NaN when absent.
double FindMetric(const MetricValues& values, std::string_view name);

// ---- configuration ---------------------------------------------------------------------------------

// The reference's XQuantConfig: same field names, same defaults.
struct XQuantConfig {
  std::string report_dir;
  // Extra metrics by name: built-in ones ("mae", "max_abs_error") or ones registered in
  // custom_metric_functions. A metric only takes part in detection when it has a threshold.
  std::vector<std::string> custom_similarity_metrics;
  // C++ callables registered through the API, by name (may override mse/cs/sqnr, as in the reference).
  std::map<std::string, MetricFunction> custom_metric_functions;
  std::string quantize_reported_dir;
  // Per metric: the threshold, and whether a value at or below it (true) or at or above it (false)
  // is degraded. Order is detection order.
  std::vector<std::pair<std::string, double>> threshold_quantize_error = {{"mse", 0.1}, {"cs", 0.1}, {"sqnr", 0.1}};
  std::map<std::string, bool> is_detect_under_threshold_quantize_error = {
      {"mse", false}, {"cs", true}, {"sqnr", true}};
  double threshold_degrade_layer_ratio = 0.5;
  double threshold_zscore_outlier_removal = 5.0;
  double threshold_ratio_unbalanced_concatenation = 16.0;
  double threshold_bitwidth_mixed_precision_with_model_output_loss_objective = 2;
};

// Reads a config file (YAML or JSON) with XQuantConfig's field names. Unknown keys and values of
// the wrong type or range are errors naming the key; the seed's misspellings are accepted and
// reported in `warnings`.
StatusOr<XQuantConfig> LoadXQuantConfig(const std::string& path, std::vector<std::string>* warnings = nullptr);

// Which quantization points are compared.
enum class CompareSet {
  kAll,       // every quantization point (Concat and Add outputs included)
  kWeighted,  // only points that follow a Conv/ConvTranspose/Gemm/MatMul with a constant operand
};
// Which quantized tensor stands for the layer in the reference's keys and in detection.
enum class CompareAt {
  kPostQuant,  // after the point's own quantize/dequantize: what the next layer consumes
  kPreQuant,   // before it: the reference's semantics
};

// A float tensor of the float model that carries a known positive factor in part of its channels
// (an exact rewrite such as the concatenation scaling of troubleshoot --fix): the compare point
// of that tensor divides both models' tensors by the factor before measuring, so its metrics and
// histogram are in the units of the model before the rewrite. axis -1 = every element; otherwise
// the channels [begin, end) on `axis`.
struct CompareRescale {
  std::string float_tensor;
  int axis = -1;
  int64_t begin = 0, end = 0;
  double factor = 1.0;
};

struct ReportOptions {
  XQuantConfig config;
  int64_t batch_size = 8;
  CompareSet compare = CompareSet::kAll;
  CompareAt compare_at = CompareAt::kPostQuant;
  // Optional JSON file {"pairs": [{"quantized": tensor, "float": tensor}, ...]} whose pairs
  // override the automatic pairing (quantized = the tensor entering a quantizer).
  std::string mapping_file;
  // Pins by node, for merges a quantizer logged: (quantized node, float node) = the quantized
  // node's first output carries the float node's first output (e.g. a collapsed Conv pair's
  // merged node and the second Conv). Names missing from either model are skipped with a warning.
  std::vector<std::pair<std::string, std::string>> node_pins;
  DatasetOptions dataset;
  int num_threads = 0;  // 0 = every core
  // Called after every batch: (stage, batches done, batches in stage). Stages: "histogram range",
  // "repr", "val".
  std::function<void(const std::string& stage, int64_t done, int64_t total)> progress;
  // Also record the global [min, max] over the representative data of every float tensor that
  // enters a node of a compare point (ReportResult::float_ranges; the troubleshooting judges
  // need the ranges of merged and concatenated layers' inputs). Costs one extra pass per tensor.
  bool track_input_ranges = false;
  // Float nodes whose inputs and outputs get the same [min, max] record, besides the compare
  // points' (the layers a quantizer merged, named by its log, are not always compare points).
  std::vector<std::string> range_nodes;
  // Compare points whose tensors are divided by a factor before measuring (see CompareRescale).
  // The [min, max] ranges above stay the model's own (they describe what a quantizer sees).
  std::vector<CompareRescale> compare_rescales;
  // Messages for the log (warnings about unpaired points, ...), as they happen.
  std::function<void(const std::string& message)> log;
};

// ---- result ----------------------------------------------------------------------------------------

// A quantization point of the quantized model paired with a float tensor.
struct ComparePoint {
  std::string name;                      // the layer's name: the float node heading the group
  std::string op_type;                   // that node's op type ("Input" for a graph input)
  std::vector<std::string> float_nodes;  // float nodes this point covers (Conv, BatchNormalization, Relu)
  std::string float_tensor;              // the float tensor compared
  std::string quant_tensor;              // quantized model: after the point's dequantize
  std::string quant_pre_tensor;          // quantized model: entering the point's quantize
  std::string quant_node;                // the quantizer's node (QuantizeLinear, or a fake-quant op)
  bool weighted = false;                 // follows a layer with weights
  std::string pairing_method;            // "name", "structure", "weights", "mapping"
  double confidence = 0.0;               // 0..1
  QuantizationInfo quantization;         // the point's activation quantizer (quantization.h)
  // The weight quantizer of the weighted layer producing the point (from the loaded quantized
  // model, where weight quantizers are still nodes); absent for unweighted points and float weights.
  std::optional<QuantizationInfo> weight_quantization;
};

// The three errors of one compare point, each with every metric.
struct LayerMetrics {
  MetricValues accumulated;  // float vs quantized after its dequantize
  MetricValues pre_quant;    // float vs quantized before its quantize
  MetricValues local;        // quantized before vs after its own quantize/dequantize
};

struct DatasetMetrics {
  std::string name;  // "repr" or "val"
  std::string description;
  int64_t samples = 0;
  int64_t batches = 0;
  // Over all model outputs (flattened and concatenated; for one output, exactly that output).
  MetricValues output;
  // Per model output, in float-model output order.
  std::vector<std::pair<std::string, MetricValues>> per_output;
  // Index = ComparePoint index.
  std::vector<LayerMetrics> layers;
  // Task accuracy: top-1 of the first model output against the dataset's labels (class indices),
  // over every sample; nullopt when the dataset has no such labels or the output is not [N, C].
  std::optional<double> float_accuracy;
  std::optional<double> quantized_accuracy;
};

// Histogram of a float compare tensor over the whole representative dataset: `counts.size()` equal
// bins over [min, max] (the exact global range, found in a first pass).
struct Histogram {
  double min = 0.0;
  double max = 0.0;
  std::vector<int64_t> counts;
  int64_t num = 0;
  double sum = 0.0;
  double sum_squares = 0.0;
};

// One (metric, dataset) detection: which layers are degraded under that threshold.
struct Detection {
  std::string metric;
  std::string dataset;  // "repr" / "val"
  double threshold = 0.0;
  bool under = false;           // degraded when value <= threshold (else >=)
  std::vector<bool> degraded;  // index = ComparePoint index
};

struct ReportResult {
  std::string float_model_path;
  std::string quantized_model_path;
  std::shared_ptr<const Model> float_model;
  std::shared_ptr<const Model> quantized_model;
  XQuantConfig config;
  CompareSet compare = CompareSet::kAll;
  CompareAt compare_at = CompareAt::kPostQuant;
  int64_t batch_size = 0;

  std::vector<ComparePoint> points;  // graph order of the quantized model
  std::vector<std::string> metric_names;  // mse, cs, sqnr, sqnr_db, extras
  DatasetMetrics repr;
  DatasetMetrics val;
  std::vector<Histogram> histograms;  // index = ComparePoint index (representative data)

  std::vector<Detection> detections;           // one per (metric with threshold, dataset)
  std::vector<std::string> degraded_layers;    // union, in first-detection order
  std::vector<std::pair<std::string, std::string>> unpaired_points;  // (quantized tensor, reason)
  // With ReportOptions::track_input_ranges: float tensor name -> (min, max) over the
  // representative data, for the inputs of every compare point's float nodes.
  std::map<std::string, std::pair<double, double>> float_ranges;
  std::vector<std::string> warnings;

  // The metrics of point `i` that the reference's keys and detection use (per compare_at).
  const MetricValues& Primary(const DatasetMetrics& dataset, size_t i) const {
    return compare_at == CompareAt::kPreQuant ? dataset.layers[i].pre_quant : dataset.layers[i].accumulated;
  }
};

// Runs the comparison. Both models are loaded from files; the datasets are dataset specs
// (see dataset.h).
StatusOr<ReportResult> RunReport(const std::string& float_model_path, const std::string& quantized_model_path,
                                 const std::string& repr_spec, const std::string& val_spec,
                                 const ReportOptions& options);
// Same, on models already in memory (e.g. one float model compared with several quantized ones, or
// a model just built by the quantizer). The paths are only recorded in the result (may be "").
StatusOr<ReportResult> RunReport(std::shared_ptr<const Model> float_model, std::shared_ptr<const Model> quantized_model,
                                 const std::string& float_model_path, const std::string& quantized_model_path,
                                 const std::string& repr_spec, const std::string& val_spec,
                                 const ReportOptions& options);

// Writes every file of the report into result.config.report_dir: quant_report.json, layers.csv,
// alignment.json, quant_loss_<metric>_<dataset>.png/.svg, index.html, tensorboard/.
Status WriteReport(const ReportResult& result);

}  // namespace xquant
