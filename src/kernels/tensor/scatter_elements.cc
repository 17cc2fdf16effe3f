// ScatterElements (ONNX opsets 11, 13, 16, 18) and the deprecated Scatter (opsets 9-10, the same
// without reduction): y = copy of data, then for every position p of indices,
// y[p with coordinate `axis` replaced by indices[p]] (op)= updates[p]. `reduction` is none
// (duplicates: the last update wins, applied in C order), add/mul (16+) or max/min (18+).
#include "kernels/common.h"
#include "kernels/tensor/copy.h"
#include "kernels/tensor/indices.h"
#include "kernels/tensor/reduction.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateScatterElements(const exec::KernelInfo& info) {
  const int64_t axis_attr = info.node().GetInt("axis", 0);
  XQ_ASSIGN_OR_RETURN(ScatterReduction reduction, ParseScatterReduction(info));
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* indices,
                        RequireInput(ctx, 1, {DataType::kInt64, DataType::kInt32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* updates, RequireInput(ctx, 2, {data->dtype()}));
    const int rank = data->rank();
    if (rank == 0) return ctx.Error("data must have rank >= 1");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    if (updates->shape() != indices->shape())
      return ctx.Error("updates " + ShapeToString(updates->shape()) + " and indices " +
                       ShapeToString(indices->shape()) + " must have the same shape");
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadElementIndices(ctx, *data, *indices, axis));
    const std::vector<int64_t> strides = ContiguousStrides(data->shape());
    const int64_t axis_stride = strides[axis];
    Tensor y = data->Clone();
    XQ_RETURN_IF_ERROR(
        DispatchForReduction(reduction, data->dtype(), ctx.node().Describe(), [&](auto t) {
          using T = decltype(t);
          const T* upd = updates->data<T>();
          T* dst = y.data<T>();
          ForEachOffsetSkippingAxis(
              indices->shape(), strides, axis, [&](int64_t p, int64_t offset) {
                Combine(reduction, dst[offset + idx[p] * axis_stride], upd[p]);
              });
        }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
