#include "quantize/quant_grid.h"

#include <algorithm>
#include <cmath>

namespace xquant::quantize {

int64_t Grid::Code(double x) const {
  const double q = std::nearbyint(x / scale) + static_cast<double>(zero_point);
  if (std::isnan(q)) return zero_point;  // no code means anything for NaN; zero is the neutral one
  return static_cast<int64_t>(std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax)));
}

double PowerOfTwoCeil(double x) {
  if (!(x > 0.0) || !std::isfinite(x)) return 1.0;
  return std::exp2(std::ceil(std::log2(x)));
}

Grid SymmetricGrid(double threshold, int bits, bool is_signed) {
  Grid g;
  g.scale = threshold / std::exp2(bits - (is_signed ? 1 : 0));
  g.zero_point = 0;
  g.qmin = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
  g.qmax = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
  return g;
}

Grid UniformGrid(double range_min, double range_max, int bits) {
  Grid g;
  g.qmin = 0;
  g.qmax = (int64_t{1} << bits) - 1;
  const double width = range_max - range_min;
  g.scale = width > 0.0 ? width / static_cast<double>(g.qmax) : 1.0;
  g.zero_point = std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(-range_min / g.scale)), g.qmin, g.qmax);
  return g;
}

}  // namespace xquant::quantize
