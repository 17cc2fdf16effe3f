// `xquant quantize F.onnx --repr DATA -o Q.onnx [--config QCONFIG] [--log-dir LOG]`: xquant's own
// post-training quantizer (include/xquant/quantize.h). Progress goes to stderr, one line per step.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "report_args.h"
#include "xquant/quantize.h"

namespace xquant::cli {
namespace {

struct QuantizeArgs {
  std::string float_model;
  std::string repr;
  std::string output;
  std::string config;
  std::string log_dir;
  ImageArgs image;
  int64_t batch_size = 8;
  int64_t max_samples = 0;
  int threads = 0;
  bool quiet = false;
};

int RunQuantizeCommand(const QuantizeArgs& args) {
  QuantizeOptions options;
  if (!args.config.empty()) {
    auto config = LoadQuantizationConfig(args.config);
    if (!config.ok()) {
      std::fprintf(stderr, "error: %s\n", config.status().message().c_str());
      return kExitFailure;
    }
    options.config = *config;
  }
  options.batch_size = args.batch_size;
  options.max_samples = args.max_samples;
  options.num_threads = args.threads;
  options.log_dir = args.log_dir;
  options.dataset = DatasetOptionsOf(args.image);
  const bool quiet = args.quiet;
  options.log = [quiet](const std::string& message) {
    if (!quiet || message.rfind("warning: ", 0) == 0) std::fprintf(stderr, "%s\n", message.c_str());
  };
  auto result = QuantizeFile(args.float_model, args.repr, args.output, options);
  if (!result.ok()) {
    std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
    return kExitFailure;
  }
  std::printf("quantized       %s\n", args.output.c_str());
  std::printf("activations     %zu quantizers\n", result->log.activations.size());
  std::printf("weighted layers %zu\n", result->log.weights.size());
  std::printf("merges          %zu\n", result->log.merges.size());
  if (!args.log_dir.empty()) std::printf("log             %s/quantization_log.json\n", args.log_dir.c_str());
  return kExitOk;
}

}  // namespace

void AddQuantizeCommand(CLI::App& app, std::function<int()>* run) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand("quantize", "Quantize a float ONNX model to QDQ ONNX (post-training)");
  cmd->add_option("model", args->float_model, "The float ONNX model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--repr", args->repr,
                  "Representative data: a directory of .npy files or images, one .npy with the samples "
                  "along dimension 0, or random:N[:SEED]")
      ->required();
  cmd->add_option("-o,--output", args->output, "Where the quantized ONNX model is written")->required();
  cmd->add_option("--config", args->config, "QuantizationConfig file (YAML or JSON)")->check(CLI::ExistingFile);
  cmd->add_option("--log-dir", args->log_dir, "Where quantization_log.json and tensorboard_logs/ are written");
  cmd->add_option("--batch-size", args->batch_size, "Samples per batch")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--max-samples", args->max_samples, "Use at most this many representative samples (0 = all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  AddImageOptions(cmd, &args->image);
  cmd->add_option("--threads", args->threads, "Threads (0 = every core)")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress output");
  cmd->callback([args, run]() { *run = [args]() { return RunQuantizeCommand(*args); }; });
}

}  // namespace xquant::cli
