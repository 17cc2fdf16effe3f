// The fields in which one QuantizationConfig differs from another, named and formatted as in a
// config file (LoadQuantizationConfig), for the report of each candidate.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "xquant/quantize.h"

namespace xquant::fix {

// (field, value of `changed`) for every field where `changed` differs from `base`, in the order of
// QuantizationConfig; mixed precision as "mixed_precision.<field>" (or "mixed_precision" = "off").
std::vector<std::pair<std::string, std::string>> ConfigDelta(const QuantizationConfig& base,
                                                             const QuantizationConfig& changed);

}  // namespace xquant::fix
