#include "kernels/quant/qdq_params.h"

#include "kernels/common.h"

namespace xquant::kernels {

StatusOr<QdqLayout> ComputeQdqLayout(const exec::KernelContext& ctx, const Tensor& x, const Tensor& scale,
                                     const Tensor* zero_point, int64_t axis, int64_t block_size) {
  QdqLayout layout;
  if (zero_point && zero_point->shape() != scale.shape())
    return ctx.Error("scale " + ShapeToString(scale.shape()) + " and zero point " + ShapeToString(zero_point->shape()) +
                     " must have the same shape");
  const bool scalar_scale = scale.rank() == 0 || (scale.rank() == 1 && scale.dim(0) == 1 && block_size == 0);
  if (scalar_scale && block_size == 0) {
    layout.inner = x.size();
    return layout;
  }
  if (x.rank() == 0) return ctx.Error("a per-axis scale needs an input of rank >= 1");
  XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, x.rank(), ctx.node().Describe()));
  layout.per_tensor = false;
  for (int d = 0; d < a; ++d) layout.outer *= x.dim(d);
  layout.axis_dim = x.dim(a);
  for (int d = a + 1; d < x.rank(); ++d) layout.inner *= x.dim(d);
  if (block_size > 0) {
    // Blocked (opset 21): the scale has x's shape except ceil(x.shape[axis] / block_size) along the
    // axis. Only blocking along one axis with the other dims equal is meaningful here; we require
    // it to be 1-D-reducible: other dims must match x.
    if (scale.rank() != x.rank())
      return ctx.Error("blocked quantization needs a scale of x's rank " + std::to_string(x.rank()) + ", got " +
                       ShapeToString(scale.shape()));
    const int64_t blocks = (x.dim(a) + block_size - 1) / block_size;
    for (int d = 0; d < x.rank(); ++d) {
      const int64_t expected = d == a ? blocks : x.dim(d);
      if (scale.dim(d) != expected)
        return ctx.Error("blocked scale shape " + ShapeToString(scale.shape()) + " does not match input " +
                         ShapeToString(x.shape()) + " with block_size " + std::to_string(block_size));
    }
    layout.block_size = block_size;
    layout.scale_count = blocks;
    return layout;
  }
  if (scale.rank() != 1 || scale.dim(0) != x.dim(a))
    return ctx.Error("per-axis scale has shape " + ShapeToString(scale.shape()) + " but input " + ShapeToString(x.shape()) +
                     " has " + std::to_string(x.dim(a)) + " elements along axis " + std::to_string(axis));
  layout.scale_count = x.dim(a);
  return layout;
}

}  // namespace xquant::kernels
