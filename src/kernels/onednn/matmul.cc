// MatMul (ONNX opsets 1, 9, 13: identical semantics): numpy.matmul on float32. A 1-D operand is
// promoted to a matrix (A [K] -> [1, K], B [K] -> [K, 1]) and the added axis removed from the
// result; the batch axes (all but the last two) broadcast. When B has no batch axes, A's batch
// axes are folded into its rows: one large matrix product instead of many small ones. A constant
// B is packed once into oneDNN's preferred layout.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/onednn/engine.h"
#include "kernels/onednn/matmul_primitive.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateMatMul(const exec::KernelInfo& info) {
  if (info.num_inputs() != 2) return info.Invalid("needs exactly two inputs, A and B");
  for (size_t i = 0; i < 2; ++i) {
    const DataType t = info.InputType(i);
    if (t != DataType::kUndefined && t != DataType::kFloat32)
      return info.Unsupported("input " + std::to_string(i) + " has element type " +
                              DataTypeName(t) + "; only float32 is supported");
  }
  const Tensor* constant_b = info.ConstantInput(1);
  auto primitive = std::make_unique<onednn::MatmulPrimitive>(
      constant_b && constant_b->dtype() == DataType::kFloat32 ? *constant_b : Tensor());
  return MakeKernel([primitive = std::move(primitive)](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
    for (const Tensor* t : {a, b})
      if (t->dtype() != DataType::kFloat32)
        return NotSupportedError(ctx.node().Describe() + ": element type " +
                                 DataTypeName(t->dtype()) + " is not supported (float32 only)");
    if (a->rank() == 0 || b->rank() == 0)
      return ctx.Error("operands must have at least one dimension, got " +
                       ShapeToString(a->shape()) + " and " + ShapeToString(b->shape()));
    Shape sa = a->shape(), sb = b->shape();
    const bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
    if (a_vector) sa.insert(sa.begin(), 1);
    if (b_vector) sb.push_back(1);
    const int64_t m = sa[sa.size() - 2], k = sa.back(), n = sb.back();
    if (sb[sb.size() - 2] != k)
      return ctx.Error("A " + ShapeToString(a->shape()) + " and B " + ShapeToString(b->shape()) +
                       " have different inner dimensions");
    const Shape batch_a(sa.begin(), sa.end() - 2), batch_b(sb.begin(), sb.end() - 2);
    auto batch = BroadcastShapes(batch_a, batch_b);
    if (!batch.ok())
      return ctx.Error("the batch dimensions of A and B: " + batch.status().message());
    Shape y_shape = *batch;
    if (!a_vector) y_shape.push_back(m);
    if (!b_vector) y_shape.push_back(n);
    Tensor y(DataType::kFloat32, y_shape);
    ctx.output(0) = y;
    if (y.size() == 0) return Status::Ok();
    if (k == 0) {
      std::fill_n(y.data<float>(), y.size(), 0.0f);
      return Status::Ok();
    }

    onednn::MatmulProblem p;
    if (ElementCount(batch_b) == 1) {
      const int64_t rows = ElementCount(batch_a) * m;
      p.src = {rows, k};
      p.weights = {k, n};
      p.dst = {rows, n};
    } else {
      const size_t rank = batch->size() + 2;
      if (rank > DNNL_MAX_NDIMS)
        return NotSupportedError(ctx.node().Describe() + ": more than " +
                                 std::to_string(DNNL_MAX_NDIMS) + " dimensions");
      p.src.assign(rank - sa.size(), 1);
      p.src.insert(p.src.end(), sa.begin(), sa.end());
      p.weights.assign(rank - sb.size(), 1);
      p.weights.insert(p.weights.end(), sb.begin(), sb.end());
      p.dst = onednn::ToDims(*batch);
      p.dst.push_back(m);
      p.dst.push_back(n);
    }
    try {
      primitive->Run(p, a->data<float>(), b->data<float>(), nullptr, y.data<float>());
    } catch (const dnnl::error& e) {
      return onednn::DnnlErrorToStatus(ctx.node(), e, "running the matrix product");
    }
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
