// `xquant ops`: the op types the executor runs, one per line ("domain::Op" outside ai.onnx).
#include <cstdio>

#include "commands.h"
#include "xquant/model.h"

namespace xquant::cli {

void AddOpsCommand(CLI::App& app, std::function<int()>* run) {
  auto* cmd = app.add_subcommand("ops", "List the op types the executor runs");
  cmd->callback([run] {
    *run = [] {
      for (const std::string& op : SupportedOps()) std::printf("%s\n", op.c_str());
      return kExitOk;
    };
  });
}

}  // namespace xquant::cli
