// Helpers private to the nn kernels (src/kernels/nn): shape products, float-only dispatch, reading
// float parameters, and chunk sizes for ParallelFor over rows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common.h"

namespace xquant::kernels::nn {

// Product of shape[begin, end); 1 for an empty range.
inline int64_t Product(const Shape& shape, int begin, int end) {
  int64_t p = 1;
  for (int i = begin; i < end; ++i) p *= shape[i];
  return p;
}

// Rows (of `row_size` elements each) per ParallelFor chunk, so that a chunk holds about
// exec::kElementwiseGrain elements.
inline int64_t RowGrain(int64_t row_size) {
  return std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, row_size));
}

// Calls fn(T{}) with T = float or double; NotSupported for other element types.
template <typename F>
Status DispatchFloat(DataType dtype, const std::string& what, F&& fn) {
  switch (dtype) {
    case DataType::kFloat32: fn(float{}); return Status::Ok();
    case DataType::kFloat64: fn(double{}); return Status::Ok();
    default:
      return NotSupportedError(what + ": element type " + DataTypeName(dtype) + " is not supported (float32, float64)");
  }
}

// The values of a float32/float64 tensor as doubles (parameters such as BatchNormalization's scale
// and variance, whose type may differ from the data's from opset 15 on).
inline StatusOr<std::vector<double>> ToDoubleVector(const Tensor& t, const std::string& what) {
  std::vector<double> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DataType::kFloat32) std::copy(t.data<float>(), t.data<float>() + t.size(), v.begin());
  else if (t.dtype() == DataType::kFloat64) std::copy(t.data<double>(), t.data<double>() + t.size(), v.begin());
  else return InvalidArgumentError(what + " must be float32 or float64, got " + DataTypeName(t.dtype()));
  return v;
}

// Mean and population variance of x[0, n), two passes accumulated in double (0 and 0 when n = 0).
template <typename T>
void MeanVariance(const T* x, int64_t n, double* mean, double* variance) {
  double sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const double m = n > 0 ? sum / static_cast<double>(n) : 0.0;
  double squares = 0;
#pragma omp simd reduction(+ : squares)
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - m;
    squares += d * d;
  }
  *mean = m;
  *variance = n > 0 ? squares / static_cast<double>(n) : 0.0;
}

// True when output `i` of the node is wanted (present and not omitted).
inline bool WantsOutput(const exec::KernelContext& ctx, size_t i) {
  return i < ctx.num_outputs() && i < ctx.node().outputs.size() && ctx.node().outputs[i] != kNoValue;
}

}  // namespace xquant::kernels::nn
