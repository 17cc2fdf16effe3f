// Squeeze and Unsqueeze: remove / insert dimensions of size 1; the output shares the input's
// buffer.
//
// ONNX Squeeze: `axes` attribute in opsets 1-12 (negative values from 11), optional input 1 from
// 13; without axes every dimension of size 1 is removed. Squeezing a dimension that is not 1 is an
// error. ONNX Unsqueeze: `axes` attribute (required) in opsets 1-12, input 1 (required) from 13;
// axes refer to the output's rank, may be negative (11+) and in any order, and must not repeat.
#include <algorithm>

#include "kernels/common.h"

namespace xquant::kernels {
namespace {

// Reads the axes from the attribute, or from input 1 when `from_input`. *present is false when they
// are not given.
StatusOr<std::vector<int64_t>> ReadAxes(const KernelContext& ctx, bool from_input,
                                        const std::vector<int64_t>& attribute, bool* present) {
  if (!from_input) {
    *present = ctx.node().HasAttribute("axes");
    return attribute;
  }
  const Tensor* axes = ctx.input(1);
  *present = axes != nullptr;
  if (!axes) return std::vector<int64_t>{};
  return ToInt64Vector(*axes, ctx.node().Describe() + ": axes");
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateSqueeze(const exec::KernelInfo& info) {
  const bool from_input = info.opset() >= 13;
  const std::vector<int64_t> attribute = info.node().GetInts("axes");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    bool present = false;
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReadAxes(ctx, from_input, attribute, &present));
    const int rank = x->rank();
    std::vector<bool> drop(rank, false);
    if (!present) {
      for (int k = 0; k < rank; ++k) drop[k] = x->dim(k) == 1;
    } else {
      for (int64_t a : axes) {
        XQ_ASSIGN_OR_RETURN(int k, NormalizeAxis(a, rank, ctx.node().Describe()));
        if (x->dim(k) != 1)
          return ctx.Error("cannot squeeze axis " + std::to_string(a) + " of shape " +
                           ShapeToString(x->shape()) + ": its size is not 1");
        drop[k] = true;
      }
    }
    Shape out;
    for (int k = 0; k < rank; ++k)
      if (!drop[k]) out.push_back(x->dim(k));
    ctx.output(0) = x->Reshaped(std::move(out));
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateUnsqueeze(const exec::KernelInfo& info) {
  const bool from_input = info.opset() >= 13;
  if (!from_input && !info.node().HasAttribute("axes"))
    return info.Invalid("needs the 'axes' attribute");
  if (from_input && !info.HasInput(1)) return info.Invalid("needs the axes input");
  const std::vector<int64_t> attribute = info.node().GetInts("axes");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    bool present = false;
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ReadAxes(ctx, from_input, attribute, &present));
    const int out_rank = x->rank() + static_cast<int>(axes.size());
    std::vector<bool> inserted(out_rank, false);
    for (int64_t a : axes) {
      XQ_ASSIGN_OR_RETURN(int k, NormalizeAxis(a, out_rank, ctx.node().Describe()));
      if (inserted[k]) return ctx.Error("axis " + std::to_string(a) + " is given twice");
      inserted[k] = true;
    }
    Shape out(out_rank, 1);
    int next = 0;
    for (int k = 0; k < out_rank; ++k)
      if (!inserted[k]) out[k] = x->dim(next++);
    ctx.output(0) = x->Reshaped(std::move(out));
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
