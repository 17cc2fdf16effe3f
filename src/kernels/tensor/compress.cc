// Compress (ONNX opsets 9, 11): keeps the slices along `axis` whose bool `condition` entry is true;
// without `axis` the input is flattened first. A condition shorter than the axis drops the rest
// (numpy.compress); a longer one may only have false entries past the axis.
#include <cstring>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateCompress(const exec::KernelInfo& info) {
  const bool has_axis = info.node().HasAttribute("axis");
  const int64_t axis_attr = info.node().GetInt("axis", 0);
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* condition, RequireInput(ctx, 1, {DataType::kBool}));
    if (condition->rank() != 1)
      return ctx.Error("condition must be 1-D, got " + ShapeToString(condition->shape()));
    Shape shape = has_axis ? x->shape() : Shape{x->size()};
    const int rank = static_cast<int>(shape.size());
    int axis = 0;
    if (has_axis) {
      if (rank == 0) return ctx.Error("cannot compress a scalar along an axis");
      XQ_ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_attr, rank, ctx.node().Describe()));
    }
    const int64_t n = shape[axis];
    const bool* keep = condition->data<bool>();
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < condition->size(); ++i) {
      if (!keep[i]) continue;
      if (i >= n)
        return ctx.Error("condition selects index " + std::to_string(i) + " beyond axis " +
                         std::to_string(axis) + " of size " + std::to_string(n));
      kept.push_back(i);
    }
    int64_t outer = 1;
    for (int k = 0; k < axis; ++k) outer *= shape[k];
    size_t inner_bytes = DataTypeSize(x->dtype());
    for (int k = axis + 1; k < rank; ++k) inner_bytes *= static_cast<size_t>(shape[k]);
    Shape out_shape = shape;
    out_shape[axis] = static_cast<int64_t>(kept.size());
    Tensor y(x->dtype(), out_shape);
    const char* src = static_cast<const char*>(x->raw_data());
    char* dst = static_cast<char*>(y.raw_data());
    if (inner_bytes > 0)
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t i : kept) {
          std::memcpy(dst, src + (o * n + i) * inner_bytes, inner_bytes);
          dst += inner_bytes;
        }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
