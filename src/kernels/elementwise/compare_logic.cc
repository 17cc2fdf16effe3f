// Comparisons and logic with numpy broadcasting, bool outputs, every opset (1-17): Equal (any
// type), Less, Greater (numeric), LessOrEqual, GreaterOrEqual (opset 12), And, Or, Xor (bool).
// Before opset 7 they broadcast only with broadcast=1 (and `axis`), see elementwise.h. NaN
// compares unequal and unordered, as IEEE and numpy say.
#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {

using elementwise::MakeBinaryKernel;
using elementwise::TypeSet;

StatusOr<std::unique_ptr<Kernel>> CreateEqual(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kAll, true>(info, [](auto a, auto b) { return a == b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateLess(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kNumeric, true>(info, [](auto a, auto b) { return a < b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateLessOrEqual(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kNumeric, true>(info, [](auto a, auto b) { return a <= b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateGreater(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kNumeric, true>(info, [](auto a, auto b) { return a > b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateGreaterOrEqual(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kNumeric, true>(info, [](auto a, auto b) { return a >= b; });
}

StatusOr<std::unique_ptr<Kernel>> CreateAnd(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kBool, true>(info, [](bool a, bool b) { return a && b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateOr(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kBool, true>(info, [](bool a, bool b) { return a || b; });
}
StatusOr<std::unique_ptr<Kernel>> CreateXor(const KernelInfo& info) {
  return MakeBinaryKernel<TypeSet::kBool, true>(info, [](bool a, bool b) { return a != b; });
}

}  // namespace xquant::kernels
