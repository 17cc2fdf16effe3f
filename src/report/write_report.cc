// WriteReport: every file of the report directory from one ReportResult.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "report/writers.h"

namespace xquant {
namespace report {

Status WriteAlignmentJson(const ReportResult& result, const std::string& path) {
  nlohmann::ordered_json doc;
  doc["float_model"] = result.float_model_path;
  doc["quantized_model"] = result.quantized_model_path;
  nlohmann::ordered_json pairs = nlohmann::ordered_json::array();
  for (const ComparePoint& p : result.points) {
    nlohmann::ordered_json entry;
    entry["layer"] = p.name;
    entry["op_type"] = p.op_type;
    entry["float_nodes"] = p.float_nodes;
    entry["float_tensor"] = p.float_tensor;
    entry["quantized_tensor_pre_quant"] = p.quant_pre_tensor;
    entry["quantized_tensor"] = p.quant_tensor;
    entry["quantize_node"] = p.quant_node;
    entry["weighted"] = p.weighted;
    entry["method"] = p.pairing_method;
    entry["confidence"] = p.confidence;
    pairs.push_back(entry);
  }
  doc["pairs"] = pairs;
  nlohmann::ordered_json unpaired = nlohmann::ordered_json::array();
  for (const auto& [tensor, reason] : result.unpaired_points)
    unpaired.push_back({{"quantized_tensor", tensor}, {"reason", reason}});
  doc["unpaired"] = unpaired;
  return WriteStringToFile(path, doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

Status WriteReportFiles(const ReportResult& result, const std::string& extra_sections) {
  const std::string& dir = result.config.report_dir;
  if (dir.empty()) return InvalidArgumentError("report_dir is empty: say where the report goes");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IOError("cannot create the report directory '" + dir + "': " + ec.message());
  const std::filesystem::path root(dir);
  XQ_RETURN_IF_ERROR(WriteQuantReportJson(result, (root / "quant_report.json").string()));
  XQ_RETURN_IF_ERROR(WriteLayersCsv(result, (root / "layers.csv").string()));
  XQ_RETURN_IF_ERROR(WriteAlignmentJson(result, (root / "alignment.json").string()));
  LossChartPngs pngs;
  XQ_RETURN_IF_ERROR(WriteLossCharts(result, dir, &pngs));
  XQ_RETURN_IF_ERROR(WriteHtmlReport(result, (root / "index.html").string(), extra_sections, &pngs));
  XQ_RETURN_IF_ERROR(WriteTensorBoard(result, (root / "tensorboard").string()));
  return Status::Ok();
}

}  // namespace report

Status WriteReport(const ReportResult& result) { return report::WriteReportFiles(result, ""); }

}  // namespace xquant
