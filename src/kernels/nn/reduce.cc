// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare,
// ReduceLogSum, ReduceLogSumExp (ONNX opsets 1, 11, 12, 13, 18).
//
// Opset differences handled:
//   - the axes are an attribute until ReduceSum 13 / the others 18, then an optional second input;
//     either form is read whatever the opset;
//   - noop_with_empty_axes (ReduceSum 13, the others 18): with no axes the input passes through
//     instead of being reduced over every axis;
//   - negative axes from opset 11; int8/uint8 for ReduceMax/ReduceMin from 12 (every numeric type is
//     accepted here).
// Floating-point inputs accumulate in double, integers in int64 (the result wraps to the element
// type, as a sum in the element type would). Reducing an empty set gives the identity of the
// operation: 0 for sums, 1 for ReduceProd, -inf (the lowest value for integers) for ReduceMax,
// +inf for ReduceMin, -inf for the logarithms and NaN (0 for integers) for ReduceMean.
// ReduceLogSumExp subtracts the maximum before exponentiating, so large inputs do not overflow.
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/nn/reduce_util.h"

namespace xquant::kernels {
namespace {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kSumSquare, kLogSum, kLogSumExp };

// Accumulator of the sum-like reductions: double for floats and for the kinds that take a square
// root or a logarithm, int64 for the other integer reductions.
template <typename T, ReduceKind kKind>
using Wide = std::conditional_t<std::is_floating_point_v<T> || kKind == ReduceKind::kL2 || kKind == ReduceKind::kLogSum ||
                                    kKind == ReduceKind::kLogSumExp,
                                double, int64_t>;

template <typename T>
constexpr T MaxIdentity() {
  if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}
template <typename T>
constexpr T MinIdentity() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::max();
}

// Sum-like reductions share Init/Combine; Map and Finish differ by kind.
template <typename T, ReduceKind kKind>
struct SumLikeOp {
  using Acc = Wide<T, kKind>;
  using Out = T;
  Acc Init() const { return kKind == ReduceKind::kProd ? Acc(1) : Acc(0); }
  Acc Map(T v, Acc shift) const {
    const Acc a = static_cast<Acc>(v);
    if constexpr (kKind == ReduceKind::kL1) return a < 0 ? -a : a;
    else if constexpr (kKind == ReduceKind::kL2 || kKind == ReduceKind::kSumSquare) return a * a;
    else if constexpr (kKind == ReduceKind::kLogSumExp) return std::exp(static_cast<double>(a - shift));
    else return a;
  }
  Acc Combine(Acc a, Acc b) const { return kKind == ReduceKind::kProd ? a * b : a + b; }
  Out Finish(Acc acc, int64_t count, Acc shift) const {
    if constexpr (kKind == ReduceKind::kMean) {
      if (count == 0) return std::is_floating_point_v<T> ? static_cast<T>(NAN) : T(0);
      return static_cast<T>(acc / static_cast<Acc>(count));
    } else if constexpr (kKind == ReduceKind::kL2) {
      return static_cast<T>(std::sqrt(static_cast<double>(acc)));
    } else if constexpr (kKind == ReduceKind::kLogSum) {
      return static_cast<T>(std::log(static_cast<double>(acc)));
    } else if constexpr (kKind == ReduceKind::kLogSumExp) {
      return static_cast<T>(std::log(static_cast<double>(acc)) + static_cast<double>(shift));
    } else {
      return static_cast<T>(acc);
    }
  }
};

template <typename T, bool kMax>
struct ExtremumOp {
  using Acc = T;
  using Out = T;
  Acc Init() const { return kMax ? MaxIdentity<T>() : MinIdentity<T>(); }
  Acc Map(T v, Acc) const { return v; }
  Acc Combine(Acc a, Acc b) const {
    if constexpr (kMax) return b > a ? b : a;
    else return b < a ? b : a;
  }
  Out Finish(Acc acc, int64_t, Acc) const { return acc; }
};

template <typename T>
void Reduce(ReduceKind kind, const T* x, T* y, const nn::ReducePlan& plan) {
  switch (kind) {
    case ReduceKind::kSum: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kSum>{}); break;
    case ReduceKind::kMean: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kMean>{}); break;
    case ReduceKind::kProd: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kProd>{}); break;
    case ReduceKind::kL1: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kL1>{}); break;
    case ReduceKind::kL2: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kL2>{}); break;
    case ReduceKind::kSumSquare: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kSumSquare>{}); break;
    case ReduceKind::kLogSum: nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kLogSum>{}); break;
    case ReduceKind::kMax: nn::RunReduction(x, y, plan, ExtremumOp<T, true>{}); break;
    case ReduceKind::kMin: nn::RunReduction(x, y, plan, ExtremumOp<T, false>{}); break;
    case ReduceKind::kLogSumExp: {
      // Pass 1: the maximum of each output's elements; pass 2: log(sum(exp(x - max))) + max.
      std::vector<T> max(static_cast<size_t>(plan.outputs));
      nn::RunReduction(x, max.data(), plan, ExtremumOp<T, true>{});
      using Acc = Wide<T, ReduceKind::kLogSumExp>;
      std::vector<Acc> shift(max.size());
      for (size_t k = 0; k < max.size(); ++k) {
        const double m = static_cast<double>(max[k]);
        shift[k] = std::isfinite(m) ? static_cast<Acc>(max[k]) : Acc(0);
      }
      nn::RunReduction(x, y, plan, SumLikeOp<T, ReduceKind::kLogSumExp>{}, shift.data());
      break;
    }
  }
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateReduce(const exec::KernelInfo& info, ReduceKind kind) {
  const Node& node = info.node();
  const bool keepdims = node.GetInt("keepdims", 1) != 0;
  const bool noop_with_empty_axes = node.GetInt("noop_with_empty_axes", 0) != 0;
  const bool axes_attribute = node.HasAttribute("axes");
  const std::vector<int64_t> attr_axes = node.GetInts("axes");
  if (axes_attribute && info.HasInput(1)) return info.Invalid("axes are given both as an attribute and as an input");
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    std::vector<int64_t> axes = attr_axes;
    if (const Tensor* axes_input = ctx.input(1)) {
      XQ_ASSIGN_OR_RETURN(axes, ToInt64Vector(*axes_input, ctx.node().Describe() + ": axes"));
    }
    const int rank = x->rank();
    if (axes.empty() && noop_with_empty_axes) {
      ctx.output(0) = *x;
      return Status::Ok();
    }
    std::vector<bool> reduce_axis(rank, axes.empty());
    for (int64_t a : axes) {
      XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(a, rank, ctx.node().Describe()));
      if (rank == 0) continue;  // a scalar reduces to itself
      if (reduce_axis[axis]) return ctx.Error("axis " + std::to_string(a) + " is listed twice");
      reduce_axis[axis] = true;
    }
    Shape out_shape;
    for (int i = 0; i < rank; ++i) {
      if (!reduce_axis[i]) out_shape.push_back(x->dim(i));
      else if (keepdims) out_shape.push_back(1);
    }
    const nn::ReducePlan plan = nn::MakeReducePlan(x->shape(), reduce_axis);
    Tensor y(x->dtype(), out_shape);
    XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      Reduce<T>(kind, x->data<T>(), y.data<T>(), plan);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceSum(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kSum);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceMean(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kMean);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceMax(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kMax);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceMin(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kMin);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceProd(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kProd);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceL1(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kL1);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceL2(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kL2);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceSumSquare(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kSumSquare);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceLogSum(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kLogSum);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateReduceLogSumExp(const exec::KernelInfo& info) {
  return CreateReduce(info, ReduceKind::kLogSumExp);
}

}  // namespace xquant::kernels
