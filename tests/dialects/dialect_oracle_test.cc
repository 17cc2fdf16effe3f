// onnxruntime as the oracle for the dialect forms it runs with standard ops: opset-21 int4/uint4
// (per axis, blocked, output_dtype), int16/uint16, com.microsoft 16- and 4-bit Q/DQ, and QCDQ's
// QuantizeLinear -> Clip. Models whose output is the quantized integer tensor are compared as
// integers; for the 4-bit ones (onnxruntime-node cannot hand int4 tensors back) the output is the
// DequantizeLinear of the integers, an exact product, so equal floats mean equal integers.
// Outputs come from tests/dialects/run_dialect_oracle.sh; the test skips when onnxruntime-node is
// not available.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dialect_cases.h"
#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant {
namespace {

using dialect_test::Case;
using dialect_test::ReadCases;

const std::string kOracleDir = std::string(XQ_DIALECT_DIR) + "/oracle";

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class DialectOracle : public ::testing::TestWithParam<Case> {};

TEST_P(DialectOracle, SameIntegersAsOnnxruntime) {
  if (std::filesystem::exists(kOracleDir + "/SKIPPED")) GTEST_SKIP() << ReadText(kOracleDir + "/SKIPPED");
  const std::string name = GetParam().name;
  const std::string dump = kOracleDir + "/" + name + "_ort";
  ASSERT_FALSE(std::filesystem::exists(dump + "/FAILED")) << "onnxruntime could not run " << name << ":\n"
                                                          << ReadText(dump + "/FAILED");
  auto theirs = ReadNpy(dump + "/y.npy");
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  auto model = LoadModel(kOracleDir + "/" + name + ".onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto input = ReadNpy(kOracleDir + "/" + name + "_input.npy");
  ASSERT_TRUE(input.ok()) << input.status().ToString();
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto out = (*session)->Run({{"x", *input}});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const Tensor& ours = (*out)[0].second;
  ASSERT_EQ(ours.dtype(), theirs->dtype());
  ASSERT_EQ(ours.shape(), theirs->shape());
  int64_t mismatches = 0;
  for (int64_t i = 0; i < ours.size(); ++i) {
    const double a = ours.GetAsDouble(i), e = theirs->GetAsDouble(i);
    if (a != e && mismatches++ < 5)
      ADD_FAILURE() << "element " << i << " (x = " << input->data<float>()[i] << "): ours " << a << ", onnxruntime " << e;
  }
  EXPECT_EQ(mismatches, 0) << "of " << ours.size();
}

INSTANTIATE_TEST_SUITE_P(Cases, DialectOracle, ::testing::ValuesIn(ReadCases(XQ_DIALECT_DIR, "oracle")),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace xquant
