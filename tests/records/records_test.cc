// The quantizer records (xquant/quantization.h) of one float CNN quantized to the same grid in
// several dialects (tests/fixtures/make_dialect_models.py): every record recovered with the bits,
// sign, scale and range the fixture script computed; the judges reading them the same way in every
// dialect; `xquant info` printing them; and, for the dialects the executor runs, equal per-layer
// metrics in RunReport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/quantizers.h"
#include "troubleshoot/judge.h"
#include "xquant/model.h"
#include "xquant/quantization.h"
#include "xquant/report.h"

namespace xquant {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

const std::string kDir = XQ_DIALECT_DIR;

const Json& Expected() {
  static const Json doc = [] {
    std::ifstream in(kDir + "/expected.json");
    return Json::parse(in);
  }();
  return doc;
}

std::shared_ptr<const Model> Load(const std::string& dialect) {
  LoadOptions options;
  options.require_supported_ops = false;  // the records need no kernels
  auto model = LoadModel(kDir + "/" + dialect + ".onnx", options);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  return model.ok() ? *model : nullptr;
}

// True when the executor has a kernel for every op of the model.
bool Runnable(const std::string& dialect) { return LoadModel(kDir + "/" + dialect + ".onnx").ok(); }

void ExpectNear(double expected, double actual, const std::string& what) {
  EXPECT_NEAR(actual, expected, 2e-6 * std::fabs(expected) + 1e-9) << what;
}

void ExpectRecord(const Json& e, const QuantizationInfo& q, const std::string& what) {
  EXPECT_EQ(q.dialect, e["dialect"].get<std::string>()) << what;
  EXPECT_EQ(q.bits, e["bits"].get<int>()) << what;
  EXPECT_EQ(q.is_signed, e["signed"].get<bool>()) << what;
  EXPECT_EQ(q.container_bits, e["container_bits"].get<int>()) << what;
  EXPECT_EQ(q.axis, e["axis"].get<int>()) << what;
  if (e.contains("narrow")) {
    EXPECT_EQ(q.narrow, e["narrow"].get<bool>()) << what;
  }
  ExpectNear(e["range"][0].get<double>(), q.range_min, what + " range min");
  ExpectNear(e["range"][1].get<double>(), q.range_max, what + " range max");
  if (e.contains("scale")) {
    ASSERT_EQ(q.scale.size(), e["scale"].size()) << what;
    for (size_t k = 0; k < q.scale.size(); ++k) ExpectNear(e["scale"][k].get<double>(), q.scale[k], what + " scale");
    ASSERT_EQ(q.zero_point.size(), e["zero_point"].size()) << what;
    for (size_t k = 0; k < q.zero_point.size(); ++k) EXPECT_EQ(q.zero_point[k], e["zero_point"][k].get<int64_t>()) << what;
  }
  if (e.contains("code_range")) {
    EXPECT_EQ(q.qmin, e["code_range"][0].get<int64_t>()) << what;
    EXPECT_EQ(q.qmax, e["code_range"][1].get<int64_t>()) << what;
  }
  if (e.contains("channel_range")) {
    ASSERT_EQ(q.channel_min.size(), e["channel_range"].size()) << what;
    for (size_t k = 0; k < q.channel_min.size(); ++k) {
      ExpectNear(e["channel_range"][k][0].get<double>(), q.channel_min[k], what + " channel min");
      ExpectNear(e["channel_range"][k][1].get<double>(), q.channel_max[k], what + " channel max");
    }
  } else {
    EXPECT_TRUE(q.channel_min.empty()) << what;
  }
  if (e.contains("bits_used")) {
    EXPECT_EQ(q.bits_used, e["bits_used"].get<int>()) << what;
  }
  if (e.contains("distinct_values")) {
    EXPECT_EQ(q.distinct_values, e["distinct_values"].get<int64_t>()) << what;
  }
}

class Dialect : public ::testing::TestWithParam<std::string> {};

TEST_P(Dialect, EveryRecordRecovered) {
  const std::string dialect = GetParam();
  auto model = Load(dialect);
  ASSERT_TRUE(model);
  const Graph& g = model->graph;
  const std::vector<QuantizerRecord> records = FindQuantizers(g);
  const Json& expected = Expected()["dialects"][dialect]["records"];
  EXPECT_EQ(records.size(), expected.size()) << "one record per quantized tensor, nothing else";
  for (const Json& e : expected) {
    if (e["kind"] == "activation") {
      const std::string tensor = e["tensor"];
      const QuantizerRecord* found = nullptr;
      for (const QuantizerRecord& r : records)
        if (r.kind == QuantizedKind::kActivation && g.values[r.pre].name == tensor) found = &r;
      ASSERT_TRUE(found) << dialect << ": no activation record on " << tensor;
      EXPECT_NE(found->post, kNoValue);
      ExpectRecord(e, found->info, dialect + " activation " + tensor);
    } else {
      const std::string layer = e["layer"];
      const NodeId id = g.FindNode(layer);
      ASSERT_NE(id, kNoNode) << layer;
      const analysis::LayerWeight w = analysis::WeightOfLayer(g, records, g.nodes[id]);
      ASSERT_TRUE(w.record) << dialect << ": no weight record for " << layer;
      EXPECT_EQ(w.record->kind, QuantizedKind::kWeight);
      ExpectRecord(e, w.record->info, dialect + " weight of " + layer);
    }
  }
}

// The mixed-precision judge reads the last layer's records: a 2-bit gemm in every dialect (the
// fakely-quantized export's grid included).
TEST_P(Dialect, MixedPrecisionJudgeFindsTheTwoBitLastLayer) {
  ReportResult report;
  report.quantized_model = Load(GetParam());
  ASSERT_TRUE(report.quantized_model);
  std::vector<bool> degraded;
  const std::string log_dir;
  troubleshoot::JudgeContext context{report, report.config, degraded, log_dir};
  std::vector<std::string> warnings;
  auto findings = troubleshoot::MakeMixedPrecisionJudge()->Run(context, &warnings);
  ASSERT_TRUE(findings.ok()) << findings.status().ToString();
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ((*findings)[0].layer, "gemm");
  EXPECT_EQ((*findings)[0].message, Expected()["judges"]["mixed_precision_message"].get<std::string>());
  // At threshold 1 nothing is found: the recovered width is 2, not less.
  report.config.threshold_bitwidth_mixed_precision_with_model_output_loss_objective = 1;
  troubleshoot::JudgeContext strict{report, report.config, degraded, log_dir};
  auto none = troubleshoot::MakeMixedPrecisionJudge()->Run(strict, &warnings);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// The shift-negative judge on the leaky3 point, its quantizer being this dialect's record and its
// float tensor a quarter negative: "unsigned" in every dialect.
TEST_P(Dialect, ShiftNegativeJudgeSeesTheUnsignedQuantizer) {
  auto model = Load(GetParam());
  ASSERT_TRUE(model);
  const std::vector<QuantizerRecord> records = FindQuantizers(model->graph);
  ReportResult report;
  report.float_model = Load("float");
  ASSERT_TRUE(report.float_model);
  ComparePoint p;
  p.name = "conv3";
  p.float_nodes = {"conv3", "leaky3"};
  p.float_tensor = "leaky3";
  for (const QuantizerRecord& r : records)
    if (r.kind == QuantizedKind::kActivation && model->graph.values[r.pre].name == "leaky3") p.quantization = r.info;
  ASSERT_GT(p.quantization.bits, 0);
  report.points.push_back(p);
  Histogram h;
  h.min = -1.0;
  h.max = 3.0;
  h.counts = {10, 10, 10, 10};
  h.num = 40;
  h.sum_squares = 90.0;
  report.histograms.push_back(h);
  std::vector<bool> degraded = {true};
  const std::string log_dir;
  troubleshoot::JudgeContext context{report, report.config, degraded, log_dir};
  std::vector<std::string> warnings;
  auto findings = troubleshoot::MakeShiftNegativeActivationJudge()->Run(context, &warnings);
  ASSERT_TRUE(findings.ok());
  ASSERT_EQ(findings->size(), 1u);
  const Finding& f = (*findings)[0];
  EXPECT_EQ(f.layer, "leaky3");
  EXPECT_THAT(f.note, HasSubstr("unsigned"));
  EXPECT_THAT(f.message, HasSubstr("0 of 256 levels below zero, 25% of values"));
}

INSTANTIATE_TEST_SUITE_P(AllDialects, Dialect,
                         ::testing::Values("qdq", "qdq_ms", "mct", "qonnx", "fq", "mct_fake"));

TEST(Records, MctMetadataIsKept) {
  auto model = Load("mct");
  ASSERT_TRUE(model);
  std::map<std::string, std::string> props(model->metadata_props.begin(), model->metadata_props.end());
  for (const auto& [key, value] : Expected()["metadata_props"].items()) EXPECT_EQ(props[key], value.get<std::string>()) << key;
}

TEST(Records, FloatModelHasNone) {
  auto model = Load("float");
  ASSERT_TRUE(model);
  EXPECT_TRUE(FindQuantizers(model->graph).empty());
}

int RunCli(const std::string& args, std::string* output) {
  const std::string out_file =
      (std::filesystem::temp_directory_path() / ("xquant_records_cli_" + std::to_string(::getpid()) + ".txt")).string();
  const int rc = std::system((std::string(XQ_CLI_PATH) + " " + args + " > " + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  output->assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(out_file);
  return WEXITSTATUS(rc);
}

TEST(Records, InfoPrintsOneLinePerRecordAndTheMetadata) {
  std::string out;
  ASSERT_EQ(RunCli("info " + kDir + "/mct.onnx", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("metadata   mctq_version = 1.5.0"));
  EXPECT_THAT(out, HasSubstr("metadata   tpc_name = imx500_tpc"));
  EXPECT_THAT(out, HasSubstr("quantized tensors (12;"));
  // The gemm's weight: MCT, 2-bit, signed, per channel along axis 0.
  bool gemm_line = false;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.find("gemm_w ") != std::string::npos)
      gemm_line = line.find("MCT") != std::string::npos && line.find("2-bit") != std::string::npos &&
                  line.find(" signed") != std::string::npos && line.find("axis 0") != std::string::npos;
  EXPECT_TRUE(gemm_line) << out;
  ASSERT_EQ(RunCli("info " + kDir + "/qdq.onnx", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("QCDQ"));
  EXPECT_THAT(out, HasSubstr("4-bit in int8"));
}

// The judges on a real report: the 2-bit gemm and the unsigned leaky3 quantizer on its measured
// negative values.
void ExpectJudgesFire(const ReportResult& report, const std::string& dialect) {
  std::vector<bool> degraded(report.points.size(), true);
  const std::string log_dir;
  troubleshoot::JudgeContext context{report, report.config, degraded, log_dir};
  std::vector<std::string> warnings;
  auto mixed = troubleshoot::MakeMixedPrecisionJudge()->Run(context, &warnings);
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed->size(), 1u) << dialect;
  EXPECT_EQ((*mixed)[0].message, Expected()["judges"]["mixed_precision_message"].get<std::string>()) << dialect;
  auto shift = troubleshoot::MakeShiftNegativeActivationJudge()->Run(context, &warnings);
  ASSERT_TRUE(shift.ok());
  ASSERT_EQ(shift->size(), 1u) << dialect;
  EXPECT_EQ((*shift)[0].layer, "leaky3") << dialect;
  EXPECT_THAT((*shift)[0].note, HasSubstr("unsigned")) << dialect;
  for (const auto& [name, value] : (*shift)[0].evidence) {
    if (name == "negative_share") {
      EXPECT_NEAR(value, Expected()["judges"]["leaky3_negative_share"].get<double>(), 0.02) << dialect;
    }
  }
}

// RunReport on every dialect the executor runs: the same per-layer metrics as the QDQ model (to
// float tolerance), the same recovered bit widths, the same judges' verdicts.
TEST(Records, EqualMetricsAcrossDialects) {
  ASSERT_TRUE(Runnable("qdq"));
  ReportOptions options;
  options.batch_size = 8;
  const std::string data = kDir + "/data.npy";
  auto reference = RunReport(kDir + "/float.onnx", kDir + "/qdq.onnx", data, data, options);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_EQ(reference->points.size(), 7u);
  ExpectJudgesFire(*reference, "qdq");
  int compared = 0;
  for (const Json& name : Expected()["equal_metric_dialects"]) {
    const std::string dialect = name;
    if (dialect == "qdq") continue;
    if (!Runnable(dialect)) {
      std::printf("[ note     ] %s: the executor has no kernels for its ops yet; metrics not compared\n",
                  dialect.c_str());
      continue;
    }
    ++compared;
    auto result = RunReport(kDir + "/float.onnx", kDir + "/" + dialect + ".onnx", data, data, options);
    ASSERT_TRUE(result.ok()) << dialect << ": " << result.status().ToString();
    ASSERT_EQ(result->points.size(), reference->points.size()) << dialect;
    ExpectJudgesFire(*result, dialect);
    for (size_t i = 0; i < result->points.size(); ++i) {
      const ComparePoint& a = reference->points[i];
      const ComparePoint& b = result->points[i];
      const std::string what = dialect + " " + b.name;
      EXPECT_EQ(a.name, b.name) << what;
      EXPECT_EQ(a.quantization.bits, b.quantization.bits) << what;
      EXPECT_EQ(a.weight_quantization.has_value(), b.weight_quantization.has_value()) << what;
      if (a.weight_quantization && b.weight_quantization) {
        EXPECT_EQ(a.weight_quantization->bits_used, b.weight_quantization->bits_used) << what;
      }
      for (const char* metric : {"mse", "cs", "sqnr"}) {
        const double x = FindMetric(reference->val.layers[i].accumulated, metric);
        const double y = FindMetric(result->val.layers[i].accumulated, metric);
        EXPECT_NEAR(y, x, 1e-4 * std::fabs(x) + 1e-9) << what << " " << metric;
      }
    }
  }
  std::printf("[ note     ] %d dialect(s) compared with QDQ\n", compared);
}

}  // namespace
}  // namespace xquant
