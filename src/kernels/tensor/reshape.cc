// Reshape and Flatten: new shapes over the same bytes, so the output shares the input's buffer.
//
// ONNX Reshape: opsets 1-4 take the shape as the `shape` attribute, 5+ as input 1. A 0 in the shape
// copies the input's dimension at that position, unless `allowzero` (opset 14) is 1, in which case
// 0 is a real zero-sized dimension; one -1 is inferred from the element count.
// ONNX Flatten: output [prod(shape[:axis]), prod(shape[axis:])]; `axis` (default 1) may be negative
// from opset 11, and equal to the rank (giving [size, 1]).
#include "kernels/common.h"

namespace xquant::kernels {
namespace {

// The output shape of Reshape(x, requested).
StatusOr<Shape> ReshapeTarget(const KernelContext& ctx, const Shape& in,
                              const std::vector<int64_t>& requested, bool allow_zero) {
  Shape out(requested.size());
  int infer = -1;
  int64_t known = 1;
  for (size_t k = 0; k < requested.size(); ++k) {
    int64_t d = requested[k];
    if (d == -1) {
      if (infer >= 0)
        return ctx.Error("the shape " + ShapeToString(requested) + " has more than one -1");
      infer = static_cast<int>(k);
      continue;
    }
    if (d == 0 && !allow_zero) {
      if (k >= in.size())
        return ctx.Error("the shape " + ShapeToString(requested) + " copies dimension " +
                         std::to_string(k) + " (0) but the input " + ShapeToString(in) +
                         " has rank " + std::to_string(in.size()));
      d = in[k];
    }
    if (d < 0)
      return ctx.Error("the shape " + ShapeToString(requested) + " has a negative dimension");
    out[k] = d;
    known *= d;
  }
  const int64_t count = ElementCount(in);
  if (infer >= 0) {
    if (known == 0 || count % known != 0)
      return ctx.Error("cannot infer the -1 in " + ShapeToString(requested) +
                       " for an input of shape " + ShapeToString(in));
    out[infer] = count / known;
  } else if (known != count) {
    return ctx.Error("cannot reshape " + ShapeToString(in) + " (" + std::to_string(count) +
                     " elements) to " + ShapeToString(requested));
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateReshape(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const bool allow_zero = node.GetInt("allowzero", 0) != 0;
  const bool shape_is_attribute = info.opset() < 5;
  const std::vector<int64_t> attribute_shape = node.GetInts("shape");
  if (shape_is_attribute && !node.HasAttribute("shape"))
    return info.Invalid("needs the 'shape' attribute");
  if (!shape_is_attribute && !info.HasInput(1)) return info.Invalid("needs the shape input");
  if (allow_zero) {
    const Tensor* c = info.ConstantInput(1);
    if (c && c->dtype() == DataType::kInt64) {
      bool zero = false, minus_one = false;
      for (int64_t k = 0; k < c->size(); ++k) {
        zero = zero || c->data<int64_t>()[k] == 0;
        minus_one = minus_one || c->data<int64_t>()[k] == -1;
      }
      if (zero && minus_one)
        return info.Invalid("allowzero=1 with both 0 and -1 in the shape is ambiguous");
    }
  }
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    std::vector<int64_t> requested = attribute_shape;
    if (!shape_is_attribute) {
      XQ_ASSIGN_OR_RETURN(const Tensor* shape, RequireInput(ctx, 1));
      XQ_ASSIGN_OR_RETURN(requested, ToInt64Vector(*shape, ctx.node().Describe() + ": shape"));
    }
    XQ_ASSIGN_OR_RETURN(Shape out, ReshapeTarget(ctx, x->shape(), requested, allow_zero));
    ctx.output(0) = x->Reshaped(std::move(out));
    return Status::Ok();
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateFlatten(const exec::KernelInfo& info) {
  const int64_t axis = info.node().GetInt("axis", 1);
  if (axis < 0 && info.opset() < 11) return info.Invalid("negative axis needs opset 11");
  return MakeKernel([=](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    const int rank = x->rank();
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a > rank)
      return ctx.Error("axis " + std::to_string(axis) + " is out of range for rank " +
                       std::to_string(rank));
    int64_t outer = 1;
    for (int64_t k = 0; k < a; ++k) outer *= x->dim(static_cast<int>(k));
    int64_t inner = 1;
    for (int k = static_cast<int>(a); k < rank; ++k) inner *= x->dim(k);
    ctx.output(0) = x->Reshaped({outer, inner});
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
