// xquant's own post-training quantizer: float ONNX model + representative data -> QDQ ONNX model.
//
// The stages follow the reference quantizer (Sony MCT, defaults of 2.6):
//   1. graph preparation: BatchNormalization folded into the preceding Conv, linear collapsing
//      (a 1x1 Conv merged into the previous Conv) and residual collapsing (x + Conv(x) merged into
//      the Conv), each merge recorded by the original node names;
//   2. statistics on the representative data, streamed through a Session observer: a histogram,
//      min/max and per-channel mean of every activation that gets a quantizer;
//   3. activation thresholds per tensor (power-of-two / symmetric / uniform) chosen by an error
//      method on the histogram; weights per output channel, symmetric;
//   4. corrections: shift-negative activation correction, weights bias correction;
//   5. optional mixed precision (weight bit widths chosen under a memory budget);
//   6. the quantized model: standard QDQ (opset 13); widths below 8 bits as QCDQ
//      (QuantizeLinear -> Clip -> DequantizeLinear), which every ONNX runtime can execute.
//
// Quantize() does it all. The Quantizer class exposes the stages for callers that build many
// quantized variants of one prepared model (the mixed-precision search, the troubleshoot loop).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "xquant/dataset.h"
#include "xquant/model.h"
#include "xquant/status.h"

namespace xquant {

// ---- configuration ---------------------------------------------------------------------------------

// How a threshold is chosen from the statistics (the reference's QuantizationErrorMethod).
enum class QuantizationErrorMethod {
  kNoClipping,  // NOCLIPPING: the threshold covers the whole observed range
  kMse,         // MSE: least mean squared error between x and its quantized value
  kMae,         // MAE: least mean absolute error
  kLp,          // LP: least mean |error|^p, p = l_p_value
  kKl,          // KL: least KL divergence between the float and the quantized histograms
};

// The grid of a quantizer (the reference's QuantizationMethod).
enum class QuantizationMethod {
  kPowerOfTwo,  // POWER_OF_TWO: symmetric, threshold a power of two, zero point 0
  kSymmetric,   // SYMMETRIC: symmetric, any threshold, zero point 0
  kUniform,     // UNIFORM: an asymmetric range [a, b] with 0 on the grid (zero point may be != 0)
};

// How the mixed-precision search combines the per-layer distances (the reference's
// MpDistanceWeighting).
enum class MpDistanceWeighting {
  kAverage,    // AVG: the mean over the interest points (default)
  kLastLayer,  // LAST_LAYER: only the model output (the seed's countermeasure)
};

// Names as written in config files ("MSE", "POWER_OF_TWO", "AVG"/"AVERAGE", ...).
const char* QuantizationErrorMethodName(QuantizationErrorMethod method);
const char* QuantizationMethodName(QuantizationMethod method);
const char* MpDistanceWeightingName(MpDistanceWeighting weighting);

// The reference's MixedPrecisionQuantizationConfig plus the weight-memory budget of its
// ResourceUtilization.
struct MixedPrecisionConfig {
  // Representative samples used to measure each layer's sensitivity.
  int num_of_images = 32;
  MpDistanceWeighting distance_weighting_method = MpDistanceWeighting::kAverage;
  // Weight bit widths a layer may get, any order (each in 2..16).
  std::vector<int> candidate_bits = {8, 4, 2};
  // The budget for the weights of the weighted layers, in bytes (bits/8 per weight element;
  // biases are not counted). 0 = not set.
  double weights_memory = 0;
  // The same budget as a fraction of the all-8-bit weight size (e.g. 0.75). Used when
  // weights_memory is 0; one of the two must be set when mixed precision is on.
  double weights_memory_fraction = 0;
};

// The reference's QuantizationConfig (same field names and defaults) plus the target's bit widths.
struct QuantizationConfig {
  QuantizationErrorMethod activation_error_method = QuantizationErrorMethod::kMse;
  QuantizationErrorMethod weights_error_method = QuantizationErrorMethod::kMse;
  QuantizationMethod activation_quantization_method = QuantizationMethod::kPowerOfTwo;
  // Weights are always symmetric per output channel; kPowerOfTwo rounds each channel's
  // threshold up to a power of two.
  QuantizationMethod weights_quantization_method = QuantizationMethod::kSymmetric;
  // Histogram bins farther than z_threshold standard deviations from the mean are dropped before
  // the activation threshold search. Infinity = off.
  double z_threshold = std::numeric_limits<double>::infinity();
  // p of the LP error method.
  double l_p_value = 2.0;
  bool weights_bias_correction = true;
  bool shift_negative_activation_correction = true;
  // The correction is applied to an activation only when |min| / threshold of its (signed)
  // quantizer exceeds this ratio: a tiny negative tail is not worth a bit of resolution.
  double shift_negative_ratio = 0.05;
  bool linear_collapsing = true;
  bool residual_collapsing = true;

  // Bit widths: activations 2..8 (opset-13 QuantizeLinear holds 8-bit codes), weights 2..16.
  // Per-layer entries override the defaults:
  //   weights_n_bits_per_layer: weighted node name (Conv/Gemm/MatMul, as in the float model or the
  //     merged name after preparation) -> bits of its weights;
  //   activation_n_bits_per_layer: quantized tensor name, or the name of the node producing it -> bits.
  int activation_n_bits = 8;
  int weights_n_bits = 8;
  std::map<std::string, int> weights_n_bits_per_layer;
  std::map<std::string, int> activation_n_bits_per_layer;

  // Mixed precision of the weights; nullopt = off.
  std::optional<MixedPrecisionConfig> mixed_precision;
};

// Reads a config file (YAML or JSON) with QuantizationConfig's field names; "mixed_precision" is a
// mapping with MixedPrecisionConfig's names. Unknown keys are errors listing the valid ones.
StatusOr<QuantizationConfig> LoadQuantizationConfig(const std::string& path);

struct QuantizeOptions {
  QuantizationConfig config;
  int64_t batch_size = 8;
  // Samples of the representative data used for statistics; 0 = all.
  int64_t max_samples = 0;
  DatasetOptions dataset;
  int num_threads = 0;  // 0 = every core
  // Where quantization_log.json and tensorboard_logs/<stage>/ go; empty = no log files.
  std::string log_dir;
  // Progress lines ("statistics: batch 3/8", ...) and warnings, as they happen.
  std::function<void(const std::string& message)> log;
};

// ---- what the quantizer decided (the quantization log) ---------------------------------------------

// One merge of graph preparation, by the original node names.
struct LayerMerge {
  std::string kind;    // "bn_fold", "linear_collapsing", "residual_collapsing"
  std::string merged;  // name of the resulting node
  std::string first;   // the node kept (the Conv)
  std::string second;  // the node merged into it (BatchNormalization, the 1x1 Conv, the Add)
};

// One activation quantizer (per tensor).
struct ActivationQuantization {
  std::string tensor;  // the float tensor quantized
  std::string node;    // its producer ("" for a graph input)
  int bits = 8;
  bool is_signed = false;
  QuantizationMethod method = QuantizationMethod::kPowerOfTwo;
  QuantizationErrorMethod error_method = QuantizationErrorMethod::kMse;
  double threshold = 0;            // POT/symmetric threshold (for uniform: max(|a|, |b|))
  double range_min = 0, range_max = 0;  // the representable range [a, b]
  double scale = 0;
  int64_t zero_point = 0;
  double observed_min = 0, observed_max = 0;
  double shift = 0;  // shift-negative correction added before quantization (0 = none)
  // The tensor's histogram on the representative data: equal bins over [histogram_min, histogram_max].
  std::vector<int64_t> histogram_counts;
  double histogram_min = 0, histogram_max = 0;
  // Per channel (axis 1) on the representative data; empty for tensors of rank < 2.
  std::vector<double> channel_min, channel_max, channel_mean;
};

// The weights of one weighted layer (per output channel).
struct WeightQuantization {
  std::string node;    // the Conv/Gemm/MatMul (after preparation)
  std::string tensor;  // its weight initializer
  int bits = 8;
  int axis = 0;        // the output-channel axis of the weight tensor
  std::vector<double> thresholds;  // per channel
  std::vector<double> scales;      // per channel
  int64_t num_elements = 0;
  bool bias_corrected = false;
};

struct QuantizationLog {
  std::vector<LayerMerge> merges;
  std::vector<ActivationQuantization> activations;
  std::vector<WeightQuantization> weights;
  // Weight bits chosen by mixed precision (node -> bits); empty when it was off.
  std::map<std::string, int> mixed_precision_bits;
  std::vector<std::string> warnings;
};

// ---- the stages ------------------------------------------------------------------------------------

// One weighted layer of the prepared model: the unit mixed precision assigns bits to.
struct WeightedLayer {
  std::string node;  // node name after preparation
  std::string op_type;
  int64_t num_elements = 0;  // weight elements (memory at b bits = num_elements * b / 8 bytes)
};

// A prepared model with its statistics and activation thresholds; builds quantized models.
class Quantizer {
 public:
  // Graph preparation, statistics over the representative data, activation thresholds and the
  // shift-negative decisions. The float model is not modified.
  static StatusOr<std::unique_ptr<Quantizer>> Create(std::shared_ptr<const Model> float_model,
                                                     Dataset& representative, const QuantizeOptions& options);
  virtual ~Quantizer() = default;

  // The float model after graph preparation (BN folded, collapsed): runnable by a Session and
  // the float reference for distances.
  virtual std::shared_ptr<const Model> prepared_model() const = 0;
  // Weighted layers of the prepared model, in topological order.
  virtual const std::vector<WeightedLayer>& weighted_layers() const = 0;

  // A quantized model (in memory, runnable by a Session) with `weight_bits` for the named weighted
  // layers (others: the config's per-layer or default widths). Weight thresholds and bias
  // correction are computed for each width. Each call returns an independent model.
  // `log`, when given, receives what was decided.
  virtual StatusOr<std::shared_ptr<const Model>> Build(const std::map<std::string, int>& weight_bits,
                                                       QuantizationLog* log = nullptr) const = 0;

  virtual const QuantizeOptions& options() const = 0;
};

// The mixed-precision search (src/quantize/mixed_precision.cc): measures each weighted layer's
// sensitivity to each candidate width on `config.num_of_images` samples of `representative`
// (distance between the prepared float model and the model built with that layer lowered), then
// picks widths within the weight-memory budget. Returns node -> bits for every weighted layer.
StatusOr<std::map<std::string, int>> SearchMixedPrecision(const Quantizer& quantizer, Dataset& representative,
                                                          const MixedPrecisionConfig& config,
                                                          const std::function<void(const std::string&)>& log);

struct QuantizeResult {
  std::shared_ptr<const Model> model;  // the QDQ model, in memory
  QuantizationLog log;
};

// The whole pipeline. Writes the log files when options.log_dir is set.
StatusOr<QuantizeResult> Quantize(std::shared_ptr<const Model> float_model, Dataset& representative,
                                  const QuantizeOptions& options);

// Same from files: loads `float_path`, opens `repr_spec` (dataset.h), writes the ONNX to `output_path`.
StatusOr<QuantizeResult> QuantizeFile(const std::string& float_path, const std::string& repr_spec,
                                      const std::string& output_path, const QuantizeOptions& options);

// Writes `model` as an ONNX file (ModelProto with initializers inline).
Status SaveModel(const Model& model, const std::string& path);

}  // namespace xquant
