// Loops and helpers shared by the elementwise kernels (private to src/kernels/elementwise/).
//
// Broadcasting: PlanBroadcast() turns the operand shapes into a loop nest whose dimensions are
// coalesced (adjacent dimensions merged when every operand walks them as one, size-1 dimensions
// dropped), so that the innermost dimension is contiguous (stride 1) or constant (stride 0) for
// each operand. The loops then run one of a few simple inner loops per row (vector-vector,
// vector-scalar, scalar-vector) with no index arithmetic per element. Same-shape operands become
// one row; [N,C,H,W] + [C,1,1] becomes N*C rows of H*W with a scalar per row. Work is split over
// the cores by output element, so a single long row is parallel too.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/avx512_dispatch.h"
#include "kernels/blocked.h"
#include "kernels/common.h"

namespace xquant::kernels::elementwise {

// ---- element types -------------------------------------------------------------------------------

// Calls fn(T{}) for every type a Tensor holds: the numeric types and bool.
template <typename F>
Status DispatchAll(DataType dtype, const std::string& what, F&& fn) {
  if (dtype == DataType::kBool) {
    fn(bool{});
    return Status::Ok();
  }
  return DispatchNumeric(dtype, what, fn);
}

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T>;
template <typename T>
constexpr bool kIsSignedInt = std::is_integral_v<T> && std::is_signed_v<T>;
template <typename T>
constexpr bool kIsNumeric = !std::is_same_v<T, bool>;

bool IsFloatType(DataType t);
bool IsNumericType(DataType t);  // floats and integers, not bool
// "float32 and float64" style list for messages.
std::string TypeList(std::initializer_list<DataType> types);

// ---- integer arithmetic without undefined behaviour ------------------------------------------------
// ONNX integer arithmetic wraps around (two's complement) as onnxruntime's does on every target;
// in C++ signed overflow is undefined, so the integer paths compute in unsigned types. The small
// types promote to (u)int32 first so uint16*uint16 cannot overflow int.
template <typename T>
using WrapType = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <typename T>
inline T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
  else return a + b;
}
template <typename T>
inline T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
  else return a - b;
}
template <typename T>
inline T WrapMul(T a, T b) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
  else return a * b;
}
template <typename T>
inline T WrapNeg(T a) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(WrapType<T>{0} - static_cast<WrapType<T>>(a));
  else return -a;
}

// Converts a floating-point value to an integer type the way a C++ static_cast compiles on x86-64
// (onnxruntime's Cast): truncation toward zero into int32 (int64 for 64-bit targets), NaN and
// out-of-range values giving the "integer indefinite" INT_MIN, then the low bits for narrower
// types. Written out because the static_cast itself is undefined behaviour out of range.
template <typename To, typename From>
inline To FloatToInt(From v) {
  using Wide = std::conditional_t<(sizeof(To) == 8), int64_t, int32_t>;
  constexpr From kLimit = static_cast<From>(sizeof(To) == 8 ? 9223372036854775808.0 : 2147483648.0);
  const Wide w = (v > -kLimit && v < kLimit) ? static_cast<Wide>(v) : std::numeric_limits<Wide>::min();
  return static_cast<To>(w);
}

// Any supported element type to any other: the C++ conversions, with FloatToInt for float to
// integer and "!= 0" for anything to bool.
template <typename To, typename From>
inline To ConvertValue(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From{};
  else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) return FloatToInt<To>(v);
  else return static_cast<To>(v);
}

// The float16 value nearest to v (ties to even), as a double: how xquant, which stores float16
// as float32, casts to float16. Overflow gives +-inf, NaN stays NaN.
double RoundToHalf(double v);

// Copies `in` converted to `to` into a new tensor (float16 = float32 rounded to half precision).
StatusOr<Tensor> ConvertTensor(const Tensor& in, DataType to, bool to_half, const std::string& what);

// ---- loops -----------------------------------------------------------------------------------------

// y[i] = op(x[i]) for i in [0, n), in parallel above `grain` elements per core; float32 to
// float32 on AVX-512 where the CPU has it (avx512_dispatch.h).
template <typename TI, typename TO, typename Op>
void UnaryLoop(const TI* x, TO* y, int64_t n, const Op& op, int64_t grain = exec::kElementwiseGrain) {
  if constexpr (std::is_same_v<TI, float> && std::is_same_v<TO, float>) {
    if (CpuHasAvx512()) return UnaryLoopAvx512(x, y, n, op, grain);
  }
  UnaryLoopDefaultTarget(x, y, n, op, grain);
}

// A broadcast loop nest over K operands, dimensions coalesced (see the file comment).
struct BroadcastPlan {
  Shape out_shape;                 // the broadcast result's shape
  int64_t size = 0;                // elements of out_shape
  int64_t inner = 1;               // length of the innermost coalesced dimension
  std::vector<int64_t> outer;      // the other coalesced dimensions, outermost first
  std::vector<std::vector<int64_t>> outer_strides;  // [operand][outer dim], in elements
  std::vector<int64_t> inner_stride;                // [operand]: 1 (contiguous) or 0 (repeated)
};

// Numpy (multidirectional) broadcasting of `shapes`; the error names the shapes.
StatusOr<BroadcastPlan> PlanBroadcast(const std::vector<Shape>& shapes);

// Offsets of each operand at the start of a row of the loop nest, advanced row by row: one
// division per chunk of work, additions per row, nothing per element.
template <size_t K>
class RowCursor {
 public:
  RowCursor(const BroadcastPlan& plan, int64_t row) : plan_(plan), index_(plan.outer.size(), 0) {
    offset_.fill(0);
    for (size_t d = plan.outer.size(); d-- > 0;) {
      index_[d] = row % plan.outer[d];
      row /= plan.outer[d];
      for (size_t k = 0; k < K; ++k) offset_[k] += index_[d] * plan.outer_strides[k][d];
    }
  }
  int64_t offset(size_t k) const { return offset_[k]; }
  void Next() {
    for (size_t d = plan_.outer.size(); d-- > 0;) {
      for (size_t k = 0; k < K; ++k) offset_[k] += plan_.outer_strides[k][d];
      if (++index_[d] < plan_.outer[d]) return;
      for (size_t k = 0; k < K; ++k) offset_[k] -= plan_.outer_strides[k][d] * plan_.outer[d];
      index_[d] = 0;
    }
  }

 private:
  const BroadcastPlan& plan_;
  std::vector<int64_t> index_;
  std::array<int64_t, K> offset_;
};

// Calls fn(offsets, out_begin, count) for runs of `count` output elements starting at
// `out_begin` that lie in one row: operand k's run starts at offsets[k] and advances by
// plan.inner_stride[k] per element. Runs of different chunks are processed in parallel.
template <size_t K, typename F>
void ForEachRun(const BroadcastPlan& plan, int64_t grain, const F& fn) {
  exec::ParallelFor(plan.size, grain, [&](int64_t begin, int64_t end) {
    int64_t col = begin % plan.inner;
    RowCursor<K> cursor(plan, begin / plan.inner);
    for (int64_t pos = begin; pos < end;) {
      const int64_t count = std::min(plan.inner - col, end - pos);
      std::array<int64_t, K> offsets;
      for (size_t k = 0; k < K; ++k) offsets[k] = cursor.offset(k) + col * plan.inner_stride[k];
      fn(offsets, pos, count);
      pos += count;
      col = 0;
      cursor.Next();
    }
  });
}

// out = op(a, b) elementwise with broadcasting: out has plan.out_shape.
template <typename TA, typename TB, typename TO, typename Op>
void BinaryLoop(const BroadcastPlan& plan, const TA* a, const TB* b, TO* out, const Op& op,
                int64_t grain = exec::kElementwiseGrain) {
  const bool a_vec = plan.inner_stride[0] != 0;
  const bool b_vec = plan.inner_stride[1] != 0;
  ForEachRun<2>(plan, grain, [&](const std::array<int64_t, 2>& offsets, int64_t out_begin, int64_t count) {
    const TA* __restrict pa = a + offsets[0];
    const TB* __restrict pb = b + offsets[1];
    TO* __restrict po = out + out_begin;
    if (a_vec && b_vec) {
      for (int64_t i = 0; i < count; ++i) po[i] = op(pa[i], pb[i]);
    } else if (a_vec) {
      const TB vb = *pb;
      for (int64_t i = 0; i < count; ++i) po[i] = op(pa[i], vb);
    } else if (b_vec) {
      const TA va = *pa;
      for (int64_t i = 0; i < count; ++i) po[i] = op(va, pb[i]);
    } else {
      std::fill_n(po, count, op(*pa, *pb));
    }
  });
}

// The tensor op(a, b) of element type TO, broadcasting `a_shape` and `b_shape` (normally the
// tensors' shapes; legacy broadcasting passes a reshaped b). Errors are prefixed by the node.
template <typename TA, typename TB, typename TO, typename Op>
StatusOr<Tensor> Binary(const KernelContext& ctx, const Tensor& a, const Shape& a_shape, const Tensor& b,
                        const Shape& b_shape, const Op& op, int64_t grain = exec::kElementwiseGrain) {
  auto plan = PlanBroadcast({a_shape, b_shape});
  if (!plan.ok()) return ctx.Error(plan.status().message());
  Tensor out(DataTypeOf<TO>(), plan->out_shape);
  BinaryLoop(*plan, a.data<TA>(), b.data<TB>(), out.data<TO>(), op, grain);
  return out;
}

// ---- opset < 7 broadcasting -------------------------------------------------------------------------
// Before opset 7 the binary ops broadcast only when attribute broadcast=1, and only B onto A; with
// an `axis`, B's dimensions line up with A's starting there instead of at the right.
struct LegacyBroadcast {
  bool enabled = false;
  bool has_axis = false;
  int64_t axis = 0;
};
LegacyBroadcast ReadLegacyBroadcast(const KernelInfo& info);
// B's shape as it broadcasts against `a`: unchanged, or padded with 1s after `axis` dims.
StatusOr<Shape> LegacyShapeOfB(const KernelContext& ctx, const LegacyBroadcast& legacy, const Shape& a, const Shape& b);

// ---- unary kernels -----------------------------------------------------------------------------------

// Which element types an op accepts (ONNX's type constraints, restricted to what a Tensor holds).
enum class TypeSet { kFloat, kSigned, kUnsigned, kInteger, kNumeric, kBool, kAll };

template <TypeSet kSet, typename T>
constexpr bool Accepts() {
  switch (kSet) {
    case TypeSet::kFloat: return kIsFloat<T>;
    case TypeSet::kSigned: return kIsFloat<T> || kIsSignedInt<T>;
    case TypeSet::kUnsigned: return std::is_unsigned_v<T> && kIsNumeric<T>;
    case TypeSet::kInteger: return std::is_integral_v<T> && kIsNumeric<T>;
    case TypeSet::kNumeric: return kIsNumeric<T>;
    case TypeSet::kBool: return std::is_same_v<T, bool>;
    case TypeSet::kAll: return true;
  }
  return false;
}
bool AcceptsType(TypeSet set, DataType t);
std::string TypeSetName(TypeSet set);

// Fails at preparation when input `i`'s declared type is known and outside `set`.
Status CheckInputType(const KernelInfo& info, size_t i, TypeSet set);

// A kernel computing y = op(x) elementwise, y of x's type and shape. `op` is a generic callable
// (auto v) -> decltype(v), instantiated only for the types in kSet. `grain`: elements per core
// below which the work is not split (smaller for expensive functions).
// Its TimesInput() variant computes y = x * op(x) for float types in one pass (Sigmoid then Mul is
// SiLU/Swish, HardSigmoid then Mul HardSwish): the product is rounded once, as Mul rounds it.
template <TypeSet kSet, typename Op>
class UnaryKernel final : public Kernel {
 public:
  UnaryKernel(Op op, int64_t grain, bool times_input) : op_(op), grain_(grain), times_input_(times_input) {}

  Status Compute(KernelContext& ctx) override {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    if (!AcceptsType(kSet, x->dtype()))
      return ctx.Error("input has element type " + DataTypeName(x->dtype()) + "; expected " + TypeSetName(kSet));
    // A channel-blocked input (see AcceptsBlockedInput) stays blocked when the output may be,
    // else it is unblocked on the way through.
    const bool blocked = ctx.input_blocked();
    const bool unblock = blocked && !ctx.may_block_output();
    XQ_RETURN_IF_ERROR(CheckBlockedInputs(ctx));
    // Blocked to blocked: the whole buffer, padding lanes included, which must stay zero.
    Tensor y = blocked && !unblock ? exec::NewBlockedTensor(x->shape()) : Tensor(x->dtype(), x->shape());
    const int64_t count = blocked && !unblock ? exec::BlockedShapeOf(x->shape()).elements() : x->size();
    bool zero_stays_zero = true;
    Status status = DispatchAll(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Accepts<kSet, T>()) {
        auto run = [&](const auto& op) {
          if (unblock) UnblockingUnaryLoop(x->data<T>(), y.data<T>(), x->shape(), op, grain_);
          else UnaryLoop(x->data<T>(), y.data<T>(), count, op, grain_);
          zero_stays_zero = op(T(0)) == T(0);
        };
        if constexpr (kIsFloat<T>) {
          if (times_input_) {
            const Op op = op_;
            run([op](T v) { return v * op(v); });
            return;
          }
        }
        run(op_);
      }
    });
    XQ_RETURN_IF_ERROR(status);
    if (blocked && !unblock) {
      if (!zero_stays_zero) exec::ZeroBlockedPadding(y.data<float>(), exec::BlockedShapeOf(x->shape()));
      ctx.MarkOutputBlocked();
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  }

  // Elementwise, so any layout will do: a blocked input gives a blocked output where allowed.
  bool AcceptsBlockedInput(size_t i) const override { return i == 0; }

  std::unique_ptr<Kernel> TimesInput() const override {
    if (times_input_ || kSet != TypeSet::kFloat) return nullptr;
    return std::make_unique<UnaryKernel>(op_, grain_, true);
  }

 private:
  Op op_;
  int64_t grain_;
  bool times_input_;
};

template <TypeSet kSet, typename Op>
StatusOr<std::unique_ptr<Kernel>> MakeUnaryKernel(const KernelInfo& info, Op op, int64_t grain = exec::kElementwiseGrain) {
  XQ_RETURN_IF_ERROR(CheckInputType(info, 0, kSet));
  return std::unique_ptr<Kernel>(std::make_unique<UnaryKernel<kSet, Op>>(op, grain, false));
}

// Grains for functions costing roughly 4x and 16x an addition (exp polynomials; libm calls).
constexpr int64_t kExpGrain = exec::kElementwiseGrain / 4;
constexpr int64_t kLibmGrain = exec::kElementwiseGrain / 16;

// ---- binary kernels ----------------------------------------------------------------------------------

// How a binary kernel treats its inputs.
struct BinaryOptions {
  bool check_divisor = false;   // integer Div/Mod: a zero in B is an error, not a crash
  int64_t grain = exec::kElementwiseGrain;
};

// A kernel computing op(A, B) with numpy broadcasting (legacy broadcast/axis before opset 7),
// A and B of one element type in kSet; the output has that type, or bool for comparisons
// (kBoolOutput). `op` is a generic callable (auto a, auto b).
template <TypeSet kSet, bool kBoolOutput, typename Op>
StatusOr<std::unique_ptr<Kernel>> MakeBinaryKernel(const KernelInfo& info, Op op, BinaryOptions options = {}) {
  if (info.num_inputs() != 2) return info.Invalid("expects 2 inputs, got " + std::to_string(info.num_inputs()));
  XQ_RETURN_IF_ERROR(CheckInputType(info, 0, kSet));
  XQ_RETURN_IF_ERROR(CheckInputType(info, 1, kSet));
  const LegacyBroadcast legacy = ReadLegacyBroadcast(info);
  return MakeKernel([op, options, legacy](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
    if (a->dtype() != b->dtype())
      return ctx.Error("inputs have different element types, " + DataTypeName(a->dtype()) + " and " + DataTypeName(b->dtype()));
    if (!AcceptsType(kSet, a->dtype()))
      return ctx.Error("inputs have element type " + DataTypeName(a->dtype()) + "; expected " + TypeSetName(kSet));
    XQ_ASSIGN_OR_RETURN(Shape b_shape, LegacyShapeOfB(ctx, legacy, a->shape(), b->shape()));
    Status result;
    XQ_RETURN_IF_ERROR(DispatchAll(a->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (Accepts<kSet, T>()) {
        if constexpr (std::is_integral_v<T>) {
          if (options.check_divisor && std::find(b->data<T>(), b->data<T>() + b->size(), T{0}) != b->data<T>() + b->size()) {
            result = ctx.Error("integer division by zero");
            return;
          }
        }
        using TO = std::conditional_t<kBoolOutput, bool, T>;
        auto out = Binary<T, T, TO>(ctx, *a, a->shape(), *b, b_shape, op, options.grain);
        if (out.ok()) ctx.output(0) = std::move(out).value();
        else result = out.status();
      }
    }));
    return result;
  });
}

// Add, Sub, Mul or Div (opset 7 on) that also reads channel-blocked inputs (blocked_binary.cc):
// `plain` made by MakeBinaryKernel, used for plain inputs and for the forms without a blocked path.
enum class BlockedArith { kAdd, kSub, kMul, kDiv };
StatusOr<std::unique_ptr<Kernel>> AcceptingBlockedInputs(StatusOr<std::unique_ptr<Kernel>> plain,
                                                         const KernelInfo& info, BlockedArith arith);

}  // namespace xquant::kernels::elementwise
