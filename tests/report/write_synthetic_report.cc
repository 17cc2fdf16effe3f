// Writes the report files of the synthetic report (40 layers, hostile names) into a directory,
// for the checks that read them with independent tools: Python's json/csv/xml modules
// (check_report_files.py) and headless Chromium (browser_check.js).
#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include <filesystem>
#include <iostream>

#include "report/writers.h"
#include "synthetic_names.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_synthetic_report OUT_DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  const xquant::ReportResult result = xquant::testing::MakeHostileNamesReport(40);
  namespace report = xquant::report;
  for (const xquant::Status& status :
       {report::WriteQuantReportJson(result, (dir / "quant_report.json").string()),
        report::WriteLayersCsv(result, (dir / "layers.csv").string()),
        report::WriteLossCharts(result, dir.string()),
        report::WriteHtmlReport(result, (dir / "index.html").string())}) {
    if (!status.ok()) {
      std::cerr << status.ToString() << "\n";
      return 1;
    }
  }
  std::cout << "wrote the synthetic report to " << dir.string() << "\n";
  // Release the fonts cairo cached, so LeakSanitizer (XQ_SANITIZE builds) sees no leak at exit.
  cairo_debug_reset_static_data();
  FcFini();
  return 0;
}
