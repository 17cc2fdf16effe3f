// The per-layer loss charts (quant_loss_<metric>_<dataset>), shared by WriteLossCharts (files)
// and WriteHtmlReport (embedded).
#pragma once

#include <string>

#include "report/chart.h"
#include "xquant/report.h"
#include "xquant/status.h"

namespace xquant::report {

// "quant_loss_<metric>_<dataset>": the reference's file stem. Characters of the metric name other
// than letters, digits, '_', '-' and '.' become '_', because custom metric names end up in file
// names.
std::string LossChartStem(const Detection& detection);

// The chart of one detection: the metric's primary value per compare point (graph order), the
// degraded points highlighted, the threshold as a red dashed line. SQNR (a linear ratio that spans
// decades) gets an automatic log axis; every other metric a linear one, like the reference.
// REQUIRES: CheckReportShape(result) is OK and `detection` is one of result.detections.
LineChart MakeLossChart(const ReportResult& result, const Detection& detection);

}  // namespace xquant::report
