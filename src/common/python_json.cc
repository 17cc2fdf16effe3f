#include "common/python_json.h"

#include <algorithm>
#include <cmath>

namespace xquant {
namespace {

using Json = nlohmann::ordered_json;

std::string PrintLeaf(const Json& value) {
  if (value.is_number_float()) {
    const double v = value.get<double>();
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  }
  // `replace`: a name with invalid UTF-8 gets U+FFFD instead of aborting the whole file.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void Print(const Json& value, int depth, std::string* out) {
  if (!value.is_structured() || value.empty()) {
    *out += value.is_structured() ? (value.is_object() ? "{}" : "[]") : PrintLeaf(value);
    return;
  }
  if (value.is_array() && std::none_of(value.begin(), value.end(), [](const Json& v) { return v.is_structured(); })) {
    *out += '[';
    for (size_t i = 0; i < value.size(); ++i) *out += (i ? ", " : "") + PrintLeaf(value[i]);
    *out += ']';
    return;
  }
  const std::string inner(2 * (depth + 1), ' ');
  *out += value.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) *out += ",\n";
    first = false;
    *out += inner;
    if (value.is_object()) *out += PrintLeaf(Json(it.key())) + ": ";
    Print(*it, depth + 1, out);
  }
  *out += '\n' + std::string(2 * depth, ' ') + (value.is_object() ? '}' : ']');
}

}  // namespace

std::string DumpPythonJson(const nlohmann::ordered_json& value) {
  std::string out;
  Print(value, 0, &out);
  return out + '\n';
}

nlohmann::json ParsePythonJson(const std::string& text) {
  static const std::pair<std::string, std::string> kTokens[] = {
      {"-Infinity", "-1e308"}, {"Infinity", "1e308"}, {"NaN", "null"}};
  std::string strict;
  strict.reserve(text.size());
  bool in_string = false;
  for (size_t k = 0; k < text.size();) {
    const char c = text[k];
    if (in_string) {
      strict += c;
      if (c == '\\' && k + 1 < text.size()) strict += text[++k];
      else if (c == '"') in_string = false;
      ++k;
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const auto& [token, replacement] : kTokens) {
      if (text.compare(k, token.size(), token) == 0) {
        strict += replacement;
        k += token.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) strict += text[k++];
  }
  return nlohmann::json::parse(strict, nullptr, /*allow_exceptions=*/false);
}

}  // namespace xquant
