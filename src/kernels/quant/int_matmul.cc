#include "kernels/quant/int_matmul.h"

#include "kernels/common.h"

namespace xquant::kernels {
namespace {

// Matrix index in an operand with batch dims `batch` for every output matrix of `out_batch`.
std::vector<int64_t> MatrixIndices(const Shape& batch, const Shape& out_batch) {
  const std::vector<int64_t> strides = BroadcastStrides(batch, out_batch);
  const int64_t count = ElementCount(out_batch);
  std::vector<int64_t> indices(static_cast<size_t>(count));
  for (int64_t o = 0; o < count; ++o) {
    int64_t rem = o;
    int64_t index = 0;
    for (size_t d = out_batch.size(); d-- > 0;) {
      index += (rem % out_batch[d]) * strides[d];
      rem /= out_batch[d];
    }
    indices[o] = index;
  }
  return indices;
}

// True when `param` has `operand`'s rank and shape except the last two dims, which are `last2`;
// `*per_matrix` tells whether the leading dims follow the operand's (else they are all 1).
bool MatchesOperand(const Shape& param, const Shape& operand, int64_t second_last, int64_t last, bool* per_matrix) {
  if (param.size() != operand.size() || param.size() < 2) return false;
  const size_t r = param.size();
  if (param[r - 2] != second_last || param[r - 1] != last) return false;
  bool same = true;
  bool ones = true;
  for (size_t d = 0; d + 2 < r; ++d) {
    same = same && param[d] == operand[d];
    ones = ones && param[d] == 1;
  }
  *per_matrix = !ones;
  return same || ones;
}

template <typename T>
void Widen(const T* in, const Tensor* zp, const QuantParamLayout& layout, int64_t matrices, int64_t rows, int64_t cols,
           bool per_row, int32_t* out) {
  for (int64_t mat = 0; mat < matrices; ++mat) {
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t offset = (mat * rows + r) * cols;
      if (!zp) {
        SubtractZeroPoint(in + offset, cols, 0, out + offset);
      } else if (per_row || layout.per_tensor()) {
        SubtractZeroPoint(in + offset, cols, ZeroPointAt(*zp, layout.At(mat, per_row ? r : 0)), out + offset);
      } else {
        for (int64_t c = 0; c < cols; ++c)
          out[offset + c] = static_cast<int32_t>(in[offset + c]) - ZeroPointAt(*zp, layout.At(mat, c));
      }
    }
  }
}

std::vector<int32_t> WidenOperand(const Tensor& t, const Tensor* zp, const QuantParamLayout& layout, int64_t matrices,
                                  int64_t rows, int64_t cols, bool per_row) {
  std::vector<int32_t> out(static_cast<size_t>(t.size()));
  if (t.dtype() == DataType::kInt8)
    Widen(t.data<int8_t>(), zp, layout, matrices, rows, cols, per_row, out.data());
  else
    Widen(t.data<uint8_t>(), zp, layout, matrices, rows, cols, per_row, out.data());
  return out;
}

}  // namespace

StatusOr<MatMulGeometry> ComputeMatMulGeometry(const exec::KernelContext& ctx, const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    return ctx.Error("inputs " + ShapeToString(a) + " and " + ShapeToString(b) + " must have rank >= 1");
  MatMulGeometry g;
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  g.m = a2[a2.size() - 2];
  g.k = a2[a2.size() - 1];
  g.n = b2[b2.size() - 1];
  if (b2[b2.size() - 2] != g.k)
    return ctx.Error("cannot multiply " + ShapeToString(a) + " by " + ShapeToString(b) + ": inner dimensions differ");
  const Shape a_batch(a2.begin(), a2.end() - 2);
  const Shape b_batch(b2.begin(), b2.end() - 2);
  StatusOr<Shape> out_batch = BroadcastShapes(a_batch, b_batch);
  if (!out_batch.ok()) return ctx.Error("batch dimensions: " + out_batch.status().message());
  g.output = *out_batch;
  if (a.size() > 1) g.output.push_back(g.m);
  if (b.size() > 1) g.output.push_back(g.n);
  g.batch = ElementCount(*out_batch);
  g.a_matrices = ElementCount(a_batch);
  g.b_matrices = ElementCount(b_batch);
  g.a_matrix = MatrixIndices(a_batch, *out_batch);
  g.b_matrix = MatrixIndices(b_batch, *out_batch);
  return g;
}

StatusOr<QuantParamLayout> RowParamLayout(const exec::KernelContext& ctx, const Tensor* param, const std::string& name,
                                          const Shape& a, const MatMulGeometry& g) {
  QuantParamLayout layout;
  if (!param || param->size() == 1) return layout;
  bool per_matrix = false;
  if (param->rank() == 1 && param->dim(0) == g.m) {
    layout.stride = 1;
  } else if (a.size() >= 2 && MatchesOperand(param->shape(), a, g.m, 1, &per_matrix)) {
    layout.stride = 1;
    layout.matrix_stride = per_matrix ? g.m : 0;
  } else {
    return ctx.Error(name + " has shape " + ShapeToString(param->shape()) + "; for a of shape " + ShapeToString(a) +
                     " expected one value, [" + std::to_string(g.m) + "] or a's shape with the last dim 1 (per row)");
  }
  return layout;
}

StatusOr<QuantParamLayout> ColumnParamLayout(const exec::KernelContext& ctx, const Tensor* param, const std::string& name,
                                             const Shape& b, const MatMulGeometry& g) {
  QuantParamLayout layout;
  if (!param || param->size() == 1) return layout;
  bool per_matrix = false;
  if (param->rank() == 1 && param->dim(0) == g.n) {
    layout.stride = 1;
  } else if (b.size() >= 2 && MatchesOperand(param->shape(), b, 1, g.n, &per_matrix)) {
    layout.stride = 1;
    layout.matrix_stride = per_matrix ? g.n : 0;
  } else {
    return ctx.Error(name + " has shape " + ShapeToString(param->shape()) + "; for b of shape " + ShapeToString(b) +
                     " expected one value, [" + std::to_string(g.n) + "] or b's shape with the second-last dim 1 (per column)");
  }
  return layout;
}

std::vector<int32_t> WidenA(const Tensor& a, const Tensor* zero_point, const QuantParamLayout& layout,
                            const MatMulGeometry& g) {
  return WidenOperand(a, zero_point, layout, g.a_matrices, g.m, g.k, /*per_row=*/true);
}

std::vector<int32_t> WidenB(const Tensor& b, const Tensor* zero_point, const QuantParamLayout& layout,
                            const MatMulGeometry& g) {
  return WidenOperand(b, zero_point, layout, g.b_matrices, g.k, g.n, /*per_row=*/false);
}

}  // namespace xquant::kernels
