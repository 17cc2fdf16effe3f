// `xquant report --float F.onnx --quantized Q.onnx --repr DATA --val DATA --report-dir OUT ...`:
// a thin layer over RunReport + WriteReport (include/xquant/report.h).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "report_args.h"
#include "xquant/report.h"

namespace xquant::cli {
namespace {

int RunReportCommand(const ReportArgs& args) {
  ReportOptions options;
  Progress progress(args.quiet);
  const int setup = MakeReportOptions(args, &progress, &options);
  if (setup != kExitOk) return setup;
  const std::string val = args.val.empty() ? args.repr : args.val;
  auto result = RunReport(args.float_model, args.quantized_model, args.repr, val, options);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  Status written = WriteReport(*result);
  if (!written.ok()) {
    std::fprintf(stderr, "error: %s\n", written.message().c_str());
    return kExitFailure;
  }
  PrintReportSummary(*result);
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand("report", "Compare a float model with its quantized version layer by layer");
  AddReportOptions(cmd, args.get());
  cmd->callback([args, run]() { *run = [args]() { return RunReportCommand(*args); }; });
}

}  // namespace xquant::cli
