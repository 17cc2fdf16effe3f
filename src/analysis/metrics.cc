#include <cmath>
#include <limits>

#include "xquant/report.h"

namespace xquant {

double FindMetric(const MetricValues& values, std::string_view name) {
  for (const auto& [key, value] : values) {
    if (key == name) return value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace xquant
