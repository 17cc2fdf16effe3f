// Binary arithmetic with numpy broadcasting, every opset (1-17): Add, Sub, Mul, Div (all numeric
// types; integer division truncates toward zero as in C and onnxruntime), Mod (opset 10: `fmod`=0
// takes the divisor's sign like Python, integers only; `fmod`=1 is C's fmod / %), BitShift (opset
// 11, `direction` LEFT|RIGHT, unsigned types; shifting by the bit width or more gives 0).
// Before opset 7 Add/Sub/Mul/Div broadcast only with broadcast=1 (and `axis`), see elementwise.h.
// Integer results wrap around; a zero integer divisor is reported instead of crashing the process.
#include <cmath>

#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {

using elementwise::BinaryOptions;
using elementwise::MakeBinaryKernel;
using elementwise::TypeSet;

StatusOr<std::unique_ptr<Kernel>> CreateAdd(const KernelInfo& info) {
  return elementwise::AcceptingBlockedInputs(
      MakeBinaryKernel<TypeSet::kNumeric, false>(info, [](auto a, auto b) { return elementwise::WrapAdd(a, b); }),
      info, elementwise::BlockedArith::kAdd);
}

StatusOr<std::unique_ptr<Kernel>> CreateSub(const KernelInfo& info) {
  return elementwise::AcceptingBlockedInputs(
      MakeBinaryKernel<TypeSet::kNumeric, false>(info, [](auto a, auto b) { return elementwise::WrapSub(a, b); }),
      info, elementwise::BlockedArith::kSub);
}

StatusOr<std::unique_ptr<Kernel>> CreateMul(const KernelInfo& info) {
  return elementwise::AcceptingBlockedInputs(
      MakeBinaryKernel<TypeSet::kNumeric, false>(info, [](auto a, auto b) { return elementwise::WrapMul(a, b); }),
      info, elementwise::BlockedArith::kMul);
}

StatusOr<std::unique_ptr<Kernel>> CreateDiv(const KernelInfo& info) {
  BinaryOptions options;
  options.check_divisor = true;
  return elementwise::AcceptingBlockedInputs(MakeBinaryKernel<TypeSet::kNumeric, false>(info, [](auto a, auto b) -> decltype(a) {
    using T = decltype(a);
    // The most negative value divided by -1 overflows (and traps on x86): negate with wrap-around.
    if constexpr (elementwise::kIsSignedInt<T>) return b == T{-1} ? elementwise::WrapNeg(a) : static_cast<T>(a / b);
    else return static_cast<T>(a / b);
  }, options), info, elementwise::BlockedArith::kDiv);
}

StatusOr<std::unique_ptr<Kernel>> CreateMod(const KernelInfo& info) {
  const int64_t fmod = info.node().GetInt("fmod", 0);
  if (fmod != 0 && fmod != 1) return info.Invalid("fmod must be 0 or 1, got " + std::to_string(fmod));
  for (size_t i = 0; i < 2; ++i)
    if (fmod == 0 && (elementwise::IsFloatType(info.InputType(i)) || info.InputType(i) == DataType::kFloat16))
      return info.Invalid("fmod must be 1 for floating-point inputs");
  BinaryOptions options;
  options.check_divisor = true;
  if (fmod == 1) {
    return MakeBinaryKernel<TypeSet::kNumeric, false>(info, [](auto a, auto b) -> decltype(a) {
      using T = decltype(a);
      if constexpr (std::is_floating_point_v<T>) return std::fmod(a, b);
      else if constexpr (std::is_signed_v<T>) return b == T{-1} ? T{0} : static_cast<T>(a % b);
      else return static_cast<T>(a % b);
    }, options);
  }
  // Python's modulo is only defined for integers here (ONNX requires fmod=1 for floats).
  return MakeBinaryKernel<TypeSet::kInteger, false>(info, [](auto a, auto b) -> decltype(a) {
    using T = decltype(a);
    if constexpr (std::is_signed_v<T>) {
      const T r = b == T{-1} ? T{0} : static_cast<T>(a % b);
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
    } else {
      return static_cast<T>(a % b);
    }
  }, options);
}

StatusOr<std::unique_ptr<Kernel>> CreateBitShift(const KernelInfo& info) {
  const std::string direction = info.node().GetString("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return info.Invalid("direction must be \"LEFT\" or \"RIGHT\", got \"" + direction + "\"");
  if (direction == "LEFT") {
    return MakeBinaryKernel<TypeSet::kUnsigned, false>(info, [](auto a, auto b) -> decltype(a) {
      using T = decltype(a);
      using W = elementwise::WrapType<T>;
      return b >= sizeof(T) * 8 ? T{0} : static_cast<T>(static_cast<W>(a) << b);
    });
  }
  return MakeBinaryKernel<TypeSet::kUnsigned, false>(info, [](auto a, auto b) -> decltype(a) {
    using T = decltype(a);
    return b >= sizeof(T) * 8 ? T{0} : static_cast<T>(a >> b);
  });
}

}  // namespace xquant::kernels
