// Integer building blocks shared by the quantized linear ops (QLinearConv, ConvInteger,
// QLinearMatMul, MatMulInteger): widening 8-bit operands to int32 with their zero point removed,
// an int32 GEMM row, and the requantization of an int32 accumulator.
//
// The ONNX specs say "production must never overflow, and accumulation may overflow if and only if
// in 32 bits": the products of two 8-bit differences fit easily in int32, the sums may wrap. We sum
// in uint32 so that a wrap is defined behaviour and gives the same bits as onnxruntime's int32
// accumulators.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "xquant/tensor.h"

namespace xquant::kernels {

// out[i] = in[i] - zero_point, widened to int32.
template <typename T>
inline void SubtractZeroPoint(const T* in, int64_t count, int32_t zero_point, int32_t* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = static_cast<int32_t>(in[i]) - zero_point;
}

// Element `index` of an int8/uint8 zero point tensor, as int32. REQUIRES: dtype int8 or uint8.
inline int32_t ZeroPointAt(const Tensor& zero_point, int64_t index) {
  return zero_point.dtype() == DataType::kInt8 ? static_cast<int32_t>(zero_point.data<int8_t>()[index])
                                               : static_cast<int32_t>(zero_point.data<uint8_t>()[index]);
}

// c_row[j] = sum_k a_row[k] * b[k * n + j] for j in [0, n), with 32-bit wrap-around sums.
// b is row-major [k, n]; the inner loop runs over contiguous j so it vectorises.
inline void GemmRowS32(const int32_t* a_row, const int32_t* b, int64_t k, int64_t n, int32_t* c_row) {
  // Accessing int32 objects through uint32 lvalues is allowed (signed/unsigned variants).
  uint32_t* c = reinterpret_cast<uint32_t*>(c_row);
  for (int64_t j = 0; j < n; ++j) c[j] = 0;
  for (int64_t kk = 0; kk < k; ++kk) {
    const uint32_t a = static_cast<uint32_t>(a_row[kk]);
    if (a == 0) continue;  // zero points and padding make zeros common
    const uint32_t* b_row = reinterpret_cast<const uint32_t*>(b + kk * n);
    for (int64_t j = 0; j < n; ++j) c[j] += a * b_row[j];
  }
}

// Adds two int32 values with 32-bit wrap-around (bias + accumulator).
inline int32_t WrappingAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// saturate(round_half_even(acc * scale) + zero_point), as onnxruntime's MlasRequantizeOutput: the
// accumulator converted to float32, multiplied by the float32 combined scale, clamped to the range
// left around the zero point, rounded with nearbyintf (ties to even), then the zero point added as
// an integer. Clamping before rounding is equivalent to saturating after it (the bounds are
// integers) and keeps the float-to-int conversion defined; a NaN product clamps to the minimum.
template <typename Q>
inline Q Requantize(int32_t acc, float scale, int32_t zero_point) {
  const float lo = static_cast<float>(static_cast<int32_t>(std::numeric_limits<Q>::min()) - zero_point);
  const float hi = static_cast<float>(static_cast<int32_t>(std::numeric_limits<Q>::max()) - zero_point);
  float v = static_cast<float>(acc) * scale;
  v = v >= lo ? v : lo;
  v = v <= hi ? v : hi;
  return static_cast<Q>(static_cast<int32_t>(std::nearbyintf(v)) + zero_point);
}

}  // namespace xquant::kernels
