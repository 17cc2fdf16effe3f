// The outlier-removal histograms (report_dir/outlier_histgrams/<stem>.png and .svg), like the
// reference's (spec §5.1, images/outlier.png): one chart per outlier_removal finding.
//
// What a chart shows: the layer's float histogram as bars (blue; the outlier tail of
// outlier_stats.h in red), the bins axis below and a z-score axis above that labels the same ticks
// with |tick − μ|/σ, black dashed lines at the lowest and highest non-empty bins with
// "lower zscore=" / "upper zscore=", red dashed lines at μ ± thr·σ with "threshold=<thr>" (or
// "<- threshold=<thr>" / "threshold=<thr> ->" at the plot's edge when the line lies outside it).
// The count axis is linear, as in the reference, so the bulk's shape reads the same, and reaches
// 1.25 × the peak so the labels in the top band do not cover bars. A single far value next to
// 100000 samples would be less than a pixel tall: every non-empty bin gets at least
// kOutlierMinBarPixels, and a bin at z ≥ thr shorter than kOutlierMarkBelowPixels with no other
// non-empty bin within 20 pixels gets a ▼ above it (isolated values only: marking every short bar
// of a sparse cluster would bury it in triangles).
#pragma once

#include <string>

#include "report/chart.h"
#include "xquant/report.h"
#include "xquant/status.h"
#include "xquant/troubleshoot.h"

namespace xquant::report {

inline constexpr int kOutlierChartWidth = 1000;
inline constexpr int kOutlierChartHeight = 540;
inline constexpr double kOutlierMinBarPixels = 2.0;
inline constexpr double kOutlierMarkBelowPixels = 6.0;

// One layer's chart, titled `layer`. Errors: a histogram without samples or with σ = 0
// (InvalidArgument: nothing to draw), cairo failures (Internal).
StatusOr<std::string> RenderOutlierChart(const std::string& layer, const Histogram& histogram,
                                         double threshold, ImageFormat format);

// For every outlier_removal finding of `result`: report_dir/<finding.note> (the PNG) and the SVG
// beside it, from the finding's layer histogram (result.report.histograms) and its "threshold"
// evidence. Creates the folder when needed. Errors name the file or finding.
Status WriteOutlierCharts(const TroubleshootResult& result, const std::string& report_dir);

}  // namespace xquant::report
