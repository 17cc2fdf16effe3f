// A synthetic ReportResult for the report writers' tests: no models are run. Points, metrics,
// histograms and detections are made up but consistent (one degraded layer per metric, an inf
// SQNR, a NaN), and the quantized model is the bundled example so graph writers have a real graph.
#pragma once

#include <cmath>
#include <limits>
#include <string>

#include "xquant/model.h"
#include "xquant/report.h"

namespace xquant::testing {

inline MetricValues MakeMetrics(double mse, double cs, double sqnr) {
  double db = std::isinf(sqnr) ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(sqnr);
  return {{"mse", mse}, {"cs", cs}, {"sqnr", sqnr}, {"sqnr_db", db}, {"mae", std::sqrt(mse)}};
}

// `num_layers` points named "layer_<i>/Conv" (first one "input"); layer 2 is degraded in mse.
inline ReportResult MakeSyntheticReport(int num_layers = 5) {
  ReportResult r;
  r.float_model_path = XQ_SOURCE_DIR "/examples/tiny_cnn_float.onnx";
  r.quantized_model_path = XQ_SOURCE_DIR "/examples/tiny_cnn_qdq.onnx";
  auto q = LoadModel(r.quantized_model_path);
  if (q.ok()) r.quantized_model = *q;
  auto f = LoadModel(r.float_model_path);
  if (f.ok()) r.float_model = *f;
  r.config.report_dir = "unused";
  r.config.custom_similarity_metrics = {"mae"};
  r.batch_size = 4;
  r.metric_names = {"mse", "cs", "sqnr", "sqnr_db", "mae"};
  for (DatasetMetrics* d : {&r.repr, &r.val}) {
    d->name = d == &r.repr ? "repr" : "val";
    d->description = "random:8:0";
    d->samples = 8;
    d->batches = 2;
    d->output = MakeMetrics(0.01, 0.99, 120.0);
    d->per_output = {{"output", d->output}};
  }
  for (int i = 0; i < num_layers; ++i) {
    ComparePoint p;
    p.name = i == 0 ? "input" : "layer_" + std::to_string(i) + "/Conv";
    p.op_type = i == 0 ? "Input" : "Conv";
    p.float_nodes = {p.name};
    p.float_tensor = p.name + "_output_0";
    p.quant_tensor = "q_" + p.float_tensor;
    p.quant_pre_tensor = "pre_" + p.float_tensor;
    p.quant_node = p.name + "/QuantizeLinear";
    p.weighted = i != 0;
    p.pairing_method = "structure";
    p.confidence = 0.99;
    p.quantization.dtype = DataType::kUint8;
    p.quantization.bits = 8;
    p.quantization.scale = {0.02f};
    p.quantization.zero_point = {0};
    p.quantization.range_max = 255 * 0.02f;
    r.points.push_back(p);
    double mse = i == 2 ? 0.25 : 0.001 * (i + 1);
    double sqnr = i == 0 ? std::numeric_limits<double>::infinity() : 100.0 / (i + 1);
    for (DatasetMetrics* d : {&r.repr, &r.val}) {
      LayerMetrics lm;
      lm.accumulated = MakeMetrics(mse, 0.999 - 0.01 * i, sqnr);
      lm.pre_quant = MakeMetrics(mse * 0.5, 0.9995 - 0.01 * i, sqnr * 2);
      lm.local = MakeMetrics(mse * 0.1, 0.9999, sqnr * 10);
      if (i == num_layers - 1 && d == &r.val) lm.local[1].second = std::numeric_limits<double>::quiet_NaN();
      d->layers.push_back(lm);
    }
    Histogram h;
    h.min = -1.0 - i;
    h.max = 3.0 + i;
    h.counts.assign(2048, 0);
    for (int b = 0; b < 2048; ++b) {
      double c = (b - 700.0) / 200.0;
      h.counts[b] = static_cast<int64_t>(1000.0 * std::exp(-0.5 * c * c));
      h.num += h.counts[b];
      double center = h.min + (h.max - h.min) * (b + 0.5) / 2048;
      h.sum += center * h.counts[b];
      h.sum_squares += center * center * h.counts[b];
    }
    r.histograms.push_back(h);
  }
  for (const auto& [metric, thr] : r.config.threshold_quantize_error) {
    for (const DatasetMetrics* d : {&r.repr, &r.val}) {
      Detection det;
      det.metric = metric;
      det.dataset = d->name;
      det.threshold = thr;
      det.under = r.config.is_detect_under_threshold_quantize_error.at(metric);
      for (size_t i = 0; i < r.points.size(); ++i) {
        double v = FindMetric(d->layers[i].accumulated, metric);
        det.degraded.push_back(!std::isnan(v) && (det.under ? v <= thr : v >= thr));
      }
      r.detections.push_back(det);
    }
  }
  r.degraded_layers = {"layer_2/Conv"};
  r.warnings = {"1 quantization point could not be paired: 'orphan' (see alignment.json)"};
  return r;
}

}  // namespace xquant::testing
