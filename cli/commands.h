// The subcommands of the `xquant` tool. Each registers its options on the CLI11 app and returns
// the process exit code when run. Exit codes: 0 success (troubleshoot: nothing degraded), 1 the
// input was refused or failed (the message says why), 2 wrong command-line usage, 3 troubleshoot
// found degraded layers. `troubleshoot --fix`: 0 the model kept (the best candidate, or the user's
// when nothing improved) has no degraded layer, 3 a candidate improved but degraded layers remain
// in it, 4 no candidate beat the user's model and that model has degraded layers.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace xquant::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitDegraded = 3;
constexpr int kExitNotImproved = 4;

// Adds `xquant info` to `app`; `*run` is set to the function that executes it.
void AddInfoCommand(CLI::App& app, std::function<int()>* run);
// Adds `xquant run`.
void AddRunCommand(CLI::App& app, std::function<int()>* run);
// Adds `xquant ops`.
void AddOpsCommand(CLI::App& app, std::function<int()>* run);
// Adds `xquant report`.
void AddReportCommand(CLI::App& app, std::function<int()>* run);
// Adds `xquant troubleshoot`.
void AddTroubleshootCommand(CLI::App& app, std::function<int()>* run);
// Adds `xquant quantize`.
void AddQuantizeCommand(CLI::App& app, std::function<int()>* run);

}  // namespace xquant::cli
