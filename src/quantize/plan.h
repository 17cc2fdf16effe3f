// What the quantizer decided for one prepared graph, before any model is built: the activation
// quantizers (with their shift-negative shifts) and the weighted layers with what bias work needs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quantize/graph_preparation.h"
#include "quantize/quant_grid.h"
#include "quantize/statistics.h"
#include "xquant/graph.h"
#include "xquant/quantize.h"

namespace xquant::quantize {

struct ActivationPlan {
  ValueId value = kNoValue;  // in the prepared graph
  ActivationQuantization info;
  Grid grid;           // the grid of (value + shift); scale rounded to float32 as stored
};

struct LayerPlan {
  NodeId node = kNoNode;
  std::string name;
  std::string op_type;
  int axis = 0;                       // output-channel axis of the weight
  ValueId weight = kNoValue;
  ValueId input = kNoValue;
  std::optional<double> input_scale;  // scale of the activation grid feeding the layer, if known
  std::vector<double> input_mean;     // per input channel, as the quantized layer sees it
  double input_shift = 0.0;           // shift-negative shift added to the layer's input
  bool bias_supported = false;        // a bias can be corrected/quantized (Conv; Gemm alpha = beta = 1)
};

// Tensor name -> channel axis of every tensor whose statistics the plan needs (candidates for
// activation quantizers and the inputs of weighted layers).
std::map<std::string, int> WatchedTensors(const Graph& graph);

// Chooses the quantized activations, their thresholds and the shift-negative corrections.
std::vector<ActivationPlan> PlanActivations(const Graph& graph, const std::map<std::string, TensorStatistics>& stats,
                                            const QuantizationConfig& config, const PreparationState& preparation,
                                            std::vector<std::string>* warnings);

// The weighted layers, with their input's grid scale and mean.
std::vector<LayerPlan> PlanLayers(const Graph& graph, const std::vector<ActivationPlan>& activations,
                                  const std::map<std::string, TensorStatistics>& stats);

// Ops that pass their input's grid through unchanged (no quantizer of their own).
bool PassesGridThrough(const std::string& op_type);

}  // namespace xquant::quantize
