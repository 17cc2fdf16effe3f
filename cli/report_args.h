// What `xquant report` and `xquant troubleshoot` share: their options and the progress display.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "xquant/report.h"

namespace xquant::cli {

// How image directories are read (layout, normalisation): the same options on every command that
// reads data (report, troubleshoot, quantize).
struct ImageArgs {
  std::string layout = "auto";
  std::vector<float> mean;
  std::vector<float> std;
  float scale = 1.0f / 255.0f;
};

// Registers --layout, --mean, --std, --scale on `cmd`.
void AddImageOptions(CLI::App* cmd, ImageArgs* args);

struct ReportArgs {
  std::string float_model;
  std::string quantized_model;
  std::string repr;
  std::string val;
  std::string report_dir;
  std::string config;
  std::string mapping;
  std::string compare = "all";
  std::string compare_at = "post-quant";
  ImageArgs image;
  int64_t batch_size = 8;
  int threads = 0;
  bool quiet = false;
};

// A bar redrawn in place on a terminal; one line per stage and every ~10% otherwise (logs, CI).
class Progress {
 public:
  explicit Progress(bool quiet);
  void Update(const std::string& stage, int64_t done, int64_t total);

 private:
  bool quiet_;
  bool terminal_;
};

// Registers the options of `xquant report` (and of every command that runs a report) on `cmd`.
void AddReportOptions(CLI::App* cmd, ReportArgs* args);

// ReportOptions from the command line (config file loaded, progress and warnings wired to stderr).
// Returns kExitOk, or the exit code after printing why not.
int MakeReportOptions(const ReportArgs& args, Progress* progress, ReportOptions* options);

// The data options (image layout and normalisation) of the command line, for the report's datasets
// and for the quantizer's (quantize, troubleshoot --fix).
DatasetOptions DatasetOptionsOf(const ImageArgs& args);

// Prints the compare points, output metrics, degraded layers and where the report is.
void PrintReportSummary(const ReportResult& result);

}  // namespace xquant::cli
