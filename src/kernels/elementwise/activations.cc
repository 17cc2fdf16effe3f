// Activation functions, every opset (1-17; Gelu from opset 20 and com.microsoft):
//   Relu (floats; signed integers from opset 14), LeakyRelu(alpha=0.01), Elu(alpha=1),
//   Selu(alpha=1.6732632, gamma=1.0507010), Celu(alpha=1, opset 12), Sigmoid,
//   HardSigmoid(alpha=0.2, beta=0.5), HardSwish (opset 14: HardSigmoid with alpha=1/6, times x),
//   Tanh, Softplus, Softsign, Mish (opset 18), ThresholdedRelu(alpha=1),
//   Gelu(approximate="none"|"tanh"; com.microsoft's has no attribute and is the erf form).
// Opsets before 6 carried `consumed_inputs`, ignored. float32 Sigmoid, Tanh and Gelu use the
// vectorisable polynomials of vector_math.h; comparisons are written so NaN propagates.
#include <cmath>

#include "kernels/elementwise/elementwise.h"
#include "kernels/vector_math.h"

namespace xquant::kernels {
namespace {

using elementwise::kExpGrain;
using elementwise::kLibmGrain;
using elementwise::MakeUnaryKernel;
using elementwise::TypeSet;

template <typename T>
constexpr bool kIsF32 = std::is_same_v<T, float>;

template <typename T>
inline T Sigmoid(T v) {
  if constexpr (kIsF32<T>) return elementwise::SigmoidF(v);
  else return T{1} / (T{1} + std::exp(-v));
}

template <typename T>
inline T Tanh(T v) {
  if constexpr (kIsF32<T>) return elementwise::TanhF(v);
  else return std::tanh(v);
}

// log(1 + e^v) without overflow for large v.
template <typename T>
inline T Softplus(T v) {
  return v > T{0} ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
}

// min(max(v, 0), 1) with NaN passing through.
template <typename T>
inline T Saturate01(T v) {
  v = v < T{0} ? T{0} : v;
  return v > T{1} ? T{1} : v;
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateRelu(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kSigned>(info, [](auto v) -> decltype(v) { return v < decltype(v){0} ? decltype(v){0} : v; });
}

StatusOr<std::unique_ptr<Kernel>> CreateLeakyRelu(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 0.01f);
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha](auto v) -> decltype(v) {
    using T = decltype(v);
    return v < T{0} ? static_cast<T>(alpha) * v : v;
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateElu(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 1.0f);
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha](auto v) -> decltype(v) {
    using T = decltype(v);
    return v < T{0} ? static_cast<T>(alpha) * std::expm1(v) : v;
  }, kLibmGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateSelu(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 1.67326319217681884765625f);
  const double gamma = info.node().GetFloat("gamma", 1.05070102214813232421875f);
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha, gamma](auto v) -> decltype(v) {
    using T = decltype(v);
    return static_cast<T>(gamma) * (v <= T{0} ? static_cast<T>(alpha) * std::expm1(v) : v);
  }, kLibmGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateCelu(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 1.0f);
  if (alpha == 0.0) return info.Invalid("alpha must not be 0");
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha](auto v) -> decltype(v) {
    using T = decltype(v);
    const T a = static_cast<T>(alpha);
    return v < T{0} ? a * std::expm1(v / a) : v;
  }, kLibmGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateSigmoid(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) { return Sigmoid(v); }, kExpGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateHardSigmoid(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 0.2f);
  const double beta = info.node().GetFloat("beta", 0.5f);
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha, beta](auto v) -> decltype(v) {
    using T = decltype(v);
    return Saturate01(static_cast<T>(alpha) * v + static_cast<T>(beta));
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateHardSwish(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) -> decltype(v) {
    using T = decltype(v);
    return v * Saturate01(static_cast<T>(1.0 / 6.0) * v + static_cast<T>(0.5));
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateTanh(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) { return Tanh(v); }, kExpGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateSoftplus(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) { return Softplus(v); }, kLibmGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateSoftsign(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) -> decltype(v) {
    using T = decltype(v);
    return v / (T{1} + (v < T{0} ? -v : v));
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateMish(const KernelInfo& info) {
  return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) { return v * Tanh(Softplus(v)); }, kLibmGrain);
}

StatusOr<std::unique_ptr<Kernel>> CreateThresholdedRelu(const KernelInfo& info) {
  const double alpha = info.node().GetFloat("alpha", 1.0f);
  return MakeUnaryKernel<TypeSet::kFloat>(info, [alpha](auto v) -> decltype(v) {
    using T = decltype(v);
    return v > static_cast<T>(alpha) ? v : T{0};
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateGelu(const KernelInfo& info) {
  const std::string approximate = info.node().GetString("approximate", "none");
  if (approximate == "none") {
    return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) -> decltype(v) {
      using T = decltype(v);
      const T u = v * static_cast<T>(M_SQRT1_2);
      if constexpr (kIsF32<T>) return 0.5f * v * (1.0f + elementwise::ErfF(u));
      else return T{0.5} * v * (T{1} + std::erf(u));
    }, kExpGrain);
  }
  if (approximate == "tanh") {
    return MakeUnaryKernel<TypeSet::kFloat>(info, [](auto v) -> decltype(v) {
      using T = decltype(v);
      const T inner = static_cast<T>(0.7978845608028654) * (v + static_cast<T>(0.044715) * v * v * v);  // sqrt(2/pi)
      return T{0.5} * v * (T{1} + Tanh(inner));
    }, kExpGrain);
  }
  return info.Invalid("approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
}

}  // namespace xquant::kernels
