// What the dialect quantizers (Sony MCT, QONNX/Brevitas/FINN, OpenVINO FakeQuantize) share:
// attribute readers that name the node and the field when something is missing or malformed,
// the QONNX rounding modes, and parameters (scales, ranges, thresholds) broadcast against x.
//
// Every dialect quantizer is elementwise: y[i] = f(x[i], p0[i], p1[i], ...) where each parameter
// is a tensor broadcast to x's shape (numpy rules, without growing x) or a per-channel vector laid
// along one axis. All arithmetic is float32, in the order each dialect's reference implementation
// uses (see docs/dialects.md), so results are bit-identical to it.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels::dialect {

// --- attributes ---------------------------------------------------------------------------------
// Required attributes: an error naming node and attribute when absent or of another kind.
StatusOr<int64_t> RequiredInt(const KernelInfo& info, std::string_view name);
StatusOr<float> RequiredFloat(const KernelInfo& info, std::string_view name);
// Optional attributes: the default when absent, an error when present with another kind.
StatusOr<int64_t> OptionalInt(const KernelInfo& info, std::string_view name, int64_t default_value);
StatusOr<float> OptionalFloat(const KernelInfo& info, std::string_view name, float default_value);
StatusOr<std::string> OptionalString(const KernelInfo& info, std::string_view name, const std::string& default_value);
// A 0/1 flag ("signed", "narrow", "per_channel"); other values are an error.
StatusOr<bool> OptionalFlag(const KernelInfo& info, std::string_view name, bool default_value);
// Fails unless the node has at least `count` inputs present; `names` lists them for the message.
Status RequireInputs(const KernelInfo& info, size_t count, const std::string& names);

// Runs `check(ctx)` at preparation time on a context that holds the node's inputs `needed`, when
// all of them are constants (initializers, Constant nodes, folded values): a malformed scale or bit
// width is then reported when the session is prepared rather than on the first run. Ok when any of
// them is only known at run time (the kernel checks again then).
template <typename F>
Status CheckConstantParams(const KernelInfo& info, std::initializer_list<size_t> needed, F check) {
  std::vector<const Tensor*> inputs(info.num_inputs(), nullptr);
  for (size_t i : needed) {
    const Tensor* t = info.ConstantInput(i);
    if (!t) return Status::Ok();
    inputs[i] = t;
  }
  std::vector<Tensor> outputs(info.node().outputs.size());
  const KernelContext ctx(info.node(), std::move(inputs), &outputs);
  return check(ctx);
}

// --- rounding (QONNX `rounding_mode`) -----------------------------------------------------------
enum class RoundingMode { kHalfEven, kCeil, kFloor, kUp, kDown, kHalfUp, kHalfDown };

// "ROUND" (or "HALF_EVEN"), "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN", any case.
StatusOr<RoundingMode> ParseRoundingMode(const KernelInfo& info, const std::string& default_mode);

// numpy's sign: +0 for both zeros, NaN for NaN.
inline float NumpySign(float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : (v == 0.0f ? 0.0f : v)); }

// The modes as QONNX evaluates them in float32: UP = sign(v)·ceil(|v|), DOWN = trunc,
// HALF_UP = sign(v)·floor(|v| + 0.5), HALF_DOWN = sign(v)·ceil(|v| − 0.5) (the + 0.5 is a float32
// addition, rounded, as numpy does it). ROUND is half to even (nearbyint, default FP environment).
inline float Round(RoundingMode mode, float v) {
  switch (mode) {
    case RoundingMode::kHalfEven: return std::nearbyintf(v);
    case RoundingMode::kCeil: return std::ceil(v);
    case RoundingMode::kFloor: return std::floor(v);
    case RoundingMode::kUp: return NumpySign(v) * std::ceil(std::fabs(v));
    case RoundingMode::kDown: return std::trunc(v);
    case RoundingMode::kHalfUp: return NumpySign(v) * std::floor(std::fabs(v) + 0.5f);
    case RoundingMode::kHalfDown: return NumpySign(v) * std::ceil(std::fabs(v) - 0.5f);
  }
  return v;
}

// --- parameter tensors --------------------------------------------------------------------------
// Input `i` as float32 values (float32/float64 tensors; integer tensors too when `allow_integer`,
// for bit widths). Error naming the field when absent or of another type.
StatusOr<std::vector<float>> ParamValues(const KernelContext& ctx, size_t i, const std::string& field,
                                         bool allow_integer = false);
// Input `i` as one number (a scalar or a one-element tensor): bit widths.
StatusOr<double> ScalarParam(const KernelContext& ctx, size_t i, const std::string& field);

// Input `i` as a bit width: one integer value in [1, 32] (any numeric type; 8.0 is fine, 8.5 not).
StatusOr<int> BitWidthParam(const KernelContext& ctx, size_t i, const std::string& field);
// Input `i` as scales: float32 values, each positive and finite (a zero scale divides by zero).
StatusOr<std::vector<float>> ScaleValues(const KernelContext& ctx, size_t i, const std::string& field);

// QONNX's integer range of `bits` bits: [−2^(b−1) + narrow, 2^(b−1) − 1] signed, [0, 2^b − 1 − narrow]
// unsigned, as float32 (exact up to 24 bits; wider ranges round as QONNX's float32 numpy does).
struct IntRange {
  float min;
  float max;
};
IntRange QonnxIntRange(int bits, bool is_signed, bool narrow);

// A parameter seen from x: element (d0, ..., dn) of x reads data[sum(d_k * strides[k])].
struct ParamView {
  const float* data = nullptr;
  std::vector<int64_t> strides;  // one per dimension of x, 0 where the parameter is broadcast
};

// `values` (shape `shape`) broadcast numpy-style to x's shape; an error naming the field when
// it does not broadcast without growing x.
StatusOr<ParamView> BroadcastView(const KernelContext& ctx, const std::vector<float>& values, const Shape& shape,
                                  const Shape& x_shape, const std::string& field);
// `values` laid along `axis` of x (count x.dim(axis)), or one value for all (count 1).
StatusOr<ParamView> ChannelView(const KernelContext& ctx, const std::vector<float>& values, int64_t axis,
                                const Shape& x_shape, const std::string& field);

// y[i] = f(x[i], {p[0][i], ..., p[K-1][i]}) over x (float32), in parallel. Walks x by rows of its
// last dimension so parameters cost one offset computation per row.
template <size_t K, typename F>
void MapWithParams(const Tensor& x, const std::array<ParamView, K>& params, float* y, F f) {
  const float* in = x.data<float>();
  const int rank = x.rank();
  const int64_t inner = rank == 0 ? 1 : x.dim(rank - 1);
  if (inner == 0 || x.size() == 0) return;
  const int64_t rows = x.size() / inner;
  std::array<int64_t, K> inner_stride{};
  for (size_t k = 0; k < K; ++k) inner_stride[k] = rank == 0 ? 0 : params[k].strides[rank - 1];
  exec::ParallelFor(rows, std::max<int64_t>(1, exec::kElementwiseGrain / inner), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      std::array<const float*, K> p;
      for (size_t k = 0; k < K; ++k) p[k] = params[k].data;
      int64_t rest = row;
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t index = rest % x.dim(d);
        rest /= x.dim(d);
        for (size_t k = 0; k < K; ++k) p[k] += index * params[k].strides[d];
      }
      const float* xr = in + row * inner;
      float* yr = y + row * inner;
      std::array<float, K> v;
      for (int64_t i = 0; i < inner; ++i) {
        for (size_t k = 0; k < K; ++k) v[k] = p[k][i * inner_stride[k]];
        yr[i] = f(xr[i], v);
      }
    }
  });
}

// Clamp to [lo, hi] with NaN passing through (the where()-based clips of the reference codes).
inline float ClampKeepNan(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace xquant::kernels::dialect
