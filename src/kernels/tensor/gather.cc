// Gather (ONNX opsets 1, 11, 13): picks slices of `data` along `axis` (default 0) at `indices`
// (int32/int64, negative values count from the end since opset 11; we accept them always).
// Output shape = data.shape[:axis] + indices.shape + data.shape[axis+1:]. Viewed as
// [outer, n, inner] -> [outer, m, inner], each output block of `inner` elements is one copy.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/tensor/indices.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateGather(const exec::KernelInfo& info) {
  const int64_t axis_attr = info.node().GetInt("axis", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* indices,
                        RequireInput(ctx, 1, {DataType::kInt64, DataType::kInt32}));
    const int rank = data->rank();
    if (rank == 0) return ctx.Error("data must have rank >= 1");
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    const int64_t n = data->dim(axis);
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> idx, ReadIndices(ctx, *indices, n, "indices"));
    Shape out_shape(data->shape().begin(), data->shape().begin() + axis);
    out_shape.insert(out_shape.end(), indices->shape().begin(), indices->shape().end());
    out_shape.insert(out_shape.end(), data->shape().begin() + axis + 1, data->shape().end());
    Tensor y(data->dtype(), out_shape);
    const int64_t outer = DimProduct(data->shape(), 0, axis);
    const int64_t inner = DimProduct(data->shape(), axis + 1, rank);
    const int64_t m = static_cast<int64_t>(idx.size());
    if (y.size() == 0) {
      ctx.output(0) = std::move(y);
      return Status::Ok();
    }
    XQ_RETURN_IF_ERROR(DispatchBySize(data->dtype(), ctx.node().Describe(), [&](auto t) {
      using T = decltype(t);
      const T* src = data->data<T>();
      T* dst = y.data<T>();
      exec::ParallelFor(outer * m, std::max<int64_t>(1, exec::kElementwiseGrain / inner),
                        [&](int64_t begin, int64_t end) {
                          int64_t o = begin / m, j = begin % m;
                          for (int64_t b = begin; b < end; ++b) {
                            const T* s = src + (o * n + idx[j]) * inner;
                            T* d = dst + b * inner;
                            if (inner == 1)
                              *d = *s;
                            else
                              std::copy_n(s, inner, d);
                            if (++j == m) {
                              j = 0;
                              ++o;
                            }
                          }
                        });
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
