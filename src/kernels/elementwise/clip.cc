// Clip, every opset: y = min(max(x, min), max).
//   opsets 1-10: bounds are the float attributes `min` and `max` (opset 6 gave them the float range as
//     defaults; an absent bound clips nothing here, which is the same for float32 inputs);
//   opset 11+: bounds are optional scalar inputs of x's type; opset 12 added the integer types.
// With min > max every element becomes max (the order of the two clamps), as the spec says from
// opset 13 and onnxruntime does; NaN passes through.
#include <limits>

#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {
namespace {

// The value of an optional bound input: nullopt when omitted; error unless a one-element tensor
// of type T.
template <typename T>
StatusOr<std::optional<T>> ReadBound(const KernelContext& ctx, size_t i, const char* name) {
  const Tensor* t = ctx.input(i);
  if (!t) return std::optional<T>();
  if (t->dtype() != DataTypeOf<T>())
    return ctx.Error(std::string(name) + " has element type " + DataTypeName(t->dtype()) + ", input has " +
                     DataTypeName(DataTypeOf<T>()));
  if (t->size() != 1 || t->rank() > 1)
    return ctx.Error(std::string(name) + " must be a scalar, got shape " + ShapeToString(t->shape()));
  return std::optional<T>(t->data<T>()[0]);
}

template <typename T>
void ClipLoop(const Tensor& x, std::optional<T> min, std::optional<T> max, Tensor* y) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  const T lo = min ? *min : (kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest());
  const T hi = max ? *max : (kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max());
  elementwise::UnaryLoop(x.data<T>(), y->data<T>(), x.size(), [lo, hi](T v) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
  });
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateClip(const KernelInfo& info) {
  using elementwise::TypeSet;
  const Node& node = info.node();
  if (info.opset() < 11) {
    XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kFloat));
    std::optional<double> min, max;
    if (node.HasAttribute("min")) min = node.GetFloat("min", 0.0f);
    if (node.HasAttribute("max")) max = node.GetFloat("max", 0.0f);
    return MakeKernel([min, max](KernelContext& ctx) -> Status {
      XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32, DataType::kFloat64}));
      Tensor y(x->dtype(), x->shape());
      if (x->dtype() == DataType::kFloat32) {
        auto narrow = [](std::optional<double> v) { return v ? std::optional<float>(static_cast<float>(*v)) : std::nullopt; };
        ClipLoop<float>(*x, narrow(min), narrow(max), &y);
      } else {
        ClipLoop<double>(*x, min, max, &y);
      }
      ctx.output(0) = std::move(y);
      return Status::Ok();
    });
  }
  if (info.num_inputs() > 3) return info.Invalid("expects at most 3 inputs (input, min, max)");
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kNumeric));
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    Status result;
    XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      auto min = ReadBound<T>(ctx, 1, "min");
      auto max = ReadBound<T>(ctx, 2, "max");
      if (!min.ok() || !max.ok()) {
        result = !min.ok() ? min.status() : max.status();
        return;
      }
      Tensor y(x->dtype(), x->shape());
      ClipLoop<T>(*x, *min, *max, &y);
      ctx.output(0) = std::move(y);
    }));
    return result;
  });
}

}  // namespace xquant::kernels
