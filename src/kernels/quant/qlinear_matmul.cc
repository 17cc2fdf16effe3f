// QLinearMatMul (ONNX opsets 10 and 21; 21 only adds float8 types, which xquant cannot hold):
//   y = saturate(round_half_even((a - a_zp) @ (b - b_zp) * (a_scale * b_scale / y_scale)) + y_zp)
// a, b, y each uint8 or int8, numpy-matmul shapes (batch broadcasting, 1-D operands). a's scale and
// zero point per tensor or per row ([M] or [..., M, 1]), b's per tensor or per column ([N] or
// [..., 1, N]); y per tensor.
// Bit-exact with onnxruntime: the int32 accumulator times the float32 combined scale computed as
// (a_scale * b_scale) / y_scale, rounded with nearbyintf, then the zero point added (Requantize).
#include "kernels/common.h"
#include "kernels/quant/int_gemm.h"
#include "kernels/quant/int_matmul.h"
#include "kernels/quant/quant_inputs.h"

namespace xquant::kernels {
namespace {

template <typename Q>
void RequantizeRows(const MatMulGeometry& g, const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                    const float* a_scale, const QuantParamLayout& a_layout, const float* b_scale,
                    const QuantParamLayout& b_layout, float y_scale, int32_t y_zp, Q* y) {
  MatMulRowsS32(g, a, b, [&](int64_t r, int64_t mat, int64_t row, const int32_t* acc) {
    const float as = a_scale[a_layout.At(g.a_matrix[mat], row)];
    Q* out = y + r * g.n;
    if (b_layout.per_tensor()) {
      const float scale = as * b_scale[0] / y_scale;
      for (int64_t j = 0; j < g.n; ++j) out[j] = Requantize<Q>(acc[j], scale, y_zp);
    } else {
      const float* bs = b_scale + b_layout.At(g.b_matrix[mat], 0);
      for (int64_t j = 0; j < g.n; ++j) out[j] = Requantize<Q>(acc[j], as * bs[j] / y_scale, y_zp);
    }
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateQLinearMatMul(const exec::KernelInfo& info) {
  if (info.num_inputs() < 8)
    return info.Invalid("needs inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point");
  return MakeKernel([](exec::KernelContext& ctx) -> Status {
    const std::initializer_list<DataType> kTypes = {DataType::kUint8, DataType::kInt8};
    XQ_ASSIGN_OR_RETURN(const Tensor* a, QuantInput(ctx, 0, "a", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* a_scale, QuantInput(ctx, 1, "a_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* a_zp, QuantInput(ctx, 2, "a_zero_point", kTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, QuantInput(ctx, 3, "b", kTypes));
    XQ_ASSIGN_OR_RETURN(const Tensor* b_scale, QuantInput(ctx, 4, "b_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* b_zp, QuantInput(ctx, 5, "b_zero_point", kTypes, /*optional=*/true));
    XQ_ASSIGN_OR_RETURN(const Tensor* y_scale, QuantInput(ctx, 6, "y_scale", {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* y_zp, QuantInput(ctx, 7, "y_zero_point", kTypes));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, a_zp, *a, "a_zero_point", "a"));
    XQ_RETURN_IF_ERROR(RequireSameType(ctx, b_zp, *b, "b_zero_point", "b"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, y_scale, "y_scale"));
    XQ_RETURN_IF_ERROR(RequirePerTensor(ctx, y_zp, "y_zero_point"));
    XQ_ASSIGN_OR_RETURN(MatMulGeometry g, ComputeMatMulGeometry(ctx, a->shape(), b->shape()));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout as_layout, RowParamLayout(ctx, a_scale, "a_scale", a->shape(), g));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout azp_layout, RowParamLayout(ctx, a_zp, "a_zero_point", a->shape(), g));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout bs_layout, ColumnParamLayout(ctx, b_scale, "b_scale", b->shape(), g));
    XQ_ASSIGN_OR_RETURN(QuantParamLayout bzp_layout, ColumnParamLayout(ctx, b_zp, "b_zero_point", b->shape(), g));
    const std::vector<int32_t> a32 = WidenA(*a, a_zp, azp_layout, g);
    const std::vector<int32_t> b32 = WidenB(*b, b_zp, bzp_layout, g);
    Tensor y(y_zp->dtype(), g.output);
    const float ys = y_scale->data<float>()[0];
    const int32_t yzp = ZeroPointAt(*y_zp, 0);
    if (y.dtype() == DataType::kInt8)
      RequantizeRows<int8_t>(g, a32, b32, a_scale->data<float>(), as_layout, b_scale->data<float>(), bs_layout, ys, yzp,
                             y.data<int8_t>());
    else
      RequantizeRows<uint8_t>(g, a32, b32, a_scale->data<float>(), as_layout, b_scale->data<float>(), bs_layout, ys, yzp,
                              y.data<uint8_t>());
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
