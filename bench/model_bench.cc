// xquant_model_bench: how long Session::Run takes on whole models.
//
// Two modes.
//
// Google Benchmark (the default): one benchmark per (model, input) pair, Session::Run in the timed
// loop, wall-clock time (the kernels run on several threads) and the process's CPU time beside it.
//   xquant_model_bench [--benchmark_* flags] [--threads N] --model M.onnx --input [NAME=]X.npy ...
//   xquant_model_bench [--benchmark_* flags] [--threads N] --fixtures DIR
// --fixtures takes every DIR/<m>.onnx with inputs DIR/<m>_input_b<B>.npy, or, for <m> = <base>_float
// or <base>_qdq, DIR/<base>_input_b<B>.npy (the layouts of the fixture cache and of
// prepare_oracle.sh's OUT_DIR/models). With neither flag: $XQ_BENCH_MODEL with $XQ_BENCH_INPUT
// (inputs separated by ','), else the fixture cache $XQ_FIXTURES_CACHE
// (default ~/.cache/xquant/fixtures).
//
// One JSON line, the counterpart of `tests/oracle/run_ort.js --bench` so that a driver
// (bench/compare_ort.py) can alternate the two engines with identical protocols: load, prepare,
// W untimed runs, N timed runs, one line with the median of the N.
//   xquant_model_bench --bench N [--warmup W] [--threads T] MODEL.onnx [NAME=]INPUT.npy ...
// With --profile, the N runs are observed by a timer that wants no tensor (so the activation folds
// still apply; the channel-blocked hand-offs, which only unobserved runs make, do not), and the
// time between consecutive tensors is printed per op type (--profile=nodes: per node) to stderr,
// largest first. A folded pair is charged to the op that absorbed the other (Conv+Relu as Relu).
//
// --threads defaults to 2, the setting the project's performance targets are stated for.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kDefaultThreads = 2;
// Runs before the Google Benchmark timing starts: the first runs allocate buffers and fault in
// pages; run_ort.js's default warmup is the same.
constexpr int kDefaultWarmup = 3;

struct Args {
  int threads = kDefaultThreads;
  int bench_runs = 0;  // > 0 selects the JSON mode
  int warmup = kDefaultWarmup;
  bool profile = false;
  bool profile_nodes = false;  // --profile=nodes: per node instead of per op type
  std::string model;
  std::vector<std::string> inputs;
  std::string fixtures;
};

// One model with the inputs to feed it.
struct BenchCase {
  std::string label;
  std::string model;
  std::vector<std::string> inputs;
};

// Everything a timed loop needs, prepared once.
struct Prepared {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Session> session;
  std::map<std::string, Tensor> inputs;
  int64_t batch = 1;
  double load_ms = 0;
  double prepare_ms = 0;
};

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Peak resident set of this process so far, in KiB (Linux reports ru_maxrss in KiB).
long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// The same median as run_ort.js: the mean of the two middle values for an even count.
double Median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const size_t m = xs.size() / 2;
  return xs.size() % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "NAME=FILE.npy", or "FILE.npy" for a model with a single input. A spec that is itself an
// existing file is a file even if its name holds '='.
StatusOr<std::map<std::string, Tensor>> ReadInputs(const Graph& graph, const std::vector<std::string>& specs) {
  std::map<std::string, Tensor> inputs;
  for (const std::string& spec : specs) {
    std::string name, file;
    const size_t eq = spec.find('=');
    if (eq != std::string::npos && eq > 0 && !fs::exists(spec)) {
      name = spec.substr(0, eq);
      file = spec.substr(eq + 1);
    } else if (graph.inputs.size() == 1) {
      name = graph.values[graph.inputs[0]].name;
      file = spec;
    } else {
      return InvalidArgumentError("input '" + spec + "' names no input and the model has " +
                                  std::to_string(graph.inputs.size()) + " inputs: write NAME=FILE.npy");
    }
    auto tensor = ReadNpy(file);
    if (!tensor.ok()) return tensor.status().WithContext("input '" + name + "'");
    inputs[name] = std::move(tensor).value();
  }
  return inputs;
}

StatusOr<std::unique_ptr<Prepared>> Prepare(const BenchCase& c, int threads) {
  auto p = std::make_unique<Prepared>();
  auto start = Clock::now();
  XQ_ASSIGN_OR_RETURN(p->model, LoadModel(c.model));
  p->load_ms = MsSince(start);
  XQ_ASSIGN_OR_RETURN(p->inputs, ReadInputs(p->model->graph, c.inputs));
  if (!p->inputs.empty()) {
    const Tensor& first = p->inputs.begin()->second;
    if (first.rank() > 0) p->batch = first.dim(0);
  }
  SessionOptions options;
  options.num_threads = threads;
  start = Clock::now();
  XQ_ASSIGN_OR_RETURN(p->session, Session::Create(p->model, options));
  p->prepare_ms = MsSince(start);
  return p;
}

// --- JSON mode ----------------------------------------------------------------------------------

// Time per op type: an observer that wants no tensor and charges the time since the previous
// tensor (or the run's start) to the op that produced this one.
class OpTimer : public Observer {
 public:
  explicit OpTimer(bool by_node) : by_node_(by_node) {}
  void Start() { last_ = Clock::now(); }
  Status OnTensor(const TensorEvent& event) override {
    const auto now = Clock::now();
    auto& [ms, count] = by_op_[by_node_ ? event.node.op_type + " " + event.node.name + " " +
                                              ShapeToString(event.tensor.shape())
                                        : event.node.op_type];
    ms += std::chrono::duration<double, std::milli>(now - last_).count();
    ++count;
    last_ = now;
    return Status::Ok();
  }
  bool Wants(const std::string&) const override { return false; }
  void Print(int runs) const {
    std::vector<std::pair<double, std::string>> rows;
    double total = 0;
    for (const auto& [op, entry] : by_op_) {
      rows.emplace_back(entry.first / runs, op);
      total += entry.first / runs;
    }
    std::sort(rows.rbegin(), rows.rend());
    std::fprintf(stderr, "%-24s %10s %6s %8s\n", "op", "ms/run", "share", "count");
    for (const auto& [ms, op] : rows)
      std::fprintf(stderr, "%-24s %10.4f %5.1f%% %8lld\n", op.c_str(), ms, 100 * ms / total,
                   static_cast<long long>(by_op_.at(op).second / runs));
  }

 private:
  bool by_node_;
  Clock::time_point last_;
  std::map<std::string, std::pair<double, int64_t>> by_op_;  // op (or node) -> (ms, tensors)
};

int RunJson(const Args& args) {
  const BenchCase c{args.model, args.model, args.inputs};
  auto prepared = Prepare(c, args.threads);
  if (!prepared.ok()) {
    std::fprintf(stderr, "xquant_model_bench: %s: %s\n", args.model.c_str(), prepared.status().ToString().c_str());
    return 1;
  }
  Prepared& p = **prepared;
  std::vector<double> ms;
  double first_run_ms = 0;
  OpTimer timer(args.profile_nodes);
  for (int r = 0; r < args.warmup + args.bench_runs; ++r) {
    const bool profiled = args.profile && r >= args.warmup;
    const auto start = Clock::now();
    timer.Start();
    auto outputs = p.session->Run(p.inputs, profiled ? &timer : nullptr);
    const double elapsed = MsSince(start);
    if (!outputs.ok()) {
      std::fprintf(stderr, "xquant_model_bench: %s: %s\n", args.model.c_str(), outputs.status().ToString().c_str());
      return 1;
    }
    if (r == 0) first_run_ms = elapsed;
    if (r >= args.warmup) ms.push_back(elapsed);
  }
  if (args.profile) timer.Print(args.bench_runs);
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / ms.size();
  std::printf(
      "{\"engine\":\"xquant\",\"model\":%s,\"threads\":%d,\"warmup\":%d,\"runs\":%d,\"batch\":%lld,"
      "\"median_ms\":%.4f,\"min_ms\":%.4f,\"mean_ms\":%.4f,\"first_run_ms\":%.4f,\"load_ms\":%.4f,"
      "\"prepare_ms\":%.4f,\"peak_rss_kb\":%ld}\n",
      JsonString(args.model).c_str(), args.threads, args.warmup, args.bench_runs, static_cast<long long>(p.batch),
      Median(ms), *std::min_element(ms.begin(), ms.end()), mean, first_run_ms, p.load_ms, p.prepare_ms, PeakRssKb());
  return 0;
}

// --- Google Benchmark mode ----------------------------------------------------------------------

// Google Benchmark calls a benchmark function several times (to pick an iteration count, then per
// repetition); the session is prepared once and kept until a benchmark of another model needs the
// memory, so only one model is resident at a time. ru_maxrss is a high-water mark of the whole
// process, hence "so far": it is a model's own peak only when that model raised it.
struct Cache {
  std::string key;
  std::unique_ptr<Prepared> prepared;
};

void RunCase(benchmark::State& state, const BenchCase& c, int threads, int warmup) {
  static Cache cache;
  std::string key = c.model + "|" + std::to_string(threads);
  for (const std::string& input : c.inputs) key += "|" + input;
  if (cache.key != key) {
    cache.prepared.reset();
    cache.key.clear();
    auto prepared = Prepare(c, threads);
    if (!prepared.ok()) {
      state.SkipWithError(prepared.status().ToString().c_str());
      return;
    }
    for (int r = 0; r < warmup; ++r) {
      auto outputs = (*prepared)->session->Run((*prepared)->inputs);
      if (!outputs.ok()) {
        state.SkipWithError(outputs.status().ToString().c_str());
        return;
      }
    }
    cache.prepared = std::move(prepared).value();
    cache.key = key;
  }
  Prepared& p = *cache.prepared;
  for (auto _ : state) {
    auto outputs = p.session->Run(p.inputs);
    if (!outputs.ok()) {
      state.SkipWithError(outputs.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(outputs);
  }
  state.SetItemsProcessed(state.iterations() * p.batch);
  state.counters["batch"] = static_cast<double>(p.batch);
  state.counters["peak_rss_MB_so_far"] = PeakRssKb() / 1024.0;
  state.counters["prepare_ms"] = p.prepare_ms;
}

// "resnet18_float/b8" for the fixture naming, else the two file stems.
std::string Label(const fs::path& model, const fs::path& input) {
  const std::string in = input.stem().string();
  const size_t pos = in.rfind("_input_");
  const std::string suffix = pos == std::string::npos ? in : in.substr(pos + 7);
  return model.stem().string() + "/" + suffix;
}

std::vector<BenchCase> FixtureCases(const fs::path& dir) {
  std::vector<fs::path> models;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".onnx") models.push_back(entry.path());
  std::sort(models.begin(), models.end());
  std::vector<BenchCase> cases;
  for (const fs::path& model : models) {
    const std::string stem = model.stem().string();
    std::vector<std::string> prefixes = {stem + "_input_b"};
    for (const std::string kind : {"_float", "_qdq"})
      if (stem.size() > kind.size() && stem.ends_with(kind))
        prefixes.push_back(stem.substr(0, stem.size() - kind.size()) + "_input_b");
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string name = entry.path().filename().string();
      for (const std::string& prefix : prefixes)
        if (name.starts_with(prefix) && name.ends_with(".npy")) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    for (const fs::path& input : inputs) cases.push_back({Label(model, input), model.string(), {input.string()}});
  }
  return cases;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(sep, start), s.size());
    if (end > start) parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

std::vector<BenchCase> SelectCases(const Args& args) {
  if (!args.model.empty()) {
    const fs::path input = args.inputs.empty() ? fs::path() : fs::path(args.inputs[0]);
    return {{Label(args.model, input), args.model, args.inputs}};
  }
  if (!args.fixtures.empty()) return FixtureCases(args.fixtures);
  if (const char* model = Env("XQ_BENCH_MODEL")) {
    const char* inputs = Env("XQ_BENCH_INPUT");
    std::vector<std::string> specs = inputs ? Split(inputs, ',') : std::vector<std::string>{};
    const fs::path first = specs.empty() ? fs::path() : fs::path(specs[0]);
    return {{Label(model, first), model, specs}};
  }
  fs::path cache;
  if (const char* dir = Env("XQ_FIXTURES_CACHE")) {
    cache = dir;
  } else if (const char* home = Env("HOME")) {
    cache = fs::path(home) / ".cache/xquant/fixtures";
  }
  return cache.empty() ? std::vector<BenchCase>{} : FixtureCases(cache);
}

int RunGoogleBenchmark(const Args& args) {
  const std::vector<BenchCase> cases = SelectCases(args);
  if (cases.empty()) {
    std::fprintf(stderr,
                 "xquant_model_bench: no model to time: pass --model M.onnx --input X.npy, --fixtures DIR, or "
                 "set XQ_BENCH_MODEL/XQ_BENCH_INPUT or XQ_FIXTURES_CACHE (see bench/README.md)\n");
    return 2;
  }
  for (const BenchCase& c : cases) {
    benchmark::RegisterBenchmark(c.label.c_str(),
                                 [c, threads = args.threads, warmup = args.warmup](benchmark::State& state) {
                                   RunCase(state, c, threads, warmup);
                                 })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MeasureProcessCPUTime();
  }
  benchmark::AddCustomContext("xquant_threads", std::to_string(args.threads));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// --- command line -------------------------------------------------------------------------------

void Usage(std::FILE* out) {
  std::fprintf(out,
               "usage: xquant_model_bench [--benchmark_* flags] [--threads N] [--warmup W]\n"
               "                          [--model M.onnx --input [NAME=]X.npy ... | --fixtures DIR]\n"
               "       xquant_model_bench --bench N [--warmup W] [--threads N] [--profile[=nodes]] MODEL.onnx [NAME=]INPUT.npy ...\n"
               "see bench/README.md\n");
}

bool ParseInt(const char* s, int min, int* out) {
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < min || v > 1000000) return false;
  *out = static_cast<int>(v);
  return true;
}

// Parses what benchmark::Initialize left in argv. Returns false on a usage error.
bool ParseArgs(int argc, char** argv, Args* args) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "-h" || a == "--help") {
      return false;
    } else if (a == "--threads" && has_value) {
      if (!ParseInt(argv[++i], 1, &args->threads)) return false;
    } else if (a == "--bench" && has_value) {
      if (!ParseInt(argv[++i], 1, &args->bench_runs)) return false;
    } else if (a == "--warmup" && has_value) {
      if (!ParseInt(argv[++i], 0, &args->warmup)) return false;
    } else if (a == "--profile" || a == "--profile=nodes") {
      args->profile = true;
      args->profile_nodes = a == "--profile=nodes";
    } else if (a == "--model" && has_value) {
      args->model = argv[++i];
    } else if (a == "--input" && has_value) {
      args->inputs.push_back(argv[++i]);
    } else if (a == "--fixtures" && has_value) {
      args->fixtures = argv[++i];
    } else if (a.starts_with("-")) {
      std::fprintf(stderr, "xquant_model_bench: unknown or incomplete option '%s'\n", a.c_str());
      return false;
    } else {
      positional.push_back(a);
    }
  }
  if (args->bench_runs > 0) {
    if (args->model.empty() && !positional.empty()) {
      args->model = positional[0];
      positional.erase(positional.begin());
    }
    args->inputs.insert(args->inputs.end(), positional.begin(), positional.end());
    return !args->model.empty();
  }
  return positional.empty();
}

}  // namespace
}  // namespace xquant::bench

int main(int argc, char** argv) {
  // --help: our flags, then Google Benchmark's (Initialize prints them and exits).
  benchmark::Initialize(&argc, argv, [] {
    xquant::bench::Usage(stdout);
    benchmark::PrintDefaultHelp();
  });
  xquant::bench::Args args;
  if (!xquant::bench::ParseArgs(argc, argv, &args)) {
    xquant::bench::Usage(stderr);
    return 2;
  }
  return args.bench_runs > 0 ? xquant::bench::RunJson(args) : xquant::bench::RunGoogleBenchmark(args);
}
