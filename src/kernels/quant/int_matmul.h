// The integer matrix product shared by QLinearMatMul and MatMulInteger: numpy-matmul shapes
// (batch broadcasting, 1-D operands), the layouts of per-tensor / per-row (a) / per-column (b)
// scales and zero points, and the int32 product of zero-point-corrected operands.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "exec/kernel.h"
#include "exec/parallel.h"
#include "kernels/quant/int_gemm.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels {

// a [..., M, K] x b [..., K, N] -> [broadcast batch..., M, N]; a 1-D a is [1, K] and a 1-D b is
// [K, 1], their unit dim dropped from the output (numpy.matmul).
struct MatMulGeometry {
  int64_t m = 1, k = 1, n = 1;
  Shape output;
  int64_t batch = 1;                  // output matrices
  int64_t a_matrices = 1;             // matrices in a
  int64_t b_matrices = 1;             // matrices in b
  std::vector<int64_t> a_matrix;      // per output matrix: the a matrix it reads
  std::vector<int64_t> b_matrix;      // per output matrix: the b matrix it reads
};

StatusOr<MatMulGeometry> ComputeMatMulGeometry(const exec::KernelContext& ctx, const Shape& a, const Shape& b);

// Where a scale / zero point value lives: element (matrix, i) of the operand, i being the row of a
// or the column of b, uses param[matrix * matrix_stride + i * stride]. Per tensor: both 0.
struct QuantParamLayout {
  int64_t matrix_stride = 0;
  int64_t stride = 0;
  int64_t At(int64_t matrix, int64_t i) const { return matrix * matrix_stride + i * stride; }
  bool per_tensor() const { return matrix_stride == 0 && stride == 0; }
};

// The layout of a parameter of a: one value, [M], or a's shape with K replaced by 1 ([..., M, 1];
// leading dims equal to a's or all 1). nullptr (omitted) is per tensor.
StatusOr<QuantParamLayout> RowParamLayout(const exec::KernelContext& ctx, const Tensor* param, const std::string& name,
                                          const Shape& a, const MatMulGeometry& g);
// The layout of a parameter of b: one value, [N], or b's shape with K replaced by 1 ([..., 1, N]).
StatusOr<QuantParamLayout> ColumnParamLayout(const exec::KernelContext& ctx, const Tensor* param, const std::string& name,
                                             const Shape& b, const MatMulGeometry& g);

// a - a_zero_point as int32 [a_matrices, M, K] (per-row zero point) and b - b_zero_point as int32
// [b_matrices, K, N] (per-column zero point). REQUIRES: operands and zero points int8/uint8.
std::vector<int32_t> WidenA(const Tensor& a, const Tensor* zero_point, const QuantParamLayout& layout,
                            const MatMulGeometry& g);
std::vector<int32_t> WidenB(const Tensor& b, const Tensor* zero_point, const QuantParamLayout& layout,
                            const MatMulGeometry& g);

// For every output row r = out_matrix * M + row: acc[j] = sum_k a[row, k] * b[k, j] (int32, wrapping)
// then row_fn(r, out_matrix, row, acc). Rows run in parallel; row_fn must only write row r's output.
template <typename RowFn>
void MatMulRowsS32(const MatMulGeometry& g, const std::vector<int32_t>& a, const std::vector<int32_t>& b, RowFn&& row_fn) {
  const int64_t rows = g.batch * g.m;
  const int64_t grain = std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, g.k * g.n));
  exec::ParallelFor(rows, grain, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> acc(static_cast<size_t>(g.n));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t mat = r / g.m;
      const int64_t row = r % g.m;
      GemmRowS32(a.data() + (g.a_matrix[mat] * g.m + row) * g.k, b.data() + g.b_matrix[mat] * g.k * g.n, g.k, g.n,
                 acc.data());
      row_fn(r, mat, row, acc.data());
    }
  });
}

}  // namespace xquant::kernels
