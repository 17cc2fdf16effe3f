// Resize (ONNX opsets 10, 11, 13, 18, 19) and its deprecated form Upsample (opsets 7, 9).
//
// Each output coordinate x is mapped to a source coordinate per axis by
// coordinate_transformation_mode, with `scale` as given (or out / in when sizes are given) and L
// the resized length in * scale (exactly `out` when sizes are given):
//   half_pixel (default)   (x + 0.5) / scale - 0.5
//   half_pixel_symmetric   the same, shifted to stay centred: + in / 2 * (1 - out / L)
//   pytorch_half_pixel     (x + 0.5) / scale - 0.5 when L > 1, else 0
//   align_corners          x * (in - 1) / (L - 1), 0 when L == 1
//   asymmetric             x / scale
//   tf_half_pixel_for_nn   (x + 0.5) / scale                       (opset 11 only)
//   tf_crop_and_resize     roi_start * (in - 1) + x * (roi_end - roi_start) * (in - 1) / (L - 1);
//                          a source outside [0, in - 1] gives extrapolation_value
// then sampled by mode: nearest (nearest_mode round_prefer_floor (default), round_prefer_ceil,
// floor, ceil; the index clamped to the input), linear (2 taps, the coordinate clamped to
// [0, in - 1]) or cubic (4 taps with cubic_coeff_a; taps outside the input are clamped to the edge,
// or with exclude_outside dropped and the weights renormalised).
//
// Opset differences handled:
//   - Upsample 7 (scales attribute), Upsample 9 and Resize 10 (scales input): modes nearest and
//     linear only, asymmetric coordinates, and the legacy nearest rounding onnxruntime keeps for
//     them (truncate when upsampling, ceil when downsampling).
//   - Resize 11: inputs (X, roi, scales, sizes), sizes exclusive with scales (an empty scales tensor
//     counts as absent); 13 makes roi and scales optional; 18 adds axes and
//     keep_aspect_ratio_policy (antialias=1 is NotSupported); 19 adds half_pixel_symmetric.
// Output lengths: sizes as given, or floor(in * scale).
//
// Execution: nearest gathers each output row through per-axis index tables (integer upscaling of
// the last axis as plain copies; an output row whose source row repeats the previous one is
// copied). linear and cubic are separable: when only the last two axes change (NCHW), one fused
// pass blends rows resampled along the last axis (kept in a small cache); otherwise one 1-D pass
// per resized axis, innermost first. Nearest handles every numeric type; linear and cubic float32
// and float64.
#include <cmath>
#include <cstring>

#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Transform {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNN,
  kTfCropAndResize
};
enum class NearestMode { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil, kLegacy };
enum class AspectPolicy { kStretch, kNotLarger, kNotSmaller };

struct ResizeAttributes {
  Mode mode = Mode::kNearest;
  Transform transform = Transform::kHalfPixel;
  NearestMode nearest = NearestMode::kRoundPreferFloor;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0.0;
  AspectPolicy policy = AspectPolicy::kStretch;
  std::vector<int64_t> axes;          // empty: all axes
  std::vector<float> attribute_scales;  // Upsample 7
  int roi_input = -1, scales_input = -1, sizes_input = -1;
};

// How one axis is resampled: `taps` source indices and weights per output index.
struct AxisSampling {
  int64_t in = 1, out = 1;
  int taps = 1;
  std::vector<int64_t> index;  // out * taps
  std::vector<double> weight;  // out * taps (unused for nearest)
  std::vector<char> outside;   // out: the source lies outside the input (tf_crop_and_resize)
  bool any_outside = false;
  bool identity = false;  // every output samples its own index with weight 1
  int64_t repeat = 0;     // nearest: > 0 when output i samples input i / repeat (integer upscaling)
};

// `out` is the output length; `resized` the length the transforms divide by: the same when sizes
// are given, in * scale (not rounded) when scales are — as ONNX's reference implementation and
// test data have it (onnxruntime uses the rounded length; they differ only when in * scale is not
// an integer).
double SourceCoordinate(double x, int64_t in, int64_t out, double resized, double scale, double roi_start, double roi_end,
                        Transform t) {
  switch (t) {
    case Transform::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case Transform::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(out) / resized;
      const double offset = static_cast<double>(in) / 2.0 * (1.0 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case Transform::kPytorchHalfPixel: return resized > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case Transform::kAlignCorners: return resized == 1 ? 0.0 : x * static_cast<double>(in - 1) / (resized - 1);
    case Transform::kAsymmetric: return x / scale;
    case Transform::kTfHalfPixelForNN: return (x + 0.5) / scale;
    case Transform::kTfCropAndResize:
      if (resized != 1)
        return roi_start * static_cast<double>(in - 1) + x * (roi_end - roi_start) * static_cast<double>(in - 1) / (resized - 1);
      return 0.5 * (roi_start + roi_end) * static_cast<double>(in - 1);
  }
  return x;
}

int64_t NearestIndex(double x, NearestMode mode, bool downsampling) {
  const double f = std::floor(x);
  switch (mode) {
    case NearestMode::kRoundPreferFloor: return static_cast<int64_t>(x - f <= 0.5 ? f : f + 1);
    case NearestMode::kRoundPreferCeil: return static_cast<int64_t>(x - f < 0.5 ? f : f + 1);
    case NearestMode::kFloor: return static_cast<int64_t>(f);
    case NearestMode::kCeil: return static_cast<int64_t>(std::ceil(x));
    case NearestMode::kLegacy: return downsampling ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
  }
  return static_cast<int64_t>(f);
}

void CubicCoefficients(double t, double a, double c[4]) {
  const double t1 = t + 1, t2 = 1 - t, t3 = 2 - t;
  c[0] = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  c[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
  c[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
}

AxisSampling PlanAxis(const ResizeAttributes& attr, int64_t in, int64_t out, double resized, double scale,
                      double roi_start, double roi_end) {
  AxisSampling s;
  s.in = in;
  s.out = out;
  s.taps = attr.mode == Mode::kNearest ? 1 : attr.mode == Mode::kLinear ? 2 : 4;
  s.index.resize(out * s.taps);
  s.weight.resize(out * s.taps);
  s.outside.assign(out, 0);
  s.identity = in == out;
  const int64_t last = std::max<int64_t>(0, in - 1);
  for (int64_t o = 0; o < out; ++o) {
    const double x = SourceCoordinate(static_cast<double>(o), in, out, resized, scale, roi_start, roi_end, attr.transform);
    if (x != static_cast<double>(o)) s.identity = false;
    if (attr.transform == Transform::kTfCropAndResize && (x < 0 || x > static_cast<double>(in - 1))) {
      s.outside[o] = 1;
      s.any_outside = true;
      s.identity = false;
    }
    int64_t* idx = &s.index[o * s.taps];
    double* w = &s.weight[o * s.taps];
    if (attr.mode == Mode::kNearest) {
      idx[0] = std::clamp<int64_t>(NearestIndex(x, attr.nearest, scale < 1), 0, last);
      w[0] = 1;
    } else if (attr.mode == Mode::kLinear) {
      const double xc = std::clamp(x, 0.0, static_cast<double>(last));
      const int64_t i0 = std::min(static_cast<int64_t>(xc), last);
      idx[0] = i0;
      idx[1] = std::min(i0 + 1, last);
      w[1] = xc - static_cast<double>(i0);
      w[0] = 1 - w[1];
    } else {
      const double f = std::floor(x);
      double c[4];
      CubicCoefficients(x - f, attr.cubic_a, c);
      double sum = 0;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = static_cast<int64_t>(f) - 1 + k;
        if (attr.exclude_outside && (i < 0 || i > last)) c[k] = 0;
        idx[k] = std::clamp<int64_t>(i, 0, last);
        sum += c[k];
      }
      for (int k = 0; k < 4; ++k) w[k] = attr.exclude_outside && sum != 0 ? c[k] / sum : c[k];
    }
  }
  if (attr.mode == Mode::kNearest && in > 0 && out % in == 0 && !s.any_outside) {
    const int64_t f = out / in;
    bool regular = true;
    for (int64_t o = 0; o < out && regular; ++o) regular = s.index[o] == o / f;
    if (regular) s.repeat = f;
  }
  return s;
}

// One row of the last axis, nearest: out[i] = in[index[i]], with the common integer upscalings as
// plain copies.
template <typename T>
void GatherRow(const T* in, T* out, const AxisSampling& s, T extrapolation) {
  if (s.repeat == 1) {
    std::memcpy(out, in, sizeof(T) * s.out);
  } else if (s.repeat == 2) {
    for (int64_t i = 0; i < s.in; ++i) out[2 * i] = out[2 * i + 1] = in[i];
  } else if (s.repeat > 2) {
    for (int64_t i = 0; i < s.in; ++i)
      for (int64_t r = 0; r < s.repeat; ++r) out[i * s.repeat + r] = in[i];
  } else {
    const int64_t* idx = s.index.data();
    for (int64_t i = 0; i < s.out; ++i) out[i] = in[idx[i]];
  }
  if (s.any_outside)
    for (int64_t i = 0; i < s.out; ++i)
      if (s.outside[i]) out[i] = extrapolation;
}

// Nearest: every output row (all axes but the last) gathers from one input row.
template <typename T>
void GatherNearest(const T* x, T* y, const Shape& in_shape, const std::vector<AxisSampling>& axes, T extrapolation) {
  const int rank = static_cast<int>(in_shape.size());
  std::vector<int64_t> in_strides(rank, 1);
  for (int d = rank - 2; d >= 0; --d) in_strides[d] = in_strides[d + 1] * in_shape[d + 1];
  const AxisSampling& last = axes[rank - 1];
  const int64_t row = last.out;
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d) rows *= axes[d].out;
  exec::ParallelFor(rows, nn::RowGrain(row), [&](int64_t begin, int64_t end) {
    std::vector<int64_t> pos(std::max(rank - 1, 0));
    for (int64_t r = begin, d = rank - 2; d >= 0; --d) {
      pos[d] = r % axes[d].out;
      r /= axes[d].out;
    }
    int64_t previous_source = -1;
    for (int64_t r = begin; r < end; ++r) {
      int64_t source = 0;
      bool outside = false;
      for (int d = 0; d + 1 < rank; ++d) {
        source += axes[d].index[pos[d]] * in_strides[d];
        outside = outside || axes[d].outside[pos[d]];
      }
      T* out = y + r * row;
      if (outside) {
        std::fill(out, out + row, extrapolation);
        previous_source = -1;
      } else if (source == previous_source) {
        std::memcpy(out, out - row, sizeof(T) * row);
      } else {
        GatherRow(x + source, out, last, extrapolation);
        previous_source = source;
      }
      for (int d = rank - 2; d >= 0 && ++pos[d] == axes[d].out; --d) pos[d] = 0;
    }
  });
}

// Resamples rows along the last axis: out[j] = sum over taps k of weight[k][j] * in[index[k][j]].
// The taps are stored one array per tap, with 32-bit indices, so the loop vectorises with gathers.
template <typename T>
struct RowResampler {
  explicit RowResampler(const AxisSampling& s) : sampling(s), taps(s.taps) {
    for (int k = 0; k < taps; ++k) {
      index[k].resize(s.out);
      weight[k].resize(s.out);
      for (int64_t j = 0; j < s.out; ++j) {
        index[k][j] = static_cast<int32_t>(s.index[j * taps + k]);
        weight[k][j] = static_cast<T>(s.weight[j * taps + k]);
      }
    }
  }

  void Run(const T* in, T* out, T extrapolation) const {
    const int64_t n = sampling.out;
    const int32_t* i0 = index[0].data();
    const int32_t* i1 = index[1].data();
    const T* w0 = weight[0].data();
    const T* w1 = weight[1].data();
    if (taps == 2) {
      for (int64_t j = 0; j < n; ++j) out[j] = w0[j] * in[i0[j]] + w1[j] * in[i1[j]];
    } else {
      const int32_t* i2 = index[2].data();
      const int32_t* i3 = index[3].data();
      const T* w2 = weight[2].data();
      const T* w3 = weight[3].data();
      for (int64_t j = 0; j < n; ++j)
        out[j] = w0[j] * in[i0[j]] + w1[j] * in[i1[j]] + w2[j] * in[i2[j]] + w3[j] * in[i3[j]];
    }
    if (sampling.any_outside)
      for (int64_t j = 0; j < n; ++j)
        if (sampling.outside[j]) out[j] = extrapolation;
  }

  const AxisSampling& sampling;
  int taps;
  std::vector<int32_t> index[4];
  std::vector<T> weight[4];
};

// out[i] = sum over k of w[k] * rows[k][i]: blends whole rows, so the loop vectorises.
template <typename T>
void BlendRows(const T* const* rows, const T* w, int taps, int64_t n, T* out) {
  if (taps == 2) {
    const T* r0 = rows[0];
    const T* r1 = rows[1];
    const T w0 = w[0], w1 = w[1];
    for (int64_t i = 0; i < n; ++i) out[i] = w0 * r0[i] + w1 * r1[i];
  } else {
    const T* r0 = rows[0];
    const T* r1 = rows[1];
    const T* r2 = rows[2];
    const T* r3 = rows[3];
    const T w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    for (int64_t i = 0; i < n; ++i) out[i] = w0 * r0[i] + w1 * r1[i] + w2 * r2[i] + w3 * r3[i];
  }
}

// One separable pass: [outer, in, inner] -> [outer, out, inner] along the middle axis.
template <typename T>
void ResampleAxis(const T* x, T* y, int64_t outer, int64_t inner, const AxisSampling& s, T extrapolation) {
  const int taps = s.taps;
  const std::vector<T> weight(s.weight.begin(), s.weight.end());
  if (inner == 1) {
    const RowResampler<T> resampler(s);
    exec::ParallelFor(outer, nn::RowGrain(s.out * taps), [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) resampler.Run(x + o * s.in, y + o * s.out, extrapolation);
    });
    return;
  }
  exec::ParallelFor(outer * s.out, nn::RowGrain(inner * taps), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / s.out, j = r % s.out;
      T* out = y + r * inner;
      if (s.outside[j]) {
        std::fill(out, out + inner, extrapolation);
        continue;
      }
      const T* in = x + o * s.in * inner;
      const T* rows[4];
      for (int k = 0; k < taps; ++k) rows[k] = in + s.index[j * taps + k] * inner;
      BlendRows(rows, &weight[j * taps], taps, inner, out);
    }
  });
}

// Linear or cubic over the last two axes only (the NCHW case), in one pass: each output row
// blends `taps` input rows resampled along the last axis. Resampled rows are cached — neighbouring
// output rows share most of their source rows — so there is no intermediate tensor. A source row
// lives in cache slot (row mod taps): the rows of one output are consecutive, so never collide.
template <typename T>
void InterpolateLastTwo(const T* x, T* y, int64_t planes, const AxisSampling& sh, const AxisSampling& sw, T extrapolation) {
  const int taps = sh.taps;
  const std::vector<T> wh(sh.weight.begin(), sh.weight.end());
  const RowResampler<T> resampler(sw);
  const int64_t in_h = sh.in, in_w = sw.in, out_h = sh.out, out_w = sw.out;
  exec::ParallelFor(planes * out_h, nn::RowGrain(out_w * taps * 2), [&](int64_t begin, int64_t end) {
    std::vector<T> cache(static_cast<size_t>(taps * out_w));
    int64_t tag[4] = {-1, -1, -1, -1};  // the source row (plane * in_h + h) each slot holds
    for (int64_t r = begin; r < end; ++r) {
      const int64_t plane = r / out_h, oh = r % out_h;
      T* out = y + r * out_w;
      if (sh.outside[oh]) {
        std::fill(out, out + out_w, extrapolation);
        continue;
      }
      const T* rows[4];
      for (int k = 0; k < taps; ++k) {
        const int64_t source = plane * in_h + sh.index[oh * taps + k];
        const int64_t slot = source % taps;
        T* cached = cache.data() + slot * out_w;
        if (tag[slot] != source) {
          resampler.Run(x + source * in_w, cached, extrapolation);
          tag[slot] = source;
        }
        rows[k] = cached;
      }
      BlendRows(rows, &wh[oh * taps], taps, out_w, out);
    }
  });
}

template <typename T>
Tensor Interpolate(const Tensor& x, const std::vector<AxisSampling>& axes, T extrapolation) {
  const int rank = x.rank();
  bool only_last_two = rank >= 2 && !axes[rank - 1].identity && !axes[rank - 2].identity;
  for (int a = 0; a + 2 < rank; ++a) only_last_two = only_last_two && axes[a].identity;
  if (only_last_two) {
    Shape shape = x.shape();
    shape[rank - 2] = axes[rank - 2].out;
    shape[rank - 1] = axes[rank - 1].out;
    Tensor y(x.dtype(), shape);
    InterpolateLastTwo<T>(x.data<T>(), y.data<T>(), nn::Product(shape, 0, rank - 2), axes[rank - 2], axes[rank - 1],
                          extrapolation);
    return y;
  }
  Tensor current = x;
  for (int a = rank - 1; a >= 0; --a) {
    if (axes[a].identity) continue;
    Shape shape = current.shape();
    shape[a] = axes[a].out;
    Tensor next(current.dtype(), shape);
    ResampleAxis<T>(current.data<T>(), next.data<T>(), nn::Product(shape, 0, a), nn::Product(shape, a + 1, rank), axes[a],
                    extrapolation);
    current = std::move(next);
  }
  return current.SharesBufferWith(x) ? x.Clone() : current;
}

// Reads an optional input; an omitted or empty tensor counts as absent.
const Tensor* OptionalInput(const exec::KernelContext& ctx, int i) {
  if (i < 0) return nullptr;
  const Tensor* t = ctx.input(i);
  return t && t->size() > 0 ? t : nullptr;
}

Status RunResize(const ResizeAttributes& attr, exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int rank = x->rank();
  if (rank == 0) return ctx.Error("cannot resize a scalar");
  std::vector<int64_t> axes = attr.axes;
  if (axes.empty())
    for (int a = 0; a < rank; ++a) axes.push_back(a);
  std::vector<bool> seen(rank, false);
  for (int64_t& a : axes) {
    XQ_ASSIGN_OR_RETURN(int axis, NormalizeAxis(a, rank, ctx.node().Describe()));
    if (seen[axis]) return ctx.Error("axis " + std::to_string(a) + " is listed twice");
    seen[axis] = true;
    a = axis;
  }
  const size_t n = axes.size();
  std::vector<double> scales(rank, 1.0), roi_start(rank, 0.0), roi_end(rank, 1.0), resized(rank);
  Shape out_shape = x->shape();
  const Tensor* sizes_t = OptionalInput(ctx, attr.sizes_input);
  const Tensor* scales_t = OptionalInput(ctx, attr.scales_input);
  if (sizes_t && scales_t) return ctx.Error("scales and sizes must not both be given");
  if (sizes_t) {
    XQ_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, ToInt64Vector(*sizes_t, ctx.node().Describe() + ": sizes"));
    if (sizes.size() != n)
      return ctx.Error("sizes has " + std::to_string(sizes.size()) + " values for " + std::to_string(n) + " axes");
    for (size_t i = 0; i < n; ++i) {
      if (sizes[i] < 0) return ctx.Error("sizes must be non-negative");
      scales[axes[i]] = x->dim(axes[i]) > 0 ? static_cast<double>(sizes[i]) / static_cast<double>(x->dim(axes[i])) : 1.0;
    }
    if (attr.policy == AspectPolicy::kStretch) {
      for (size_t i = 0; i < n; ++i) out_shape[axes[i]] = sizes[i];
    } else {
      double scale = scales[axes[0]];
      for (size_t i = 1; i < n; ++i)
        scale = attr.policy == AspectPolicy::kNotLarger ? std::min(scale, scales[axes[i]]) : std::max(scale, scales[axes[i]]);
      for (size_t i = 0; i < n; ++i) {
        scales[axes[i]] = scale;
        out_shape[axes[i]] = static_cast<int64_t>(std::nearbyint(scale * static_cast<double>(x->dim(axes[i]))));
      }
    }
  } else {
    std::vector<float> given = attr.attribute_scales;
    if (scales_t) {
      XQ_ASSIGN_OR_RETURN(given, ToFloatVector(*scales_t, ctx.node().Describe() + ": scales"));
    }
    if (given.empty()) return ctx.Error("needs scales or sizes");
    if (given.size() != n)
      return ctx.Error("scales has " + std::to_string(given.size()) + " values for " + std::to_string(n) + " axes");
    for (size_t i = 0; i < n; ++i) {
      if (!(given[i] > 0)) return ctx.Error("scales must be positive, got " + std::to_string(given[i]));
      scales[axes[i]] = given[i];
      out_shape[axes[i]] = static_cast<int64_t>(std::floor(static_cast<double>(x->dim(axes[i])) * given[i]));
    }
  }
  for (int a = 0; a < rank; ++a)
    resized[a] = sizes_t && attr.policy == AspectPolicy::kStretch ? static_cast<double>(out_shape[a])
                                                                   : static_cast<double>(x->dim(a)) * scales[a];
  if (attr.transform == Transform::kTfCropAndResize) {
    const Tensor* roi_t = OptionalInput(ctx, attr.roi_input);
    if (!roi_t) return ctx.Error("tf_crop_and_resize needs the roi input");
    XQ_ASSIGN_OR_RETURN(std::vector<double> roi, nn::ToDoubleVector(*roi_t, ctx.node().Describe() + ": roi"));
    if (roi.size() != 2 * n)
      return ctx.Error("roi has " + std::to_string(roi.size()) + " values; expected " + std::to_string(2 * n));
    for (size_t i = 0; i < n; ++i) {
      roi_start[axes[i]] = roi[i];
      roi_end[axes[i]] = roi[i + n];
    }
  }
  std::vector<AxisSampling> sampling;
  for (int a = 0; a < rank; ++a)
    sampling.push_back(PlanAxis(attr, x->dim(a), out_shape[a], resized[a], scales[a], roi_start[a], roi_end[a]));

  if (ElementCount(out_shape) == 0 || x->size() == 0) {
    if (ElementCount(out_shape) != 0) return ctx.Error("cannot resize the empty input " + ShapeToString(x->shape()));
    ctx.output(0) = Tensor(x->dtype(), out_shape);
    return Status::Ok();
  }
  if (attr.mode == Mode::kNearest) {
    Tensor y(x->dtype(), out_shape);
    XQ_RETURN_IF_ERROR(DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      GatherNearest<T>(x->data<T>(), y.data<T>(), x->shape(), sampling, static_cast<T>(attr.extrapolation));
    }));
    ctx.output(0) = std::move(y);
    return Status::Ok();
  }
  Tensor y;
  XQ_RETURN_IF_ERROR(nn::DispatchFloat(x->dtype(), ctx.node().Describe() + " (linear and cubic modes)", [&](auto tag) {
    using T = decltype(tag);
    y = Interpolate<T>(*x, sampling, static_cast<T>(attr.extrapolation));
  }));
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateResizeOrUpsample(const exec::KernelInfo& info, bool upsample) {
  const Node& node = info.node();
  const int64_t opset = info.opset();
  const bool legacy = upsample || opset < 11;  // Upsample and Resize 10
  ResizeAttributes attr;
  const std::string mode = node.GetString("mode", "nearest");
  if (mode == "nearest") attr.mode = Mode::kNearest;
  else if (mode == "linear" || (upsample && mode == "bilinear")) attr.mode = Mode::kLinear;
  else if (mode == "cubic" && !legacy) attr.mode = Mode::kCubic;
  else return info.Invalid("mode '" + mode + "' is not supported (nearest, linear" + (legacy ? ")" : ", cubic)"));
  if (legacy) {
    attr.transform = Transform::kAsymmetric;
    attr.nearest = NearestMode::kLegacy;
    if (upsample && opset < 9) {
      if (!node.HasAttribute("scales")) return info.Invalid("the scales attribute is required");
      attr.attribute_scales = node.GetFloats("scales");
    } else {
      attr.scales_input = 1;
    }
  } else {
    const std::string ctm = node.GetString("coordinate_transformation_mode", "half_pixel");
    if (ctm == "half_pixel") attr.transform = Transform::kHalfPixel;
    else if (ctm == "half_pixel_symmetric") attr.transform = Transform::kHalfPixelSymmetric;
    else if (ctm == "pytorch_half_pixel") attr.transform = Transform::kPytorchHalfPixel;
    else if (ctm == "align_corners") attr.transform = Transform::kAlignCorners;
    else if (ctm == "asymmetric") attr.transform = Transform::kAsymmetric;
    else if (ctm == "tf_half_pixel_for_nn") attr.transform = Transform::kTfHalfPixelForNN;
    else if (ctm == "tf_crop_and_resize") attr.transform = Transform::kTfCropAndResize;
    else return info.Invalid("coordinate_transformation_mode '" + ctm + "' is unknown");
    const std::string nearest = node.GetString("nearest_mode", "round_prefer_floor");
    if (nearest == "round_prefer_floor") attr.nearest = NearestMode::kRoundPreferFloor;
    else if (nearest == "round_prefer_ceil") attr.nearest = NearestMode::kRoundPreferCeil;
    else if (nearest == "floor") attr.nearest = NearestMode::kFloor;
    else if (nearest == "ceil") attr.nearest = NearestMode::kCeil;
    else return info.Invalid("nearest_mode '" + nearest + "' is unknown");
    attr.cubic_a = node.GetFloat("cubic_coeff_a", -0.75f);
    attr.exclude_outside = node.GetInt("exclude_outside", 0) != 0;
    attr.extrapolation = node.GetFloat("extrapolation_value", 0.0f);
    if (node.GetInt("antialias", 0) != 0) return info.Unsupported("antialias=1 is not supported");
    const std::string policy = node.GetString("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") attr.policy = AspectPolicy::kStretch;
    else if (policy == "not_larger") attr.policy = AspectPolicy::kNotLarger;
    else if (policy == "not_smaller") attr.policy = AspectPolicy::kNotSmaller;
    else return info.Invalid("keep_aspect_ratio_policy '" + policy + "' is unknown");
    attr.axes = node.GetInts("axes");
    attr.roi_input = 1;
    attr.scales_input = 2;
    attr.sizes_input = 3;
  }
  return MakeKernel([attr](exec::KernelContext& ctx) { return RunResize(attr, ctx); });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateResize(const exec::KernelInfo& info) {
  return CreateResizeOrUpsample(info, /*upsample=*/false);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateUpsample(const exec::KernelInfo& info) {
  return CreateResizeOrUpsample(info, /*upsample=*/true);
}

}  // namespace xquant::kernels
