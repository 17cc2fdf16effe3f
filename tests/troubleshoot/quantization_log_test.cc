// Reading the quantizer's log folder (--quantization-log): the fields troubleshoot uses, and a
// clear refusal of folders that are not what `xquant quantize --log-dir` writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "troubleshoot/quantization_log_reader.h"

namespace xquant::troubleshoot {
namespace {

namespace fs = std::filesystem;

std::string MakeDir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("xquant_qlog_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

TEST(QuantizationLogTest, ReadsMergesAndBitWidths) {
  const std::string dir = MakeDir("ok");
  Write(dir + "/quantization_log.json", R"({
    "merges": [{"kind": "linear_collapsing", "merged": "conv1_collapsed", "first": "conv1", "second": "conv2"},
               {"kind": "bn_fold", "merged": "conv0", "first": "conv0", "second": "bn0"}],
    "activations": [{"tensor": "t1", "node": "conv1", "bits": 8},
                     {"tensor": "input", "node": "", "bits": 4}],
    "weights": [{"node": "fc", "bits": 2}, {"node": "conv1_collapsed", "bits": 8}]
  })");
  auto log = ReadQuantizationLog(dir);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->merges.size(), 2u);
  EXPECT_EQ(log->merges[0].kind, "linear_collapsing");
  EXPECT_EQ(log->merges[0].merged, "conv1_collapsed");
  EXPECT_EQ(log->merges[0].first, "conv1");
  EXPECT_EQ(log->merges[0].second, "conv2");
  EXPECT_EQ(log->merges[1].second, "bn0");
  EXPECT_EQ(log->activation_bits_by_tensor.at("t1"), 8);
  EXPECT_EQ(log->activation_bits_by_tensor.at("input"), 4);
  EXPECT_EQ(log->activation_bits_by_node.at("conv1"), 8);
  EXPECT_EQ(log->activation_bits_by_node.count(""), 0u) << "a graph input has no producer node";
  EXPECT_EQ(log->weight_bits_by_node.at("fc"), 2);
  EXPECT_EQ(log->weight_bits_by_node.at("conv1_collapsed"), 8);
  fs::remove_all(dir);
}

TEST(QuantizationLogTest, RefusesWhatIsNotAnXquantLog) {
  auto missing = ReadQuantizationLog("/nonexistent/xquant/log");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("is not a directory"), std::string::npos) << missing.status().ToString();

  const std::string empty = MakeDir("empty");
  auto no_file = ReadQuantizationLog(empty);
  ASSERT_FALSE(no_file.ok());
  EXPECT_NE(no_file.status().message().find("has no quantization_log.json"), std::string::npos);

  // MCT's log folder: TensorBoard runs only.
  const std::string mct = MakeDir("mct");
  fs::create_directories(mct + "/tensorboard_logs/initial_graph");
  auto tb_only = ReadQuantizationLog(mct);
  ASSERT_FALSE(tb_only.ok());
  EXPECT_NE(tb_only.status().message().find("MCT"), std::string::npos) << tb_only.status().ToString();

  const std::string bad = MakeDir("bad");
  Write(bad + "/quantization_log.json", "{\"merges\": [{\"kind\": \"bn_fold\", \"merged\": \"c\", \"first\": \"c\"}]}");
  auto malformed = ReadQuantizationLog(bad);
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("merges[0] has no string field \"second\""), std::string::npos)
      << malformed.status().ToString();

  Write(bad + "/quantization_log.json", "{\"weights\": [{\"node\": \"fc\", \"bits\": 0}]}");
  auto zero_bits = ReadQuantizationLog(bad);
  ASSERT_FALSE(zero_bits.ok());
  EXPECT_NE(zero_bits.status().message().find("weights[0]: bits 0 is not in 1..32"), std::string::npos)
      << zero_bits.status().ToString();

  Write(bad + "/quantization_log.json", "[1, 2]");
  EXPECT_FALSE(ReadQuantizationLog(bad).ok());
  Write(bad + "/quantization_log.json", "{\"something\": 1}");
  auto unrelated = ReadQuantizationLog(bad);
  ASSERT_FALSE(unrelated.ok());
  EXPECT_NE(unrelated.status().message().find("none of"), std::string::npos);
  for (const std::string& d : {empty, mct, bad}) fs::remove_all(d);
}

}  // namespace
}  // namespace xquant::troubleshoot
