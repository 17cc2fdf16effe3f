// Task accuracy: TopOneAccuracy on hand-made scores, and RunReport/WriteReport on a float/quantized
// pair whose accuracies are known by hand (tests/fixtures/make_accuracy_models.py: float 4/5,
// quantized 2/5, both recomputed there with numpy into expected.json).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "analysis/accuracy.h"
#include "xquant/report.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const std::string kDir = XQ_ACCURACY_DIR;

// quant_report.json writes non-finite metrics as Python's json does (Infinity, NaN); none of the
// keys read here is one, so they become null for nlohmann's strict parser.
nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string token : {"-Infinity", "Infinity", "NaN"})
    for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at))
      text.replace(at, token.size(), "null");
  return nlohmann::json::parse(text);
}

TEST(TopOneAccuracy, CountsArgmaxMatchesAcrossBatches) {
  const Tensor labels = Tensor::FromVector<int64_t>({4}, {2, 0, 1, 1});
  analysis::TopOneAccuracy accuracy;
  EXPECT_FALSE(accuracy.Value().has_value());
  // Batch 1: samples 0, 1 -> argmax 2 (right), 1 (wrong).
  ASSERT_TRUE(accuracy.Add(Tensor::FromVector<float>({2, 3}, {0.f, 1.f, 5.f, -1.f, 3.f, 2.f}), labels, 0).ok());
  // Batch 2: samples 2, 3 -> a tie between 0 and 1 goes to 0 (wrong), a NaN never wins (1: right).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE(accuracy.Add(Tensor::FromVector<float>({2, 3, 1, 1}, {4.f, 4.f, 0.f, nan, 1.f, 0.f}), labels, 2).ok());
  EXPECT_EQ(accuracy.total(), 4);
  EXPECT_EQ(accuracy.correct(), 2);
  EXPECT_DOUBLE_EQ(*accuracy.Value(), 0.5);
}

TEST(TopOneAccuracy, RejectsScoresThatAreNotPerClass) {
  const Tensor labels = Tensor::FromVector<int64_t>({2}, {0, 1});
  analysis::TopOneAccuracy accuracy;
  const Status spatial = accuracy.Add(Tensor::Zeros(DataType::kFloat32, {2, 3, 4}), labels, 0);
  EXPECT_FALSE(spatial.ok());
  EXPECT_NE(spatial.message().find("dimension 2 is 4"), std::string::npos) << spatial.message();
  const Status beyond = accuracy.Add(Tensor::Zeros(DataType::kFloat32, {2, 3}), labels, 1);
  EXPECT_FALSE(beyond.ok());
  EXPECT_NE(beyond.message().find("have no labels"), std::string::npos) << beyond.message();
  EXPECT_EQ(accuracy.total(), 0);

  std::string reason;
  EXPECT_FALSE(analysis::LabelsAreClassIndices(std::nullopt, &reason));
  EXPECT_FALSE(analysis::LabelsAreClassIndices(Tensor::Zeros(DataType::kFloat32, {2}), &reason));
  EXPECT_TRUE(analysis::LabelsAreClassIndices(labels, &reason));
}

TEST(ReportAccuracy, MatchesTheHandCountForEveryBatchSize) {
  const nlohmann::json expected = ReadJson(kDir + "/expected.json");
  ASSERT_DOUBLE_EQ(expected["float"].get<double>(), 0.8);  // the fixture's hand count
  ASSERT_DOUBLE_EQ(expected["quantized"].get<double>(), 0.4);
  for (int64_t batch_size : {1, 2, 5}) {  // 2: a partial last batch
    ReportOptions options;
    options.batch_size = batch_size;
    auto result = RunReport(kDir + "/float.onnx", kDir + "/quantized.onnx", kDir + "/samples.npy",
                            kDir + "/samples.npy", options);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    for (const DatasetMetrics* d : {&result->repr, &result->val}) {
      ASSERT_TRUE(d->float_accuracy.has_value()) << d->name;
      ASSERT_TRUE(d->quantized_accuracy.has_value()) << d->name;
      EXPECT_DOUBLE_EQ(*d->float_accuracy, expected["float"].get<double>()) << "batch " << batch_size;
      EXPECT_DOUBLE_EQ(*d->quantized_accuracy, expected["quantized"].get<double>()) << "batch " << batch_size;
    }
  }
}

TEST(ReportAccuracy, AbsentWithoutLabelsAndWrittenToJsonAndHtml) {
  const std::string dir = (fs::temp_directory_path() / ("xquant_accuracy_test_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  ReportOptions options;
  options.config.report_dir = dir;
  // repr: random noise (no labels); val: the labelled samples.
  auto result = RunReport(kDir + "/float.onnx", kDir + "/quantized.onnx", "random:4:1", kDir + "/samples.npy", options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->repr.float_accuracy.has_value());
  EXPECT_FALSE(result->repr.quantized_accuracy.has_value());
  ASSERT_TRUE(result->val.quantized_accuracy.has_value());
  ASSERT_TRUE(WriteReport(*result).ok());

  const nlohmann::json report = ReadJson(dir + "/quant_report.json");
  ASSERT_TRUE(report.contains("task_accuracy"));
  EXPECT_FALSE(report["task_accuracy"].contains("repr"));
  EXPECT_DOUBLE_EQ(report["task_accuracy"]["val"]["float"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(report["task_accuracy"]["val"]["quantized"].get<double>(), 0.4);
  EXPECT_TRUE(report.contains("output_similarity_metrics_val"));  // the existing keys are still there

  std::ifstream html_file(dir + "/index.html");
  const std::string html((std::istreambuf_iterator<char>(html_file)), std::istreambuf_iterator<char>());
  const size_t section = html.find("Task accuracy (top-1)");
  ASSERT_NE(section, std::string::npos);
  const size_t table_end = html.find("</table>", section);
  const std::string table = html.substr(section, table_end - section);
  EXPECT_NE(table.find("<td>val</td>"), std::string::npos) << table;
  EXPECT_EQ(table.find("<td>repr</td>"), std::string::npos) << table;  // no labels, no row
  // In percent, like the change column (points): 80 % float, 40 % quantized, -40 points.
  EXPECT_NE(table.find("data-v=\"80\""), std::string::npos) << table;
  EXPECT_NE(table.find("data-v=\"40\""), std::string::npos) << table;
  EXPECT_NE(table.find("data-v=\"-40\""), std::string::npos) << table;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace xquant
