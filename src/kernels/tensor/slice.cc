// Slice: numpy-style x[start:end:step] along some axes.
//
// ONNX opset 1 reads `starts`, `ends` and optional `axes` attributes (steps are 1); opset 10+ reads
// them (and `steps`) from inputs 1-4; negative axes from opset 11. Negative starts/ends count from
// the end; then, as the spec requires, positive steps clamp start and end to [0, dim] and negative
// steps clamp start to [0, dim - 1] and end to [-1, dim - 1], so out-of-range bounds (INT64_MAX,
// INT64_MIN) are fine. The copy is one StridedCopy with the steps folded into the source strides.
#include <algorithm>

#include "kernels/common.h"
#include "kernels/tensor/copy.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateSlice(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const bool from_attributes = info.opset() < 10;
  if (from_attributes && (!node.HasAttribute("starts") || !node.HasAttribute("ends")))
    return info.Invalid("needs the 'starts' and 'ends' attributes");
  if (!from_attributes && (!info.HasInput(1) || !info.HasInput(2)))
    return info.Invalid("needs the starts and ends inputs");
  const std::vector<int64_t> starts_attr = node.GetInts("starts");
  const std::vector<int64_t> ends_attr = node.GetInts("ends");
  const bool has_axes_attr = node.HasAttribute("axes");
  const std::vector<int64_t> axes_attr = node.GetInts("axes");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const std::string what = ctx.node().Describe();
    std::vector<int64_t> starts = starts_attr, ends = ends_attr, axes, steps;
    bool has_axes = has_axes_attr;
    if (from_attributes) {
      axes = axes_attr;
    } else {
      XQ_ASSIGN_OR_RETURN(starts, ToInt64Vector(*ctx.input(1), what + ": starts"));
      XQ_ASSIGN_OR_RETURN(ends, ToInt64Vector(*ctx.input(2), what + ": ends"));
      has_axes = ctx.input(3) != nullptr;
      if (has_axes) {
        XQ_ASSIGN_OR_RETURN(axes, ToInt64Vector(*ctx.input(3), what + ": axes"));
      }
      if (ctx.input(4)) {
        XQ_ASSIGN_OR_RETURN(steps, ToInt64Vector(*ctx.input(4), what + ": steps"));
      }
    }
    const size_t count = starts.size();
    if (ends.size() != count || (has_axes && axes.size() != count) ||
        (!steps.empty() && steps.size() != count))
      return ctx.Error("starts, ends, axes and steps must have the same length");
    const int rank = x->rank();
    if (!has_axes && count > static_cast<size_t>(rank))
      return ctx.Error(std::to_string(count) + " starts for an input of rank " +
                       std::to_string(rank));

    Shape out_shape = x->shape();
    const std::vector<int64_t> in_strides = ContiguousStrides(x->shape());
    std::vector<int64_t> src_strides = in_strides;
    std::vector<bool> seen(rank, false);
    int64_t offset = 0;
    bool whole = true;
    for (size_t j = 0; j < count; ++j) {
      int axis = static_cast<int>(j);
      if (has_axes) {
        XQ_ASSIGN_OR_RETURN(axis, NormalizeAxis(axes[j], rank, what));
      }
      if (seen[axis]) return ctx.Error("axis " + std::to_string(axis) + " is sliced twice");
      seen[axis] = true;
      const int64_t step = steps.empty() ? 1 : steps[j];
      if (step == 0) return ctx.Error("steps must not be 0");
      const int64_t d = x->dim(axis);
      int64_t s = starts[j] < 0 ? starts[j] + d : starts[j];
      int64_t e = ends[j] < 0 ? ends[j] + d : ends[j];
      int64_t len = 0;
      if (d == 0) {
        s = 0;
      } else if (step > 0) {
        s = std::clamp<int64_t>(s, 0, d);
        e = std::clamp<int64_t>(e, 0, d);
        len = e > s ? (e - s - 1) / step + 1 : 0;
      } else {
        s = std::clamp<int64_t>(s, 0, d - 1);
        e = std::clamp<int64_t>(e, -1, d - 1);
        len = s > e ? (s - e - 1) / -step + 1 : 0;
      }
      out_shape[axis] = len;
      if (len > 0) offset += s * in_strides[axis];
      src_strides[axis] = in_strides[axis] * step;
      whole = whole && len == d && (step == 1 || d <= 1);
    }
    if (whole) {
      ctx.output(0) = *x;
      return Status::Ok();
    }
    Tensor y(x->dtype(), out_shape);
    const size_t elem = DataTypeSize(x->dtype());
    if (y.size() > 0)
      StridedCopy(elem,
                  static_cast<const char*>(x->raw_data()) + offset * static_cast<int64_t>(elem),
                  src_strides, y.raw_data(), out_shape);
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
