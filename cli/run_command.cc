// `xquant run MODEL.onnx --input NAME=FILE.npy ... [--dump DIR]`: one execution, with the outputs'
// shapes and statistics; --dump writes every intermediate tensor as .npy: those the run produces
// and those folded at preparation.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant::cli {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string dump_dir;
  int threads = 0;
  int repeat = 1;
};

// Tensor names may contain '/', ':' and other characters that do not belong in file names.
std::string SafeFileName(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return s.empty() ? "tensor" : s;
}

void PrintStats(const std::string& name, const Tensor& t) {
  double lo = INFINITY, hi = -INFINITY, sum = 0, sum_sq = 0;
  int64_t nonfinite = 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    const double v = t.GetAsDouble(i);
    if (!std::isfinite(v)) {
      ++nonfinite;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    sum_sq += v * v;
  }
  const double n = static_cast<double>(t.size() - nonfinite);
  const double mean = n > 0 ? sum / n : 0;
  const double stddev = n > 0 ? std::sqrt(std::max(0.0, sum_sq / n - mean * mean)) : 0;
  std::printf("  %-28s %-8s %-20s min %-11.5g max %-11.5g mean %-11.5g std %.5g", name.c_str(),
              DataTypeName(t.dtype()).c_str(), ShapeToString(t.shape()).c_str(), lo, hi, mean, stddev);
  if (nonfinite) std::printf("  (%lld non-finite)", static_cast<long long>(nonfinite));
  std::printf("\n");
  // A [N, C] float output looks like class scores: show each sample's top class.
  if (t.dtype() == DataType::kFloat32 && t.rank() == 2 && t.dim(1) > 1 && t.dim(0) <= 8) {
    for (int64_t b = 0; b < t.dim(0); ++b) {
      const float* row = t.data<float>() + b * t.dim(1);
      int64_t best = 0;
      for (int64_t c = 1; c < t.dim(1); ++c)
        if (row[c] > row[best]) best = c;
      std::printf("    sample %lld: top class %lld (score %.5g)\n", static_cast<long long>(b), static_cast<long long>(best), row[best]);
    }
  }
}

int RunModel(const RunArgs& args) {
  auto loaded = LoadModel(args.model);
  if (!loaded.ok()) {
    std::fprintf(stderr, "xquant run: %s\n", loaded.status().message().c_str());
    return kExitFailure;
  }
  std::shared_ptr<const Model> model = *loaded;
  const Graph& g = model->graph;

  std::map<std::string, Tensor> inputs;
  for (const std::string& spec : args.inputs) {
    std::string name, file;
    const size_t eq = spec.find('=');
    if (eq == std::string::npos) {
      if (g.inputs.size() != 1) {
        std::fprintf(stderr, "xquant run: '%s' names no input; the model has %zu inputs, so write NAME=FILE.npy\n",
                     spec.c_str(), g.inputs.size());
        return kExitUsage;
      }
      name = g.values[g.inputs[0]].name;
      file = spec;
    } else {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    }
    auto tensor = ReadNpy(file);
    if (!tensor.ok()) {
      std::fprintf(stderr, "xquant run: input '%s': %s\n", name.c_str(), tensor.status().message().c_str());
      return kExitFailure;
    }
    inputs[name] = std::move(tensor).value();
  }

  SessionOptions options;
  options.num_threads = args.threads;
  auto session = Session::Create(model, options);
  if (!session.ok()) {
    std::fprintf(stderr, "xquant run: %s\n", session.status().message().c_str());
    return kExitFailure;
  }

  std::unique_ptr<FunctionObserver> dumper;
  int dumped = 0;
  if (!args.dump_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.dump_dir, ec);
    if (ec) {
      std::fprintf(stderr, "xquant run: cannot create '%s': %s\n", args.dump_dir.c_str(), ec.message().c_str());
      return kExitFailure;
    }
    auto index = std::make_shared<std::FILE*>(std::fopen((args.dump_dir + "/index.tsv").c_str(), "w"));
    if (!*index) {
      std::fprintf(stderr, "xquant run: cannot write '%s/index.tsv'\n", args.dump_dir.c_str());
      return kExitFailure;
    }
    std::fprintf(*index, "file\ttensor\tnode\top_type\tdtype\tshape\n");
    dumper = std::make_unique<FunctionObserver>([&, index](const TensorEvent& e) -> Status {
      char prefix[16];
      std::snprintf(prefix, sizeof prefix, "%05d_", dumped++);
      const std::string file = prefix + SafeFileName(e.name) + ".npy";
      std::fprintf(*index, "%s\t%s\t%s\t%s\t%s\t%s\n", file.c_str(), e.name.c_str(), e.node.name.c_str(),
                   e.node.op_type.c_str(), DataTypeName(e.tensor.dtype()).c_str(), ShapeToString(e.tensor.shape()).c_str());
      return WriteNpy(args.dump_dir + "/" + file, e.tensor);
    });
    auto result = (*session)->Run(inputs, dumper.get());
    // The node outputs computed once at preparation (dequantized weights, shape arithmetic) are
    // intermediate tensors too, though no run produces them: written after the run's, in graph order.
    Status folded_written = Status::Ok();
    if (result.ok()) {
      const Graph& prepared = (*session)->graph();
      for (const Node& node : g.nodes)
        for (ValueId out : node.outputs) {
          if (out == kNoValue || !folded_written.ok()) continue;
          const ValueId id = prepared.FindValue(g.values[out].name);
          if (id == kNoValue || !prepared.values[id].constant) continue;
          const Tensor& tensor = *prepared.values[id].constant;
          char prefix[24];
          std::snprintf(prefix, sizeof prefix, "%05d_folded_", dumped++);
          const std::string file = prefix + SafeFileName(g.values[out].name) + ".npy";
          std::fprintf(*index, "%s\t%s\t%s\t%s\t%s\t%s\n", file.c_str(), g.values[out].name.c_str(),
                       node.name.c_str(), node.op_type.c_str(), DataTypeName(tensor.dtype()).c_str(),
                       ShapeToString(tensor.shape()).c_str());
          folded_written = WriteNpy(args.dump_dir + "/" + file, tensor);
        }
    }
    std::fclose(*index);
    if (!result.ok() || !folded_written.ok()) {
      std::fprintf(stderr, "xquant run: %s\n",
                   (result.ok() ? folded_written : result.status()).message().c_str());
      return kExitFailure;
    }
  }

  std::vector<double> times_ms;
  StatusOr<NamedTensors> outputs = NamedTensors{};
  for (int r = 0; r < std::max(1, args.repeat); ++r) {
    const auto start = std::chrono::steady_clock::now();
    outputs = (*session)->Run(inputs);
    times_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (!outputs.ok()) {
      std::fprintf(stderr, "xquant run: %s\n", outputs.status().message().c_str());
      return kExitFailure;
    }
  }
  std::sort(times_ms.begin(), times_ms.end());
  std::printf("model    %s (%zu nodes after folding, %zu before)\n", args.model.c_str(), (*session)->graph().nodes.size(),
              g.nodes.size());
  std::printf("time     %.2f ms (median of %zu runs)\n", times_ms[times_ms.size() / 2], times_ms.size());
  if (!args.dump_dir.empty()) std::printf("dumped   %d tensors to %s (index.tsv lists them)\n", dumped, args.dump_dir.c_str());
  std::printf("outputs\n");
  for (const auto& [name, tensor] : *outputs) PrintStats(name, tensor);
  return kExitOk;
}

}  // namespace

void AddRunCommand(CLI::App& app, std::function<int()>* run) {
  auto* cmd = app.add_subcommand("run", "Run a model once and print its outputs' statistics");
  auto args = std::make_shared<RunArgs>();
  cmd->add_option("model", args->model, "ONNX model file")->required();
  cmd->add_option("-i,--input", args->inputs, "NAME=FILE.npy for each model input (FILE.npy alone for a single input)");
  cmd->add_option("--dump", args->dump_dir, "write every intermediate tensor (produced by the run or folded at preparation) as .npy into this directory");
  cmd->add_option("--threads", args->threads, "threads for the kernels (0 = all cores)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--repeat", args->repeat, "run this many times and report the median time")->check(CLI::PositiveNumber);
  cmd->callback([run, args] { *run = [args] { return RunModel(*args); }; });
}

}  // namespace xquant::cli
