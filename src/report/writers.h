// The writers of the report directory. Each takes the one in-memory ReportResult and writes one
// kind of file; WriteReport (write_report.cc) calls them all. Errors name the file.
#pragma once

#include <string>
#include <vector>

#include "xquant/report.h"
#include "xquant/status.h"
#include "xquant/troubleshoot.h"

namespace xquant::report {

// quant_report.json: the reference's four keys (inf/NaN as Infinity/NaN), plus our extra keys.
Status WriteQuantReportJson(const ReportResult& result, const std::string& path);

// layers.csv: one row per layer and dataset, every metric of every error kind.
Status WriteLayersCsv(const ReportResult& result, const std::string& path);

// alignment.json: every pair with its method and confidence, and the unpaired points.
Status WriteAlignmentJson(const ReportResult& result, const std::string& path);

// The loss charts' PNG file bytes, one per Detection of the result, in detection order. Encoding
// is most of the writers' time, so WriteReportFiles encodes each chart once: WriteLossCharts hands
// the PNGs it wrote to WriteHtmlReport, which embeds the same bytes.
using LossChartPngs = std::vector<std::string>;

// quant_loss_<metric>_<repr|val>.png and .svg in `dir`, one per Detection of the result. With
// `pngs`, the PNG bytes written are also stored there (replacing its contents).
Status WriteLossCharts(const ReportResult& result, const std::string& dir, LossChartPngs* pngs = nullptr);

// index.html: one self-contained page (no network): summary, sortable per-layer table, charts
// (the charts are embedded, so WriteLossCharts need not have run).
// `extra_sections`: HTML inserted after the summary (the troubleshooting findings).
// `pngs`: the charts as WriteLossCharts wrote them, or nullptr to render them here. An error
// (InvalidArgument) when their number is not the number of detections.
Status WriteHtmlReport(const ReportResult& result, const std::string& path, const std::string& extra_sections = "",
                       const LossChartPngs* pngs = nullptr);

// Every file of WriteReport (include/xquant/report.h), with `extra_sections` in index.html as in
// WriteHtmlReport: the troubleshooting report writes its page once, with its findings.
Status WriteReportFiles(const ReportResult& result, const std::string& extra_sections);

// TensorBoard event files under `dir` (= report_dir/tensorboard): per-layer histograms, per-layer
// metric scalars (step = layer index), output metrics as text, the quantized model's graph with
// each compare point's metrics as node attributes.
Status WriteTensorBoard(const ReportResult& result, const std::string& dir);

// troubleshoot_report.json: the reference's four keys (left out when empty), plus evidence per
// finding, the general measures, and the metrics a later --previous run compares with.
Status WriteTroubleshootJson(const TroubleshootResult& result, const std::string& path);

// The Findings section of index.html; manual links are `manual_prefix` + page + ".md".
std::string FindingsSection(const TroubleshootResult& result, const std::string& manual_prefix);

}  // namespace xquant::report
