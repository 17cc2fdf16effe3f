// Expand (ONNX opsets 8, 13) and Tile (opsets 1, 6, 13): both are one StridedCopy.
//
// Expand broadcasts `input` with `shape` numpy-style in both directions (a 1 in `shape` keeps the
// input's dimension), so the output shape is BroadcastShapes(input, shape); broadcast dimensions
// read with stride 0. When nothing grows the output shares the input's buffer.
// Tile repeats the input repeats[k] times along axis k (opset 1 instead takes scalar `tiles` and
// `axis` inputs: one axis repeated). Viewed as [r0, d0, r1, d1, ...] reading [0, s0, 0, s1, ...],
// tiling is an expand of an interleaved shape.
#include "kernels/common.h"
#include "kernels/tensor/copy.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateExpand(const exec::KernelInfo& info) {
  if (!info.HasInput(1)) return info.Invalid("needs the shape input");
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* shape_input, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> shape,
                        ToInt64Vector(*shape_input, ctx.node().Describe() + ": shape"));
    for (int64_t d : shape)
      if (d < 0) return ctx.Error("shape " + ShapeToString(shape) + " has a negative dimension");
    auto out_shape = BroadcastShapes(x->shape(), shape);
    if (!out_shape.ok()) return ctx.Error(out_shape.status().message());
    if (*out_shape == x->shape()) {
      ctx.output(0) = *x;
      return Status::Ok();
    }
    Tensor y(x->dtype(), *out_shape);
    StridedCopy(DataTypeSize(x->dtype()), x->raw_data(), BroadcastStrides(x->shape(), *out_shape),
                y.raw_data(), *out_shape);
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateTile(const exec::KernelInfo& info) {
  const bool single_axis = info.opset() < 6;
  if (!info.HasInput(1) || (single_axis && !info.HasInput(2)))
    return info.Invalid("needs the repeats input");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* repeats_input, RequireInput(ctx, 1));
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> repeats,
                        ToInt64Vector(*repeats_input, ctx.node().Describe() + ": repeats"));
    const int rank = x->rank();
    if (single_axis) {
      XQ_ASSIGN_OR_RETURN(const Tensor* axis_input, RequireInput(ctx, 2));
      XQ_ASSIGN_OR_RETURN(std::vector<int64_t> axis,
                          ToInt64Vector(*axis_input, ctx.node().Describe() + ": axis"));
      if (repeats.size() != 1 || axis.size() != 1)
        return ctx.Error("tiles and axis must be scalars");
      XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis[0], rank, ctx.node().Describe()));
      const int64_t tiles = repeats[0];
      repeats.assign(rank, 1);
      repeats[a] = tiles;
    }
    if (static_cast<int>(repeats.size()) != rank)
      return ctx.Error("repeats has " + std::to_string(repeats.size()) +
                       " values for an input of rank " + std::to_string(rank));
    const std::vector<int64_t> in_strides = ContiguousStrides(x->shape());
    Shape out_shape(rank), view_shape, view_strides;
    for (int k = 0; k < rank; ++k) {
      if (repeats[k] < 0)
        return ctx.Error("repeats " + ShapeToString(repeats) + " has a negative value");
      out_shape[k] = x->dim(k) * repeats[k];
      view_shape.insert(view_shape.end(), {repeats[k], x->dim(k)});
      view_strides.insert(view_strides.end(), {0, in_strides[k]});
    }
    Tensor y(x->dtype(), out_shape);
    StridedCopy(DataTypeSize(x->dtype()), x->raw_data(), view_strides, y.raw_data(), view_shape);
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
