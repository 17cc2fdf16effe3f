// GatherND (ONNX opsets 11, 12, 13) and ScatterND (opsets 11, 13, 16, 18): index tuples address
// slices of `data`.
//
// indices has shape [..., k]; each tuple of k values (negative ones count from the end) picks the
// slice data[b..., i0, ..., ik-1, :] whose size is prod(data.shape[batch_dims + k:]).
// GatherND (opset 12 adds `batch_dims`: the first batch_dims dimensions of data and indices are
// paired, not indexed): y.shape = indices.shape[:-1] + data.shape[batch_dims + k:].
// ScatterND: y = copy of data; for every tuple, the slice (op)= the matching slice of updates,
// whose shape is indices.shape[:-1] + data.shape[k:]. `reduction` as in ScatterElements; updates
// apply in C order, so with `none` the last duplicate wins.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/tensor/copy.h"
#include "kernels/tensor/indices.h"
#include "kernels/tensor/reduction.h"

namespace xquant::kernels {
namespace {

// The element offsets in data of every index tuple's slice, per batch: offsets[batch * m + j].
struct TupleOffsets {
  std::vector<int64_t> offsets;
  int64_t slice = 1;  // elements per slice
  Shape out_shape;    // indices.shape[:-1] + data.shape[batch_dims + k:]
};

StatusOr<TupleOffsets> ComputeTupleOffsets(const KernelContext& ctx, const Tensor& data,
                                           const Tensor& indices, int64_t batch_dims) {
  const int r = data.rank();
  const int q = indices.rank();
  if (q < 1) return ctx.Error("indices must have rank >= 1");
  if (batch_dims < 0 || batch_dims >= std::min(r, q))
    return ctx.Error("batch_dims " + std::to_string(batch_dims) +
                     " must be in [0, min(rank(data), rank(indices)))");
  for (int64_t k = 0; k < batch_dims; ++k)
    if (data.dim(static_cast<int>(k)) != indices.dim(static_cast<int>(k)))
      return ctx.Error("data " + ShapeToString(data.shape()) + " and indices " +
                       ShapeToString(indices.shape()) + " differ in the batch dimensions");
  const int64_t k = indices.dim(q - 1);
  if (k < 1 || k > r - batch_dims)
    return ctx.Error("the last dimension of indices (" + std::to_string(k) + ") must be in [1, " +
                     std::to_string(r - batch_dims) + "]");
  XQ_ASSIGN_OR_RETURN(std::vector<int64_t> raw,
                      ToInt64Vector(indices, ctx.node().Describe() + ": indices"));
  const std::vector<int64_t> strides = ContiguousStrides(data.shape());
  const int64_t batches = DimProduct(data.shape(), 0, batch_dims);
  const int64_t batch_stride = batch_dims > 0 ? strides[batch_dims - 1] : 0;
  const int64_t tuples = static_cast<int64_t>(raw.size()) / k;
  const int64_t per_batch = batches > 0 ? tuples / batches : 0;
  TupleOffsets t;
  t.offsets.resize(tuples);
  for (int64_t j = 0; j < tuples; ++j) {
    int64_t offset = (per_batch > 0 ? j / per_batch : 0) * batch_stride;
    for (int64_t c = 0; c < k; ++c) {
      const int axis = static_cast<int>(batch_dims + c);
      int64_t i = raw[j * k + c];
      const int64_t d = data.dim(axis);
      if (i < -d || i >= d)
        return ctx.Error("index " + std::to_string(i) + " is out of range for axis " +
                         std::to_string(axis) + " of size " + std::to_string(d));
      if (i < 0) i += d;
      offset += i * strides[axis];
    }
    t.offsets[j] = offset;
  }
  t.slice = DimProduct(data.shape(), batch_dims + k, r);
  t.out_shape.assign(indices.shape().begin(), indices.shape().end() - 1);
  t.out_shape.insert(t.out_shape.end(), data.shape().begin() + batch_dims + k, data.shape().end());
  return t;
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateGatherND(const exec::KernelInfo& info) {
  const int64_t batch_dims = info.node().GetInt("batch_dims", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* indices,
                        RequireInput(ctx, 1, {DataType::kInt64, DataType::kInt32}));
    XQ_ASSIGN_OR_RETURN(TupleOffsets t, ComputeTupleOffsets(ctx, *data, *indices, batch_dims));
    Tensor y(data->dtype(), t.out_shape);
    const int64_t tuples = static_cast<int64_t>(t.offsets.size());
    XQ_RETURN_IF_ERROR(DispatchBySize(data->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const T* src = data->data<T>();
      T* dst = y.data<T>();
      const int64_t slice = t.slice;
      exec::ParallelFor(tuples,
                        std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, slice)),
                        [&](int64_t begin, int64_t end) {
                          for (int64_t j = begin; j < end; ++j)
                            std::copy_n(src + t.offsets[j], slice, dst + j * slice);
                        });
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateScatterND(const exec::KernelInfo& info) {
  XQ_ASSIGN_OR_RETURN(ScatterReduction reduction, ParseScatterReduction(info));
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* data, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* indices,
                        RequireInput(ctx, 1, {DataType::kInt64, DataType::kInt32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* updates, RequireInput(ctx, 2, {data->dtype()}));
    XQ_ASSIGN_OR_RETURN(TupleOffsets t, ComputeTupleOffsets(ctx, *data, *indices, 0));
    if (updates->shape() != t.out_shape)
      return ctx.Error("updates have shape " + ShapeToString(updates->shape()) + "; expected " +
                       ShapeToString(t.out_shape));
    Tensor y = data->Clone();
    XQ_RETURN_IF_ERROR(
        DispatchForReduction(reduction, data->dtype(), ctx.node().Describe(), [&](auto tag) {
          using T = decltype(tag);
          const T* upd = updates->data<T>();
          T* dst = y.data<T>();
          for (size_t j = 0; j < t.offsets.size(); ++j) {
            T* d = dst + t.offsets[j];
            const T* u = upd + static_cast<int64_t>(j) * t.slice;
            if (reduction == ScatterReduction::kNone)
              std::copy_n(u, t.slice, d);
            else
              for (int64_t e = 0; e < t.slice; ++e) Combine(reduction, d[e], u[e]);
          }
        }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
