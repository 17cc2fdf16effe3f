// quant_report.json: the reference's four keys first and in order, values as in the fixture,
// non-finite values as Python's bare tokens, every error kind and the extra keys.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"

namespace xquant::testing {
namespace {

using Json = nlohmann::ordered_json;

Json WriteAndParse(const ReportResult& result, std::string* raw = nullptr) {
  const auto path = ScratchDir() / "quant_report.json";
  const Status status = report::WriteQuantReportJson(result, path.string());
  EXPECT_TRUE(status.ok()) << status.ToString();
  const std::string text = ReadFile(path);
  if (raw != nullptr) *raw = text;
  return Json::parse(QuoteNonFiniteTokens(text));
}

TEST(QuantReportJson, ReferenceKeysComeFirstInTheReferenceOrder) {
  const Json doc = WriteAndParse(MakeSyntheticReport());
  std::vector<std::string> keys;
  for (auto it = doc.begin(); it != doc.end(); ++it) keys.push_back(it.key());
  ASSERT_GE(keys.size(), 4u);
  EXPECT_EQ(keys[0], "output_similarity_metrics_repr");
  EXPECT_EQ(keys[1], "output_similarity_metrics_val");
  EXPECT_EQ(keys[2], "intermediate_similarity_metrics_repr");
  EXPECT_EQ(keys[3], "intermediate_similarity_metrics_val");
}

TEST(QuantReportJson, IntermediateValuesAreTheFixturesInGraphOrder) {
  const int n = 6;
  const Json doc = WriteAndParse(MakeSyntheticReport(n));
  for (const char* key :
       {"intermediate_similarity_metrics_repr", "intermediate_similarity_metrics_val"}) {
    const Json& layers = doc.at(key);
    ASSERT_EQ(layers.size(), static_cast<size_t>(n)) << key;
    int i = 0;
    for (auto it = layers.begin(); it != layers.end(); ++it, ++i) {
      EXPECT_EQ(it.key(), i == 0 ? "input" : "layer_" + std::to_string(i) + "/Conv");
      EXPECT_EQ(JsonNumber(it->at("mse")), FixtureMse(i)) << key << " " << i;
      EXPECT_EQ(JsonNumber(it->at("cs")), FixtureCs(i)) << key << " " << i;
      EXPECT_EQ(JsonNumber(it->at("sqnr")), FixtureSqnr(i)) << key << " " << i;
      EXPECT_EQ(JsonNumber(it->at("mae")), std::sqrt(FixtureMse(i))) << key << " " << i;
      std::vector<std::string> metric_keys;
      for (auto m = it->begin(); m != it->end(); ++m) metric_keys.push_back(m.key());
      EXPECT_EQ(metric_keys, (std::vector<std::string>{"mse", "cs", "sqnr", "sqnr_db", "mae"}));
    }
  }
  EXPECT_EQ(JsonNumber(doc["output_similarity_metrics_repr"]["mse"]), 0.01);
  EXPECT_EQ(JsonNumber(doc["output_similarity_metrics_val"]["cs"]), 0.99);
  EXPECT_EQ(JsonNumber(doc["output_similarity_metrics_val"]["sqnr"]), 120.0);
}

TEST(QuantReportJson, NonFiniteValuesArePythonTokens) {
  std::string raw;
  const Json doc = WriteAndParse(MakeSyntheticReport(5), &raw);
  // Layer 0 has sqnr = inf; the last layer's local cs on val is NaN.
  EXPECT_NE(raw.find("\"sqnr\": Infinity"), std::string::npos);
  EXPECT_NE(raw.find("\"cs\": NaN"), std::string::npos);
  EXPECT_EQ(CountOccurrences(raw, "null"), 5u);  // only "axis": null (per-tensor) of the 5 layers
  EXPECT_TRUE(std::isinf(JsonNumber(doc["intermediate_similarity_metrics_repr"]["input"]["sqnr"])));
  EXPECT_TRUE(
      std::isinf(JsonNumber(doc["intermediate_similarity_metrics_repr"]["input"]["sqnr_db"])));
  EXPECT_TRUE(std::isnan(
      JsonNumber(doc["intermediate_similarity_metrics_local_val"]["layer_4/Conv"]["cs"])));
  EXPECT_EQ(JsonNumber(doc["intermediate_similarity_metrics_local_repr"]["layer_4/Conv"]["cs"]),
            0.9999);
}

TEST(QuantReportJson, NegativeInfinityToken) {
  ReportResult r = MakeSyntheticReport(3);
  r.repr.output[2].second = -std::numeric_limits<double>::infinity();
  std::string raw;
  const Json doc = WriteAndParse(r, &raw);
  EXPECT_NE(raw.find("\"sqnr\": -Infinity"), std::string::npos);
  EXPECT_EQ(JsonNumber(doc["output_similarity_metrics_repr"]["sqnr"]),
            -std::numeric_limits<double>::infinity());
}

TEST(QuantReportJson, CompareAtPreQuantPutsPreQuantValuesUnderTheReferenceKeys) {
  ReportResult r = MakeSyntheticReport(4);
  r.compare_at = CompareAt::kPreQuant;
  const Json doc = WriteAndParse(r);
  // Fixture: pre_quant mse = accumulated mse * 0.5, sqnr * 2.
  EXPECT_EQ(JsonNumber(doc["intermediate_similarity_metrics_repr"]["layer_2/Conv"]["mse"]), 0.125);
  EXPECT_EQ(JsonNumber(doc["intermediate_similarity_metrics_val"]["layer_3/Conv"]["sqnr"]), 50.0);
  EXPECT_EQ(
      JsonNumber(doc["intermediate_similarity_metrics_accumulated_repr"]["layer_2/Conv"]["mse"]),
      0.25);
  EXPECT_EQ(doc["compare_at"], "pre-quant");
}

TEST(QuantReportJson, EveryErrorKindHasItsOwnKeys) {
  const Json doc = WriteAndParse(MakeSyntheticReport(4));
  // accumulated = fixture, pre_quant = mse/2, local = mse/10.
  EXPECT_EQ(
      JsonNumber(doc["intermediate_similarity_metrics_accumulated_val"]["layer_1/Conv"]["mse"]),
      0.002);
  EXPECT_EQ(JsonNumber(doc["intermediate_similarity_metrics_pre_quant_val"]["layer_1/Conv"]["mse"]),
            0.001);
  EXPECT_EQ(JsonNumber(doc["intermediate_similarity_metrics_local_val"]["layer_1/Conv"]["mse"]),
            0.002 * 0.1);
  EXPECT_EQ(JsonNumber(doc["output_similarity_metrics_per_output_repr"]["output"]["mse"]), 0.01);
}

TEST(QuantReportJson, ExtraKeysDescribeLayersDetectionsAndRun) {
  const Json doc = WriteAndParse(MakeSyntheticReport(5));
  const Json& layer = doc.at("layers").at(2);
  EXPECT_EQ(layer["index"], 2);
  EXPECT_EQ(layer["name"], "layer_2/Conv");
  EXPECT_EQ(layer["op_type"], "Conv");
  EXPECT_EQ(layer["weighted"], true);
  EXPECT_EQ(layer["quant_node"], "layer_2/Conv/QuantizeLinear");
  EXPECT_EQ(layer["pairing"]["method"], "structure");
  EXPECT_EQ(layer["pairing"]["confidence"], 0.99);
  EXPECT_EQ(layer["quantization"]["dtype"], "uint8");
  EXPECT_EQ(layer["quantization"]["bits"], 8);
  EXPECT_EQ(layer["quantization"]["axis"], nullptr);
  EXPECT_EQ(layer["quantization"]["scale"], 0.02);  // the float 0.02f, written as 0.02
  EXPECT_EQ(layer["quantization"]["zero_point"], 0);
  EXPECT_EQ(layer["degraded_by"]["repr"], Json::array({"mse"}));
  EXPECT_EQ(doc["degraded_layers"], Json::array({"layer_2/Conv"}));
  ASSERT_EQ(doc["detections"].size(), 6u);  // mse, cs, sqnr × repr, val
  EXPECT_EQ(doc["detections"][0]["metric"], "mse");
  EXPECT_EQ(doc["detections"][0]["degraded_layers"], Json::array({"layer_2/Conv"}));
  EXPECT_EQ(doc["detections"][2]["metric"], "cs");
  EXPECT_EQ(doc["detections"][2]["detect_under_threshold"], true);
  EXPECT_EQ(doc["compare"], "all");
  EXPECT_EQ(doc["compare_at"], "post-quant");
  EXPECT_EQ(doc["datasets"]["val"]["samples"], 8);
  EXPECT_EQ(doc["datasets"]["repr"]["description"], "random:8:0");
  EXPECT_EQ(doc["batch_size"], 4);
  EXPECT_EQ(doc["metrics"], Json::array({"mse", "cs", "sqnr", "sqnr_db", "mae"}));
  EXPECT_EQ(doc["warnings"].size(), 1u);
}

TEST(QuantReportJson, PerAxisQuantizationWritesArrays) {
  ReportResult r = MakeSyntheticReport(3);
  r.points[1].quantization.axis = 0;
  r.points[1].quantization.scale = {0.5f, 0.25f};
  r.points[1].quantization.zero_point = {0, 3};
  const Json doc = WriteAndParse(r);
  const Json& q = doc["layers"][1]["quantization"];
  EXPECT_EQ(q["axis"], 0);
  EXPECT_EQ(q["scale"], Json::array({0.5, 0.25}));
  EXPECT_EQ(q["zero_point"], Json::array({0, 3}));
}

TEST(QuantReportJson, RepeatedLayerNamesKeepEveryLayer) {
  ReportResult r = MakeSyntheticReport(3);
  r.points[2].name = r.points[1].name;
  const Json doc = WriteAndParse(r);
  EXPECT_EQ(doc["intermediate_similarity_metrics_repr"].size(), 3u);
  EXPECT_TRUE(doc["intermediate_similarity_metrics_repr"].contains("layer_1/Conv [2]"));
}

TEST(QuantReportJson, NamesWithQuotesAndControlCharactersStayValidJson) {
  ReportResult r = MakeSyntheticReport(3);
  r.points[1].name = "a\"b\\c\nd\x01\xff";
  const Json doc = WriteAndParse(r);
  EXPECT_EQ(doc["layers"][1]["name"], "a\"b\\c\nd\x01\xEF\xBF\xBD");  // invalid byte replaced
}

TEST(QuantReportJson, InconsistentResultIsAnErrorNotACrash) {
  ReportResult r = MakeSyntheticReport(3);
  r.val.layers.pop_back();
  const Status status = report::WriteQuantReportJson(r, (ScratchDir() / "q.json").string());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("'val'"), std::string::npos) << status.message();
}

TEST(QuantReportJson, UnwritablePathNamesTheFile) {
  const Status status =
      report::WriteQuantReportJson(MakeSyntheticReport(3), "/nonexistent_dir/q.json");
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent_dir/q.json"), std::string::npos);
}

}  // namespace
}  // namespace xquant::testing
