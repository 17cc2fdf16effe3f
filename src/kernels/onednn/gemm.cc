// Gemm (ONNX opsets 1, 6, 7, 9, 11, 13): Y = alpha * A' * B' + beta * C with A' = transA ? A^T : A,
// B' likewise, on float32. C broadcasts unidirectionally to [M, N] (from opset 7; the older
// `broadcast` attribute is accepted either way) and is optional from opset 11. A C that is one
// row ([N], [1, N], a scalar) with alpha = 1 becomes oneDNN's bias; any other C is written into Y
// first and accumulated by the product. A constant B is packed once.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/onednn/engine.h"
#include "kernels/onednn/matmul_primitive.h"

namespace xquant::kernels {
namespace {

// y[M, N] = beta * c broadcast. REQUIRES: c's shape broadcasts unidirectionally to [M, N].
void FillBroadcast(const Tensor& c, float beta, int64_t m, int64_t n, float* y) {
  const int64_t cm = c.rank() == 2 ? c.dim(0) : 1;
  const int64_t cn = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
  const float* cv = c.data<float>();
  for (int64_t i = 0; i < m; ++i) {
    const float* row = cv + (cm == 1 ? 0 : i * cn);
    float* out = y + i * n;
    if (cn == 1)
      std::fill_n(out, n, beta * row[0]);
    else
      for (int64_t j = 0; j < n; ++j) out[j] = beta * row[j];
  }
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateGemm(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const float alpha = node.GetFloat("alpha", 1.0f);
  const float beta = node.GetFloat("beta", 1.0f);
  const bool trans_a = node.GetInt("transA", 0) != 0;
  const bool trans_b = node.GetInt("transB", 0) != 0;
  if (info.num_inputs() < 2 || info.num_inputs() > 3)
    return info.Invalid("needs inputs A, B and optionally C");
  for (size_t i = 0; i < info.num_inputs(); ++i) {
    const DataType t = info.InputType(i);
    if (t != DataType::kUndefined && t != DataType::kFloat32)
      return info.Unsupported("input " + std::to_string(i) + " has element type " +
                              DataTypeName(t) + "; only float32 is supported");
  }
  const Tensor* constant_b = info.ConstantInput(1);
  auto primitive = std::make_unique<onednn::MatmulPrimitive>(
      constant_b && constant_b->dtype() == DataType::kFloat32 ? *constant_b : Tensor());
  return MakeKernel([=, primitive = std::move(primitive)](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
    const Tensor* c = ctx.input(2);
    for (const Tensor* t : {a, b, c})
      if (t && t->dtype() != DataType::kFloat32)
        return NotSupportedError(ctx.node().Describe() + ": element type " +
                                 DataTypeName(t->dtype()) + " is not supported (float32 only)");
    if (a->rank() != 2 || b->rank() != 2)
      return ctx.Error("A and B must be matrices, got " + ShapeToString(a->shape()) + " and " +
                       ShapeToString(b->shape()));
    const int64_t m = trans_a ? a->dim(1) : a->dim(0), k = trans_a ? a->dim(0) : a->dim(1);
    const int64_t kb = trans_b ? b->dim(1) : b->dim(0), n = trans_b ? b->dim(0) : b->dim(1);
    if (k != kb)
      return ctx.Error("A " + ShapeToString(a->shape()) + (trans_a ? " (transposed)" : "") +
                       " and B " + ShapeToString(b->shape()) + (trans_b ? " (transposed)" : "") +
                       " have different inner dimensions");
    const bool use_c = c && beta != 0.0f;
    if (use_c) {
      const Shape& cs = c->shape();
      const bool fits = cs.size() <= 2 && (cs.empty() || cs.back() == 1 || cs.back() == n) &&
                        (cs.size() < 2 || cs[0] == 1 || cs[0] == m);
      if (!fits)
        return ctx.Error("C " + ShapeToString(cs) + " does not broadcast to [" + std::to_string(m) +
                         ", " + std::to_string(n) + "]");
    }
    Tensor y(DataType::kFloat32, {m, n});
    ctx.output(0) = y;
    if (y.size() == 0) return Status::Ok();
    if (k == 0) {
      if (use_c)
        FillBroadcast(*c, beta, m, n, y.data<float>());
      else
        std::fill_n(y.data<float>(), y.size(), 0.0f);
      return Status::Ok();
    }

    onednn::MatmulProblem p;
    p.src = {m, k};
    p.weights = {k, n};
    p.dst = {m, n};
    p.transpose_src = trans_a;
    p.transpose_weights = trans_b;
    p.alpha = alpha;
    const float* bias = nullptr;
    const bool c_is_row = use_c && (c->rank() < 2 || c->dim(0) == 1);
    if (c_is_row && alpha == 1.0f) {
      // oneDNN applies alpha after the bias, hence only for alpha = 1.
      p.bias = true;
      if (beta == 1.0f && c->size() == n) {
        bias = c->data<float>();
      } else {
        float* row =
            static_cast<float*>(onednn::Workspace(onednn::WorkspaceSlot::kBias, n * sizeof(float)));
        FillBroadcast(*c, beta, 1, n, row);
        bias = row;
      }
    } else if (use_c) {
      FillBroadcast(*c, beta, m, n, y.data<float>());
      p.accumulate = true;
    }
    try {
      primitive->Run(p, a->data<float>(), b->data<float>(), bias, y.data<float>());
    } catch (const dnnl::error& e) {
      return onednn::DnnlErrorToStatus(ctx.node(), e, "running the matrix product");
    }
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
