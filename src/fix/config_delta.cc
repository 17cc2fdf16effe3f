#include "fix/config_delta.h"

#include <cmath>
#include <cstdio>

namespace xquant::fix {
namespace {

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string Bool(bool v) { return v ? "true" : "false"; }

std::string BitsMap(const std::map<std::string, int>& bits) {
  std::string s = "{";
  for (const auto& [name, b] : bits) s += (s.size() > 1 ? ", " : "") + name + ": " + std::to_string(b);
  return s + "}";
}

std::string BitsList(const std::vector<int>& bits) {
  std::string s = "[";
  for (size_t k = 0; k < bits.size(); ++k) s += (k ? ", " : "") + std::to_string(bits[k]);
  return s + "]";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ConfigDelta(const QuantizationConfig& base,
                                                             const QuantizationConfig& changed) {
  std::vector<std::pair<std::string, std::string>> delta;
  auto add = [&](bool differs, const char* field, std::string value) {
    if (differs) delta.emplace_back(field, std::move(value));
  };
  const QuantizationConfig& b = base;
  const QuantizationConfig& c = changed;
  add(b.activation_error_method != c.activation_error_method, "activation_error_method",
      QuantizationErrorMethodName(c.activation_error_method));
  add(b.weights_error_method != c.weights_error_method, "weights_error_method",
      QuantizationErrorMethodName(c.weights_error_method));
  add(b.activation_quantization_method != c.activation_quantization_method, "activation_quantization_method",
      QuantizationMethodName(c.activation_quantization_method));
  add(b.weights_quantization_method != c.weights_quantization_method, "weights_quantization_method",
      QuantizationMethodName(c.weights_quantization_method));
  // Both infinite (off) compare equal; NaN is refused by the config reader.
  add(b.z_threshold != c.z_threshold, "z_threshold", Number(c.z_threshold));
  add(b.l_p_value != c.l_p_value, "l_p_value", Number(c.l_p_value));
  add(b.weights_bias_correction != c.weights_bias_correction, "weights_bias_correction",
      Bool(c.weights_bias_correction));
  add(b.shift_negative_activation_correction != c.shift_negative_activation_correction,
      "shift_negative_activation_correction", Bool(c.shift_negative_activation_correction));
  add(b.shift_negative_ratio != c.shift_negative_ratio, "shift_negative_ratio", Number(c.shift_negative_ratio));
  add(b.linear_collapsing != c.linear_collapsing, "linear_collapsing", Bool(c.linear_collapsing));
  add(b.residual_collapsing != c.residual_collapsing, "residual_collapsing", Bool(c.residual_collapsing));
  add(b.activation_n_bits != c.activation_n_bits, "activation_n_bits", std::to_string(c.activation_n_bits));
  add(b.weights_n_bits != c.weights_n_bits, "weights_n_bits", std::to_string(c.weights_n_bits));
  add(b.weights_n_bits_per_layer != c.weights_n_bits_per_layer, "weights_n_bits_per_layer",
      BitsMap(c.weights_n_bits_per_layer));
  add(b.activation_n_bits_per_layer != c.activation_n_bits_per_layer, "activation_n_bits_per_layer",
      BitsMap(c.activation_n_bits_per_layer));
  if (!c.mixed_precision) {
    add(b.mixed_precision.has_value(), "mixed_precision", "off");
    return delta;
  }
  const MixedPrecisionConfig none;  // a base without mixed precision: every field is new
  const bool was_on = b.mixed_precision.has_value();
  const MixedPrecisionConfig& bm = was_on ? *b.mixed_precision : none;
  const MixedPrecisionConfig& cm = *c.mixed_precision;
  add(!was_on || bm.num_of_images != cm.num_of_images, "mixed_precision.num_of_images",
      std::to_string(cm.num_of_images));
  add(!was_on || bm.distance_weighting_method != cm.distance_weighting_method,
      "mixed_precision.distance_weighting_method", MpDistanceWeightingName(cm.distance_weighting_method));
  add(!was_on || bm.candidate_bits != cm.candidate_bits, "mixed_precision.candidate_bits", BitsList(cm.candidate_bits));
  add((!was_on && cm.weights_memory != 0) || bm.weights_memory != cm.weights_memory, "mixed_precision.weights_memory",
      Number(cm.weights_memory));
  add((!was_on && cm.weights_memory_fraction != 0) || bm.weights_memory_fraction != cm.weights_memory_fraction,
      "mixed_precision.weights_memory_fraction", Number(cm.weights_memory_fraction));
  return delta;
}

}  // namespace xquant::fix
