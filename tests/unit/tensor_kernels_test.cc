// The tensor kernels (src/kernels/tensor/) on what ONNX's node tests (onnx 1.12 data) miss: opset
// forms newer than the data (Split num_outputs, Pad axes, Slice clamping corners), stable TopK
// ties, scatter reductions, the parallel and blocked paths of Transpose/StridedCopy against naive
// loops on large tensors, buffer sharing, and the errors for bad attributes and shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "exec/registry.h"

namespace xquant {
namespace {

constexpr auto IntAttr = &Attribute::Int;
constexpr auto IntsAttr = &Attribute::Ints;
constexpr auto FloatAttr = &Attribute::Float;
constexpr auto StringAttr = &Attribute::String;
constexpr auto TensorAttr = &Attribute::TensorValue;

// One node of `op_type` at `opset`: inputs (nullptr = omitted), attributes, number of outputs.
struct OpCall {
  std::string op_type;
  std::vector<const Tensor*> inputs;
  std::map<std::string, Attribute, std::less<>> attributes = {};
  int64_t opset = 17;
  size_t outputs = 1;
  std::vector<bool> constant = {};  // inputs also visible to the factory as constants
};

StatusOr<std::vector<Tensor>> RunOp(const OpCall& call) {
  Graph graph;
  graph.opset_imports[""] = call.opset;
  Node node;
  node.op_type = call.op_type;
  node.name = "n";
  node.attributes = call.attributes;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    Value v;
    v.name = "in" + std::to_string(i);
    if (call.inputs[i] && i < call.constant.size() && call.constant[i])
      v.constant = *call.inputs[i];
    graph.values.push_back(v);
    node.inputs.push_back(call.inputs[i] ? static_cast<ValueId>(i) : kNoValue);
  }
  for (size_t i = 0; i < call.outputs; ++i) {
    graph.values.push_back(Value{});
    node.outputs.push_back(static_cast<ValueId>(call.inputs.size() + i));
  }
  exec::KernelFactory factory = exec::FindKernel("", call.op_type);
  if (!factory) return NotFoundError("no kernel for " + call.op_type);
  exec::KernelInfo info(node, graph, call.opset);
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<exec::Kernel> kernel, factory(info));
  std::vector<Tensor> outputs(call.outputs);
  exec::KernelContext ctx(node, call.inputs, &outputs);
  XQ_RETURN_IF_ERROR(kernel->Compute(ctx));
  return outputs;
}

// Output 0 of the call; fails the test when the call fails.
Tensor RunOp1(const OpCall& call) {
  auto out = RunOp(call);
  EXPECT_TRUE(out.ok()) << call.op_type << ": " << out.status().ToString();
  return out.ok() ? (*out)[0] : Tensor();
}

template <typename T>
void ExpectTensor(const Tensor& t, const Shape& shape, const std::vector<T>& values) {
  ASSERT_EQ(t.dtype(), DataTypeOf<T>());
  ASSERT_EQ(t.shape(), shape);
  ASSERT_EQ(t.size(), static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(t.data<T>()[i], values[i]) << "element " << i;
}

Tensor Iota(DataType dtype, const Shape& shape) {
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    switch (dtype) {
      case DataType::kFloat32:
        t.data<float>()[i] = static_cast<float>(i);
        break;
      case DataType::kInt64:
        t.data<int64_t>()[i] = i * 1000003;
        break;
      case DataType::kUint8:
        t.data<uint8_t>()[i] = static_cast<uint8_t>(i * 7);
        break;
      case DataType::kBool:
        t.data<bool>()[i] = (i % 3) == 0;
        break;
      case DataType::kInt16:
        t.data<int16_t>()[i] = static_cast<int16_t>(i);
        break;
      default:
        break;
    }
  }
  return t;
}

Tensor I64(std::vector<int64_t> v) {
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

// C-order coordinates of flat index `i` in `shape`.
std::vector<int64_t> Coords(int64_t i, const Shape& shape) {
  std::vector<int64_t> c(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    c[k] = i % shape[k];
    i /= shape[k];
  }
  return c;
}
int64_t Flat(const std::vector<int64_t>& c, const Shape& shape) {
  int64_t f = 0;
  for (size_t k = 0; k < shape.size(); ++k) f = f * shape[k] + c[k];
  return f;
}

// ---- Reshape, Flatten, Squeeze, Unsqueeze ----

TEST(TensorKernels, ReshapeZeroCopiesDimAndSharesBuffer) {
  Tensor x = Iota(DataType::kFloat32, {2, 3, 4});
  Tensor shape = I64({0, -1});
  Tensor y = RunOp1({"Reshape", {&x, &shape}});
  EXPECT_EQ(y.shape(), (Shape{2, 12}));
  EXPECT_TRUE(y.SharesBufferWith(x));
}

TEST(TensorKernels, ReshapeAllowZeroMakesEmptyDims) {
  Tensor x(DataType::kFloat32, {0, 3});
  Tensor shape = I64({3, 0});
  Tensor y = RunOp1({"Reshape", {&x, &shape}, {{"allowzero", IntAttr(1)}}, 14});
  EXPECT_EQ(y.shape(), (Shape{3, 0}));
  // Without allowzero the 0 copies x's dimension 1 (3): [3, 3] has 9 elements, not 0.
  EXPECT_FALSE(RunOp({"Reshape", {&x, &shape}, {}, 14}).ok());
  // allowzero with both 0 and -1 is refused when the shape is known at preparation.
  Tensor bad = I64({0, -1});
  auto r = RunOp({"Reshape", {&x, &bad}, {{"allowzero", IntAttr(1)}}, 14, 1, {false, true}});
  EXPECT_FALSE(r.ok());
}

TEST(TensorKernels, ReshapeErrors) {
  Tensor x = Iota(DataType::kFloat32, {2, 3});
  Tensor two_infer = I64({-1, -1});
  auto r = RunOp({"Reshape", {&x, &two_infer}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("more than one -1"), std::string::npos)
      << r.status().message();
  Tensor wrong = I64({4, 2});
  r = RunOp({"Reshape", {&x, &wrong}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Reshape 'n'"), std::string::npos) << r.status().message();
  Tensor not_divisible = I64({4, -1});
  EXPECT_FALSE(RunOp({"Reshape", {&x, &not_divisible}}).ok());
}

TEST(TensorKernels, ReshapeOpset1UsesAttribute) {
  Tensor x = Iota(DataType::kFloat32, {2, 3});
  Tensor y = RunOp1({"Reshape", {&x}, {{"shape", IntsAttr({3, -1})}}, 1});
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
}

TEST(TensorKernels, FlattenAxisBounds) {
  Tensor x = Iota(DataType::kFloat32, {2, 3, 4});
  EXPECT_EQ(RunOp1({"Flatten", {&x}, {{"axis", IntAttr(3)}}}).shape(), (Shape{24, 1}));
  EXPECT_EQ(RunOp1({"Flatten", {&x}, {{"axis", IntAttr(0)}}}).shape(), (Shape{1, 24}));
  EXPECT_EQ(RunOp1({"Flatten", {&x}, {{"axis", IntAttr(-1)}}}).shape(), (Shape{6, 4}));
  EXPECT_FALSE(RunOp({"Flatten", {&x}, {{"axis", IntAttr(4)}}}).ok());
}

TEST(TensorKernels, SqueezeAttributeAndInputForms) {
  Tensor x = Iota(DataType::kFloat32, {1, 3, 1, 2});
  EXPECT_EQ(RunOp1({"Squeeze", {&x}, {{"axes", IntsAttr({-2})}}, 11}).shape(), (Shape{1, 3, 2}));
  Tensor axes = I64({0});
  EXPECT_EQ(RunOp1({"Squeeze", {&x, &axes}, {}, 13}).shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(RunOp1({"Squeeze", {&x}, {}, 13}).shape(), (Shape{3, 2}));
  Tensor bad = I64({1});
  auto r = RunOp({"Squeeze", {&x, &bad}, {}, 13});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not 1"), std::string::npos);
}

TEST(TensorKernels, UnsqueezeUnsortedNegativeAxes) {
  Tensor x = Iota(DataType::kFloat32, {3, 4});
  Tensor axes = I64({-1, 0});
  Tensor y = RunOp1({"Unsqueeze", {&x, &axes}, {}, 13});
  EXPECT_EQ(y.shape(), (Shape{1, 3, 4, 1}));
  EXPECT_TRUE(y.SharesBufferWith(x));
  EXPECT_EQ(RunOp1({"Unsqueeze", {&x}, {{"axes", IntsAttr({1})}}, 11}).shape(), (Shape{3, 1, 4}));
  Tensor dup = I64({1, -3});  // both name axis 1 of the rank-4 output
  EXPECT_FALSE(RunOp({"Unsqueeze", {&x, &dup}, {}, 13}).ok());
}

// ---- Transpose ----

// Naive transpose, one element at a time.
Tensor NaiveTranspose(const Tensor& x, const std::vector<int64_t>& perm) {
  Shape out_shape(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) out_shape[k] = x.dim(static_cast<int>(perm[k]));
  Tensor y(x.dtype(), out_shape);
  const size_t elem = DataTypeSize(x.dtype());
  for (int64_t i = 0; i < y.size(); ++i) {
    const std::vector<int64_t> oc = Coords(i, out_shape);
    std::vector<int64_t> ic(perm.size());
    for (size_t k = 0; k < perm.size(); ++k) ic[perm[k]] = oc[k];
    std::memcpy(static_cast<char*>(y.raw_data()) + i * elem,
                static_cast<const char*>(x.raw_data()) + Flat(ic, x.shape()) * elem, elem);
  }
  return y;
}

void ExpectSameBytes(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0);
}

TEST(TensorKernels, TransposeAllPermutationsMatchNaive) {
  for (DataType dtype :
       {DataType::kFloat32, DataType::kUint8, DataType::kInt64, DataType::kInt16}) {
    Tensor x = Iota(dtype, {3, 1, 5, 17, 2});
    std::vector<int64_t> perm = {0, 1, 2, 3, 4};
    do {
      Tensor y = RunOp1({"Transpose", {&x}, {{"perm", IntsAttr(perm)}}});
      ExpectSameBytes(y, NaiveTranspose(x, perm));
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(TensorKernels, TransposeLargeCommonPermutations) {
  // Big enough for the parallel path and for several 16x16 tiles with ragged edges.
  Tensor nchw = Iota(DataType::kFloat32, {2, 67, 33, 35});
  ExpectSameBytes(RunOp1({"Transpose", {&nchw}, {{"perm", IntsAttr({0, 2, 3, 1})}}}),
                  NaiveTranspose(nchw, {0, 2, 3, 1}));
  ExpectSameBytes(RunOp1({"Transpose", {&nchw}, {{"perm", IntsAttr({0, 3, 1, 2})}}}),
                  NaiveTranspose(nchw, {0, 3, 1, 2}));
  ExpectSameBytes(RunOp1({"Transpose", {&nchw}, {{"perm", IntsAttr({0, 1, 3, 2})}}}),
                  NaiveTranspose(nchw, {0, 1, 3, 2}));
  ExpectSameBytes(RunOp1({"Transpose", {&nchw}}), NaiveTranspose(nchw, {3, 2, 1, 0}));
  Tensor wide = Iota(DataType::kUint8, {3, 100000});
  ExpectSameBytes(RunOp1({"Transpose", {&wide}}), NaiveTranspose(wide, {1, 0}));
}

TEST(TensorKernels, TransposeIdentityAfterMergingSharesBuffer) {
  Tensor x = Iota(DataType::kFloat32, {4, 1, 5});
  Tensor y =
      RunOp1({"Transpose", {&x}, {{"perm", IntsAttr({1, 0, 2})}}});  // only moves a size-1 axis
  EXPECT_EQ(y.shape(), (Shape{1, 4, 5}));
  EXPECT_TRUE(y.SharesBufferWith(x));
  EXPECT_FALSE(RunOp({"Transpose", {&x}, {{"perm", IntsAttr({0, 0, 1})}}}).ok());
  EXPECT_FALSE(RunOp({"Transpose", {&x}, {{"perm", IntsAttr({1, 0})}}}).ok());
}

// ---- Concat, Split ----

TEST(TensorKernels, ConcatWithEmptyInputAndNegativeAxis) {
  Tensor a = Tensor::FromVector<int64_t>({2, 2}, {1, 2, 3, 4});
  Tensor empty(DataType::kInt64, {2, 0});
  Tensor b = Tensor::FromVector<int64_t>({2, 1}, {5, 6});
  ExpectTensor<int64_t>(RunOp1({"Concat", {&a, &empty, &b}, {{"axis", IntAttr(-1)}}}), {2, 3},
                        {1, 2, 5, 3, 4, 6});
  Tensor c = Tensor::FromVector<int64_t>({3, 1}, {0, 0, 0});
  auto r = RunOp({"Concat", {&a, &c}, {{"axis", IntAttr(1)}}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("[3, 1]"), std::string::npos) << r.status().message();
  EXPECT_FALSE(RunOp({"Concat", {&a, &b}}).ok());  // axis is required from opset 4
}

TEST(TensorKernels, SplitForms) {
  Tensor x = Iota(DataType::kFloat32, {7, 2});
  // Opset 18 num_outputs: ceil(7 / 3) = 3 -> 3, 3, 1.
  auto r = RunOp({"Split", {&x}, {{"num_outputs", IntAttr(3)}}, 18, 3});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ((*r)[2].shape(), (Shape{1, 2}));
  EXPECT_EQ((*r)[2].data<float>()[1], 13.0f);
  // Opset 11 attribute; opset 13 input.
  r = RunOp({"Split", {&x}, {{"split", IntsAttr({2, 5})}}, 11, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[1].shape(), (Shape{5, 2}));
  EXPECT_EQ((*r)[1].data<float>()[0], 4.0f);
  Tensor split = I64({1, 1});
  r = RunOp({"Split", {&x, &split}, {{"axis", IntAttr(1)}}, 13, 2});
  ASSERT_TRUE(r.ok());
  ExpectTensor<float>((*r)[1], {7, 1}, {1, 3, 5, 7, 9, 11, 13});
  // Equal parts must divide the axis before opset 18; split sizes must add up.
  EXPECT_FALSE(RunOp({"Split", {&x}, {}, 13, 2}).ok());
  Tensor bad = I64({3, 3});
  EXPECT_FALSE(RunOp({"Split", {&x, &bad}, {}, 13, 2}).ok());
}

// ---- Slice ----

TEST(TensorKernels, SliceNegativeStepsAndClamping) {
  Tensor x = Tensor::FromVector<int32_t>({6}, {0, 1, 2, 3, 4, 5});
  const int64_t kMax = std::numeric_limits<int64_t>::max(),
                kMin = std::numeric_limits<int64_t>::min();
  Tensor starts = I64({kMax}), ends = I64({kMin}), axes = I64({0}), steps = I64({-2});
  ExpectTensor<int32_t>(RunOp1({"Slice", {&x, &starts, &ends, &axes, &steps}}), {3}, {5, 3, 1});
  Tensor s2 = I64({-2}), e2 = I64({0}), st2 = I64({-1});
  ExpectTensor<int32_t>(RunOp1({"Slice", {&x, &s2, &e2, &axes, &st2}}), {4}, {4, 3, 2, 1});
  Tensor s3 = I64({-100}), e3 = I64({kMax});
  Tensor y = RunOp1({"Slice", {&x, &s3, &e3}});
  EXPECT_TRUE(y.SharesBufferWith(x));  // the whole axis
  Tensor s4 = I64({4}), e4 = I64({2});
  EXPECT_EQ(RunOp1({"Slice", {&x, &s4, &e4}}).shape(), (Shape{0}));
  Tensor zero = I64({0});
  EXPECT_FALSE(RunOp({"Slice", {&x, &s4, &e4, &axes, &zero}}).ok());
}

TEST(TensorKernels, Slice2DAndOpset1) {
  Tensor x = Iota(DataType::kFloat32, {3, 4});
  Tensor starts = I64({1, -1}), ends = I64({3, -5}), axes = I64({0, 1}), steps = I64({1, -2});
  ExpectTensor<float>(RunOp1({"Slice", {&x, &starts, &ends, &axes, &steps}}), {2, 2},
                      {7, 5, 11, 9});
  Tensor y = RunOp1({"Slice",
                     {&x},
                     {{"starts", IntsAttr({1})}, {"ends", IntsAttr({3})}, {"axes", IntsAttr({1})}},
                     1});
  ExpectTensor<float>(y, {3, 2}, {1, 2, 5, 6, 9, 10});
  Tensor dup = I64({1, -1});
  EXPECT_FALSE(RunOp({"Slice", {&x, &starts, &ends, &dup}}).ok());
}

// ---- Gather family, Scatter family ----

TEST(TensorKernels, GatherAxis1NegativeAndScalarIndices) {
  Tensor x = Iota(DataType::kFloat32, {2, 3});
  Tensor idx = Tensor::FromVector<int32_t>({2}, {-1, 0});
  ExpectTensor<float>(RunOp1({"Gather", {&x, &idx}, {{"axis", IntAttr(1)}}}), {2, 2}, {2, 0, 5, 3});
  Tensor scalar = Tensor::Scalar<int64_t>(1);
  ExpectTensor<float>(RunOp1({"Gather", {&x, &scalar}}), {3}, {3, 4, 5});
  Tensor out_of_range = Tensor::Scalar<int64_t>(2);
  auto r = RunOp({"Gather", {&x, &out_of_range}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("out of range"), std::string::npos);
}

TEST(TensorKernels, GatherLargeMatchesNaive) {
  Tensor x = Iota(DataType::kInt64, {5, 3000, 7});
  std::vector<int64_t> idx(4000);
  for (size_t i = 0; i < idx.size(); ++i)
    idx[i] = static_cast<int64_t>((i * 7919) % 3000) - (i % 2 ? 3000 : 0);
  Tensor indices = Tensor::FromVector<int64_t>({40, 100}, idx);
  Tensor y = RunOp1({"Gather", {&x, &indices}, {{"axis", IntAttr(1)}}});
  ASSERT_EQ(y.shape(), (Shape{5, 40, 100, 7}));
  for (int64_t o = 0; o < 5; ++o)
    for (int64_t j = 0; j < 4000; ++j)
      for (int64_t k = 0; k < 7; ++k) {
        const int64_t src = (idx[j] + 3000) % 3000;
        ASSERT_EQ(y.data<int64_t>()[(o * 4000 + j) * 7 + k],
                  x.data<int64_t>()[(o * 3000 + src) * 7 + k]);
      }
}

TEST(TensorKernels, GatherElementsAxis1) {
  Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor idx = Tensor::FromVector<int64_t>({2, 2}, {2, -3, 1, 1});
  ExpectTensor<float>(RunOp1({"GatherElements", {&x, &idx}, {{"axis", IntAttr(1)}}}), {2, 2},
                      {3, 1, 5, 5});
  Tensor too_big = Tensor::FromVector<int64_t>({3, 1}, {0, 0, 0});  // 3 rows > 2 on the other axis
  EXPECT_FALSE(RunOp({"GatherElements", {&x, &too_big}, {{"axis", IntAttr(1)}}}).ok());
}

TEST(TensorKernels, GatherNDBatchDims) {
  // data [2, 2, 2]; batch_dims 1; per batch one index tuple of length 1 -> rows.
  Tensor x = Tensor::FromVector<int32_t>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  Tensor idx = Tensor::FromVector<int64_t>({2, 1}, {1, 0});
  ExpectTensor<int32_t>(RunOp1({"GatherND", {&x, &idx}, {{"batch_dims", IntAttr(1)}}}), {2, 2},
                        {2, 3, 4, 5});
  Tensor full = Tensor::FromVector<int64_t>({2, 3}, {1, 1, 0, 0, -1, -1});
  ExpectTensor<int32_t>(RunOp1({"GatherND", {&x, &full}}), {2}, {6, 3});
  Tensor bad = Tensor::FromVector<int64_t>({1, 4}, {0, 0, 0, 0});
  EXPECT_FALSE(RunOp({"GatherND", {&x, &bad}}).ok());
}

TEST(TensorKernels, ScatterElementsReductions) {
  Tensor x = Tensor::FromVector<float>({1, 4}, {1, 2, 3, 4});
  Tensor idx = Tensor::FromVector<int64_t>({1, 3}, {1, 1, -1});
  Tensor upd = Tensor::FromVector<float>({1, 3}, {10, 20, 5});
  auto with = [&](const char* r) {
    return RunOp1({"ScatterElements",
                   {&x, &idx, &upd},
                   {{"axis", IntAttr(1)}, {"reduction", StringAttr(r)}},
                   18});
  };
  ExpectTensor<float>(with("none"), {1, 4}, {1, 20, 3, 5});  // duplicates: the last wins
  ExpectTensor<float>(with("add"), {1, 4}, {1, 32, 3, 9});
  ExpectTensor<float>(with("mul"), {1, 4}, {1, 400, 3, 20});
  ExpectTensor<float>(with("max"), {1, 4}, {1, 20, 3, 5});
  ExpectTensor<float>(with("min"), {1, 4}, {1, 2, 3, 4});
  EXPECT_FALSE(
      RunOp({"ScatterElements", {&x, &idx, &upd}, {{"reduction", StringAttr("avg")}}}).ok());
  // Bool data with reduction none moves bytes.
  Tensor b = Tensor::FromVector<bool>({3}, {false, false, false});
  Tensor bi = Tensor::FromVector<int32_t>({1}, {2});
  Tensor bu = Tensor::FromVector<bool>({1}, {true});
  ExpectTensor<bool>(RunOp1({"ScatterElements", {&b, &bi, &bu}}), {3}, {false, false, true});
}

TEST(TensorKernels, ScatterNDSlicesAndReductions) {
  Tensor x = Iota(DataType::kFloat32, {3, 2});
  Tensor idx = Tensor::FromVector<int64_t>({2, 1}, {2, -3});
  Tensor upd = Tensor::FromVector<float>({2, 2}, {9, 9, 8, -8});
  ExpectTensor<float>(RunOp1({"ScatterND", {&x, &idx, &upd}}), {3, 2}, {8, -8, 2, 3, 9, 9});
  ExpectTensor<float>(
      RunOp1({"ScatterND", {&x, &idx, &upd}, {{"reduction", StringAttr("max")}}, 18}), {3, 2},
      {8, 1, 2, 3, 9, 9});
  Tensor wrong = Tensor::FromVector<float>({2}, {1, 2});
  EXPECT_FALSE(RunOp({"ScatterND", {&x, &idx, &wrong}}).ok());
}

// ---- Expand, Tile ----

TEST(TensorKernels, ExpandBidirectional) {
  Tensor x = Tensor::FromVector<int64_t>({3, 1}, {1, 2, 3});
  Tensor shape = I64({2, 1, 4});
  Tensor y = RunOp1({"Expand", {&x, &shape}});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  for (int64_t i = 0; i < y.size(); ++i) EXPECT_EQ(y.data<int64_t>()[i], (i / 4) % 3 + 1) << i;
  Tensor ones = I64({1, 1});
  EXPECT_TRUE(RunOp1({"Expand", {&x, &ones}}).SharesBufferWith(x));  // 1s keep x's dims
  Tensor bad = I64({2, 2});
  EXPECT_FALSE(RunOp({"Expand", {&x, &bad}}).ok());
}

TEST(TensorKernels, ExpandLargeMatchesNaive) {
  Tensor x = Iota(DataType::kFloat32, {1, 300, 1, 5});
  Tensor shape = I64({4, 300, 60, 5});
  Tensor y = RunOp1({"Expand", {&x, &shape}});
  ASSERT_EQ(y.shape(), (Shape{4, 300, 60, 5}));
  for (int64_t i = 0; i < y.size(); ++i) {
    const std::vector<int64_t> c = Coords(i, y.shape());
    ASSERT_EQ(y.data<float>()[i], static_cast<float>(c[1] * 5 + c[3])) << i;
  }
}

TEST(TensorKernels, TileMatchesNaiveAndOpset1Form) {
  Tensor x = Iota(DataType::kInt16, {2, 3});
  Tensor repeats = I64({2, 3});
  Tensor y = RunOp1({"Tile", {&x, &repeats}});
  ASSERT_EQ(y.shape(), (Shape{4, 9}));
  for (int64_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(y.data<int16_t>()[i], ((i / 9) % 2) * 3 + (i % 9) % 3) << i;
  Tensor tiles = Tensor::Scalar<int64_t>(2), axis = Tensor::Scalar<int64_t>(1);
  Tensor y1 = RunOp1({"Tile", {&x, &tiles, &axis}, {}, 1});
  ExpectTensor<int16_t>(y1, {2, 6}, {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  Tensor wrong = I64({2});
  EXPECT_FALSE(RunOp({"Tile", {&x, &wrong}}).ok());
}

// ---- Pad ----

TEST(TensorKernels, PadModes1D) {
  Tensor x = Tensor::FromVector<float>({4}, {1, 2, 3, 4});
  Tensor pads = I64({3, 2});
  auto mode = [&](const char* m) {
    return RunOp1({"Pad", {&x, &pads}, {{"mode", StringAttr(m)}}});
  };
  ExpectTensor<float>(mode("constant"), {9}, {0, 0, 0, 1, 2, 3, 4, 0, 0});
  ExpectTensor<float>(mode("reflect"), {9}, {4, 3, 2, 1, 2, 3, 4, 3, 2});
  ExpectTensor<float>(mode("edge"), {9}, {1, 1, 1, 1, 2, 3, 4, 4, 4});
  ExpectTensor<float>(RunOp1({"Pad", {&x, &pads}, {{"mode", StringAttr("wrap")}}, 19}), {9},
                      {2, 3, 4, 1, 2, 3, 4, 1, 2});
  EXPECT_FALSE(RunOp({"Pad", {&x, &pads}, {{"mode", StringAttr("mirror")}}}).ok());
}

TEST(TensorKernels, PadReflect2DAndConstantValue) {
  Tensor x = Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor pads = I64({1, 1, 1, 0});  // rows +1 before/after, cols +1 before
  ExpectTensor<int32_t>(RunOp1({"Pad", {&x, &pads}, {{"mode", StringAttr("reflect")}}}), {4, 4},
                        {5, 4, 5, 6, 2, 1, 2, 3, 5, 4, 5, 6, 2, 1, 2, 3});
  ExpectTensor<int32_t>(RunOp1({"Pad", {&x, &pads}, {{"mode", StringAttr("edge")}}}), {4, 4},
                        {1, 1, 2, 3, 1, 1, 2, 3, 4, 4, 5, 6, 4, 4, 5, 6});
  Tensor value = Tensor::Scalar<int32_t>(-7);
  ExpectTensor<int32_t>(RunOp1({"Pad", {&x, &pads, &value}}), {4, 4},
                        {-7, -7, -7, -7, -7, 1, 2, 3, -7, 4, 5, 6, -7, -7, -7, -7});
  Tensor wrong_type = Tensor::Scalar<float>(1.0f);
  EXPECT_FALSE(RunOp({"Pad", {&x, &pads, &wrong_type}}).ok());
}

TEST(TensorKernels, PadAxesInputNegativePadsAndAttributeForm) {
  Tensor x = Iota(DataType::kFloat32, {2, 3});
  Tensor pads = I64({-1, 2}), axes = I64({-1});  // crop one column in front, add two at the end
  ExpectTensor<float>(RunOp1({"Pad", {&x, &pads, nullptr, &axes}, {}, 18}), {2, 4},
                      {1, 2, 0, 0, 4, 5, 0, 0});
  Tensor y =
      RunOp1({"Pad", {&x}, {{"pads", IntsAttr({0, 1, 0, 0})}, {"value", FloatAttr(2.5f)}}, 2});
  ExpectTensor<float>(y, {2, 4}, {2.5f, 0, 1, 2, 2.5f, 3, 4, 5});
  Tensor y1 = RunOp1({"Pad", {&x}, {{"paddings", IntsAttr({1, 0, 0, 0})}}, 1});
  ExpectTensor<float>(y1, {3, 3}, {0, 0, 0, 0, 1, 2, 3, 4, 5});
  Tensor b = Tensor::FromVector<bool>({2}, {true, true});
  Tensor bp = I64({1, 0});
  ExpectTensor<bool>(RunOp1({"Pad", {&b, &bp}}), {3}, {false, true, true});
}

TEST(TensorKernels, PadLargeReflectMatchesNaive) {
  Tensor x = Iota(DataType::kFloat32, {2, 3, 90, 70});
  Tensor pads = I64({0, 0, 5, 3, 0, 1, 4, 6});
  Tensor y = RunOp1({"Pad", {&x, &pads}, {{"mode", StringAttr("reflect")}}});
  ASSERT_EQ(y.shape(), (Shape{2, 4, 99, 79}));
  auto reflect = [](int64_t j, int64_t n) { return j < 0 ? -j : (j >= n ? 2 * (n - 1) - j : j); };
  for (int64_t i = 0; i < y.size(); ++i) {
    std::vector<int64_t> c = Coords(i, y.shape());
    c[1] = reflect(c[1], 3);
    c[2] = reflect(c[2] - 5, 90);
    c[3] = reflect(c[3] - 3, 70);
    ASSERT_EQ(y.data<float>()[i], x.data<float>()[Flat(c, x.shape())]) << i;
  }
}

// ---- Shape, Size, ConstantOfShape, Range ----

TEST(TensorKernels, ShapeStartEndAndSize) {
  Tensor x(DataType::kFloat32, {2, 3, 4, 5});
  ExpectTensor<int64_t>(RunOp1({"Shape", {&x}}), {4}, {2, 3, 4, 5});
  ExpectTensor<int64_t>(RunOp1({"Shape", {&x}, {{"start", IntAttr(-3)}, {"end", IntAttr(-1)}}, 15}),
                        {2}, {3, 4});
  ExpectTensor<int64_t>(
      RunOp1({"Shape", {&x}, {{"start", IntAttr(-10)}, {"end", IntAttr(10)}}, 15}), {4},
      {2, 3, 4, 5});
  ExpectTensor<int64_t>(RunOp1({"Shape", {&x}, {{"start", IntAttr(3)}, {"end", IntAttr(1)}}, 15}),
                        {0}, {});
  ExpectTensor<int64_t>(RunOp1({"Size", {&x}}), {}, {120});
}

TEST(TensorKernels, ConstantOfShapeValueAndScalar) {
  Tensor shape = I64({2, 2});
  ExpectTensor<int64_t>(RunOp1({"ConstantOfShape",
                                {&shape},
                                {{"value", TensorAttr(Tensor::FromVector<int64_t>({1}, {-3}))}}}),
                        {2, 2}, {-3, -3, -3, -3});
  Tensor empty = I64({});
  ExpectTensor<float>(RunOp1({"ConstantOfShape", {&empty}}), {}, {0.0f});
  Tensor negative = I64({-1});
  EXPECT_FALSE(RunOp({"ConstantOfShape", {&negative}}).ok());
}

TEST(TensorKernels, RangeIntegerAndFloat) {
  Tensor s = Tensor::Scalar<int32_t>(10), l = Tensor::Scalar<int32_t>(3),
         d = Tensor::Scalar<int32_t>(-3);
  ExpectTensor<int32_t>(RunOp1({"Range", {&s, &l, &d}}), {3}, {10, 7, 4});
  Tensor up = Tensor::Scalar<int32_t>(3);
  ExpectTensor<int32_t>(RunOp1({"Range", {&s, &l, &up}}), {0}, {});
  Tensor fs = Tensor::Scalar<float>(0.5f), fl = Tensor::Scalar<float>(2.0f),
         fd = Tensor::Scalar<float>(0.5f);
  ExpectTensor<float>(RunOp1({"Range", {&fs, &fl, &fd}}), {3}, {0.5f, 1.0f, 1.5f});
  Tensor zero = Tensor::Scalar<int32_t>(0);
  EXPECT_FALSE(RunOp({"Range", {&s, &l, &zero}}).ok());
}

// ---- DepthToSpace, SpaceToDepth ----

TEST(TensorKernels, DepthToSpaceModesAndInverse) {
  // One pixel, 4 channels, blocksize 2: DCR puts channel c at block position c; CRD the same here
  // (one output channel), so use 8 channels to tell them apart.
  Tensor x = Iota(DataType::kFloat32, {1, 8, 1, 1});
  ExpectTensor<float>(RunOp1({"DepthToSpace", {&x}, {{"blocksize", IntAttr(2)}}}), {1, 2, 2, 2},
                      {0, 2, 4, 6, 1, 3, 5, 7});
  ExpectTensor<float>(
      RunOp1({"DepthToSpace", {&x}, {{"blocksize", IntAttr(2)}, {"mode", StringAttr("CRD")}}}),
      {1, 2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  // SpaceToDepth undoes DCR DepthToSpace.
  Tensor big = Iota(DataType::kFloat32, {2, 12, 5, 7});
  Tensor d2s = RunOp1({"DepthToSpace", {&big}, {{"blocksize", IntAttr(2)}}});
  ASSERT_EQ(d2s.shape(), (Shape{2, 3, 10, 14}));
  ExpectSameBytes(RunOp1({"SpaceToDepth", {&d2s}, {{"blocksize", IntAttr(2)}}}), big);
  EXPECT_FALSE(RunOp({"DepthToSpace", {&x}, {{"blocksize", IntAttr(3)}}}).ok());
  EXPECT_FALSE(
      RunOp({"DepthToSpace", {&x}, {{"blocksize", IntAttr(2)}, {"mode", StringAttr("XYZ")}}}).ok());
}

// ---- ArgMax, ArgMin, TopK ----

TEST(TensorKernels, ArgMaxTiesAndInnerAxis) {
  Tensor x = Tensor::FromVector<float>({2, 4}, {1, 5, 5, 2, 7, 7, 0, 7});
  ExpectTensor<int64_t>(RunOp1({"ArgMax", {&x}, {{"axis", IntAttr(1)}}}), {2, 1}, {1, 0});
  ExpectTensor<int64_t>(
      RunOp1({"ArgMax",
              {&x},
              {{"axis", IntAttr(1)}, {"select_last_index", IntAttr(1)}, {"keepdims", IntAttr(0)}}}),
      {2}, {2, 3});
  // Axis 0 runs the inner-row path: columns (1,7) (5,7) (5,0) (2,7).
  ExpectTensor<int64_t>(RunOp1({"ArgMax", {&x}, {{"keepdims", IntAttr(0)}}}), {4}, {1, 1, 0, 1});
  ExpectTensor<int64_t>(RunOp1({"ArgMin", {&x}, {{"keepdims", IntAttr(0)}}}), {4}, {0, 0, 1, 0});
  Tensor same = Tensor::FromVector<int32_t>({3, 2}, {4, 4, 4, 4, 4, 4});
  ExpectTensor<int64_t>(RunOp1({"ArgMin", {&same}, {{"select_last_index", IntAttr(1)}}}), {1, 2},
                        {2, 2});
}

TEST(TensorKernels, TopKStableTies) {
  Tensor x = Tensor::FromVector<float>({6}, {1, 3, 3, 2, 3, 1});
  Tensor k = I64({3});
  auto r = RunOp({"TopK", {&x, &k}, {}, 11, 2});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectTensor<float>((*r)[0], {3}, {3, 3, 3});
  ExpectTensor<int64_t>((*r)[1], {3}, {1, 2, 4});
  r = RunOp({"TopK", {&x, &k}, {{"largest", IntAttr(0)}}, 11, 2});
  ASSERT_TRUE(r.ok());
  ExpectTensor<float>((*r)[0], {3}, {1, 1, 2});
  ExpectTensor<int64_t>((*r)[1], {3}, {0, 5, 3});
  Tensor too_many = I64({7});
  EXPECT_FALSE(RunOp({"TopK", {&x, &too_many}, {}, 11, 2}).ok());
}

TEST(TensorKernels, TopKAxis0NaNAndOpset1) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Tensor x = Tensor::FromVector<float>({3, 2}, {1, nan, 4, 2, 4, 3});
  auto r = RunOp({"TopK", {&x}, {{"k", IntAttr(2)}, {"axis", IntAttr(0)}}, 1, 2});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Column 0: 4 (row 1), 4 (row 2); column 1: NaN ranks first, then 3.
  ExpectTensor<int64_t>((*r)[1], {2, 2}, {1, 0, 2, 2});
  EXPECT_EQ((*r)[0].data<float>()[0], 4.0f);
  EXPECT_TRUE(std::isnan((*r)[0].data<float>()[1]));
  EXPECT_EQ((*r)[0].data<float>()[3], 3.0f);
}

TEST(TensorKernels, TopKLargeMatchesStableSort) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dist(0, 50);  // many ties
  std::vector<int32_t> v(64 * 500);
  for (auto& e : v) e = dist(rng);
  Tensor x = Tensor::FromVector<int32_t>({64, 500}, v);
  Tensor k = I64({20});
  auto r = RunOp({"TopK", {&x, &k}, {}, 11, 2});
  ASSERT_TRUE(r.ok());
  for (int64_t row = 0; row < 64; ++row) {
    std::vector<int64_t> order(500);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return v[row * 500 + a] > v[row * 500 + b]; });
    for (int64_t j = 0; j < 20; ++j) {
      ASSERT_EQ((*r)[1].data<int64_t>()[row * 20 + j], order[j]) << row << "," << j;
      ASSERT_EQ((*r)[0].data<int32_t>()[row * 20 + j], v[row * 500 + order[j]]);
    }
  }
}

// ---- NonZero, OneHot, Trilu, EyeLike, Compress, CumSum ----

TEST(TensorKernels, NonZeroCoordinates) {
  Tensor x = Tensor::FromVector<float>(
      {2, 3}, {0, -0.0f, 2, 3, 0, std::numeric_limits<float>::quiet_NaN()});
  ExpectTensor<int64_t>(RunOp1({"NonZero", {&x}}), {2, 3}, {0, 1, 1, 2, 0, 2});
  Tensor b = Tensor::FromVector<bool>({3}, {true, false, true});
  ExpectTensor<int64_t>(RunOp1({"NonZero", {&b}}), {1, 2}, {0, 2});
}

TEST(TensorKernels, OneHotAxesAndRanges) {
  Tensor idx = Tensor::FromVector<int64_t>({3}, {0, -1, 5});
  Tensor depth = Tensor::Scalar<float>(3.0f);
  Tensor values = Tensor::FromVector<int32_t>({2}, {-1, 9});
  ExpectTensor<int32_t>(RunOp1({"OneHot", {&idx, &depth, &values}}), {3, 3},
                        {9, -1, -1, -1, -1, 9, -1, -1, -1});
  ExpectTensor<int32_t>(RunOp1({"OneHot", {&idx, &depth, &values}, {{"axis", IntAttr(0)}}}), {3, 3},
                        {9, -1, -1, -1, -1, -1, -1, 9, -1});
  Tensor bad_values = Tensor::FromVector<int32_t>({3}, {0, 1, 2});
  EXPECT_FALSE(RunOp({"OneHot", {&idx, &depth, &bad_values}}).ok());
}

TEST(TensorKernels, TriluBatchAndK) {
  Tensor x = Tensor::FromVector<int64_t>({2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6});
  Tensor k = Tensor::Scalar<int64_t>(1);
  ExpectTensor<int64_t>(RunOp1({"Trilu", {&x, &k}}), {2, 2, 3},
                        {0, 2, 3, 0, 0, 6, 0, 2, 3, 0, 0, 6});
  Tensor km = Tensor::Scalar<int64_t>(-1);
  ExpectTensor<int64_t>(RunOp1({"Trilu", {&x, &km}, {{"upper", IntAttr(0)}}}), {2, 2, 3},
                        {0, 0, 0, 4, 0, 0, 0, 0, 0, 4, 0, 0});
  ExpectTensor<int64_t>(RunOp1({"Trilu", {&x}, {{"upper", IntAttr(0)}}}), {2, 2, 3},
                        {1, 0, 0, 4, 5, 0, 1, 0, 0, 4, 5, 0});
}

TEST(TensorKernels, EyeLikeOffsetAndDtype) {
  Tensor x(DataType::kFloat32, {3, 4});
  ExpectTensor<int32_t>(RunOp1({"EyeLike", {&x}, {{"k", IntAttr(-1)}, {"dtype", IntAttr(6)}}}),
                        {3, 4}, {0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  ExpectTensor<float>(RunOp1({"EyeLike", {&x}, {{"k", IntAttr(2)}}}), {3, 4},
                      {0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0});
}

TEST(TensorKernels, CompressShortConditionAndFlatten) {
  Tensor x = Iota(DataType::kFloat32, {3, 2});
  Tensor c = Tensor::FromVector<bool>({2}, {false, true});
  ExpectTensor<float>(RunOp1({"Compress", {&x, &c}, {{"axis", IntAttr(0)}}}), {1, 2}, {2, 3});
  Tensor c2 = Tensor::FromVector<bool>({5}, {true, false, false, true, true});
  ExpectTensor<float>(RunOp1({"Compress", {&x, &c2}}), {3}, {0, 3, 4});
  Tensor too_long = Tensor::FromVector<bool>({4}, {false, false, false, true});
  EXPECT_FALSE(RunOp({"Compress", {&x, &too_long}, {{"axis", IntAttr(0)}}}).ok());
}

TEST(TensorKernels, CumSumExclusiveReverse) {
  Tensor x = Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor axis1 = Tensor::Scalar<int64_t>(-1), axis0 = Tensor::Scalar<int32_t>(0);
  ExpectTensor<int32_t>(RunOp1({"CumSum", {&x, &axis1}}), {2, 3}, {1, 3, 6, 4, 9, 15});
  ExpectTensor<int32_t>(
      RunOp1({"CumSum", {&x, &axis1}, {{"exclusive", IntAttr(1)}, {"reverse", IntAttr(1)}}}),
      {2, 3}, {5, 3, 0, 11, 6, 0});
  ExpectTensor<int32_t>(RunOp1({"CumSum", {&x, &axis0}, {{"reverse", IntAttr(1)}}}), {2, 3},
                        {5, 7, 9, 4, 5, 6});
  ExpectTensor<int32_t>(RunOp1({"CumSum", {&x, &axis0}, {{"exclusive", IntAttr(1)}}}), {2, 3},
                        {0, 0, 0, 1, 2, 3});
}

TEST(TensorKernels, DropoutTrainingModeIsNotSupported) {
  Tensor x = Iota(DataType::kFloat32, {4});
  Tensor ratio = Tensor::Scalar<float>(0.5f);
  Tensor training = Tensor::Scalar<bool>(true);
  auto r = RunOp({"Dropout", {&x, &ratio, &training}, {}, 13, 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported);
  Tensor no_ratio = Tensor::Scalar<float>(0.0f);
  r = RunOp({"Dropout", {&x, &no_ratio, &training}, {}, 13, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].SharesBufferWith(x));
  ExpectTensor<bool>((*r)[1], {4}, {true, true, true, true});
}

}  // namespace
}  // namespace xquant
