// `xquant troubleshoot` = `xquant report` + [--quantization-log DIR] [--previous OLD.json]: the
// report, then the judges' findings and, when no single cause explains the loss, the general
// improvement measures. The exit code tells CI what was found.
#include <cstdio>
#include <string>

#include "commands.h"
#include "report_args.h"
#include "xquant/troubleshoot.h"

namespace xquant::cli {
namespace {

struct TroubleshootArgs {
  ReportArgs report;
  std::string quantization_log;
  std::string previous;
};

int RunTroubleshootCommand(const TroubleshootArgs& args) {
  TroubleshootOptions options;
  Progress progress(args.report.quiet);
  const int setup = MakeReportOptions(args.report, &progress, &options.report);
  if (setup != kExitOk) return setup;
  options.quantization_log_dir = args.quantization_log;
  options.previous_report = args.previous;
  const std::string val = args.report.val.empty() ? args.report.repr : args.report.val;
  auto result = RunTroubleshoot(args.report.float_model, args.report.quantized_model, args.report.repr, val, options);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  Status written = WriteTroubleshootReport(*result);
  if (!written.ok()) {
    std::fprintf(stderr, "error: %s\n", written.message().c_str());
    return kExitFailure;
  }
  PrintReportSummary(result->report);
  std::printf("findings        %zu%s\n", result->findings.size(),
              result->judges_ran ? "" : " (judges skipped: the majority of layers is degraded)");
  std::printf("troubleshooting %s/troubleshoot_report.json\n", result->report.config.report_dir.c_str());
  return result->report.degraded_layers.empty() ? kExitOk : kExitDegraded;
}

}  // namespace

void AddTroubleshootCommand(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<TroubleshootArgs>();
  CLI::App* cmd = app.add_subcommand(
      "troubleshoot", "The report, then why the degraded layers degraded and what to do (exit 3: degraded layers)");
  AddReportOptions(cmd, &args->report);
  cmd->add_option("--quantization-log", args->quantization_log, "The quantizer's log folder")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--previous", args->previous,
                  "troubleshoot_report.json of an earlier run: tells whether the countermeasures helped")
      ->check(CLI::ExistingFile);
  cmd->callback([args, run]() { *run = [args]() { return RunTroubleshootCommand(*args); }; });
}

}  // namespace xquant::cli
