// Variadic elementwise ops over 1..N inputs, every opset (1-17): Max, Min (numeric types; NaN
// propagates like numpy.maximum), Sum (numeric), Mean (float32/float64). Opset 8 added numpy
// broadcasting across the inputs; earlier opsets required equal shapes, a special case of it.
// The inputs are folded left to right, one broadcast binary loop per input; Mean divides the sum
// by N at the end (as onnxruntime and the ONNX reference do).
#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {
namespace {

using elementwise::TypeSet;

template <TypeSet kSet, typename Op>
StatusOr<std::unique_ptr<Kernel>> MakeVariadicKernel(const KernelInfo& info, Op op, bool mean) {
  if (info.num_inputs() == 0) return info.Invalid("expects at least one input");
  for (size_t i = 0; i < info.num_inputs(); ++i) {
    if (!info.HasInput(i)) return info.Invalid("input " + std::to_string(i) + " is missing");
    XQ_RETURN_IF_ERROR(elementwise::CheckInputType(info, i, kSet));
  }
  return MakeKernel([op, mean](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* first, RequireInput(ctx, 0));
    if (!elementwise::AcceptsType(kSet, first->dtype()))
      return ctx.Error("inputs have element type " + DataTypeName(first->dtype()) + "; expected " +
                       elementwise::TypeSetName(kSet));
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      XQ_ASSIGN_OR_RETURN(const Tensor* in, RequireInput(ctx, i));
      if (in->dtype() != first->dtype())
        return ctx.Error("input " + std::to_string(i) + " has element type " + DataTypeName(in->dtype()) +
                         ", input 0 has " + DataTypeName(first->dtype()));
    }
    if (ctx.num_inputs() == 1) {  // nothing to compute: share the input's buffer
      ctx.output(0) = *first;
      return Status::Ok();
    }
    Status result;
    XQ_RETURN_IF_ERROR(DispatchNumeric(first->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (elementwise::Accepts<kSet, T>()) {
        Tensor acc = *first;
        for (size_t i = 1; i < ctx.num_inputs() && result.ok(); ++i) {
          const Tensor& in = *ctx.input(i);
          auto next = elementwise::Binary<T, T, T>(ctx, acc, acc.shape(), in, in.shape(), op);
          if (next.ok()) acc = std::move(next).value();
          else result = next.status();
        }
        if (!result.ok()) return;
        if constexpr (std::is_floating_point_v<T>) {
          if (mean) {
            const T count = static_cast<T>(ctx.num_inputs());
            T* data = acc.data<T>();
            elementwise::UnaryLoop(data, data, acc.size(), [count](T v) { return v / count; });
          }
        }
        ctx.output(0) = std::move(acc);
      }
    }));
    return result;
  });
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateMax(const KernelInfo& info) {
  return MakeVariadicKernel<TypeSet::kNumeric>(info, [](auto a, auto b) { return (a != a || a > b) ? a : b; }, false);
}

StatusOr<std::unique_ptr<Kernel>> CreateMin(const KernelInfo& info) {
  return MakeVariadicKernel<TypeSet::kNumeric>(info, [](auto a, auto b) { return (a != a || a < b) ? a : b; }, false);
}

StatusOr<std::unique_ptr<Kernel>> CreateSum(const KernelInfo& info) {
  return MakeVariadicKernel<TypeSet::kNumeric>(info, [](auto a, auto b) { return elementwise::WrapAdd(a, b); }, false);
}

StatusOr<std::unique_ptr<Kernel>> CreateMean(const KernelInfo& info) {
  return MakeVariadicKernel<TypeSet::kFloat>(info, [](auto a, auto b) { return a + b; }, true);
}

}  // namespace xquant::kernels
