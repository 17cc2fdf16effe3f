// RunReport end to end on the pairing fixtures, checked against metrics recomputed here from the
// two models' tensors (captured with plain Session runs, one sample at a time), and the
// `xquant report` command on the bundled example (progress lines, and the bar on a terminal).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "common/python_json.h"
#include "xquant/npy.h"
#include "xquant/report.h"
#include "xquant/session.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const std::string kDir = XQ_ALIGN_DIR;
const std::string kUnpairedDir = XQ_UNPAIRED_DIR;  // tests/analysis/make_unpaired_models.py

std::string TempDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("xquant_report_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir.string();
}

// Every tensor of one run of `model` on `inputs`, by name (inputs included).
std::map<std::string, Tensor> Capture(const std::string& model_path, const std::map<std::string, Tensor>& inputs) {
  auto model = LoadModel(model_path);
  EXPECT_TRUE(model.ok());
  auto session = std::move(Session::Create(*model)).value();
  std::map<std::string, Tensor> seen = inputs;
  FunctionObserver keep([&](const TensorEvent& e) {
    seen[e.name] = e.tensor;
    return Status::Ok();
  });
  EXPECT_TRUE(session->Run(inputs, &keep).ok());
  return seen;
}

// Both models' tensors for sample `s` of the 6 in samples.npy, one sample at a time.
struct SampleTensors {
  std::map<std::string, Tensor> float_model, quantized_model;
};
SampleTensors CaptureSample(const Tensor& samples, int64_t s) {
  const int64_t per_sample = samples.size() / 6;
  Tensor x(DataType::kFloat32, {1, 3, 8, 8});
  std::copy(samples.data<float>() + s * per_sample, samples.data<float>() + (s + 1) * per_sample, x.data<float>());
  return {Capture(kDir + "/float.onnx", {{"x", x}}), Capture(kDir + "/folded.onnx", {{"x", x}})};
}

struct Expected {
  double mse = 0, cs = 0, sqnr = 0;
};
Expected Metrics(const Tensor& a, const Tensor& b) {
  double d2 = 0, dot = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.data<float>()[i], y = b.data<float>()[i];
    d2 += (x - y) * (x - y);
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return {d2 / a.size(), dot / (std::max(std::sqrt(aa), 1e-8) * std::max(std::sqrt(bb), 1e-8)), aa / d2};
}

void ExpectClose(double expected, double actual, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-6 * std::fabs(expected) + 1e-12) << what;
}

TEST(RunReport, MetricsEqualPerSampleRecomputationAveraged) {
  ReportOptions options;
  options.batch_size = 1;  // per-batch = per-sample, so the expected mean is easy to form here
  options.config.report_dir = TempDir("metrics");
  auto result = RunReport(kDir + "/float.onnx", kDir + "/folded.onnx", kDir + "/samples.npy", "random:3:5", options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ReportResult& r = *result;
  EXPECT_EQ(r.repr.samples, 6);
  EXPECT_EQ(r.repr.batches, 6);
  EXPECT_EQ(r.val.samples, 3);
  ASSERT_EQ(r.points.size(), 7u);
  ASSERT_EQ(r.histograms.size(), 7u);

  auto samples = ReadNpy(kDir + "/samples.npy");
  ASSERT_TRUE(samples.ok());
  std::vector<std::vector<Expected>> acc(r.points.size()), pre(r.points.size()), local(r.points.size());
  std::vector<Expected> out;
  int64_t histogram_count = 0;
  for (int64_t s = 0; s < 6; ++s) {
    auto [f, q] = CaptureSample(*samples, s);
    for (size_t i = 0; i < r.points.size(); ++i) {
      const ComparePoint& p = r.points[i];
      ASSERT_TRUE(f.count(p.float_tensor) && q.count(p.quant_tensor) && q.count(p.quant_pre_tensor)) << p.name;
      const Tensor& ft = f[p.float_tensor];
      const Tensor& post = q[p.quant_tensor];
      const Tensor& before = q[p.quant_pre_tensor];
      acc[i].push_back(Metrics(ft, post));
      pre[i].push_back(Metrics(ft, before));
      local[i].push_back(Metrics(before, post));
      if (i == 3) histogram_count += ft.size();
    }
    out.push_back(Metrics(f["out"], q["out"]));
  }
  auto mean = [](const std::vector<Expected>& v, double Expected::*field) {
    double s = 0;
    for (const auto& e : v) s += e.*field;
    return s / v.size();
  };
  for (size_t i = 0; i < r.points.size(); ++i) {
    const std::string at = "layer " + r.points[i].name;
    ExpectClose(mean(acc[i], &Expected::mse), FindMetric(r.repr.layers[i].accumulated, "mse"), at + " mse");
    ExpectClose(mean(acc[i], &Expected::cs), FindMetric(r.repr.layers[i].accumulated, "cs"), at + " cs");
    ExpectClose(mean(acc[i], &Expected::sqnr), FindMetric(r.repr.layers[i].accumulated, "sqnr"), at + " sqnr");
    ExpectClose(mean(pre[i], &Expected::mse), FindMetric(r.repr.layers[i].pre_quant, "mse"), at + " pre mse");
    ExpectClose(mean(local[i], &Expected::mse), FindMetric(r.repr.layers[i].local, "mse"), at + " local mse");
    // The reference's keys carry the post-quantization error by default.
    EXPECT_EQ(&r.Primary(r.repr, i), &r.repr.layers[i].accumulated);
  }
  ExpectClose(mean(out, &Expected::mse), FindMetric(r.repr.output, "mse"), "output mse");
  ExpectClose(mean(out, &Expected::sqnr), FindMetric(r.repr.output, "sqnr"), "output sqnr");
  EXPECT_EQ(r.histograms[3].num, histogram_count);
  // The first conv's point is after a fused Relu: its local error is clipping of negatives, so the
  // pre-quantization error (no Relu in the quantized model) exceeds the post-quantization one.
  EXPECT_GT(FindMetric(r.repr.layers[1].pre_quant, "mse"), FindMetric(r.repr.layers[1].accumulated, "mse"));
  // A log file was written.
  bool log_found = false;
  for (const auto& entry : fs::directory_iterator(options.config.report_dir))
    if (entry.path().filename().string().rfind("logs_", 0) == 0 && fs::exists(entry.path() / "xquant.log")) log_found = true;
  EXPECT_TRUE(log_found);
}

TEST(RunReport, BatchSizeOnlyChangesTheAveraging) {
  ReportOptions one, all;
  one.batch_size = 6;
  all.batch_size = 4;  // 4 + 2
  auto a = RunReport(kDir + "/float.onnx", kDir + "/same_names.onnx", kDir + "/samples.npy", kDir + "/samples.npy", one);
  auto b = RunReport(kDir + "/float.onnx", kDir + "/same_names.onnx", kDir + "/samples.npy", kDir + "/samples.npy", all);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->repr.batches, 1);
  EXPECT_EQ(b->repr.batches, 2);
  // The histograms see the same values whatever the batching.
  for (size_t i = 0; i < a->histograms.size(); ++i) {
    EXPECT_EQ(a->histograms[i].num, b->histograms[i].num);
    EXPECT_EQ(a->histograms[i].min, b->histograms[i].min);
    EXPECT_EQ(a->histograms[i].max, b->histograms[i].max);
  }
}

TEST(RunReport, CompareWeightedAndPreQuant) {
  ReportOptions options;
  options.compare = CompareSet::kWeighted;
  options.compare_at = CompareAt::kPreQuant;
  auto r = RunReport(kDir + "/float.onnx", kDir + "/folded.onnx", "random:4", "random:4:1", options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> names;
  for (const auto& p : r->points) {
    names.push_back(p.name);
    EXPECT_TRUE(p.weighted);
  }
  EXPECT_THAT(names, ::testing::ElementsAre("conv1", "conv2", "conv3"));
  EXPECT_EQ(&r->Primary(r->val, 0), &r->val.layers[0].pre_quant);
  // Detection ran on the pre-quantization values: 3 thresholds x 2 datasets.
  EXPECT_EQ(r->detections.size(), 6u);
}

// A rescaled point divides both models' tensors before measuring: by 4 (exact in float), its mse
// drops 16 times, its sqnr and cs stay, its histogram shrinks 4 times; the other points are untouched.
TEST(RunReport, CompareRescaleMeasuresInTheOriginalUnits) {
  ReportOptions plain;
  auto a = RunReport(kDir + "/float.onnx", kDir + "/same_names.onnx", kDir + "/samples.npy", "random:2", plain);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_GE(a->points.size(), 3u);
  const size_t k = 2;
  ReportOptions rescaled = plain;
  rescaled.compare_rescales = {{a->points[k].float_tensor, -1, 0, 0, 4.0}};
  auto b = RunReport(kDir + "/float.onnx", kDir + "/same_names.onnx", kDir + "/samples.npy", "random:2", rescaled);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->points.size(), b->points.size());
  for (size_t i = 0; i < a->points.size(); ++i) {
    const double divisor = i == k ? 16.0 : 1.0;
    const std::string at = "point " + a->points[i].name;
    ExpectClose(FindMetric(a->repr.layers[i].accumulated, "mse") / divisor,
                FindMetric(b->repr.layers[i].accumulated, "mse"), at + " mse");
    ExpectClose(FindMetric(a->repr.layers[i].local, "mse") / divisor, FindMetric(b->repr.layers[i].local, "mse"),
                at + " local mse");
    ExpectClose(FindMetric(a->repr.layers[i].accumulated, "sqnr"), FindMetric(b->repr.layers[i].accumulated, "sqnr"),
                at + " sqnr");
    ExpectClose(FindMetric(a->repr.layers[i].accumulated, "cs"), FindMetric(b->repr.layers[i].accumulated, "cs"),
                at + " cs");
    EXPECT_EQ(a->histograms[i].max / (i == k ? 4.0 : 1.0), b->histograms[i].max) << at;
  }

  rescaled.compare_rescales = {{"no_such_tensor", -1, 0, 0, 4.0}};
  auto missing = RunReport(kDir + "/float.onnx", kDir + "/same_names.onnx", "random:2", "random:2", rescaled);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("no tensor 'no_such_tensor' in the float model"));
}

TEST(RunReport, ClearErrors) {
  ReportOptions options;
  auto self = RunReport(kDir + "/float.onnx", kDir + "/float.onnx", "random:2", "random:2", options);
  ASSERT_FALSE(self.ok());
  EXPECT_THAT(self.status().message(), ::testing::HasSubstr("no quantization points"));
  options.batch_size = 0;
  auto zero = RunReport(kDir + "/float.onnx", kDir + "/folded.onnx", "random:2", "random:2", options);
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(), ::testing::HasSubstr("batch size"));
  options.batch_size = 2;
  auto missing = RunReport(kDir + "/float.onnx", kDir + "/nope.onnx", "random:2", "random:2", options);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("quantized model"));
  auto bad_data = RunReport(kDir + "/float.onnx", kDir + "/folded.onnx", kDir + "/no_such_dir", "random:2", options);
  ASSERT_FALSE(bad_data.ok());
  EXPECT_THAT(bad_data.status().message(), ::testing::HasSubstr("representative dataset"));
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A metric registered as a C++ callable through the API reaches the in-memory result and
// quant_report.json, with the value recomputed here from both models' tensors sample by sample.
TEST(RunReport, CustomMetricFunctionReachesResultAndJson) {
  auto sum_abs_diff = [](std::span<const float> x, std::span<const float> y) {
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += std::fabs(double(x[i]) - double(y[i]));
    return s;
  };
  ReportOptions options;
  options.batch_size = 1;  // one value per sample; the report's value is their mean
  options.config.report_dir = TempDir("custom_metric");
  options.config.custom_metric_functions["sum_abs_diff"] = sum_abs_diff;
  auto result = RunReport(kDir + "/float.onnx", kDir + "/folded.onnx", kDir + "/samples.npy", "random:2:3", options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ReportResult& r = *result;
  EXPECT_THAT(r.metric_names, ::testing::Contains("sum_abs_diff"));
  ASSERT_EQ(r.points.size(), 7u);

  auto samples = ReadNpy(kDir + "/samples.npy");
  ASSERT_TRUE(samples.ok());
  auto abs_diff = [](const Tensor& a, const Tensor& b) {
    double s = 0;
    for (int64_t i = 0; i < a.size(); ++i) s += std::fabs(double(a.data<float>()[i]) - b.data<float>()[i]);
    return s;
  };
  std::vector<double> accumulated(r.points.size(), 0.0), local(r.points.size(), 0.0);
  double output = 0.0;
  for (int64_t s = 0; s < 6; ++s) {
    auto [f, q] = CaptureSample(*samples, s);
    for (size_t i = 0; i < r.points.size(); ++i) {
      const ComparePoint& p = r.points[i];
      ASSERT_TRUE(f.count(p.float_tensor) && q.count(p.quant_tensor) && q.count(p.quant_pre_tensor)) << p.name;
      accumulated[i] += abs_diff(f[p.float_tensor], q[p.quant_tensor]) / 6;
      local[i] += abs_diff(q[p.quant_pre_tensor], q[p.quant_tensor]) / 6;
    }
    output += abs_diff(f["out"], q["out"]) / 6;
  }
  for (size_t i = 0; i < r.points.size(); ++i) {
    const std::string at = "layer " + r.points[i].name;
    ExpectClose(accumulated[i], FindMetric(r.repr.layers[i].accumulated, "sum_abs_diff"), at + " accumulated");
    ExpectClose(local[i], FindMetric(r.repr.layers[i].local, "sum_abs_diff"), at + " local");
    EXPECT_GT(accumulated[i], 0.0) << at;  // the quantized model differs everywhere here
  }
  ExpectClose(output, FindMetric(r.repr.output, "sum_abs_diff"), "output");
  EXPECT_TRUE(std::isfinite(FindMetric(r.val.output, "sum_abs_diff")));

  ASSERT_TRUE(WriteReport(r).ok());
  const nlohmann::json json = ParsePythonJson(ReadText(fs::path(options.config.report_dir) / "quant_report.json"));
  ASSERT_FALSE(json.is_discarded());
  EXPECT_NEAR(json["output_similarity_metrics_repr"]["sum_abs_diff"].get<double>(), output, 1e-6 * output);
  EXPECT_TRUE(json["output_similarity_metrics_val"].contains("sum_abs_diff"));
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& layer = json["intermediate_similarity_metrics_repr"][r.points[i].name];
    ASSERT_TRUE(layer.contains("sum_abs_diff")) << r.points[i].name;
    EXPECT_NEAR(layer["sum_abs_diff"].get<double>(), accumulated[i], 1e-6 * accumulated[i]) << r.points[i].name;
    EXPECT_TRUE(json["intermediate_similarity_metrics_val"][r.points[i].name].contains("sum_abs_diff"));
  }
  EXPECT_THAT(json["metrics"], ::testing::Contains("sum_abs_diff"));
}

// A quantized model with a point the float model has no tensor for (a Sigmoid it lacks): the
// report still runs, lists that point under `unpaired` in alignment.json with its reason, and
// warns through the log callback, the run's xquant.log, the result's warnings and the HTML.
TEST(RunReport, UnpairedPointsAreListedAndWarned) {
  const nlohmann::json expected = nlohmann::json::parse(ReadText(kUnpairedDir + "/expected.json"));
  std::vector<std::string> messages;
  ReportOptions options;
  options.batch_size = 2;
  options.config.report_dir = TempDir("unpaired");
  options.log = [&](const std::string& message) { messages.push_back(message); };
  auto result = RunReport(kUnpairedDir + "/float.onnx", kUnpairedDir + "/quantized.onnx", "random:4", "random:2:1",
                          options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ReportResult& r = *result;
  std::map<std::string, std::string> paired;
  for (const ComparePoint& p : r.points) paired[p.quant_pre_tensor] = p.float_tensor;
  const auto expected_pairs = expected["paired"].get<std::map<std::string, std::string>>();
  EXPECT_EQ(paired, expected_pairs);
  ASSERT_EQ(r.unpaired_points.size(), expected["unpaired"].size());
  EXPECT_EQ(r.unpaired_points[0].first, expected["unpaired"][0].get<std::string>());
  EXPECT_THAT(r.unpaired_points[0].second, ::testing::HasSubstr("no float tensor matches it"));

  const std::string warning = "1 quantization point(s) could not be paired with a float tensor: 'gate_out'";
  EXPECT_THAT(messages, ::testing::Contains(::testing::AllOf(::testing::StartsWith("WARNING: "),
                                                             ::testing::HasSubstr(warning))));
  EXPECT_THAT(r.warnings, ::testing::Contains(::testing::HasSubstr(warning)));

  ASSERT_TRUE(WriteReport(r).ok());
  const fs::path out(options.config.report_dir);
  const nlohmann::json alignment = nlohmann::json::parse(ReadText(out / "alignment.json"));
  ASSERT_EQ(alignment["unpaired"].size(), 1u);
  EXPECT_EQ(alignment["unpaired"][0]["quantized_tensor"], "gate_out");
  EXPECT_THAT(alignment["unpaired"][0]["reason"].get<std::string>(), ::testing::HasSubstr("mapping file"));
  EXPECT_EQ(alignment["pairs"].size(), 2u);
  std::string log;
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.path().filename().string().starts_with("logs_")) log += ReadText(entry.path() / "xquant.log");
  EXPECT_THAT(log, ::testing::HasSubstr(warning));
  EXPECT_THAT(ReadText(out / "index.html"), ::testing::HasSubstr("1 quantization point has no float partner"));
  const nlohmann::json json = ParsePythonJson(ReadText(out / "quant_report.json"));
  EXPECT_THAT(json["warnings"].dump(), ::testing::HasSubstr("gate_out"));
}

int RunCli(const std::string& args, std::string* output) {
  const std::string out_file = TempDir("cli_out") + ".txt";
  const int rc = std::system((std::string(XQ_CLI_PATH) + " " + args + " > " + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  output->assign(std::istreambuf_iterator<char>(in), {});
  return WEXITSTATUS(rc);
}

TEST(ReportCommand, BundledExampleWritesTheWholeReport) {
  const std::string out = TempDir("cli");
  const std::string examples = std::string(XQ_SOURCE_DIR) + "/examples";
  std::string output;
  const int rc = RunCli("report --float " + examples + "/tiny_cnn_float.onnx --quantized " + examples +
                            "/tiny_cnn_qdq.onnx --repr random:16:1 --val random:8:2 --batch-size 4 --report-dir " + out,
                        &output);
  ASSERT_EQ(rc, 0) << output;
  EXPECT_THAT(output, ::testing::HasSubstr("compare points"));
  for (const char* file : {"quant_report.json", "layers.csv", "alignment.json", "index.html",
                           "quant_loss_mse_repr.png", "quant_loss_mse_repr.svg", "quant_loss_sqnr_val.png"})
    EXPECT_TRUE(fs::exists(fs::path(out) / file)) << file;
  EXPECT_TRUE(fs::is_directory(fs::path(out) / "tensorboard"));
  // Plain progress lines when stderr is not a terminal.
  EXPECT_THAT(output, ::testing::HasSubstr("repr: 4/4 batches"));
  // alignment.json: every pair with method and confidence.
  std::ifstream in(fs::path(out) / "alignment.json");
  nlohmann::json alignment = nlohmann::json::parse(in);
  ASSERT_GT(alignment["pairs"].size(), 0u);
  for (const auto& pair : alignment["pairs"]) {
    EXPECT_TRUE(pair.contains("method"));
    EXPECT_GE(pair["confidence"].get<double>(), 0.9);
  }
}

// The CLI says the warning about unpaired points on stderr.
TEST(ReportCommand, UnpairedPointsWarnOnStderr) {
  std::string output;
  const int rc = RunCli("report --float " + kUnpairedDir + "/float.onnx --quantized " + kUnpairedDir +
                            "/quantized.onnx --repr random:2 --report-dir " + TempDir("cli_unpaired"),
                        &output);
  ASSERT_EQ(rc, 0) << output;
  EXPECT_THAT(output, ::testing::HasSubstr("warning: 1 quantization point(s) could not be paired with a float "
                                           "tensor: 'gate_out'"));
}

// On a terminal the progress is one bar per stage redrawn in place with carriage returns. util-linux
// `script` runs the command on a pseudo-terminal and copies what it wrote.
TEST(ReportCommand, ProgressBarOnATerminal) {
  if (std::system("command -v script > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "util-linux `script` is not installed: no pseudo-terminal to run the command on";
  // A container without /dev/pts has `script` but cannot give it a terminal.
  if (std::system("script -qec 'test -t 2' /dev/null < /dev/null > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "`script` cannot open a pseudo-terminal here (no /dev/pts?)";
  const std::string examples = std::string(XQ_SOURCE_DIR) + "/examples";
  const std::string command = std::string(XQ_CLI_PATH) + " report --float " + examples +
                              "/tiny_cnn_float.onnx --quantized " + examples +
                              "/tiny_cnn_qdq.onnx --repr random:16:1 --val random:8:2 --batch-size 4 --report-dir " +
                              TempDir("cli_tty");
  const std::string out_file = TempDir("cli_tty_out") + ".txt";
  const int script_rc =
      std::system(("script -qec '" + command + "' /dev/null < /dev/null > " + out_file + " 2>&1").c_str());
  const std::string output = ReadText(out_file);
  ASSERT_EQ(WEXITSTATUS(script_rc), 0) << output;
  // 30 cells: after 1 of 4 batches 7 are filled (30 * 1 / 4), after 4 of 4 all 30.
  EXPECT_THAT(output, ::testing::HasSubstr("\rrepr  [#######.......................] 1/4 batches"));
  EXPECT_THAT(output, ::testing::HasSubstr("\rrepr  [##############################] 4/4 batches"));
  EXPECT_THAT(output, ::testing::HasSubstr("\rval   [##############################] 2/2 batches"));
  EXPECT_THAT(output, ::testing::Not(::testing::HasSubstr("repr: 4/4 batches")));  // not the plain lines
  EXPECT_THAT(output, ::testing::HasSubstr("compare points"));
}

TEST(ReportCommand, UsageAndInputErrorsExitNonZero) {
  std::string output;
  EXPECT_EQ(RunCli("report --float /nonexistent.onnx --quantized /nonexistent.onnx --repr random:1", &output), 2);
  const std::string examples = std::string(XQ_SOURCE_DIR) + "/examples";
  EXPECT_EQ(RunCli("report --float " + examples + "/tiny_cnn_float.onnx --quantized " + examples +
                       "/tiny_cnn_qdq.onnx --repr random:1",
                   &output),
            2);
  EXPECT_THAT(output, ::testing::HasSubstr("--report-dir"));
  EXPECT_EQ(RunCli("report --float " + examples + "/tiny_cnn_float.onnx --quantized " + examples +
                       "/tiny_cnn_float.onnx --repr random:1 --report-dir " + TempDir("cli_err"),
                   &output),
            1);
  EXPECT_THAT(output, ::testing::HasSubstr("no quantization points"));
}

}  // namespace
}  // namespace xquant
