// Softmax, LogSoftmax and Hardmax (ONNX opsets 1, 11, 13).
//
// The opset changes what "axis" means:
//   - opsets < 13: the input is coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])] and each row
//     of that matrix is normalised; axis defaults to 1 (negative from 11).
//   - opset 13: the op works along the single axis `axis`, default -1.
// Both are computed on the view [outer, n, inner]: opset < 13 has n = prod(dims[axis:]), inner = 1;
// opset 13 has n = dims[axis], inner = prod(dims[axis+1:]). The maximum is subtracted before
// exponentiating. Hardmax puts a 1 at the first maximum of each slice.
#include <cmath>
#include <limits>

#include "kernels/vector_math.h"
#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

enum class SoftmaxKind { kSoftmax, kLogSoftmax, kHardmax };

// exp that vectorises for float32 (a polynomial, within 2 ulp); libm for float64.
inline float Exp(float x) { return elementwise::ExpF(x); }
inline double Exp(double x) { return std::exp(x); }

// One slice with inner == 1: a contiguous row of n values.
template <typename T>
void SoftmaxRow(const T* x, T* y, int64_t n, SoftmaxKind kind) {
  if (kind == SoftmaxKind::kHardmax) {
    T max = -std::numeric_limits<T>::infinity();
    int64_t argmax = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (x[i] > max) {
        max = x[i];
        argmax = i;
      }
    }
    for (int64_t i = 0; i < n; ++i) y[i] = T(0);
    if (n > 0) y[argmax] = T(1);
    return;
  }
  T max = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : max)
  for (int64_t i = 0; i < n; ++i) max = x[i] > max ? x[i] : max;
  for (int64_t i = 0; i < n; ++i) y[i] = Exp(x[i] - max);
  T sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int64_t i = 0; i < n; ++i) sum += y[i];
  if (kind == SoftmaxKind::kSoftmax) {
    const T inv = T(1) / sum;
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  } else {
    // (x - max) - log(sum), not x - (max + log(sum)): the latter loses log(sum) next to a large max.
    const T log_sum = std::log(sum);
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - max) - log_sum;
  }
}

// One slice with inner > 1: n rows of `inner` values, normalised column-wise; the loops run along
// the contiguous rows. `scratch` holds 2 * inner values.
template <typename T>
void SoftmaxColumns(const T* x, T* y, int64_t n, int64_t inner, SoftmaxKind kind, T* scratch) {
  T* max = scratch;
  T* sum = scratch + inner;
  for (int64_t i = 0; i < inner; ++i) max[i] = -std::numeric_limits<T>::infinity();
  for (int64_t j = 0; j < n; ++j) {
    const T* row = x + j * inner;
    for (int64_t i = 0; i < inner; ++i) max[i] = row[i] > max[i] ? row[i] : max[i];
  }
  if (kind == SoftmaxKind::kHardmax) {
    for (int64_t i = 0; i < inner; ++i) sum[i] = T(0);  // 1 once the first maximum is marked
    for (int64_t j = 0; j < n; ++j) {
      const T* row = x + j * inner;
      T* out = y + j * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const bool first_max = row[i] == max[i] && sum[i] == T(0);
        out[i] = first_max ? T(1) : T(0);
        if (first_max) sum[i] = T(1);
      }
    }
    return;
  }
  for (int64_t i = 0; i < inner; ++i) sum[i] = T(0);
  for (int64_t j = 0; j < n; ++j) {
    const T* row = x + j * inner;
    T* out = y + j * inner;
    for (int64_t i = 0; i < inner; ++i) {
      const T e = Exp(row[i] - max[i]);
      if (kind == SoftmaxKind::kSoftmax) out[i] = e;
      sum[i] += e;
    }
  }
  if (kind == SoftmaxKind::kSoftmax) {
    for (int64_t i = 0; i < inner; ++i) sum[i] = T(1) / sum[i];
    for (int64_t j = 0; j < n; ++j) {
      T* out = y + j * inner;
      for (int64_t i = 0; i < inner; ++i) out[i] *= sum[i];
    }
  } else {
    for (int64_t i = 0; i < inner; ++i) sum[i] = std::log(sum[i]);
    for (int64_t j = 0; j < n; ++j) {
      const T* row = x + j * inner;
      T* out = y + j * inner;
      for (int64_t i = 0; i < inner; ++i) out[i] = (row[i] - max[i]) - sum[i];
    }
  }
}

template <typename T>
void RunSoftmax(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, SoftmaxKind kind) {
  const int64_t slice = n * inner;
  exec::ParallelFor(outer, nn::RowGrain(slice), [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(inner > 1 ? 2 * inner : 0);
    for (int64_t o = begin; o < end; ++o) {
      if (inner == 1) SoftmaxRow(x + o * slice, y + o * slice, n, kind);
      else SoftmaxColumns(x + o * slice, y + o * slice, n, inner, kind, scratch.data());
    }
  });
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateSoftmaxFamily(const exec::KernelInfo& info, SoftmaxKind kind) {
  const bool single_axis = info.opset() >= 13;
  const int64_t axis = info.node().GetInt("axis", single_axis ? -1 : 1);
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(int a, NormalizeAxis(axis, x->rank(), ctx.node().Describe()));
    const Shape& s = x->shape();
    const int rank = x->rank();
    const int64_t outer = nn::Product(s, 0, std::min(a, rank));
    const int64_t n = single_axis ? (rank ? s[a] : 1) : nn::Product(s, a, rank);
    const int64_t inner = single_axis ? nn::Product(s, a + 1, rank) : 1;
    Tensor y(x->dtype(), s);
    XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      RunSoftmax<T>(x->data<T>(), y.data<T>(), outer, n, inner, kind);
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateSoftmax(const exec::KernelInfo& info) {
  return CreateSoftmaxFamily(info, SoftmaxKind::kSoftmax);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateLogSoftmax(const exec::KernelInfo& info) {
  return CreateSoftmaxFamily(info, SoftmaxKind::kLogSoftmax);
}
StatusOr<std::unique_ptr<exec::Kernel>> CreateHardmax(const exec::KernelInfo& info) {
  return CreateSoftmaxFamily(info, SoftmaxKind::kHardmax);
}

}  // namespace xquant::kernels
