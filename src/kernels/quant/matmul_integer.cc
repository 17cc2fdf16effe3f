// MatMulInteger (ONNX opset 10, its only version):
//   y = (a - a_zero_point) @ (b - b_zero_point), int32
// a and b each uint8 or int8, numpy-matmul shapes (batch broadcasting, 1-D operands). Zero points
// optional (0): a's per tensor or per row ([M] or [..., M, 1]), b's per tensor or per column ([N]
// or [..., 1, N]). Sums wrap in 32 bits (see int_gemm.h).
#include <algorithm>

#include "kernels/common.h"
#include "kernels/quant/int_matmul.h"
#include "kernels/quant/quant_inputs.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateMatMulInteger(const exec::KernelInfo& info) {
  if (info.num_inputs() < 2) return info.Invalid("needs inputs A and B (and optional a_zero_point, b_zero_point)");
  return MakeKernel([](exec::KernelContext& ctx) -> Status {
    const std::initializer_list<DataType> kTypes = {DataType::kUint8, DataType::kInt8};
    XQ_ASSIGN_OR_RETURN(const Tensor* a, QuantInput(ctx, 0, "A", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, QuantInput(ctx, 1, "B", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* a_zp, QuantInput(ctx, 2, "a_zero_point", kTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* b_zp, QuantInput(ctx, 3, "b_zero_point", kTypes, /*optional=*/true));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, a_zp, *a, "a_zero_point", "A"));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, b_zp, *b, "b_zero_point", "B"));
    XQ_ASSIGN_OR_RETURN(MatMulGeometry g, ComputeMatMulGeometry(ctx, a->shape(), b->shape()));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout a_layout, RowParamLayout(ctx, a_zp, "a_zero_point", a->shape(), g));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout b_layout, ColumnParamLayout(ctx, b_zp, "b_zero_point", b->shape(), g));
    const std::vector<int32_t> a32 = WidenA(*a, a_zp, a_layout, g);
    const std::vector<int32_t> b32 = WidenB(*b, b_zp, b_layout, g);
    Tensor y(DataType::kInt32, g.output);
    int32_t* out = y.data<int32_t>();
    MatMulRowsS32(g, a32, b32, [&](int64_t r, int64_t, int64_t, const int32_t* acc) {
      std::copy(acc, acc + g.n, out + r * g.n);
    });
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
