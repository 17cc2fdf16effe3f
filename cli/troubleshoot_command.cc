// `xquant troubleshoot` = `xquant report` + [--quantization-log DIR] [--previous OLD.json]: the
// report, then the judges' findings and, when no single cause explains the loss, the general
// improvement measures. With --fix [--quantize-config QCONFIG], each countermeasure is applied by
// re-quantizing the float model and measured (include/xquant/fix.h). The exit code tells CI what
// was found (commands.h).
#include <cstdio>
#include <string>

#include "commands.h"
#include "report_args.h"
#include "xquant/fix.h"
#include "xquant/quantize.h"
#include "xquant/troubleshoot.h"

namespace xquant::cli {
namespace {

struct TroubleshootArgs {
  ReportArgs report;
  std::string quantization_log;
  std::string previous;
  bool fix = false;
  std::string quantize_config;
};

int RunFixCommand(const TroubleshootArgs& args, TroubleshootOptions troubleshoot) {
  FixOptions options;
  options.troubleshoot = std::move(troubleshoot);
  if (!args.quantize_config.empty()) {
    auto config = LoadQuantizationConfig(args.quantize_config);
    if (!config.ok()) {
      std::fprintf(stderr, "error: --quantize-config: %s\n", config.status().message().c_str());
      return kExitFailure;
    }
    options.quantize.config = *config;
    options.quantize_config_path = args.quantize_config;
  }
  options.quantize.batch_size = args.report.batch_size;
  options.quantize.num_threads = args.report.threads;
  options.quantize.dataset = DatasetOptionsOf(args.report.image);
  // The quantizer's own progress would bury the one line per candidate; its warnings still show.
  options.quantize.log = [](const std::string& message) {
    if (message.rfind("warning: ", 0) == 0) std::fprintf(stderr, "%s\n", message.c_str());
  };
  const bool quiet = args.report.quiet;
  options.progress = [quiet](const std::string& line) {
    if (!quiet) std::fprintf(stderr, "%s\n", line.c_str());
  };
  const std::string val = args.report.val.empty() ? args.report.repr : args.report.val;
  auto result = RunFix(args.report.float_model, args.report.quantized_model, args.report.repr, val, options);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  Status written = WriteFixReport(*result);
  if (!written.ok()) {
    std::fprintf(stderr, "error: %s\n", written.message().c_str());
    return kExitFailure;
  }
  const TroubleshootResult& original = result->original;
  PrintReportSummary(original.report);
  std::printf("findings        %zu%s\n", original.findings.size(),
              original.judges_ran ? "" : " (judges skipped: the majority of layers is degraded)");
  for (const std::string& line : FixSummaryLines(*result)) std::printf("%s\n", line.c_str());
  const std::string& dir = original.report.config.report_dir;
  if (result->improved) std::printf("best model      %s/best_quantized.onnx\n", dir.c_str());
  std::printf("fix report      %s/fix_report.json\n", dir.c_str());
  if (!result->improved) return original.report.degraded_layers.empty() ? kExitOk : kExitNotImproved;
  return result->candidates[result->best].degraded_layers.empty() ? kExitOk : kExitDegraded;
}

int RunTroubleshootCommand(const TroubleshootArgs& args) {
  TroubleshootOptions options;
  Progress progress(args.report.quiet);
  const int setup = MakeReportOptions(args.report, &progress, &options.report);
  if (setup != kExitOk) return setup;
  options.quantization_log_dir = args.quantization_log;
  options.previous_report = args.previous;
  if (args.fix) return RunFixCommand(args, std::move(options));
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
  CLI::Option* fix = cmd->add_flag(
      "--fix", args->fix,
      "Apply each countermeasure by re-quantizing the float model with xquant's quantizer, measure every "
      "candidate, keep the best as best_quantized.onnx (exit 0: the kept model has no degraded layer; 3: it "
      "still has some; 4: nothing beat the quantized model and it has degraded layers)");
  cmd->add_option("--quantize-config", args->quantize_config,
                  "With --fix: the QuantizationConfig (YAML or JSON) the candidates start from (default: the "
                  "quantizer's defaults)")
      ->check(CLI::ExistingFile)
      ->needs(fix);
  cmd->callback([args, run]() { *run = [args]() { return RunTroubleshootCommand(*args); }; });
}

}  // namespace xquant::cli
