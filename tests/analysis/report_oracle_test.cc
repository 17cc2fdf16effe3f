// The report of real PyTorch FX post-training-quantized torchvision models (names differ from the
// float export) against onnxruntime: every quantization point must be paired with high
// confidence, and each point's metrics must equal the same metrics computed here from the
// tensors onnxruntime produced for the same input (tests/oracle/prepare_oracle.sh dumps them).
// The report's files are then written and read back: JSON values, every layer in the HTML, PNGs
// decoded by cairo, TensorBoard runs parsed by tests/tensorboard/read_events.py.
//
// Our executor and onnxruntime sum convolutions in different orders, so once a value lands on
// the other side of a rounding tie in some QuantizeLinear, the two runs' tensors differ slightly
// from there on, and so do the metrics. The check is therefore exact where it can be and bounded
// where it cannot: with a = f1 - q1 (ours) and b = f2 - q2 (onnxruntime's),
// | |a|^2 - |b|^2 | <= |a - b| (|a| + |b|) and |a - b| <= |f1 - f2| + |q1 - q2|, so
//   |mse_ours - mse_ort| <= (|f1 - f2| + |q1 - q2|) (|a| + |b|) / n  (+ 1e-5 relative for rounding).
// Where our tensors equal onnxruntime's, the bound is 1e-5 relative.
#include <cairo.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/python_json.h"
#include "xquant/npy.h"
#include "xquant/report.h"
#include "xquant/session.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const fs::path kOracleDir = XQ_ORACLE_DIR;

struct Dump {
  std::map<std::string, std::string> files;
  StatusOr<Tensor> Get(const std::string& name) const {
    auto it = files.find(name);
    if (it == files.end()) return NotFoundError("no dump of '" + name + "'");
    return ReadNpy(it->second);
  }
};

Dump LoadDump(const std::string& name) {
  Dump d;
  const fs::path dir = kOracleDir / "dumps" / name;
  std::ifstream in(dir / "manifest.json");
  nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
  if (manifest.is_object())
    for (const auto& [tensor, file] : manifest.items()) d.files[tensor] = (dir / file.get<std::string>()).string();
  return d;
}

struct Metrics {
  double mse, cs, sqnr;
};
Metrics Compute(const Tensor& a, const Tensor& b) {
  double d2 = 0, dot = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.GetAsDouble(i), y = b.GetAsDouble(i);
    d2 += (x - y) * (x - y);
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return {d2 / a.size(), dot / (std::max(std::sqrt(aa), 1e-8) * std::max(std::sqrt(bb), 1e-8)), aa / d2};
}

double Norm(const Tensor& a, const Tensor& b) {  // |a - b|
  double s = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double d = a.GetAsDouble(i) - b.GetAsDouble(i);
    s += d * d;
  }
  return std::sqrt(s);
}

// Every tensor of our own run, by name.
std::map<std::string, Tensor> Capture(const std::string& model_path, const Tensor& input) {
  auto model = LoadModel(model_path);
  EXPECT_TRUE(model.ok());
  auto session = std::move(Session::Create(*model)).value();
  std::map<std::string, Tensor> seen = {{"input", input}};
  FunctionObserver keep([&](const TensorEvent& e) {
    seen[e.name] = e.tensor;
    return Status::Ok();
  });
  EXPECT_TRUE(session->Run({{"input", input}}, &keep).ok());
  return seen;
}

class ReportOracle : public ::testing::TestWithParam<std::string> {};

TEST_P(ReportOracle, PairsAndMetricsAgreeWithOnnxruntime) {
  const std::string model = GetParam();
  const fs::path models = kOracleDir / "models";
  const std::string input = (models / (model + "_qdq_input_b1.npy")).string();
  ReportOptions options;
  options.batch_size = 1;
  auto result = RunReport((models / (model + "_float.onnx")).string(), (models / (model + "_qdq.onnx")).string(),
                          input, input, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const ReportResult& r = *result;
  EXPECT_TRUE(r.unpaired_points.empty());
  ASSERT_GT(r.points.size(), 20u);

  const Dump float_dump = LoadDump(model + "_float");
  const Dump quant_dump = LoadDump(model + "_qdq");
  ASSERT_FALSE(float_dump.files.empty());
  auto input_tensor = ReadNpy(input);
  ASSERT_TRUE(input_tensor.ok());
  auto get = [&](const Dump& d, const std::string& name) -> Tensor {
    if (name == "input") return *input_tensor;
    auto t = d.Get(name);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Tensor();
  };
  const auto ours_float = Capture((models / (model + "_float.onnx")).string(), *input_tensor);
  const auto ours_quant = Capture((models / (model + "_qdq.onnx")).string(), *input_tensor);
  // Checks our mse of (x1, y1) against onnxruntime's (x2, y2) within the bound above.
  int exact_points = 0, checks = 0;
  double worst_relative = 0.0;  // largest |ours - ort| / ort over the mse checks, for the log
  auto check_mse = [&](double ours, const Tensor& x1, const Tensor& y1, const Tensor& x2, const Tensor& y2,
                       const std::string& what) {
    const double n = static_cast<double>(x1.size());
    const double ort = Compute(x2, y2).mse;
    const double delta = Norm(x1, x2) + Norm(y1, y2);
    const double bound = delta * (std::sqrt(ours * n) + std::sqrt(ort * n)) / n + 1e-5 * ort + 1e-12;
    EXPECT_LE(std::fabs(ours - ort), bound) << what << ": ours " << ours << ", onnxruntime " << ort;
    if (ort > 0) worst_relative = std::max(worst_relative, std::fabs(ours - ort) / ort);
    ++checks;
    return delta == 0.0;
  };
  // sqnr = F / A with F = |x|^2, A = |x - y|^2: F and A each move by at most their own bound, so
  // sqnr_ours / sqnr_ort lies within (1 +- eF) / (1 -+ eA).
  auto check_sqnr = [&](double ours, const Tensor& x1, const Tensor& y1, const Tensor& x2, const Tensor& y2,
                        const std::string& what) {
    const double n = static_cast<double>(x1.size());
    const Metrics ort = Compute(x2, y2);
    const double f2 = ort.sqnr * ort.mse * n, a2 = ort.mse * n;
    const double dx = Norm(x1, x2), delta = dx + Norm(y1, y2);
    const double e_f = dx * (2 * std::sqrt(f2) + dx) / f2 + 1e-5;
    const double e_a = delta * (2 * std::sqrt(a2) + delta) / a2 + 1e-5;
    if (e_a >= 0.5) return;  // the runs differ too much here for a useful bound
    EXPECT_LE(ours / ort.sqnr, (1 + e_f) / (1 - e_a)) << what;
    EXPECT_GE(ours / ort.sqnr, (1 - e_f) / (1 + e_a)) << what;
    ++checks;
  };
  // The reference's keys of quant_report.json carry the accumulated error: the largest relative
  // difference of its mse and sqnr from onnxruntime's, and of cs (absolute), over every point.
  double keys_worst_relative = 0.0, keys_worst_cs = 0.0;
  for (size_t i = 0; i < r.points.size(); ++i) {
    const ComparePoint& p = r.points[i];
    EXPECT_GE(p.confidence, 0.9) << p.name;
    Tensor f = get(float_dump, p.float_tensor);
    Tensor post = get(quant_dump, p.quant_tensor);
    Tensor pre = get(quant_dump, p.quant_pre_tensor);
    ASSERT_TRUE(f.defined() && post.defined() && pre.defined()) << p.name;
    ASSERT_EQ(f.size(), post.size()) << p.name;
    const Tensor& f1 = ours_float.at(p.float_tensor);
    const Tensor& post1 = ours_quant.at(p.quant_tensor);
    const Tensor& pre1 = ours_quant.at(p.quant_pre_tensor);
    const LayerMetrics& m = r.repr.layers[i];
    bool exact = check_mse(FindMetric(m.accumulated, "mse"), f1, post1, f, post, p.name + " accumulated mse");
    exact &= check_mse(FindMetric(m.pre_quant, "mse"), f1, pre1, f, pre, p.name + " pre-quant mse");
    exact &= check_mse(FindMetric(m.local, "mse"), pre1, post1, pre, post, p.name + " local mse");
    check_sqnr(FindMetric(m.accumulated, "sqnr"), f1, post1, f, post, p.name + " accumulated sqnr");
    const Metrics ort = Compute(f, post);  // the reference's keys, from onnxruntime's tensors
    const double mse = FindMetric(m.accumulated, "mse"), sqnr = FindMetric(m.accumulated, "sqnr");
    if (ort.mse > 0) keys_worst_relative = std::max(keys_worst_relative, std::fabs(mse - ort.mse) / ort.mse);
    if (std::isfinite(ort.sqnr))
      keys_worst_relative = std::max(keys_worst_relative, std::fabs(sqnr - ort.sqnr) / ort.sqnr);
    keys_worst_cs = std::max(keys_worst_cs, std::fabs(FindMetric(m.accumulated, "cs") - ort.cs));
    if (exact) {
      // Same tensors as onnxruntime: every metric to 1e-5 relative.
      EXPECT_NEAR(FindMetric(m.accumulated, "sqnr"), ort.sqnr, 1e-5 * ort.sqnr) << p.name;
      EXPECT_NEAR(FindMetric(m.accumulated, "cs"), ort.cs, 1e-6) << p.name;
      ++exact_points;
    }
  }
  std::printf("%s: %zu points paired; %d with tensors identical to onnxruntime's (metrics to 1e-5), %d mse "
              "and sqnr checks within the discrepancy bound; largest relative mse difference %.3g; the "
              "reference's keys (accumulated mse, sqnr, cs): largest relative difference %.3g, cs %.3g\n",
              model.c_str(), r.points.size(), exact_points, checks, worst_relative, keys_worst_relative, keys_worst_cs);
  EXPECT_GE(exact_points, 1);
  // mobilenet_v2 (the report issue's example): the reference's keys agree with onnxruntime's
  // tensors within 1e-4 relative, as the issue asks (measured 7.9e-5: its few tie flips barely
  // move the accumulated error). On resnet18 a tie flipped early spreads through the residual
  // adds, up to 15% on the last layers' tiny errors (within the bound above, not within 1e-4).
  if (model == "mobilenet_v2") {
    EXPECT_LE(keys_worst_relative, 1e-4);
    EXPECT_LE(keys_worst_cs, 1e-4);
  }
  // The files: quant_report.json carries the same values, index.html every layer, the charts are PNGs.
  ReportResult written = r;
  written.config.report_dir = (fs::temp_directory_path() / ("xquant_report_oracle_" + model)).string();
  fs::remove_all(written.config.report_dir);
  Status status = WriteReport(written);
  ASSERT_TRUE(status.ok()) << status.ToString();
  std::ifstream json_in(fs::path(written.config.report_dir) / "quant_report.json");
  std::string text((std::istreambuf_iterator<char>(json_in)), {});
  nlohmann::json report = ParsePythonJson(text);
  const auto& layers = report["intermediate_similarity_metrics_repr"];
  ASSERT_EQ(layers.size(), r.points.size());
  std::ifstream html_in(fs::path(written.config.report_dir) / "index.html");
  std::string html((std::istreambuf_iterator<char>(html_in)), {});
  // The table breaks long names after separators with <wbr>; read the text without them.
  for (size_t at = html.find("<wbr>"); at != std::string::npos; at = html.find("<wbr>", at)) html.erase(at, 5);
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& entry = layers.at(r.points[i].name);
    EXPECT_NEAR(entry["mse"].get<double>(), FindMetric(r.repr.layers[i].accumulated, "mse"),
                1e-12 * FindMetric(r.repr.layers[i].accumulated, "mse"));
    EXPECT_NE(html.find(r.points[i].name), std::string::npos) << r.points[i].name;
  }
  // Every chart (3 metrics with a threshold x 2 datasets) decodes as a PNG, through cairo's reader
  // (libpng), at least as wide as the 14 px per layer docs/report.md promises.
  int charts = 0;
  for (const auto& entry : fs::directory_iterator(written.config.report_dir)) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("quant_loss_") || entry.path().extension() != ".png") continue;
    ++charts;
    cairo_surface_t* png = cairo_image_surface_create_from_png(entry.path().c_str());
    EXPECT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS)
        << file << ": " << cairo_status_to_string(cairo_surface_status(png));
    EXPECT_GE(cairo_image_surface_get_width(png), static_cast<int>(14 * r.points.size())) << file;
    EXPECT_GT(cairo_image_surface_get_height(png), 0) << file;
    cairo_surface_destroy(png);
  }
  EXPECT_EQ(charts, 6);
  // The TensorBoard runs parse with the independent reader the TensorBoard tests use (every CRC,
  // every protobuf field), and hold the same numbers as this report's quant_report.json.
  const fs::path reader_log = fs::path(written.config.report_dir) / "read_events.out";
  const std::string command = "/usr/bin/python3 " XQ_SOURCE_DIR "/tests/tensorboard/read_events.py --report '" +
                              written.config.report_dir + "' '" + (models / (model + "_qdq.onnx")).string() +
                              "' > '" + reader_log.string() + "' 2>&1";
  const int reader_rc = std::system(command.c_str());
  std::ifstream reader_in(reader_log);
  const std::string reader_output((std::istreambuf_iterator<char>(reader_in)), {});
  EXPECT_TRUE(WIFEXITED(reader_rc) && WEXITSTATUS(reader_rc) == 0) << reader_output;
  EXPECT_NE(reader_output.find("every check passed"), std::string::npos) << reader_output;
  // The model output.
  check_mse(FindMetric(r.repr.output, "mse"), ours_float.at("output"), ours_quant.at("output"),
            get(float_dump, "output"), get(quant_dump, "output"), "model output mse");
}

INSTANTIATE_TEST_SUITE_P(Models, ReportOracle, ::testing::Values("resnet18", "mobilenet_v2"));

}  // namespace
}  // namespace xquant
