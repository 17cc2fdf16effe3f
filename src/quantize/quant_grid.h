// The integer grids of the quantizers, in one place: power-of-two, symmetric and uniform.
//
// A grid is what QuantizeLinear/DequantizeLinear compute with integer bounds:
//   q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax),   x' = (q - zero_point) * scale.
// MCT's formulas (clip to [-t, t - delta] or [0, t - delta], then round to multiples of delta) are
// the same grid: with integer bounds, clipping before or after rounding agrees.
#pragma once

#include <cstdint>

namespace xquant::quantize {

struct Grid {
  double scale = 1.0;
  int64_t zero_point = 0;
  int64_t qmin = 0;
  int64_t qmax = 255;

  // The integer code of x (rounded half to even, saturated).
  int64_t Code(double x) const;
  // x quantized and dequantized.
  double FakeQuantize(double x) const { return static_cast<double>(Code(x) - zero_point) * scale; }
  // The smallest and largest representable values.
  double lower() const { return static_cast<double>(qmin - zero_point) * scale; }
  double upper() const { return static_cast<double>(qmax - zero_point) * scale; }
};

// 2^ceil(log2(x)) for x > 0; 1 for x <= 0 (an all-zero tensor still needs a valid scale).
double PowerOfTwoCeil(double x);

// Symmetric grid of threshold t: delta = t / 2^(bits - signed), codes [-2^(bits-1), 2^(bits-1) - 1]
// when signed, [0, 2^bits - 1] when not; zero point 0. Power-of-two grids are symmetric grids
// whose t is a power of two. REQUIRES: t > 0, 2 <= bits <= 16.
Grid SymmetricGrid(double threshold, int bits, bool is_signed);

// Uniform grid over [range_min, range_max] (which must contain 0; callers widen it), nudged as MCT
// does so that 0 is exactly on the grid: s = (max - min) / (2^bits - 1), zero point
// round(-min / s), codes [0, 2^bits - 1]. A zero-width range gets scale 1.
Grid UniformGrid(double range_min, double range_max, int bits);

}  // namespace xquant::quantize
