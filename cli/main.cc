// xquant: why did my quantized model lose accuracy, and what to do about it.
#include <cstdio>
#include <functional>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"xquant - layer-by-layer analysis of quantized ONNX models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "xquant 0.1.0");
  std::function<int()> run;
  xquant::cli::AddInfoCommand(app, &run);
  xquant::cli::AddRunCommand(app, &run);
  xquant::cli::AddOpsCommand(app, &run);
  xquant::cli::AddReportCommand(app, &run);
  xquant::cli::AddTroubleshootCommand(app, &run);
  xquant::cli::AddQuantizeCommand(app, &run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? xquant::cli::kExitOk : xquant::cli::kExitUsage;
  }
  return run ? run() : xquant::cli::kExitUsage;
}
