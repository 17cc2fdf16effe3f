// The executor: observer order, constant folding, the per-shape fold of shape arithmetic,
// freeing after the last consumer, input checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "xquant/session.h"

namespace xquant {
namespace {

// Builds small graphs in memory, without ONNX files.
class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 13) { model_->graph.opset_imports[""] = opset; }

  ValueId Input(const std::string& name, DataType dtype, std::vector<Dim> shape) {
    ValueId id = Value(name);
    model_->graph.values[id].dtype = dtype;
    model_->graph.values[id].shape = std::move(shape);
    model_->graph.inputs.push_back(id);
    return id;
  }
  ValueId Constant(const std::string& name, Tensor t) {
    ValueId id = Value(name);
    model_->graph.values[id].dtype = t.dtype();
    model_->graph.values[id].constant = std::move(t);
    return id;
  }
  ValueId Op(const std::string& op, std::vector<ValueId> inputs, const std::string& out,
             std::map<std::string, Attribute, std::less<>> attributes = {}) {
    Node node;
    node.op_type = op;
    node.name = op + "_" + out;
    node.inputs = std::move(inputs);
    node.outputs = {Value(out)};
    node.attributes = std::move(attributes);
    model_->graph.nodes.push_back(std::move(node));
    return model_->graph.nodes.back().outputs[0];
  }
  std::shared_ptr<const Model> Build(std::vector<ValueId> outputs) {
    model_->graph.outputs = std::move(outputs);
    model_->path = "built-in-test";
    Status s = model_->graph.Rebuild();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return model_;
  }

 private:
  ValueId Value(const std::string& name) { return model_->graph.AddValue(name); }
  std::shared_ptr<Model> model_ = std::make_shared<Model>();
};

constexpr auto IntAttr = &Attribute::Int;

TEST(Session, ObserverSeesEveryProducedTensorInOrder) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{2, ""}});
  ValueId c = b.Constant("c", Tensor::FromVector<float>({2}, {1.0f, -5.0f}));
  ValueId sum = b.Op("Add", {x, c}, "sum");
  ValueId y = b.Op("Relu", {sum}, "y");
  auto session = Session::Create(b.Build({y}));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  std::vector<std::string> seen;
  std::vector<float> sums;
  FunctionObserver observer([&](const TensorEvent& e) {
    seen.push_back(e.node.op_type + ":" + e.name);
    if (e.name == "sum") sums.assign(e.tensor.data<float>(), e.tensor.data<float>() + 2);
    return Status::Ok();
  });
  auto out = (*session)->Run({{"x", Tensor::FromVector<float>({2}, {2.0f, 3.0f})}}, &observer);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(seen, (std::vector<std::string>{"Add:sum", "Relu:y"}));
  EXPECT_EQ(sums, (std::vector<float>{3.0f, -2.0f}));
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].first, "y");
  EXPECT_EQ((*out)[0].second.data<float>()[0], 3.0f);
  EXPECT_EQ((*out)[0].second.data<float>()[1], 0.0f);
}

TEST(Session, ObserverErrorStopsTheRun) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{1, ""}});
  ValueId y = b.Op("Relu", {x}, "y");
  ValueId z = b.Op("Relu", {y}, "z");
  auto session = Session::Create(b.Build({z}));
  ASSERT_TRUE(session.ok());
  int calls = 0;
  FunctionObserver observer([&](const TensorEvent&) {
    ++calls;
    return InvalidArgumentError("stop here");
  });
  auto out = (*session)->Run({{"x", Tensor::FromVector<float>({1}, {1.0f})}}, &observer);
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "stop here");
  EXPECT_EQ(calls, 1);
}

TEST(Session, DequantizedWeightsAreFoldedOnceAndMatchTheUnfoldedRun) {
  auto build = [] {
    GraphBuilder b;
    ValueId x = b.Input("x", DataType::kFloat32, {Dim{3, ""}});
    ValueId w = b.Constant("w_q", Tensor::FromVector<int8_t>({3}, {-128, 3, 127}));
    ValueId s = b.Constant("w_scale", Tensor::Scalar<float>(0.5f));
    ValueId zp = b.Constant("w_zp", Tensor::Scalar<int8_t>(1));
    ValueId wf = b.Op("DequantizeLinear", {w, s, zp}, "w");
    ValueId y = b.Op("Mul", {x, wf}, "y");
    return b.Build({y});
  };
  SessionOptions no_fold;
  no_fold.fold_constants = false;
  auto folded = Session::Create(build());
  auto unfolded = Session::Create(build(), no_fold);
  ASSERT_TRUE(folded.ok() && unfolded.ok());
  EXPECT_EQ((*folded)->graph().nodes.size(), 1u);  // only Mul is left
  EXPECT_EQ((*unfolded)->graph().nodes.size(), 2u);
  const ValueId w = (*folded)->graph().FindValue("w");
  ASSERT_NE(w, kNoValue);
  ASSERT_TRUE((*folded)->graph().values[w].constant.has_value());
  EXPECT_FLOAT_EQ((*folded)->graph().values[w].constant->data<float>()[0], -64.5f);  // (-128 - 1) * 0.5

  std::map<std::string, Tensor> in = {{"x", Tensor::FromVector<float>({3}, {1.0f, 2.0f, -1.0f})}};
  auto a = (*folded)->Run(in);
  auto b = (*unfolded)->Run(in);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*a)[0].second.data<float>()[i], (*b)[0].second.data<float>()[i]);
  EXPECT_FLOAT_EQ((*a)[0].second.data<float>()[2], -63.0f);  // (127 - 1) * 0.5 * -1
}

// Conv -> Clip -> Sigmoid, Mul(clipped, sigmoid) -> Conv -> Relu: without an observer the Clip
// and the Relu run inside the convolutions and the Mul inside the Sigmoid; the results must be the
// same bits as the observed run, which executes every node.
TEST(Session, FoldedActivationsMatchTheObservedRunBitForBit) {
  GraphBuilder b;
  // 24x24: the first Conv takes oneDNN's blocked path (the clamp is a post-op), the 1x1 one the
  // plain path (the clamp applied after it).
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{2, ""}, Dim{3, ""}, Dim{24, ""}, Dim{24, ""}});
  std::vector<float> w1(4 * 3 * 3 * 3), w2(4 * 4);
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = static_cast<float>(static_cast<int>(i * 7 % 11) - 5) * 0.37f;
  for (size_t i = 0; i < w2.size(); ++i) w2[i] = static_cast<float>(static_cast<int>(i * 5 % 9) - 4) * 0.41f;
  ValueId c1 = b.Op("Conv", {x, b.Constant("w1", Tensor::FromVector<float>({4, 3, 3, 3}, w1)),
                             b.Constant("b1", Tensor::FromVector<float>({4}, {0.1f, -0.2f, 0.3f, -2.0f}))},
                    "c1", {{"pads", Attribute::Ints({1, 1, 1, 1})}});
  ValueId clipped = b.Op("Clip", {c1, b.Constant("lo", Tensor::Scalar<float>(-1.5f)),
                                  b.Constant("hi", Tensor::Scalar<float>(2.25f))}, "clipped");
  ValueId sig = b.Op("Sigmoid", {clipped}, "sig");
  ValueId swish = b.Op("Mul", {clipped, sig}, "swish");
  ValueId c2 = b.Op("Conv", {swish, b.Constant("w2", Tensor::FromVector<float>({4, 4, 1, 1}, w2))}, "c2");
  ValueId y = b.Op("Relu", {c2}, "y");
  auto session = Session::Create(b.Build({y}));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  Tensor input(DataType::kFloat32, {2, 3, 24, 24});
  for (int64_t i = 0; i < input.size(); ++i)
    input.data<float>()[i] = static_cast<float>(static_cast<int>(i * 13 % 29) - 14) * 0.21f;
  auto folded = (*session)->Run({{"x", input}});
  ASSERT_TRUE(folded.ok()) << folded.status().ToString();
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 3);  // Conv+Clip, Sigmoid*x, Conv+Relu
  FunctionObserver observer([](const TensorEvent&) { return Status::Ok(); });
  auto observed = (*session)->Run({{"x", input}}, &observer);
  ASSERT_TRUE(observed.ok()) << observed.status().ToString();
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 6);

  const Tensor& a = (*folded)[0].second;
  const Tensor& e = (*observed)[0].second;
  ASSERT_EQ(a.shape(), e.shape());
  int zeros = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.data<float>()[i], e.data<float>()[i]) << "at " << i;
    zeros += e.data<float>()[i] == 0.0f;
  }
  EXPECT_GT(zeros, 0);  // the Relu did clamp something
  EXPECT_LT(zeros, a.size());

  // An observer that does not want the tensors the folds skip (c1, sig, c2) gets the folds, sees
  // the rest with their true producers, and the same bits.
  const std::set<std::string> unwanted = {"c1", "sig", "c2"};
  std::map<std::string, std::string> producers;  // tensor -> producing node's op
  std::map<std::string, Tensor> seen;
  FunctionObserver selective(
      [&](const TensorEvent& ev) {
        producers[ev.name] = ev.node.op_type;
        seen[ev.name] = ev.tensor;
        return Status::Ok();
      },
      [&](const std::string& name) { return unwanted.count(name) == 0; });
  auto selected = (*session)->Run({{"x", input}}, &selective);
  ASSERT_TRUE(selected.ok()) << selected.status().ToString();
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 3);
  EXPECT_EQ(producers, (std::map<std::string, std::string>{{"clipped", "Clip"}, {"swish", "Mul"}, {"y", "Relu"}}));
  std::map<std::string, Tensor> everything;
  FunctionObserver all([&](const TensorEvent& ev) {
    everything[ev.name] = ev.tensor;
    return Status::Ok();
  });
  ASSERT_TRUE((*session)->Run({{"x", input}}, &all).ok());
  for (const auto& [name, tensor] : seen) {
    ASSERT_EQ(tensor.shape(), everything[name].shape()) << name;
    for (int64_t i = 0; i < tensor.size(); ++i)
      ASSERT_EQ(tensor.data<float>()[i], everything[name].data<float>()[i]) << name << " at " << i;
  }
}

// Deterministic weights and inputs: (i * mul % mod - mod / 2) * scale.
Tensor Pattern(Shape shape, int mul, int mod, float scale) {
  Tensor t(DataType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.size(); ++i)
    t.data<float>()[i] = static_cast<float>(static_cast<int>(i * mul % mod) - mod / 2) * scale;
  return t;
}

// An unobserved run's output against the observed (plain) run's: float rounding only, and large
// enough values that a layout mix-up would show.
void ExpectCloseToObserved(const Tensor& unobserved, const Tensor& observed, const std::string& what) {
  ASSERT_EQ(unobserved.shape(), observed.shape()) << what;
  double max_abs = 0.0;
  for (int64_t i = 0; i < observed.size(); ++i) {
    const float e = observed.data<float>()[i];
    max_abs = std::max(max_abs, static_cast<double>(std::abs(e)));
    EXPECT_NEAR(unobserved.data<float>()[i], e, 1e-5 * (1.0 + std::abs(e))) << what << " at " << i;
  }
  EXPECT_GT(max_abs, 0.1) << what << " is too small to show a layout mix-up";
}

// An inverted-residual block with squeeze-excitation, as in MobileNetV3, on channel counts that
// are not multiples of 16 (24, 72: padded blocks): 1x1 conv, 1x1 conv + Relu, depthwise 3x3 +
// Clip, HardSigmoid(x)*x, GlobalAveragePool -> 1x1 conv + Relu -> 1x1 conv -> HardSigmoid, Mul by
// that per-channel scale, 1x1 conv, residual Add, 1x1 conv; the projection is also pooled into a
// second output. Without an observer every intermediate result stays channel-blocked from one
// kernel to the next. The observed run, plain throughout, is the reference; the 1x1 convolutions
// may then use another oneDNN kernel (gemm) and the pool sums in another order, hence a tolerance.
TEST(Session, BlockedHandOffsMatchTheObservedRun) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{2, ""}, Dim{24, ""}, Dim{24, ""}, Dim{24, ""}});
  ValueId c0 = b.Op("Conv", {x, b.Constant("w0", Pattern({24, 24, 1, 1}, 5, 19, 0.05f))}, "c0");
  ValueId c1 = b.Op("Conv", {c0, b.Constant("w1", Pattern({72, 24, 1, 1}, 7, 13, 0.05f)),
                             b.Constant("b1", Pattern({72}, 3, 7, 0.1f))}, "c1");
  ValueId r1 = b.Op("Relu", {c1}, "r1");
  ValueId c2 = b.Op("Conv", {r1, b.Constant("w2", Pattern({72, 1, 3, 3}, 5, 11, 0.09f))}, "c2",
                    {{"pads", Attribute::Ints({1, 1, 1, 1})}, {"group", IntAttr(72)}});
  ValueId clipped = b.Op("Clip", {c2, b.Constant("lo", Tensor::Scalar<float>(0.0f)),
                                  b.Constant("hi", Tensor::Scalar<float>(6.0f))}, "clipped");
  ValueId hs = b.Op("HardSigmoid", {clipped}, "hs");
  ValueId swish = b.Op("Mul", {clipped, hs}, "swish");
  ValueId squeezed = b.Op("GlobalAveragePool", {swish}, "squeezed");
  ValueId se1 = b.Op("Conv", {squeezed, b.Constant("ws1", Pattern({24, 72, 1, 1}, 3, 17, 0.03f))}, "se1");
  ValueId se1r = b.Op("Relu", {se1}, "se1r");
  ValueId se2 = b.Op("Conv", {se1r, b.Constant("ws2", Pattern({72, 24, 1, 1}, 5, 23, 0.04f)),
                              b.Constant("bs2", Pattern({72}, 5, 9, 0.2f))}, "se2");
  ValueId scale = b.Op("HardSigmoid", {se2}, "scale");
  ValueId excited = b.Op("Mul", {swish, scale}, "excited");
  ValueId c3 = b.Op("Conv", {excited, b.Constant("w3", Pattern({24, 72, 1, 1}, 11, 17, 0.04f))}, "c3");
  ValueId sum = b.Op("Add", {c3, c0}, "sum");
  ValueId y = b.Op("Conv", {sum, b.Constant("w4", Pattern({16, 24, 1, 1}, 13, 29, 0.05f))}, "y");
  ValueId pooled = b.Op("GlobalAveragePool", {c3}, "pooled");
  auto session = Session::Create(b.Build({y, pooled}));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  Tensor input = Pattern({2, 24, 24, 24}, 13, 29, 0.21f);
  auto unobserved = (*session)->Run({{"x", input}});
  ASSERT_TRUE(unobserved.ok()) << unobserved.status().ToString();
  // c0, Conv+Relu, Conv+Clip, HardSigmoid*x, pool, Conv+Relu, Conv, HardSigmoid, Mul, c3, Add, y,
  // pool. Blocked: c0, r1, clipped, swish, se1r, se2, scale, excited, c3, sum.
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 13);
  EXPECT_EQ((*session)->last_run_stats().blocked_handoffs, 10);
  FunctionObserver observer([](const TensorEvent&) { return Status::Ok(); });
  auto observed = (*session)->Run({{"x", input}}, &observer);
  ASSERT_TRUE(observed.ok()) << observed.status().ToString();
  EXPECT_EQ((*session)->last_run_stats().blocked_handoffs, 0);

  for (size_t o = 0; o < 2; ++o)
    ExpectCloseToObserved((*unobserved)[o].second, (*observed)[o].second, "output " + std::to_string(o));
}

// A stem and a SqueezeNet fire module: 3x3/2 conv + Relu, MaxPool 3x3/2 (ceil_mode), squeeze
// 1x1 + Relu, expand 1x1 + Relu and 3x3 + Relu, Concat of both, 1x1 conv. Without an observer the
// pool and the Concat keep the blocked layout too; the observed run is the reference.
TEST(Session, BlockedHandOffsThroughPoolAndConcat) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{2, ""}, Dim{3, ""}, Dim{31, ""}, Dim{31, ""}});
  auto relu_conv = [&](ValueId in, const std::string& name, Shape w, std::map<std::string, Attribute, std::less<>> attrs) {
    ValueId c = b.Op("Conv", {in, b.Constant(name + "_w", Pattern(w, 7, 23, 0.04f)),
                              b.Constant(name + "_b", Pattern({w[0]}, 3, 7, 0.05f))}, name, std::move(attrs));
    return b.Op("Relu", {c}, name + "_relu");
  };
  ValueId stem = relu_conv(x, "stem", {64, 3, 3, 3}, {{"strides", Attribute::Ints({2, 2})}});
  ValueId pooled = b.Op("MaxPool", {stem}, "pool",
                        {{"kernel_shape", Attribute::Ints({3, 3})}, {"strides", Attribute::Ints({2, 2})},
                         {"ceil_mode", IntAttr(1)}});
  ValueId squeeze = relu_conv(pooled, "squeeze", {16, 64, 1, 1}, {});
  ValueId e1 = relu_conv(squeeze, "expand1", {64, 16, 1, 1}, {});
  ValueId e3 = relu_conv(squeeze, "expand3", {64, 16, 3, 3}, {{"pads", Attribute::Ints({1, 1, 1, 1})}});
  ValueId joined = b.Op("Concat", {e1, e3}, "concat", {{"axis", IntAttr(1)}});
  ValueId y = b.Op("Conv", {joined, b.Constant("head_w", Pattern({10, 128, 1, 1}, 5, 19, 0.03f))}, "head");
  auto session = Session::Create(b.Build({y}));
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  Tensor input = Pattern({2, 3, 31, 31}, 13, 29, 0.21f);
  auto unobserved = (*session)->Run({{"x", input}});
  ASSERT_TRUE(unobserved.ok()) << unobserved.status().ToString();
  // Blocked: stem, pool, squeeze, both expands, concat.
  EXPECT_EQ((*session)->last_run_stats().blocked_handoffs, 6);
  FunctionObserver observer([](const TensorEvent&) { return Status::Ok(); });
  auto observed = (*session)->Run({{"x", input}}, &observer);
  ASSERT_TRUE(observed.ok()) << observed.status().ToString();
  ASSERT_EQ((*unobserved)[0].second.shape(), (Shape{2, 10, 7, 7}));
  ExpectCloseToObserved((*unobserved)[0].second, (*observed)[0].second, "the output");
}

// A Concat of 33 convolutions' results (a DenseNet-169 dense block ends with such): the executor
// marks blocked inputs in 32 bits, so the one read at index 32 stays plain, and the run matches
// the observed one.
TEST(Session, BlockedHandOffsIntoAWideConcat) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{1, ""}, Dim{16, ""}, Dim{4, ""}, Dim{4, ""}});
  std::vector<ValueId> parts;
  for (int k = 0; k < 33; ++k)
    parts.push_back(b.Op("Conv", {x, b.Constant("w" + std::to_string(k), Pattern({16, 16, 1, 1}, 7 + k, 23, 0.04f))},
                         "c" + std::to_string(k)));
  ValueId joined = b.Op("Concat", parts, "concat", {{"axis", IntAttr(1)}});
  ValueId y = b.Op("Conv", {joined, b.Constant("head", Pattern({8, 33 * 16, 1, 1}, 5, 19, 0.03f))}, "y");
  auto session = Session::Create(b.Build({y}));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  Tensor input = Pattern({1, 16, 4, 4}, 13, 29, 0.21f);
  auto unobserved = (*session)->Run({{"x", input}});
  ASSERT_TRUE(unobserved.ok()) << unobserved.status().ToString();
  EXPECT_EQ((*session)->last_run_stats().blocked_handoffs, 32);
  FunctionObserver observer([](const TensorEvent&) { return Status::Ok(); });
  auto observed = (*session)->Run({{"x", input}}, &observer);
  ASSERT_TRUE(observed.ok()) << observed.status().ToString();
  ExpectCloseToObserved((*unobserved)[0].second, (*observed)[0].second, "the output");
}

// x [batch, 6] -> Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1, 2])) = [batch, 3, 2]
std::shared_ptr<const Model> ReshapeByShapeModel() {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{-1, "batch"}, Dim{6, ""}});
  ValueId shape = b.Op("Shape", {x}, "shape");
  ValueId zero = b.Constant("zero", Tensor::Scalar<int64_t>(0));
  ValueId batch = b.Op("Gather", {shape, zero}, "batch", {{"axis", IntAttr(0)}});
  ValueId axes = b.Constant("axes", Tensor::FromVector<int64_t>({1}, {0}));
  ValueId batch1 = b.Op("Unsqueeze", {batch, axes}, "batch1");
  ValueId rest = b.Constant("rest", Tensor::FromVector<int64_t>({2}, {-1, 2}));
  ValueId target = b.Op("Concat", {batch1, rest}, "target", {{"axis", IntAttr(0)}});
  ValueId y = b.Op("Reshape", {x, target}, "y");
  return b.Build({y});
}

TEST(Session, ShapeArithmeticIsFoldedPerInputShape) {
  auto session = Session::Create(ReshapeByShapeModel());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  int observed = 0;
  FunctionObserver count([&](const TensorEvent&) {
    ++observed;
    return Status::Ok();
  });
  auto run = [&](int64_t batch) {
    return (*session)->Run({{"x", Tensor::Zeros(DataType::kFloat32, {batch, 6})}}, &count);
  };
  auto first = run(2);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)[0].second.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ((*session)->last_run_stats().shape_nodes_reused, 0);
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 5);

  auto second = run(2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*session)->last_run_stats().shape_nodes_reused, 4);  // Shape, Gather, Unsqueeze, Concat
  EXPECT_EQ((*session)->last_run_stats().nodes_executed, 1);      // Reshape only

  auto third = run(5);  // a new batch size recomputes the shape arithmetic
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)[0].second.shape(), (Shape{5, 3, 2}));
  EXPECT_EQ((*session)->last_run_stats().shape_nodes_reused, 0);
  // Only the data-carrying tensor is shown to the observer, once per run.
  EXPECT_EQ(observed, 3);
}

TEST(Session, IntermediatesAreFreedAfterTheirLastConsumer) {
  GraphBuilder b;
  ValueId v = b.Input("x", DataType::kFloat32, {Dim{1 << 20, ""}});
  for (int i = 0; i < 12; ++i) v = b.Op("Relu", {v}, "r" + std::to_string(i));
  auto session = Session::Create(b.Build({v}));
  ASSERT_TRUE(session.ok());
  auto out = (*session)->Run({{"x", Tensor::Zeros(DataType::kFloat32, {1 << 20})}});
  ASSERT_TRUE(out.ok());
  const RunStats stats = (*session)->last_run_stats();
  const int64_t one = int64_t{4} << 20;
  EXPECT_EQ(stats.produced_bytes, 12 * one);
  // A chain needs its input and its output alive at once, never more.
  EXPECT_LE(stats.peak_live_bytes, 2 * one);
}

TEST(Session, WrongInputsAreListedTogether) {
  GraphBuilder b;
  ValueId x = b.Input("x", DataType::kFloat32, {Dim{-1, "batch"}, Dim{4, ""}});
  ValueId y = b.Input("y", DataType::kInt64, {Dim{2, ""}});
  ValueId z = b.Op("Relu", {x}, "z");
  ValueId w = b.Op("Identity", {y}, "w");
  auto session = Session::Create(b.Build({z, w}));
  ASSERT_TRUE(session.ok());
  auto out = (*session)->Run({{"x", Tensor::Zeros(DataType::kFloat32, {3, 5})}, {"q", Tensor::Zeros(DataType::kFloat32, {1})}});
  ASSERT_FALSE(out.ok());
  const std::string& m = out.status().message();
  EXPECT_NE(m.find("input 'x' expects float32 [batch, 4], got float32 [3, 5]"), std::string::npos) << m;
  EXPECT_NE(m.find("input 'y' (int64 [2]) is missing"), std::string::npos) << m;
  EXPECT_NE(m.find("'q' is not an input of the model (its inputs: 'x', 'y')"), std::string::npos) << m;
}

TEST(Graph, RebuildReportsCyclesByName) {
  Model model;
  Graph& g = model.graph;
  ValueId a = g.AddValue("a"), b = g.AddValue("b");
  Node n1, n2;
  n1.op_type = "Relu";
  n1.name = "first";
  n1.inputs = {b};
  n1.outputs = {a};
  n2.op_type = "Relu";
  n2.name = "second";
  n2.inputs = {a};
  n2.outputs = {b};
  g.nodes = {n1, n2};
  Status s = g.Rebuild();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cycle"), std::string::npos);
  EXPECT_NE(s.message().find("Relu 'first'"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace xquant
