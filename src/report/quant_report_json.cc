// quant_report.json: the reference's four keys first (same names, same shapes), then our extra
// keys. docs/report.md describes every key.
//
// The reference writes non-finite metrics the way Python's json module does: the bare tokens
// Infinity, -Infinity and NaN (not strict JSON, but what its users' scripts read back with
// json.load). The document is built as an ordered_json (it keeps the doubles as they are) and
// printed by DumpPythonJson (common/python_json.h), which writes those tokens.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/file_util.h"
#include "common/python_json.h"
#include "report/metrics_json.h"
#include "report/report_data.h"
#include "report/text_format.h"
#include "report/writers.h"

namespace xquant::report {
namespace {

using Json = nlohmann::ordered_json;

// Keys of the {layer: {...}} objects. Layer names are unique in practice (ONNX node names), but
// nothing guarantees it; a repeated name gets " [<index>]" so no layer silently disappears.
std::vector<std::string> LayerKeys(const ReportResult& result) {
  std::vector<std::string> keys;
  std::set<std::string> used;
  for (size_t i = 0; i < result.points.size(); ++i) {
    std::string key = result.points[i].name;
    if (used.count(key)) key += " [" + std::to_string(i) + "]";
    used.insert(key);
    keys.push_back(key);
  }
  return keys;
}

enum class ErrorKind { kPrimary, kAccumulated, kPreQuant, kLocal };

Json LayerMetricsObject(const ReportResult& result, const DatasetMetrics& dataset,
                        const std::vector<std::string>& keys, ErrorKind kind) {
  Json object = Json::object();
  for (size_t i = 0; i < result.points.size(); ++i) {
    const LayerMetrics& layer = dataset.layers[i];
    const MetricValues& values = kind == ErrorKind::kPrimary       ? result.Primary(dataset, i)
                                 : kind == ErrorKind::kAccumulated ? layer.accumulated
                                 : kind == ErrorKind::kPreQuant    ? layer.pre_quant
                                                                   : layer.local;
    object[keys[i]] = MetricsObject(values);
  }
  return object;
}

Json QuantizationObject(const QuantizationInfo& q) {
  const bool per_tensor = q.axis < 0;
  Json object = Json::object();
  object["dialect"] = q.dialect;
  object["dtype"] = DataTypeName(q.dtype);
  object["bits"] = q.bits;
  object["signed"] = q.is_signed;
  object["axis"] = per_tensor ? Json(nullptr) : Json(q.axis);
  Json scale = Json::array();
  for (float s : q.scale) scale.push_back(FloatAsDouble(s));
  object["scale"] = per_tensor && scale.size() == 1 ? scale[0] : scale;
  object["zero_point"] =
      per_tensor && q.zero_point.size() == 1 ? Json(q.zero_point[0]) : Json(q.zero_point);
  object["range"] = Json::array({FloatAsDouble(q.range_min), FloatAsDouble(q.range_max)});
  // The rest of the quantizer record (xquant/quantization.h, docs/quantization_record.md).
  object["container_bits"] = q.container_bits;
  object["narrow"] = q.narrow;
  object["code_range"] = Json::array({q.qmin, q.qmax});
  // No nulls beyond "axis": a null in this file means a non-finite metric nowhere else.
  object["block_size"] = q.block_size;
  object["offset"] = q.offset;
  Json channel_range = Json::array();
  for (size_t k = 0; k < q.channel_min.size() && k < q.channel_max.size(); ++k)
    channel_range.push_back(Json::array({FloatAsDouble(q.channel_min[k]), FloatAsDouble(q.channel_max[k])}));
  object["channel_range"] = channel_range;
  if (q.distinct_values > 0) {
    object["distinct_values"] = q.distinct_values;
    object["levels_used"] = q.levels_used;
    object["bits_used"] = q.bits_used;
  }
  return object;
}

Json LayersArray(const ReportResult& result) {
  Json layers = Json::array();
  for (size_t i = 0; i < result.points.size(); ++i) {
    const ComparePoint& p = result.points[i];
    Json layer = Json::object();
    layer["index"] = i;
    layer["name"] = p.name;
    layer["op_type"] = p.op_type;
    layer["float_nodes"] = p.float_nodes;
    layer["float_tensor"] = p.float_tensor;
    layer["quant_tensor"] = p.quant_tensor;
    layer["quant_pre_tensor"] = p.quant_pre_tensor;
    layer["quant_node"] = p.quant_node;
    layer["weighted"] = p.weighted;
    layer["pairing"] = {{"method", p.pairing_method}, {"confidence", p.confidence}};
    layer["quantization"] = QuantizationObject(p.quantization);
    if (p.weight_quantization) layer["weight_quantization"] = QuantizationObject(*p.weight_quantization);
    layer["degraded_by"] = {{"repr", DegradedBy(result, "repr", i)},
                            {"val", DegradedBy(result, "val", i)}};
    layers.push_back(std::move(layer));
  }
  return layers;
}

Json DetectionsArray(const ReportResult& result) {
  Json detections = Json::array();
  for (const Detection& d : result.detections) {
    Json names = Json::array();
    for (size_t i = 0; i < d.degraded.size(); ++i) {
      if (d.degraded[i]) names.push_back(result.points[i].name);
    }
    detections.push_back({{"metric", d.metric},
                          {"dataset", d.dataset},
                          {"threshold", d.threshold},
                          {"detect_under_threshold", d.under},
                          {"degraded_layers", std::move(names)}});
  }
  return detections;
}

Json PerOutputObject(const DatasetMetrics& dataset) {
  Json object = Json::object();
  for (const auto& [output, values] : dataset.per_output) object[output] = MetricsObject(values);
  return object;
}

Json DatasetObject(const DatasetMetrics& dataset) {
  return {{"description", dataset.description},
          {"samples", dataset.samples},
          {"batches", dataset.batches}};
}

// {dataset: {"float": top-1, "quantized": top-1}} for the datasets with class labels only.
Json TaskAccuracyObject(const ReportResult& result) {
  Json object = Json::object();
  for (const DatasetMetrics* d : {&result.repr, &result.val})
    if (d->float_accuracy && d->quantized_accuracy)
      object[d == &result.repr ? "repr" : "val"] = {{"float", *d->float_accuracy},
                                                    {"quantized", *d->quantized_accuracy}};
  return object;
}

}  // namespace

Status WriteQuantReportJson(const ReportResult& result, const std::string& path) {
  XQ_RETURN_IF_ERROR(CheckReportShape(result).WithContext(path));
  const std::vector<std::string> keys = LayerKeys(result);
  Json doc = Json::object();
  // The reference's keys, in its order.
  doc["output_similarity_metrics_repr"] = MetricsObject(result.repr.output);
  doc["output_similarity_metrics_val"] = MetricsObject(result.val.output);
  doc["intermediate_similarity_metrics_repr"] =
      LayerMetricsObject(result, result.repr, keys, ErrorKind::kPrimary);
  doc["intermediate_similarity_metrics_val"] =
      LayerMetricsObject(result, result.val, keys, ErrorKind::kPrimary);
  // Every error kind, whichever compare_at chose the primary one.
  const std::pair<const char*, ErrorKind> kinds[] = {{"accumulated", ErrorKind::kAccumulated},
                                                     {"pre_quant", ErrorKind::kPreQuant},
                                                     {"local", ErrorKind::kLocal}};
  for (const auto& [kind_name, kind] : kinds) {
    for (const DatasetMetrics* dataset : {&result.repr, &result.val}) {
      doc[std::string("intermediate_similarity_metrics_") + kind_name + "_" +
          (dataset == &result.repr ? "repr" : "val")] =
          LayerMetricsObject(result, *dataset, keys, kind);
    }
  }
  doc["output_similarity_metrics_per_output_repr"] = PerOutputObject(result.repr);
  doc["output_similarity_metrics_per_output_val"] = PerOutputObject(result.val);
  doc["compare"] = CompareSetName(result.compare);
  doc["compare_at"] = CompareAtName(result.compare_at);
  doc["metrics"] = result.metric_names;
  doc["layers"] = LayersArray(result);
  doc["degraded_layers"] = result.degraded_layers;
  doc["detections"] = DetectionsArray(result);
  doc["datasets"] = {{"repr", DatasetObject(result.repr)}, {"val", DatasetObject(result.val)}};
  doc["task_accuracy"] = TaskAccuracyObject(result);
  doc["batch_size"] = result.batch_size;
  doc["models"] = {{"float", result.float_model_path}, {"quantized", result.quantized_model_path}};
  doc["warnings"] = result.warnings;

  return WriteStringToFile(path, DumpPythonJson(doc));
}

}  // namespace xquant::report
