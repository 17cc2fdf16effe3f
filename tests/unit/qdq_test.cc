// QuantizeLinear / DequantizeLinear against hand-computed values: round half to even, saturation,
// per-axis scales, int32 bias.
#include <gtest/gtest.h>

#include <cmath>

#include "exec/registry.h"

namespace xquant {
namespace {

// Runs one node of `op_type` on `inputs` and returns its output 0.
StatusOr<Tensor> RunOp(const std::string& op_type, std::vector<const Tensor*> inputs, int64_t axis = 1, int64_t opset = 13) {
  Graph graph;
  graph.opset_imports[""] = opset;
  Node node;
  node.op_type = op_type;
  node.name = "n";
  node.attributes["axis"] = Attribute::Int(axis);
  for (size_t i = 0; i < inputs.size(); ++i) node.inputs.push_back(static_cast<ValueId>(i));
  node.outputs.push_back(static_cast<ValueId>(inputs.size()));
  exec::KernelInfo info(node, graph, opset);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, exec::FindKernel("", op_type)(info));
  std::vector<Tensor> outputs(1);
  exec::KernelContext ctx(node, inputs, &outputs);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return outputs[0];
}

TEST(QuantizeLinear, RoundsHalfToEvenAndSaturatesUint8) {
  Tensor x = Tensor::FromVector<float>({8}, {0.5f, 1.5f, 2.5f, -0.5f, 3.0f, 1000.0f, -1000.0f, 0.2f});
  Tensor scale = Tensor::Scalar<float>(1.0f);
  Tensor zp = Tensor::Scalar<uint8_t>(10);
  auto y = RunOp("QuantizeLinear", {&x, &scale, &zp});
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_EQ(y->dtype(), DataType::kUint8);
  // 0.5->0, 1.5->2, 2.5->2, -0.5->-0 (ties to even), then +10; saturation at 255 and 0.
  const std::vector<int> expected = {10, 12, 12, 10, 13, 255, 0, 10};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(y->data<uint8_t>()[i], expected[i]) << "element " << i;
}

TEST(QuantizeLinear, Int8WithoutZeroPointDefaultsToUint8) {
  Tensor x = Tensor::FromVector<float>({3}, {-1.0f, 0.0f, 2.0f});
  Tensor scale = Tensor::Scalar<float>(0.5f);
  auto y = RunOp("QuantizeLinear", {&x, &scale});
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->dtype(), DataType::kUint8);
  EXPECT_EQ(y->data<uint8_t>()[0], 0);  // -2 saturates at 0
  EXPECT_EQ(y->data<uint8_t>()[2], 4);
}

TEST(QuantizeLinear, PerAxisInt8) {
  // x [2, 3] quantized along axis 0 with scales {1, 0.1} and zero points {0, -5}.
  Tensor x = Tensor::FromVector<float>({2, 3}, {1.0f, -130.0f, 127.4f, 0.25f, -0.35f, 20.0f});
  Tensor scale = Tensor::FromVector<float>({2}, {1.0f, 0.1f});
  Tensor zp = Tensor::FromVector<int8_t>({2}, {0, -5});
  auto y = RunOp("QuantizeLinear", {&x, &scale, &zp}, /*axis=*/0);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  // Row 1: 0.25/0.1 = 2.5 -> 2, -5 -> -3; -0.35/0.1 = -3.5 -> -4 (tie to even; float32 gives
  // -3.4999998 -> -3), so compute it the way float32 does: -0.35f/0.1f.
  const float q = std::nearbyintf(-0.35f / 0.1f);
  const std::vector<int> expected = {1, -128, 127, -3, static_cast<int>(q) - 5, 127};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y->data<int8_t>()[i], expected[i]) << "element " << i;
}

TEST(DequantizeLinear, PerAxisAndInt32Bias) {
  Tensor x = Tensor::FromVector<int8_t>({2, 2}, {-128, 127, 0, 10});
  Tensor scale = Tensor::FromVector<float>({2}, {0.5f, 2.0f});
  Tensor zp = Tensor::FromVector<int8_t>({2}, {0, 10});
  auto y = RunOp("DequantizeLinear", {&x, &scale, &zp}, /*axis=*/0);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_FLOAT_EQ(y->data<float>()[0], -64.0f);
  EXPECT_FLOAT_EQ(y->data<float>()[1], 63.5f);
  EXPECT_FLOAT_EQ(y->data<float>()[2], -20.0f);
  EXPECT_FLOAT_EQ(y->data<float>()[3], 0.0f);

  Tensor bias = Tensor::FromVector<int32_t>({2}, {-100000, 7});
  Tensor bias_scale = Tensor::Scalar<float>(0.25f);
  auto b = RunOp("DequantizeLinear", {&bias, &bias_scale});
  ASSERT_TRUE(b.ok());
  EXPECT_FLOAT_EQ(b->data<float>()[0], -25000.0f);
  EXPECT_FLOAT_EQ(b->data<float>()[1], 1.75f);
}

TEST(DequantizeLinear, RejectsMismatchedScaleLength) {
  Tensor x = Tensor::FromVector<uint8_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor scale = Tensor::FromVector<float>({4}, {1, 1, 1, 1});
  Tensor zp = Tensor::FromVector<uint8_t>({4}, {0, 0, 0, 0});
  auto y = RunOp("DequantizeLinear", {&x, &scale, &zp}, 1);
  ASSERT_FALSE(y.ok());
  EXPECT_NE(y.status().message().find("per-axis scale"), std::string::npos) << y.status().message();
}

}  // namespace
}  // namespace xquant
