// LoadQuantizationConfig: a QuantizationConfig from a YAML or JSON file (yaml-cpp reads both).
// Keys are the reference's QuantizationConfig names; "mixed_precision" is a nested mapping with
// MixedPrecisionConfig's names. Every value is checked here so the quantizer can trust it.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "xquant/quantize.h"

namespace xquant {
namespace {

const std::vector<std::string> kKeys = {
    "activation_error_method", "weights_error_method", "activation_quantization_method",
    "weights_quantization_method", "z_threshold", "l_p_value", "weights_bias_correction",
    "shift_negative_activation_correction", "shift_negative_ratio", "linear_collapsing", "residual_collapsing",
    "activation_n_bits", "weights_n_bits", "weights_n_bits_per_layer", "activation_n_bits_per_layer",
    "mixed_precision",
};
const std::vector<std::string> kMixedPrecisionKeys = {"num_of_images", "distance_weighting_method", "candidate_bits",
                                                      "weights_memory", "weights_memory_fraction"};

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// Reads values with errors naming the file, the line and the key.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Status Error(const YAML::Node& key, const std::string& name, const std::string& what) const {
    return InvalidArgumentError("quantization config '" + path_ + "' line " + std::to_string(key.Mark().line + 1) +
                                ": " + name + " " + what);
  }
  static bool Plain(const YAML::Node& v) { return v.IsScalar() && v.Tag() != "!"; }

  StatusOr<double> Number(const YAML::Node& key, const std::string& name, const YAML::Node& v,
                          bool allow_inf = false) const {
    double x = 0.0;
    if (Plain(v) && YAML::convert<double>::decode(v, x) && (std::isfinite(x) || (allow_inf && x > 0))) return x;
    return Error(key, name, "must be a number" + std::string(allow_inf ? " (or .inf)" : ""));
  }
  StatusOr<bool> Bool(const YAML::Node& key, const std::string& name, const YAML::Node& v) const {
    bool b = false;
    if (Plain(v) && YAML::convert<bool>::decode(v, b)) return b;
    return Error(key, name, "must be true or false");
  }
  StatusOr<int> Bits(const YAML::Node& key, const std::string& name, const YAML::Node& v, int max_bits) const {
    int64_t bits = 0;
    if (Plain(v) && YAML::convert<int64_t>::decode(v, bits) && bits >= 2 && bits <= max_bits)
      return static_cast<int>(bits);
    return Error(key, name, "must be an integer bit width from 2 to " + std::to_string(max_bits));
  }
  // One of `names` (case-insensitive) -> the index in `names`.
  StatusOr<size_t> Choice(const YAML::Node& key, const std::string& name, const YAML::Node& v,
                          const std::vector<std::string>& names) const {
    if (v.IsScalar()) {
      std::string s = v.Scalar();
      std::transform(s.begin(), s.end(), s.begin(), ::toupper);
      for (size_t i = 0; i < names.size(); ++i)
        if (s == names[i]) return i;
    }
    return Error(key, name, "must be one of " + Join(names));
  }
  StatusOr<std::map<std::string, int>> BitsMap(const YAML::Node& key, const std::string& name, const YAML::Node& v,
                                               int max_bits) const {
    if (!v.IsMap()) return Error(key, name, "must be a mapping of layer name to bit width");
    std::map<std::string, int> bits;
    for (const auto& item : v) {
      const std::string layer = item.first.Scalar();
      XQ_ASSIGN_OR_RETURN(bits[layer], Bits(item.first, name + "." + layer, item.second, max_bits));
    }
    return bits;
  }

 private:
  std::string path_;
};

const std::vector<std::string> kErrorMethods = {"NOCLIPPING", "MSE", "MAE", "LP", "KL"};
const std::vector<std::string> kMethods = {"POWER_OF_TWO", "SYMMETRIC", "UNIFORM"};

Status ApplyMixedPrecision(const Reader& reader, const YAML::Node& key, const YAML::Node& value,
                           MixedPrecisionConfig* mp) {
  if (!value.IsMap()) return reader.Error(key, "mixed_precision", "must be a mapping with keys " + Join(kMixedPrecisionKeys));
  for (const auto& item : value) {
    const std::string k = item.first.Scalar();
    const std::string name = "mixed_precision." + k;
    const YAML::Node& v = item.second;
    if (k == "num_of_images") {
      XQ_ASSIGN_OR_RETURN(double n, reader.Number(item.first, name, v));
      if (n < 1 || n != std::floor(n)) return reader.Error(item.first, name, "must be a positive integer");
      mp->num_of_images = static_cast<int>(n);
    } else if (k == "distance_weighting_method") {
      XQ_ASSIGN_OR_RETURN(size_t i, reader.Choice(item.first, name, v, {"AVG", "AVERAGE", "LAST_LAYER"}));
      mp->distance_weighting_method = i == 2 ? MpDistanceWeighting::kLastLayer : MpDistanceWeighting::kAverage;
    } else if (k == "candidate_bits") {
      if (!v.IsSequence() || v.size() == 0) return reader.Error(item.first, name, "must be a list of bit widths");
      mp->candidate_bits.clear();
      for (const YAML::Node& b : v) {
        XQ_ASSIGN_OR_RETURN(int bits, reader.Bits(item.first, name, b, 16));
        mp->candidate_bits.push_back(bits);
      }
    } else if (k == "weights_memory") {
      XQ_ASSIGN_OR_RETURN(mp->weights_memory, reader.Number(item.first, name, v));
      if (mp->weights_memory <= 0) return reader.Error(item.first, name, "must be a positive number of bytes");
    } else if (k == "weights_memory_fraction") {
      XQ_ASSIGN_OR_RETURN(mp->weights_memory_fraction, reader.Number(item.first, name, v));
      if (!(mp->weights_memory_fraction > 0 && mp->weights_memory_fraction <= 2))
        return reader.Error(item.first, name, "must be in (0, 2] (a fraction of the all-8-bit weight size)");
    } else {
      return reader.Error(item.first, "key '" + k + "'", "is unknown in mixed_precision; valid keys: " +
                                                             Join(kMixedPrecisionKeys));
    }
  }
  if (mp->weights_memory <= 0 && mp->weights_memory_fraction <= 0)
    return reader.Error(key, "mixed_precision", "needs a budget: weights_memory (bytes) or weights_memory_fraction");
  return Status::Ok();
}

Status ApplyKey(const Reader& r, const std::string& k, const YAML::Node& key, const YAML::Node& v,
                QuantizationConfig* c) {
  auto error_method = [&](QuantizationErrorMethod* out) -> Status {
    XQ_ASSIGN_OR_RETURN(size_t i, r.Choice(key, k, v, kErrorMethods));
    *out = static_cast<QuantizationErrorMethod>(i);
    return Status::Ok();
  };
  auto method = [&](QuantizationMethod* out) -> Status {
    XQ_ASSIGN_OR_RETURN(size_t i, r.Choice(key, k, v, kMethods));
    *out = static_cast<QuantizationMethod>(i);
    return Status::Ok();
  };
  if (k == "activation_error_method") return error_method(&c->activation_error_method);
  if (k == "weights_error_method") return error_method(&c->weights_error_method);
  if (k == "activation_quantization_method") return method(&c->activation_quantization_method);
  if (k == "weights_quantization_method") {
    XQ_RETURN_IF_ERROR(method(&c->weights_quantization_method));
    if (c->weights_quantization_method == QuantizationMethod::kUniform)
      return r.Error(key, k, "UNIFORM is not supported for weights (they are symmetric per channel); use "
                             "SYMMETRIC or POWER_OF_TWO");
    return Status::Ok();
  }
  if (k == "z_threshold") {
    XQ_ASSIGN_OR_RETURN(c->z_threshold, r.Number(key, k, v, /*allow_inf=*/true));
    if (!(c->z_threshold > 0)) return r.Error(key, k, "must be > 0");
    return Status::Ok();
  }
  if (k == "l_p_value") {
    XQ_ASSIGN_OR_RETURN(c->l_p_value, r.Number(key, k, v));
    if (!(c->l_p_value >= 1)) return r.Error(key, k, "must be >= 1");
    return Status::Ok();
  }
  if (k == "shift_negative_ratio") {
    XQ_ASSIGN_OR_RETURN(c->shift_negative_ratio, r.Number(key, k, v));
    if (!(c->shift_negative_ratio >= 0)) return r.Error(key, k, "must be >= 0");
    return Status::Ok();
  }
  if (k == "weights_bias_correction") { XQ_ASSIGN_OR_RETURN(c->weights_bias_correction, r.Bool(key, k, v)); return Status::Ok(); }
  if (k == "shift_negative_activation_correction") {
    XQ_ASSIGN_OR_RETURN(c->shift_negative_activation_correction, r.Bool(key, k, v));
    return Status::Ok();
  }
  if (k == "linear_collapsing") { XQ_ASSIGN_OR_RETURN(c->linear_collapsing, r.Bool(key, k, v)); return Status::Ok(); }
  if (k == "residual_collapsing") { XQ_ASSIGN_OR_RETURN(c->residual_collapsing, r.Bool(key, k, v)); return Status::Ok(); }
  if (k == "activation_n_bits") { XQ_ASSIGN_OR_RETURN(c->activation_n_bits, r.Bits(key, k, v, 8)); return Status::Ok(); }
  if (k == "weights_n_bits") { XQ_ASSIGN_OR_RETURN(c->weights_n_bits, r.Bits(key, k, v, 16)); return Status::Ok(); }
  if (k == "weights_n_bits_per_layer") {
    XQ_ASSIGN_OR_RETURN(c->weights_n_bits_per_layer, r.BitsMap(key, k, v, 16));
    return Status::Ok();
  }
  if (k == "activation_n_bits_per_layer") {
    XQ_ASSIGN_OR_RETURN(c->activation_n_bits_per_layer, r.BitsMap(key, k, v, 8));
    return Status::Ok();
  }
  if (k == "mixed_precision") {
    MixedPrecisionConfig mp;
    XQ_RETURN_IF_ERROR(ApplyMixedPrecision(r, key, v, &mp));
    c->mixed_precision = mp;
    return Status::Ok();
  }
  return r.Error(key, "key '" + k + "'", "is unknown; valid keys: " + Join(kKeys));
}

}  // namespace

const char* QuantizationErrorMethodName(QuantizationErrorMethod method) {
  switch (method) {
    case QuantizationErrorMethod::kNoClipping: return "NOCLIPPING";
    case QuantizationErrorMethod::kMse: return "MSE";
    case QuantizationErrorMethod::kMae: return "MAE";
    case QuantizationErrorMethod::kLp: return "LP";
    case QuantizationErrorMethod::kKl: return "KL";
  }
  return "?";
}

const char* QuantizationMethodName(QuantizationMethod method) {
  switch (method) {
    case QuantizationMethod::kPowerOfTwo: return "POWER_OF_TWO";
    case QuantizationMethod::kSymmetric: return "SYMMETRIC";
    case QuantizationMethod::kUniform: return "UNIFORM";
  }
  return "?";
}

const char* MpDistanceWeightingName(MpDistanceWeighting weighting) {
  return weighting == MpDistanceWeighting::kLastLayer ? "LAST_LAYER" : "AVG";
}

StatusOr<QuantizationConfig> LoadQuantizationConfig(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFoundError("cannot open quantization config '" + path + "'; check the path");
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("quantization config '" + path + "' is not valid YAML or JSON: " + e.what());
  }
  QuantizationConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap())
    return InvalidArgumentError("quantization config '" + path + "' must be a mapping; valid keys: " + Join(kKeys));
  const Reader reader(path);
  std::set<std::string> seen;
  try {
    for (const auto& item : root) {
      const std::string key = item.first.Scalar();
      if (!seen.insert(key).second) return reader.Error(item.first, key, "is given twice; keep one");
      XQ_RETURN_IF_ERROR(ApplyKey(reader, key, item.first, item.second, &config));
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("quantization config '" + path + "' cannot be read: " + e.what());
  }
  return config;
}

}  // namespace xquant
