// Writes event files for read_events.py to check, and what that reader should find in them.
//
//   write_tensorboard_fixture OUT
// writes OUT/tensorboard (WriteTensorBoard of the synthetic report, three of whose compare points
// are moved onto real tensors of examples/tiny_cnn_qdq.onnx so that the graph carries metrics),
// OUT/api (every kind of record through EventWriter directly) and OUT/expectations.json, built
// from the inputs given to the writers (never from what they wrote).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "report/tensorboard/event_writer.h"
#include "report/writers.h"
#include "report_fixture.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keeps metrics in report order
using xquant::Status;
namespace tb = xquant::tensorboard;

// JSON has no inf/NaN: those travel as strings the reader turns back into floats.
json Num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

json Metrics(const xquant::MetricValues& values) {
  json out = json::object();
  for (const auto& [name, v] : values) out[name] = Num(v);
  return out;
}

json ReportExpectations(const xquant::ReportResult& r) {
  json e;
  e["model"] = r.quantized_model_path;
  for (const xquant::DatasetMetrics* d : {&r.repr, &r.val}) {
    json scalars = json::array();
    for (size_t i = 0; i < r.points.size(); ++i) {
      for (const auto& [metric, v] : r.Primary(*d, i)) {
        scalars.push_back(
            {{"tag", "intermediate_similarity_metrics/" + metric}, {"step", i}, {"value", Num(v)}});
      }
    }
    e["datasets"][d->name] = {
        {"scalars", scalars}, {"output", Metrics(d->output)}, {"description", d->description}};
  }
  json histograms = json::array();
  for (size_t i = 0; i < r.points.size(); ++i) {
    const xquant::Histogram& h = r.histograms[i];
    std::string layer = r.points[i].name;
    histograms.push_back({{"tag", "histograms/" + layer.substr(layer.find_first_not_of('/'))},
                          {"step", i},
                          {"min", h.min},
                          {"max", h.max},
                          {"num", h.num},
                          {"sum", h.sum},
                          {"sum_squares", h.sum_squares},
                          {"counts", h.counts}});
  }
  e["histograms"] = histograms;
  json points = json::array();
  for (size_t i = 0; i < r.points.size(); ++i) {
    std::string degraded;
    for (const xquant::Detection& det : r.detections) {
      if (det.degraded[i])
        degraded += (degraded.empty() ? "" : ", ") + det.metric + "/" + det.dataset;
    }
    points.push_back({{"name", r.points[i].name},
                      {"quant_pre_tensor", r.points[i].quant_pre_tensor},
                      {"repr", Metrics(r.Primary(r.repr, i))},
                      {"val", Metrics(r.Primary(r.val, i))},
                      {"degraded", degraded}});
  }
  e["points"] = points;
  return e;
}

// Every record kind and attribute kind through the EventWriter API; returns what was written.
Status WriteApiRun(const fs::path& dir, json* expected) {
  XQ_ASSIGN_OR_RETURN(tb::EventWriter w, tb::EventWriter::Open(dir.string(), ".api"));
  const double inf = std::numeric_limits<double>::infinity();
  struct Scalar {
    std::string tag;
    int64_t step;
    double value;
  };
  const Scalar scalars[] = {{"api/zero", 0, 0.0},
                            {"api/negative", 3, -1.5},
                            {"api/nan", 4, std::numeric_limits<double>::quiet_NaN()},
                            {"api/inf", 5, inf},
                            {"api/minus_inf", 6, -inf},
                            {"api/big_step", int64_t{1} << 40, 2.5},
                            {"api/rounded", 7, 0.1}};
  for (const Scalar& s : scalars) {
    XQ_RETURN_IF_ERROR(
        w.AddScalar(s.tag, s.step, s.value, s.tag == "api/zero" ? "first *scalar*" : ""));
    (*expected)["scalars"].push_back({{"tag", s.tag}, {"step", s.step}, {"value", Num(s.value)}});
  }
  (*expected)["scalar_description"] = {{"tag", "api/zero"}, {"text", "first *scalar*"}};

  tb::HistogramValues h{-1.0, 2.0, 6.0, 3.0, 9.0, {0.0, 1.0, 2.0}, {1.0, 2.0, 3.0}};
  XQ_RETURN_IF_ERROR(w.AddHistogram("api/histogram", 1, h));
  (*expected)["histogram"] = {{"tag", "api/histogram"},
                              {"step", 1},
                              {"min", h.min},
                              {"max", h.max},
                              {"num", h.num},
                              {"sum", h.sum},
                              {"sum_squares", h.sum_squares},
                              {"bucket_limit", h.bucket_limit},
                              {"bucket", h.bucket}};

  const std::string text = "h\xC3\xA9llo `code` | x\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
  XQ_RETURN_IF_ERROR(w.AddText("api/text", 2, text));
  (*expected)["text"] = {{"tag", "api/text"}, {"step", 2}, {"text", text}};

  tb::GraphDef g;
  tb::NodeDef in{"in", "Placeholder", {}, "", {}};
  in.attrs["_output_shapes"] = std::vector<tb::TensorShape>{{{-1, 3}, false}, {{}, true}};
  tb::NodeDef op{"scope/op", "Custom", {"in", "in:1"}, "/device:CPU:0", {}};
  op.attrs["s"] = std::string("text");
  op.attrs["i"] = int64_t{-7};
  op.attrs["f"] = 0.25f;
  op.attrs["b"] = true;
  op.attrs["ls"] = std::vector<std::string>{"a", "b"};
  op.attrs["li"] = std::vector<int64_t>{1, -2, 3};
  op.attrs["lf"] = std::vector<float>{0.5f, -1.5f};
  g.nodes = {in, op};
  XQ_RETURN_IF_ERROR(w.AddGraph(g));
  (*expected)["graph"] = {
      {"nodes",
       {{{"name", "in"}, {"op", "Placeholder"}, {"inputs", json::array()}, {"device", ""}},
        {{"name", "scope/op"},
         {"op", "Custom"},
         {"inputs", {"in", "in:1"}},
         {"device", "/device:CPU:0"}}}},
      {"attrs",
       {{"s", "text"},
        {"i", -7},
        {"f", 0.25},
        {"b", true},
        {"ls", {"a", "b"}},
        {"li", {1, -2, 3}},
        {"lf", {0.5, -1.5}}}},
      {"shapes",
       {{{"dims", {-1, 3}}, {"unknown_rank", false}},
        {{"dims", json::array()}, {"unknown_rank", true}}}}};
  return w.Close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_tensorboard_fixture OUT_DIR\n";
    return 2;
  }
  fs::path out(argv[1]);
  fs::remove_all(out);
  fs::create_directories(out);

  xquant::ReportResult r = xquant::testing::MakeSyntheticReport();
  if (r.quantized_model == nullptr) {
    std::cerr << "the example model " << r.quantized_model_path << " did not load\n";
    return 1;
  }
  // Real tensors of tiny_cnn_qdq.onnx: a graph input, a Relu output and a Conv output. Points 3
  // and 4 keep names the model does not have (no node gets their metrics).
  r.points[0].quant_pre_tensor = "input";
  r.points[1].quant_pre_tensor = "/0/Relu_output_0";
  r.points[2].quant_pre_tensor = "/0_1/Conv_output_0";

  Status s = xquant::report::WriteTensorBoard(r, (out / "tensorboard").string());
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  json expected;
  expected["tensorboard"] = ReportExpectations(r);
  s = WriteApiRun(out / "api", &expected["api"]);
  if (!s.ok()) {
    std::cerr << s.ToString() << "\n";
    return 1;
  }
  std::ofstream(out / "expectations.json") << expected.dump(1) << "\n";
  return 0;
}
