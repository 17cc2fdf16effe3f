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

// y[i] = clip(x[i]) for i < count; an absent bound clips nothing.
template <typename T>
void ClipLoop(const T* x, T* y, int64_t count, std::optional<T> min, std::optional<T> max) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  const T lo = min ? *min : (kFloat ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest());
  const T hi = max ? *max : (kFloat ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max());
  elementwise::UnaryLoop(x, y, count, [lo, hi](T v) {
    v = v < lo ? lo : v;
    return v > hi ? hi : v;
  });
}

template <typename T>
void ClipLoop(const Tensor& x, std::optional<T> min, std::optional<T> max, Tensor* y) {
  ClipLoop<T>(x.data<T>(), y->data<T>(), x.size(), min, max);
}

// Clip between convolutions that could not be folded into its producer (after a residual Add, or
// in a hard-swish written out as x * Clip(x + 3, 0, 6) / 6): a channel-blocked input is clipped
// over its whole buffer and stays blocked where the output may; the padding lanes, 0, are set back
// to 0 when the bounds move 0. Otherwise the plain kernel, on an unblocked copy if need be.
class BlockedClipKernel final : public Kernel {
 public:
  // `attr_min`/`attr_max`: the bounds of opsets 1-10; from opset 11 they are inputs 1 and 2.
  BlockedClipKernel(std::unique_ptr<Kernel> plain, bool bounds_are_inputs, std::optional<double> attr_min,
                    std::optional<double> attr_max)
      : plain_(std::move(plain)), bounds_are_inputs_(bounds_are_inputs), attr_min_(attr_min), attr_max_(attr_max) {}

  Status Compute(KernelContext& ctx) override {
    if (!ctx.input_blocked(0)) return plain_->Compute(ctx);
    const Tensor* x = ctx.input(0);
    if (!ctx.may_block_output() || !x || x->dtype() != DataType::kFloat32 || !exec::IsBlockableShape(x->shape()))
      return ComputeOnPlainInputs(*plain_, ctx);
    std::optional<float> min, max;
    if (bounds_are_inputs_) {
      XQ_ASSIGN_OR_RETURN(min, ReadBound<float>(ctx, 1, "min"));
      XQ_ASSIGN_OR_RETURN(max, ReadBound<float>(ctx, 2, "max"));
    } else {
      if (attr_min_) min = static_cast<float>(*attr_min_);
      if (attr_max_) max = static_cast<float>(*attr_max_);
    }
    const exec::BlockedShape geometry = exec::BlockedShapeOf(x->shape());
    Tensor y = exec::NewBlockedTensor(x->shape());
    ClipLoop<float>(x->data<float>(), y.data<float>(), geometry.elements(), min, max);
    float zero = 0.0f, clipped_zero = 0.0f;
    ClipLoop<float>(&zero, &clipped_zero, 1, min, max);
    if (clipped_zero != 0.0f) exec::ZeroBlockedPadding(y.data<float>(), geometry);
    ctx.output(0) = std::move(y);
    ctx.MarkOutputBlocked();
    return Status::Ok();
  }

  bool AcceptsBlockedInput(size_t i) const override { return i == 0; }

 private:
  std::unique_ptr<Kernel> plain_;
  bool bounds_are_inputs_;
  std::optional<double> attr_min_, attr_max_;
};

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateClip(const KernelInfo& info) {
  using elementwise::TypeSet;
  const Node& node = info.node();
  if (info.opset() < 11) {
    XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kFloat));
    std::optional<double> min, max;
    if (node.HasAttribute("min")) min = node.GetFloat("min", 0.0f);
    if (node.HasAttribute("max")) max = node.GetFloat("max", 0.0f);
    XQ_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> plain, MakeKernel([min, max](KernelContext& ctx) -> Status {
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
    }));
    return std::unique_ptr<Kernel>(std::make_unique<BlockedClipKernel>(std::move(plain), false, min, max));
  }
  if (info.num_inputs() > 3) return info.Invalid("expects at most 3 inputs (input, min, max)");
  XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, 0, TypeSet::kNumeric));
  XQ_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> plain, MakeKernel([](KernelContext& ctx) -> Status {
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
  }));
  return std::unique_ptr<Kernel>(std::make_unique<BlockedClipKernel>(std::move(plain), true, std::nullopt, std::nullopt));
}

}  // namespace xquant::kernels
