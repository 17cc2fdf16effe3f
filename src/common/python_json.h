// JSON the way Python's json module writes and reads it: non-finite numbers as the bare tokens
// Infinity, -Infinity and NaN. Not strict JSON, but what the reference's report files contain
// and what its users' scripts read back with json.load. nlohmann_json neither writes nor reads
// those tokens, so both directions are handled here, once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace xquant {

// `value` indented by 2, non-finite doubles as Infinity/-Infinity/NaN, arrays of plain values on
// one line (a 512-channel scale does not take 512 lines), invalid UTF-8 replaced by U+FFFD.
std::string DumpPythonJson(const nlohmann::ordered_json& value);

// Parses text that may hold Infinity/-Infinity/NaN outside strings: they read as +-1e308 and
// null (nlohmann holds no non-finite number). Tokens inside strings (layer names) are left alone.
// Returns a discarded value when the text is not JSON.
nlohmann::json ParsePythonJson(const std::string& text);

}  // namespace xquant
