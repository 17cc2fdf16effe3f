#include "report_args.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "commands.h"

namespace xquant::cli {

Progress::Progress(bool quiet) : quiet_(quiet), terminal_(isatty(STDERR_FILENO)) {}

void Progress::Update(const std::string& stage, int64_t done, int64_t total) {
  if (quiet_) return;
  if (terminal_) {
    const int width = 30;
    const int filled = static_cast<int>(width * done / std::max<int64_t>(total, 1));
    std::fprintf(stderr, "\r%-5s [%s%s] %lld/%lld batches", stage.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
    return;
  }
  const int64_t step = std::max<int64_t>(1, total / 10);
  if (done == total || done % step == 0)
    std::fprintf(stderr, "%s: %lld/%lld batches\n", stage.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total));
}

namespace {

std::string FormatMetrics(const MetricValues& values) {
  std::string s;
  for (const auto& [name, value] : values) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=%.6g", s.empty() ? "" : "  ", name.c_str(), value);
    s += buf;
  }
  return s;
}

}  // namespace

void PrintReportSummary(const ReportResult& result) {
  const ReportResult& r = result;
  std::printf("compare points  %zu (%s, compared %s)\n", r.points.size(),
              r.compare == CompareSet::kAll ? "every quantization point" : "weighted layers only",
              r.compare_at == CompareAt::kPostQuant ? "after dequantization" : "before quantization");
  for (const DatasetMetrics* d : {&r.repr, &r.val})
    std::printf("output (%s, %lld samples)  %s\n", d->name.c_str(), static_cast<long long>(d->samples),
                FormatMetrics(d->output).c_str());
  if (r.degraded_layers.empty()) {
    std::printf("degraded layers none\n");
  } else {
    std::printf("degraded layers %zu:\n", r.degraded_layers.size());
    for (const auto& layer : r.degraded_layers) std::printf("  %s\n", layer.c_str());
  }
  std::printf("report          %s/index.html\n", r.config.report_dir.c_str());
}

void AddReportOptions(CLI::App* cmd, ReportArgs* args) {
  cmd->add_option("--float", args->float_model, "The float ONNX model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--quantized", args->quantized_model, "Its quantized (QDQ) ONNX model")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--repr", args->repr,
                  "Representative data: a directory of .npy files or images, one .npy with the samples "
                  "along dimension 0, or random:N[:SEED]")
      ->required();
  cmd->add_option("--val", args->val, "Validation data, same forms (default: the representative data)");
  cmd->add_option("--report-dir", args->report_dir, "Where the report is written (overrides report_dir of --config)");
  cmd->add_option("--config", args->config, "XQuantConfig file (YAML or JSON)")->check(CLI::ExistingFile);
  cmd->add_option("--batch-size", args->batch_size, "Samples per batch")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--compare", args->compare, "Compare every quantization point, or only weighted layers' outputs")
      ->check(CLI::IsMember({"all", "weighted"}))
      ->capture_default_str();
  cmd->add_option("--compare-at", args->compare_at,
                  "Which quantized tensor the main metrics use: after its dequantization or before its quantization")
      ->check(CLI::IsMember({"post-quant", "pre-quant"}))
      ->capture_default_str();
  cmd->add_option("--mapping", args->mapping, "JSON file pinning quantized->float tensor pairs")
      ->check(CLI::ExistingFile);
  AddImageOptions(cmd, &args->image);
  cmd->add_option("--threads", args->threads, "Threads (0 = every core)")->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress output");
}

void AddImageOptions(CLI::App* cmd, ImageArgs* args) {
  cmd->add_option("--layout", args->layout, "Image data layout")
      ->check(CLI::IsMember({"auto", "nchw", "nhwc"}))
      ->capture_default_str();
  cmd->add_option("--mean", args->mean, "Image normalisation mean per channel (after --scale)")->expected(1, 4);
  cmd->add_option("--std", args->std, "Image normalisation std per channel")->expected(1, 4);
  cmd->add_option("--scale", args->scale, "Image pixel scale")->capture_default_str();
}

DatasetOptions DatasetOptionsOf(const ImageArgs& args) {
  DatasetOptions dataset;
  ImageOptions& image = dataset.image;
  image.layout = args.layout == "nchw"   ? ImageOptions::Layout::kNCHW
                 : args.layout == "nhwc" ? ImageOptions::Layout::kNHWC
                                         : ImageOptions::Layout::kAuto;
  if (!args.mean.empty()) image.mean = args.mean;
  if (!args.std.empty()) image.std = args.std;
  image.scale = args.scale;
  return dataset;
}

int MakeReportOptions(const ReportArgs& args, Progress* progress, ReportOptions* options) {
  if (!args.config.empty()) {
    std::vector<std::string> warnings;
    auto config = LoadXQuantConfig(args.config, &warnings);
    if (!config.ok()) {
      std::fprintf(stderr, "error: %s\n", config.status().message().c_str());
      return kExitFailure;
    }
    options->config = *config;
    for (const auto& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  }
  if (!args.report_dir.empty()) options->config.report_dir = args.report_dir;
  if (options->config.report_dir.empty()) {
    std::fprintf(stderr, "error: no report directory: give --report-dir OUT or report_dir in the config file\n");
    return kExitUsage;
  }
  options->batch_size = args.batch_size;
  options->compare = args.compare == "weighted" ? CompareSet::kWeighted : CompareSet::kAll;
  options->compare_at = args.compare_at == "pre-quant" ? CompareAt::kPreQuant : CompareAt::kPostQuant;
  options->mapping_file = args.mapping;
  options->num_threads = args.threads;
  options->dataset = DatasetOptionsOf(args.image);
  options->progress = [progress](const std::string& stage, int64_t done, int64_t total) {
    progress->Update(stage, done, total);
  };
  options->log = [](const std::string& message) {
    if (message.rfind("WARNING: ", 0) == 0) std::fprintf(stderr, "warning: %s\n", message.c_str() + 9);
  };
  if (args.val.empty()) std::fprintf(stderr, "note: no --val given; the representative data is used for both\n");
  return kExitOk;
}

}  // namespace xquant::cli
