// OneHot (ONNX opsets 9, 11): y has indices' shape with a new axis of size `depth` inserted at
// `axis` (default -1 = last; counted on the output's rank); y[..., j, ...] = values[1] where
// j == indices[...], values[0] elsewhere. indices and depth may be of any numeric type (converted
// to integers); indices in [-depth, 0) count from the end (opset 11), others out of range give an
// all-off row. The output takes values' type.
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateOneHot(const exec::KernelInfo& info) {
  const int64_t axis_attr = info.node().GetInt("axis", -1);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* indices, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* depth_input, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(const Tensor* values, RequireInput(ctx, 2));
    if (depth_input->size() != 1) return ctx.Error("depth must have exactly one element");
    if (values->size() != 2) return ctx.Error("values must have exactly two elements (off, on)");
    const double depth_value = depth_input->GetAsDouble(0);
    if (!(depth_value >= 1)) return ctx.Error("depth must be at least 1");
    const int64_t depth = static_cast<int64_t>(depth_value);
    const int out_rank = indices->rank() + 1;
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, out_rank, ctx.node().Describe()));
    std::vector<int64_t> idx(indices->size());
    XQ_RETURN_IF_ERROR(DispatchNumeric(indices->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      const T* v = indices->data<T>();
      for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(v[i]);
    }));
    Shape out_shape = indices->shape();
    out_shape.insert(out_shape.begin() + axis, depth);
    int64_t outer = 1;
    for (int k = 0; k < axis; ++k) outer *= out_shape[k];
    const int64_t inner = indices->size() / std::max<int64_t>(1, outer);
    Tensor y(values->dtype(), out_shape);
    XQ_RETURN_IF_ERROR(DispatchBySize(values->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      T off, on;
      std::memcpy(&off, values->data<T>(), sizeof(T));
      std::memcpy(&on, values->data<T>() + 1, sizeof(T));
      T* out = y.data<T>();
      std::fill_n(out, y.size(), off);
      // Index (o, i) of indices sets element (o, j, i) of y viewed as [outer, depth, inner].
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          int64_t j = idx[o * inner + i];
          if (j < 0) j += depth;
          if (j >= 0 && j < depth) out[(o * depth + j) * inner + i] = on;
        }
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
