// LoadXQuantConfig: an XQuantConfig from a YAML or JSON file (JSON is YAML, so yaml-cpp reads
// both). Every key is checked for type and range here, so later stages can trust the values.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "xquant/report.h"

namespace xquant {
namespace {

constexpr const char* kKeys[] = {
    "report_dir",
    "custom_similarity_metrics",
    "quantize_reported_dir",
    "threshold_quantize_error",
    "is_detect_under_threshold_quantize_error",
    "threshold_degrade_layer_ratio",
    "threshold_zscore_outlier_removal",
    "threshold_ratio_unbalanced_concatenation",
    "threshold_bitwidth_mixed_precision_with_model_output_loss_objective",
};

// Spellings from the seed document that MCT itself never accepted; users copy them from there.
const std::map<std::string, std::string> kMisspellings = {
    {"threshold_degration_layer_ratio", "threshold_degrade_layer_ratio"},
    {"threshold_ratio_unbalanced_concatnation", "threshold_ratio_unbalanced_concatenation"},
};

std::string ValidKeys() {
  std::string keys;
  for (const char* key : kKeys) keys += std::string(keys.empty() ? "" : ", ") + key;
  return keys;
}

// How a value is shown in an error: its text, or what kind of node it is.
std::string Show(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return node.Tag() == "!" ? "\"" + node.Scalar() + "\"" : node.Scalar();
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing (null)";
  }
}

// One value of the file with what errors say about it: its dotted name and the line of its key
// (a missing value's own position is that of the next token, so the key's line is used).
struct Entry {
  std::string name;
  YAML::Node value;
  int line = 0;
};

Entry EntryOf(std::string name, const YAML::Node& key, const YAML::Node& value) {
  return Entry{std::move(name), value, key.Mark().line + 1};
}

// Reads one file's values, with errors that name the file, the line and the key.
class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  Status Error(const Entry& entry, const std::string& what) const {
    return InvalidArgumentError("config '" + path_ + "' line " + std::to_string(entry.line) + ": " +
                                entry.name + " " + what);
  }
  Status Expected(const Entry& entry, const std::string& expected) const {
    return Error(entry, "is " + Show(entry.value) + ", expected " + expected);
  }

  // A plain (unquoted) scalar: in JSON, "0.5" in quotes is a string, not a number.
  static bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() != "!"; }

  StatusOr<double> Number(const Entry& entry, const std::string& expected) const {
    double value = 0.0;
    if (!IsPlainScalar(entry.value) || !YAML::convert<double>::decode(entry.value, value) ||
        !std::isfinite(value)) {
      return Expected(entry, expected);
    }
    return value;
  }

  StatusOr<bool> Bool(const Entry& entry) const {
    bool value = false;
    if (!IsPlainScalar(entry.value) || !YAML::convert<bool>::decode(entry.value, value)) {
      return Expected(entry, "true or false");
    }
    return value;
  }

  StatusOr<std::string> String(const Entry& entry) const {
    if (!entry.value.IsScalar() || entry.value.Scalar().empty()) {
      return Expected(entry, "a non-empty string");
    }
    return entry.value.Scalar();
  }

  // A mapping metric name -> T in file order; a metric named twice is an error.
  template <typename T, typename ReadValue>
  StatusOr<std::vector<std::pair<std::string, T>>> MetricMap(const Entry& entry,
                                                             const std::string& expected,
                                                             ReadValue read) const {
    if (!entry.value.IsMap()) return Expected(entry, "a mapping of metric name to " + expected);
    std::vector<std::pair<std::string, T>> metrics;
    std::set<std::string> seen;
    for (const auto& item : entry.value) {
      XQ_ASSIGN_OR_RETURN(std::string metric,
                          String(EntryOf(entry.name + " metric name", item.first, item.first)));
      const Entry value = EntryOf(entry.name + "." + metric, item.first, item.second);
      if (!seen.insert(metric).second) return Error(value, "is given twice; keep one");
      XQ_ASSIGN_OR_RETURN(T parsed, read(value));
      metrics.emplace_back(metric, parsed);
    }
    return metrics;
  }

 private:
  std::string path_;
};

// Applies one top-level value to `config`; `entry.name` is the canonical key.
Status ApplyKey(const ConfigReader& reader, const Entry& entry, XQuantConfig* config) {
  const std::string& key = entry.name;
  if (key == "report_dir") {
    XQ_ASSIGN_OR_RETURN(config->report_dir, reader.String(entry));
  } else if (key == "quantize_reported_dir") {
    XQ_ASSIGN_OR_RETURN(config->quantize_reported_dir, reader.String(entry));
  } else if (key == "custom_similarity_metrics") {
    // A file cannot carry callables, so unlike the reference's dict this is a list of names.
    // Null (the reference's default, None) is the empty list.
    if (!entry.value.IsSequence() && !entry.value.IsNull()) {
      return reader.Expected(entry, "a list of metric names");
    }
    config->custom_similarity_metrics.clear();
    for (const YAML::Node& item : entry.value) {
      XQ_ASSIGN_OR_RETURN(std::string metric,
                          reader.String(Entry{key + " entry", item, entry.line}));
      config->custom_similarity_metrics.push_back(std::move(metric));
    }
  } else if (key == "threshold_quantize_error") {
    auto read = [&](const Entry& value) {
      return reader.Number(value, "a number (the metric's threshold)");
    };
    XQ_ASSIGN_OR_RETURN(config->threshold_quantize_error,
                        reader.MetricMap<double>(entry, "number", read));
  } else if (key == "is_detect_under_threshold_quantize_error") {
    auto read = [&](const Entry& value) { return reader.Bool(value); };
    XQ_ASSIGN_OR_RETURN(auto directions, reader.MetricMap<bool>(entry, "true/false", read));
    config->is_detect_under_threshold_quantize_error = {directions.begin(), directions.end()};
  } else if (key == "threshold_degrade_layer_ratio") {
    XQ_ASSIGN_OR_RETURN(double ratio, reader.Number(entry, "a number in (0, 1]"));
    if (!(ratio > 0.0 && ratio <= 1.0)) return reader.Expected(entry, "a number in (0, 1]");
    config->threshold_degrade_layer_ratio = ratio;
  } else if (key == "threshold_zscore_outlier_removal") {
    XQ_ASSIGN_OR_RETURN(double z, reader.Number(entry, "a number > 0"));
    if (!(z > 0.0)) return reader.Expected(entry, "a number > 0");
    config->threshold_zscore_outlier_removal = z;
  } else if (key == "threshold_ratio_unbalanced_concatenation") {
    XQ_ASSIGN_OR_RETURN(double ratio, reader.Number(entry, "a number >= 1"));
    if (!(ratio >= 1.0)) return reader.Expected(entry, "a number >= 1");
    config->threshold_ratio_unbalanced_concatenation = ratio;
  } else if (key == "threshold_bitwidth_mixed_precision_with_model_output_loss_objective") {
    int64_t bits = 0;
    if (!ConfigReader::IsPlainScalar(entry.value) ||
        !YAML::convert<int64_t>::decode(entry.value, bits) || bits < 1 || bits > 32) {
      return reader.Expected(entry, "an integer from 1 to 32 (a bit width)");
    }
    config->threshold_bitwidth_mixed_precision_with_model_output_loss_objective =
        static_cast<double>(bits);
  }
  return Status::Ok();
}

StatusOr<YAML::Node> ParseFile(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFoundError("cannot open config file '" + path + "'; check the path");
  } catch (const YAML::ParserException& e) {
    return InvalidArgumentError("config '" + path + "' is not valid YAML or JSON: line " +
                                std::to_string(e.mark.line + 1) + ", column " +
                                std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("config '" + path + "' cannot be read: " + e.what());
  }
}

}  // namespace

StatusOr<XQuantConfig> LoadXQuantConfig(const std::string& path,
                                        std::vector<std::string>* warnings) {
  XQ_ASSIGN_OR_RETURN(YAML::Node root, ParseFile(path));
  XQuantConfig config;
  if (root.IsNull()) return config;  // an empty file: every default
  if (!root.IsMap()) {
    return InvalidArgumentError("config '" + path +
                                "' must be a mapping of XQuantConfig keys at the top level, not " +
                                Show(root) + "; valid keys: " + ValidKeys());
  }
  const ConfigReader reader(path);
  std::map<std::string, int> line_of_key;  // canonical key -> line where it was given
  try {
    for (const auto& item : root) {
      const int line = item.first.Mark().line + 1;
      const std::string where = "config '" + path + "' line " + std::to_string(line) + ": ";
      if (!item.first.IsScalar())
        return InvalidArgumentError(where + "a key must be a name; valid keys: " + ValidKeys());
      std::string key = item.first.Scalar();
      if (auto misspelt = kMisspellings.find(key); misspelt != kMisspellings.end()) {
        if (warnings) {
          warnings->push_back(where + "'" + key + "' is a misspelling of '" + misspelt->second +
                              "'; read as that, but please rename it");
        }
        key = misspelt->second;
      } else if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        return InvalidArgumentError(where + "unknown key '" + key +
                                    "'; valid keys: " + ValidKeys());
      }
      if (auto [it, inserted] = line_of_key.emplace(key, line); !inserted) {
        return InvalidArgumentError(where + key + " is given again (first on line " +
                                    std::to_string(it->second) + "); keep one");
      }
      XQ_RETURN_IF_ERROR(ApplyKey(reader, EntryOf(key, item.first, item.second), &config));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("config '" + path + "' cannot be read: " + e.what());
  }
  // Detection needs a direction for every metric with a threshold.
  for (const auto& [metric, threshold] : config.threshold_quantize_error) {
    if (!config.is_detect_under_threshold_quantize_error.count(metric)) {
      return InvalidArgumentError(
          "config '" + path + "': metric '" + metric +
          "' has a threshold in threshold_quantize_error but no entry in "
          "is_detect_under_threshold_quantize_error; add '" +
          metric + ": true' (degraded at or below the threshold) or 'false' (at or above)");
    }
  }
  return config;
}

}  // namespace xquant
