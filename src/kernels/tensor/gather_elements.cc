// GatherElements (ONNX opsets 11, 13): y[i][j][k] = data[indices[i][j][k]][j][k] for axis 0, and so
// on for the other axes (numpy take_along_axis). data and indices have the same rank; outside
// `axis`, indices' dimensions must not exceed data's. Negative indices count from the end.
#include "kernels/common.h"
#include "kernels/tensor/copy.h"
#include "kernels/tensor/indices.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateGatherElements(const exec::KernelInfo& info) {
  const int64_t axis_attr = info.node().GetInt("axis", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* indices,
                        RequireInput(ctx, 1, {DataType::kInt64, DataType::kInt32}));
    const int rank = data->rank();
    if (rank == 0) return ctx.Error("data must have rank >= 1");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadElementIndices(ctx, *data, *indices, axis));
    const std::vector<int64_t> strides = ContiguousStrides(data->shape());
    const int64_t axis_stride = strides[axis];
    Tensor y(data->dtype(), indices->shape());
    XQ_RETURN_IF_ERROR(DispatchBySize(data->dtype(), ctx.node().Describe(), [&](auto t) {
      using T = decltype(t);
      const T* src = data->data<T>();
      T* dst = y.data<T>();
      ForEachOffsetSkippingAxis(indices->shape(), strides, axis, [&](int64_t p, int64_t offset) {
        dst[p] = src[offset + idx[p] * axis_stride];
      });
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
