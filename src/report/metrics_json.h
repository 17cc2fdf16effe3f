// The {metric: value} object every JSON writer of the report directory uses (quant_report.json,
// troubleshoot_report.json, fix_report.json), in the metrics' own order.
#pragma once

#include <nlohmann/json.hpp>

#include "xquant/report.h"

namespace xquant::report {

inline nlohmann::ordered_json MetricsObject(const MetricValues& values) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [name, value] : values) object[name] = value;
  return object;
}

}  // namespace xquant::report
