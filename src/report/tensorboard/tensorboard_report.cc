// WriteTensorBoard: the report's TensorBoard runs (layout and tags in docs/tensorboard.md).
//
//   <dir>/repr             scalars intermediate_similarity_metrics/<metric> (step = compare point
//                          index), histograms histograms/<layer>, text output_similarity_metrics
//   <dir>/val              the same scalars and text for the validation data
//   <dir>/quantized_model  the quantized model's graph with each compare point's metrics as
//                          attributes of the node producing its tensor, text compare_points
//
// One run per dataset puts repr and val as two lines in the same chart per metric.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "report/tensorboard/event_writer.h"
#include "report/tensorboard/model_graph.h"
#include "report/writers.h"

namespace xquant::report {
namespace {

using tensorboard::EventWriter;

constexpr const char* kRuns[] = {"repr", "val", "quantized_model"};
constexpr const char* kGraphRun = "quantized_model";

// Shortest text that reads back as the same double ("0.001", "inf", "nan"): attribute values are
// meant to be parsed.
std::string ExactNumber(double v) {
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

// Six significant digits for the Markdown tables people read.
std::string ReadableNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// A Markdown code span, so that '_' and '*' in tensor names are not read as emphasis.
std::string Code(const std::string& s) {
  std::string fence = s.find('`') == std::string::npos ? "`" : "``";
  return fence + (fence.size() > 1 ? " " + s + " " : s) + fence;
}

std::string DatasetLabel(const DatasetMetrics& d) {
  if (d.name == "repr") return "representative";
  if (d.name == "val") return "validation";
  return Code(d.name);
}

// Tags are '/'-scoped like node names; a leading '/' (PyTorch's "/layer1/Conv") would leave an
// empty scope.
std::string LayerTag(const std::string& layer) {
  size_t start = layer.find_first_not_of('/');
  return start == std::string::npos ? "unnamed" : layer.substr(start);
}

std::string ErrorKind(const ReportResult& result) {
  return result.compare_at == CompareAt::kPreQuant
             ? "float tensor vs the quantized model's tensor entering the point's QuantizeLinear "
               "(pre-quant)"
             : "float tensor vs the quantized model's tensor after the point's DequantizeLinear "
               "(accumulated)";
}

// "mse=0.001,cs=0.999,sqnr=100,sqnr_db=20,mae=0.0316"
std::string MetricsAttr(const MetricValues& values) {
  std::string out;
  for (const auto& [name, value] : values) {
    if (!out.empty()) out += ",";
    out += name + "=" + ExactNumber(value);
  }
  return out;
}

// Removes the event files a previous report left in the run directories: TensorBoard would read
// old and new files of a run together.
Status RemoveOldEventFiles(const std::filesystem::path& dir) {
  for (const char* run : kRuns) {
    std::error_code ec;
    std::filesystem::path run_dir = dir / run;
    if (!std::filesystem::is_directory(run_dir, ec)) continue;
    // Collected first: removing entries while iterating a directory is unspecified.
    std::vector<std::filesystem::path> old_files;
    for (std::filesystem::directory_iterator it(run_dir, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().filename().string().rfind("events.out.tfevents.", 0) == 0) {
        old_files.push_back(it->path());
      }
    }
    if (ec) {
      return IOError("TensorBoard run directory '" + run_dir.string() +
                     "' cannot be listed: " + ec.message());
    }
    for (const std::filesystem::path& file : old_files) {
      if (!std::filesystem::remove(file, ec) && ec) {
        return IOError("TensorBoard event file '" + file.string() +
                       "' from an earlier report cannot be removed: " + ec.message());
      }
    }
  }
  return Status::Ok();
}

std::string OutputMetricsMarkdown(const DatasetMetrics& d) {
  std::string md = "**Output similarity, " + DatasetLabel(d) + " data** (" + Code(d.description) +
                   ": " + std::to_string(d.samples) + " samples in " + std::to_string(d.batches) +
                   " batches)\n\n";
  // With one model output, "all outputs" is that output: one column is enough.
  bool per_output_columns = d.per_output.size() > 1;
  md += "| metric | " +
        (d.per_output.size() == 1 ? Code(d.per_output[0].first) : std::string("all outputs"));
  if (per_output_columns) {
    for (const auto& [output, values] : d.per_output) md += " | " + Code(output);
  }
  md += " |\n|---|---";
  for (size_t k = 0; per_output_columns && k < d.per_output.size(); ++k) md += "|---";
  md += "|\n";
  for (const auto& [metric, value] : d.output) {
    md += "| " + metric + " | " + ReadableNumber(value);
    for (size_t k = 0; per_output_columns && k < d.per_output.size(); ++k) {
      md += " | " + ReadableNumber(FindMetric(d.per_output[k].second, metric));
    }
    md += " |\n";
  }
  return md;
}

// `run` is "repr" or "val"; only the representative data has histograms.
Status WriteDatasetRun(const ReportResult& result, const DatasetMetrics& d, const std::string& run,
                       const std::filesystem::path& dir) {
  XQ_ASSIGN_OR_RETURN(EventWriter writer, EventWriter::Open((dir / run).string()));
  size_t layers = std::min(result.points.size(), d.layers.size());
  for (size_t i = 0; i < layers; ++i) {
    for (const auto& [metric, value] : result.Primary(d, i)) {
      std::string description;
      if (i == 0) {
        description =
            Code(metric) + " of every compare point on the " + DatasetLabel(d) + " data (" +
            Code(d.description) + "): " + ErrorKind(result) +
            ". Step = compare point index; the text `compare_points` of the run `quantized_model` "
            "names them. inf and NaN values are written as they are.";
      }
      XQ_RETURN_IF_ERROR(writer.AddScalar("intermediate_similarity_metrics/" + metric,
                                          static_cast<int64_t>(i), value, description));
    }
  }
  if (run == "repr") {
    size_t histograms = std::min(result.points.size(), result.histograms.size());
    for (size_t i = 0; i < histograms; ++i) {
      const Histogram& h = result.histograms[i];
      if (h.counts.empty()) continue;
      tensorboard::HistogramValues values;
      values.min = h.min;
      values.max = h.max;
      values.num = static_cast<double>(h.num);
      values.sum = h.sum;
      values.sum_squares = h.sum_squares;
      size_t bins = h.counts.size();
      for (size_t b = 0; b < bins; ++b) {
        // Right edge of bin b; the last one is exactly max.
        values.bucket_limit.push_back(b + 1 == bins ? h.max
                                                    : h.min + (h.max - h.min) * (b + 1) / bins);
        values.bucket.push_back(static_cast<double>(h.counts[b]));
      }
      const ComparePoint& p = result.points[i];
      std::string description = "Float tensor " + Code(p.float_tensor) + " of layer " +
                                Code(p.name) + " (compare point " + std::to_string(i) +
                                ") over the representative data: " + std::to_string(bins) +
                                " equal bins over [min, max].";
      XQ_RETURN_IF_ERROR(writer.AddHistogram("histograms/" + LayerTag(p.name),
                                             static_cast<int64_t>(i), values, description));
    }
  }
  if (!d.output.empty())
    XQ_RETURN_IF_ERROR(writer.AddText("output_similarity_metrics", 0, OutputMetricsMarkdown(d)));
  return writer.Close();
}

Status WriteGraphRun(const ReportResult& result, const std::filesystem::path& dir) {
  const Graph& graph = result.quantized_model->graph;
  tensorboard::ModelGraphDef model = tensorboard::BuildModelGraphDef(graph);
  std::vector<tensorboard::NodeDef>& nodes = model.graph_def.nodes;

  std::string table =
      "Compare points of the quantized model. Step = the step of the scalar charts; graph node = "
      "the node producing the point's tensor before its QuantizeLinear, which carries the "
      "attributes `xquant_repr` and `xquant_val`.\n\n"
      "| step | layer | op | quantized tensor | graph node | degraded "
      "|\n|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < result.points.size(); ++i) {
    const ComparePoint& p = result.points[i];
    std::string degraded;
    for (const Detection& det : result.detections) {
      if (i < det.degraded.size() && det.degraded[i]) {
        degraded += (degraded.empty() ? "" : ", ") + det.metric + "/" + det.dataset;
      }
    }
    ValueId value = graph.FindValue(p.quant_pre_tensor);
    int producer = value == kNoValue ? -1 : model.value_producer[value];
    table += "| " + std::to_string(i) + " | " + Code(p.name) + " | " + p.op_type + " | " +
             Code(p.quant_pre_tensor) + " | " +
             (producer < 0 ? "(not in the graph)" : Code(nodes[producer].name)) + " | " + degraded +
             " |\n";
    if (producer < 0) continue;
    // Rarely, two points share a producer: their entries are joined with "; ".
    auto append = [&](const std::string& key, const std::string& text) {
      auto it = nodes[producer].attrs.find(key);
      std::string* existing =
          it == nodes[producer].attrs.end() ? nullptr : std::get_if<std::string>(&it->second);
      if (existing != nullptr) {
        *existing += "; " + text;
      } else {
        nodes[producer].attrs[key] = text;
      }
    };
    append("xquant_layer", p.name);
    if (i < result.repr.layers.size())
      append("xquant_repr", MetricsAttr(result.Primary(result.repr, i)));
    if (i < result.val.layers.size())
      append("xquant_val", MetricsAttr(result.Primary(result.val, i)));
    if (!degraded.empty()) append("xquant_degraded", degraded);
  }

  XQ_ASSIGN_OR_RETURN(EventWriter writer, EventWriter::Open((dir / kGraphRun).string()));
  XQ_RETURN_IF_ERROR(writer.AddGraph(model.graph_def));
  XQ_RETURN_IF_ERROR(writer.AddText("compare_points", 0, table));
  return writer.Close();
}

}  // namespace

Status WriteTensorBoard(const ReportResult& result, const std::string& dir) {
  std::filesystem::path root(dir);
  XQ_RETURN_IF_ERROR(RemoveOldEventFiles(root));
  if (!result.repr.layers.empty() || !result.repr.output.empty() || !result.histograms.empty()) {
    XQ_RETURN_IF_ERROR(WriteDatasetRun(result, result.repr, "repr", root));
  }
  if (!result.val.layers.empty() || !result.val.output.empty()) {
    XQ_RETURN_IF_ERROR(WriteDatasetRun(result, result.val, "val", root));
  }
  if (result.quantized_model != nullptr) XQ_RETURN_IF_ERROR(WriteGraphRun(result, root));
  return Status::Ok();
}

}  // namespace xquant::report
