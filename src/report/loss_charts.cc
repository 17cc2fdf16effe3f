#include "report/loss_charts.h"

#include <filesystem>

#include "common/file_util.h"
#include "report/report_data.h"
#include "report/text_format.h"
#include "report/writers.h"

namespace xquant::report {

std::string LossChartStem(const Detection& detection) {
  std::string metric = detection.metric;
  for (char& c : metric) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
    if (!keep) c = '_';
  }
  return "quant_loss_" + metric + "_" + detection.dataset;
}

LineChart MakeLossChart(const ReportResult& result, const Detection& detection) {
  const DatasetMetrics& dataset = *FindDataset(result, detection.dataset);
  LineChart chart;
  chart.title = LossChartStem(detection);
  chart.x_label = "layer name";
  chart.y_label = detection.metric;
  for (size_t i = 0; i < result.points.size(); ++i) {
    chart.categories.push_back(result.points[i].name);
    chart.values.push_back(FindMetric(result.Primary(dataset, i), detection.metric));
  }
  chart.highlighted = detection.degraded;
  chart.horizontal_lines.push_back(
      {detection.threshold, "threshold=" + FormatDouble(detection.threshold)});
  chart.y_scale = detection.metric == "sqnr" ? AxisScale::kAuto : AxisScale::kLinear;
  return chart;
}

Status WriteLossCharts(const ReportResult& result, const std::string& dir, LossChartPngs* pngs) {
  XQ_RETURN_IF_ERROR(CheckReportShape(result));
  if (pngs != nullptr) pngs->clear();
  for (const Detection& detection : result.detections) {
    const LineChart chart = MakeLossChart(result, detection);
    for (ImageFormat format : {ImageFormat::kPng, ImageFormat::kSvg}) {
      const std::string path = (std::filesystem::path(dir) /
                                (chart.title + (format == ImageFormat::kPng ? ".png" : ".svg")))
                                   .string();
      StatusOr<std::string> bytes = RenderLineChart(chart, format);
      if (!bytes.ok()) return bytes.status().WithContext(path);
      XQ_RETURN_IF_ERROR(WriteStringToFile(path, *bytes));
      if (pngs != nullptr && format == ImageFormat::kPng) pngs->push_back(std::move(bytes).value());
    }
  }
  return Status::Ok();
}

}  // namespace xquant::report
