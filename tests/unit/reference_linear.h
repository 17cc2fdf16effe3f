// Naive reference implementations of Conv, ConvTranspose, Gemm and MatMul (test code): the oracle
// the oneDNN kernels are compared with. Straight loops from the ONNX definitions, accumulating in
// double, no layout tricks, so that they are easy to check by reading.
//
// Each function also returns, per output element, the magnitude sum |a_i * b_i| (+ |bias|) of
// the terms that were added up: the float32 rounding error of any summation order is bounded by a
// small multiple of eps * magnitude, which is what the tests' tolerance scales with.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "xquant/tensor.h"

namespace xquant::reference {

struct Result {
  Tensor value;                   // float32
  std::vector<double> magnitude;  // one per element of `value`
};

// Geometry of a convolution along its spatial axes (1 to 3 of them), already resolved: explicit
// pads, no auto_pad.
struct ConvSpec {
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pad_begin, pad_end;
};

namespace internal {

// The spatial axes of `shape` (all but the first two) padded in front to three (D, H, W).
inline std::vector<int64_t> Spatial3(const Shape& shape) {
  std::vector<int64_t> d(3, 1);
  const size_t rank = shape.size() - 2;
  for (size_t i = 0; i < rank; ++i) d[3 - rank + i] = shape[2 + i];
  return d;
}
// Per-axis values padded in front to three axes with `fill`.
inline std::vector<int64_t> To3(const std::vector<int64_t>& v, int64_t fill) {
  std::vector<int64_t> d(3, fill);
  for (size_t i = 0; i < v.size(); ++i) d[3 - v.size() + i] = v[i];
  return d;
}

}  // namespace internal

// Conv: x [N, C, s...], w [M, C / group, k...], bias [M] or null. y[n, m, o] = bias[m] +
// sum_{c in m's group, k} x[n, c, o * stride + k * dilation - pad_begin] * w[m, c, k], with x = 0
// outside its bounds.
inline Result Conv(const Tensor& x, const Tensor& w, const Tensor* bias, const ConvSpec& spec) {
  using internal::Spatial3;
  using internal::To3;
  const size_t rank = x.shape().size() - 2;
  const int64_t n_batch = x.dim(0), channels = x.dim(1), m_out = w.dim(0), c_per_group = w.dim(1);
  const int64_t m_per_group = m_out / spec.group;
  const auto in = Spatial3(x.shape()), k = Spatial3(w.shape());
  const auto s = To3(spec.strides, 1), d = To3(spec.dilations, 1), pb = To3(spec.pad_begin, 0),
             pe = To3(spec.pad_end, 0);
  std::vector<int64_t> out(3);
  for (int i = 0; i < 3; ++i) out[i] = (in[i] + pb[i] + pe[i] - ((k[i] - 1) * d[i] + 1)) / s[i] + 1;
  Shape y_shape = {n_batch, m_out};
  for (size_t i = 0; i < rank; ++i) y_shape.push_back(out[3 - rank + i]);
  Result r{Tensor(DataType::kFloat32, y_shape), {}};
  r.magnitude.resize(static_cast<size_t>(r.value.size()));
  const float* xv = x.data<float>();
  const float* wv = w.data<float>();
  float* yv = r.value.data<float>();
  int64_t index = 0;
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < m_out; ++m)
      for (int64_t od = 0; od < out[0]; ++od)
        for (int64_t oh = 0; oh < out[1]; ++oh)
          for (int64_t ow = 0; ow < out[2]; ++ow, ++index) {
            double sum = bias ? bias->data<float>()[m] : 0.0, magnitude = std::fabs(sum);
            const int64_t g = m / m_per_group;
            for (int64_t cg = 0; cg < c_per_group; ++cg) {
              const int64_t c = g * c_per_group + cg;
              for (int64_t kd = 0; kd < k[0]; ++kd)
                for (int64_t kh = 0; kh < k[1]; ++kh)
                  for (int64_t kw = 0; kw < k[2]; ++kw) {
                    const int64_t id = od * s[0] + kd * d[0] - pb[0],
                                  ih = oh * s[1] + kh * d[1] - pb[1],
                                  iw = ow * s[2] + kw * d[2] - pb[2];
                    if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2])
                      continue;
                    const double xe =
                        xv[(((n * channels + c) * in[0] + id) * in[1] + ih) * in[2] + iw];
                    const double we =
                        wv[(((m * c_per_group + cg) * k[0] + kd) * k[1] + kh) * k[2] + kw];
                    sum += xe * we;
                    magnitude += std::fabs(xe * we);
                  }
            }
            yv[index] = static_cast<float>(sum);
            r.magnitude[index] = magnitude;
          }
  return r;
}

// ConvTranspose: x [N, C, s...], w [C, M / group, k...], bias [M] or null, output spatial sizes
// `out`. Every input element scatters x[n, c, i] * w[c, m, k] to y[n, m, i * stride + k *
// dilation - pad_begin] (dropped outside y); y starts at bias[m].
inline Result ConvTranspose(const Tensor& x, const Tensor& w, const Tensor* bias,
                            const ConvSpec& spec, const std::vector<int64_t>& out_spatial) {
  using internal::Spatial3;
  using internal::To3;
  const size_t rank = x.shape().size() - 2;
  const int64_t n_batch = x.dim(0), channels = x.dim(1), m_per_group = w.dim(1);
  const int64_t m_out = m_per_group * spec.group, c_per_group = channels / spec.group;
  const auto in = Spatial3(x.shape()), k = Spatial3(w.shape()), out = To3(out_spatial, 1);
  const auto s = To3(spec.strides, 1), d = To3(spec.dilations, 1), pb = To3(spec.pad_begin, 0);
  Shape y_shape = {n_batch, m_out};
  for (size_t i = 0; i < rank; ++i) y_shape.push_back(out[3 - rank + i]);
  const int64_t plane = out[0] * out[1] * out[2];
  std::vector<double> sum(static_cast<size_t>(n_batch * m_out * plane)), magnitude(sum.size());
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t m = 0; m < m_out; ++m)
      for (int64_t p = 0; p < plane; ++p) {
        const double b = bias ? bias->data<float>()[m] : 0.0;
        sum[(n * m_out + m) * plane + p] = b;
        magnitude[(n * m_out + m) * plane + p] = std::fabs(b);
      }
  const float* xv = x.data<float>();
  const float* wv = w.data<float>();
  for (int64_t n = 0; n < n_batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t g = c / c_per_group;
      for (int64_t id = 0; id < in[0]; ++id)
        for (int64_t ih = 0; ih < in[1]; ++ih)
          for (int64_t iw = 0; iw < in[2]; ++iw) {
            const double xe = xv[(((n * channels + c) * in[0] + id) * in[1] + ih) * in[2] + iw];
            for (int64_t mg = 0; mg < m_per_group; ++mg) {
              const int64_t m = g * m_per_group + mg;
              for (int64_t kd = 0; kd < k[0]; ++kd)
                for (int64_t kh = 0; kh < k[1]; ++kh)
                  for (int64_t kw = 0; kw < k[2]; ++kw) {
                    const int64_t od = id * s[0] + kd * d[0] - pb[0],
                                  oh = ih * s[1] + kh * d[1] - pb[1],
                                  ow = iw * s[2] + kw * d[2] - pb[2];
                    if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2])
                      continue;
                    const double we =
                        wv[(((c * m_per_group + mg) * k[0] + kd) * k[1] + kh) * k[2] + kw];
                    const size_t o = static_cast<size_t>((n * m_out + m) * plane +
                                                         (od * out[1] + oh) * out[2] + ow);
                    sum[o] += xe * we;
                    magnitude[o] += std::fabs(xe * we);
                  }
            }
          }
    }
  Result r{Tensor(DataType::kFloat32, y_shape), std::move(magnitude)};
  for (size_t i = 0; i < sum.size(); ++i) r.value.data<float>()[i] = static_cast<float>(sum[i]);
  return r;
}

// Gemm: y[M, N] = alpha * A' B' + beta * C, A' = transA ? A^T : A (likewise B'), C (or null)
// broadcast from a scalar, [N], [1, N], [M, 1], [1, 1] or [M, N].
inline Result Gemm(const Tensor& a, const Tensor& b, const Tensor* c, float alpha, float beta,
                   bool trans_a, bool trans_b) {
  const int64_t m_rows = trans_a ? a.dim(1) : a.dim(0), k_inner = trans_a ? a.dim(0) : a.dim(1);
  const int64_t n_cols = trans_b ? b.dim(0) : b.dim(1);
  Result r{Tensor(DataType::kFloat32, {m_rows, n_cols}),
           std::vector<double>(static_cast<size_t>(m_rows * n_cols))};
  for (int64_t i = 0; i < m_rows; ++i)
    for (int64_t j = 0; j < n_cols; ++j) {
      double sum = 0, magnitude = 0;
      for (int64_t p = 0; p < k_inner; ++p) {
        const double ae = a.data<float>()[trans_a ? p * m_rows + i : i * k_inner + p];
        const double be = b.data<float>()[trans_b ? j * k_inner + p : p * n_cols + j];
        sum += ae * be;
        magnitude += std::fabs(ae * be);
      }
      sum *= alpha;
      magnitude *= std::fabs(alpha);
      if (c) {
        const int64_t cm = c->rank() == 2 ? c->dim(0) : 1,
                      cn = c->rank() >= 1 ? c->dim(c->rank() - 1) : 1;
        const double ce = beta * static_cast<double>(
                                     c->data<float>()[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)]);
        sum += ce;
        magnitude += std::fabs(ce);
      }
      r.value.data<float>()[i * n_cols + j] = static_cast<float>(sum);
      r.magnitude[static_cast<size_t>(i * n_cols + j)] = magnitude;
    }
  return r;
}

// MatMul with numpy semantics: 1-D operands promoted (and the added axis dropped from the
// result), batch axes broadcast.
inline Result MatMul(const Tensor& a, const Tensor& b) {
  Shape sa = a.shape(), sb = b.shape();
  const bool a_vector = sa.size() == 1, b_vector = sb.size() == 1;
  if (a_vector) sa.insert(sa.begin(), 1);
  if (b_vector) sb.push_back(1);
  const int64_t m_rows = sa[sa.size() - 2], k_inner = sa.back(), n_cols = sb.back();
  const size_t batch_rank = std::max(sa.size(), sb.size()) - 2;
  // Batch shapes right-aligned to batch_rank, 1 where missing.
  Shape ba(batch_rank, 1), bb(batch_rank, 1), batch(batch_rank);
  for (size_t i = 0; i + 2 < sa.size(); ++i) ba[batch_rank - (sa.size() - 2) + i] = sa[i];
  for (size_t i = 0; i + 2 < sb.size(); ++i) bb[batch_rank - (sb.size() - 2) + i] = sb[i];
  for (size_t i = 0; i < batch_rank; ++i) batch[i] = std::max(ba[i], bb[i]);
  Shape y_shape = batch;
  if (!a_vector) y_shape.push_back(m_rows);
  if (!b_vector) y_shape.push_back(n_cols);
  Result r{Tensor(DataType::kFloat32, y_shape), {}};
  r.magnitude.resize(static_cast<size_t>(r.value.size()));
  const int64_t batches = ElementCount(batch);
  for (int64_t bi = 0; bi < batches; ++bi) {
    // Offsets of this batch in A and B: index digits, clamped to 0 along broadcast axes.
    int64_t rest = bi, offset_a = 0, offset_b = 0, stride_a = m_rows * k_inner,
            stride_b = k_inner * n_cols;
    for (size_t i = batch_rank; i-- > 0;) {
      const int64_t digit = rest % batch[i];
      rest /= batch[i];
      offset_a += (ba[i] == 1 ? 0 : digit) * stride_a;
      offset_b += (bb[i] == 1 ? 0 : digit) * stride_b;
      stride_a *= ba[i];
      stride_b *= bb[i];
    }
    for (int64_t i = 0; i < m_rows; ++i)
      for (int64_t j = 0; j < n_cols; ++j) {
        double sum = 0, magnitude = 0;
        for (int64_t p = 0; p < k_inner; ++p) {
          const double product = static_cast<double>(a.data<float>()[offset_a + i * k_inner + p]) *
                                 b.data<float>()[offset_b + p * n_cols + j];
          sum += product;
          magnitude += std::fabs(product);
        }
        const int64_t o = (bi * m_rows + i) * n_cols + j;
        r.value.data<float>()[o] = static_cast<float>(sum);
        r.magnitude[static_cast<size_t>(o)] = magnitude;
      }
  }
  return r;
}

}  // namespace xquant::reference
