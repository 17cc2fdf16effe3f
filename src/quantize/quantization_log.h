// The quantizer's log directory:
//   quantization_log.json        merges, activation quantizers (threshold, bits, sign, scale, zero
//                                point, error method, histogram), weights per layer, mixed precision
//   tensorboard_logs/<stage>/    one TensorBoard run per stage, as MCT writes them:
//     initial_graph              the float model's graph
//     after_graph_preparation    the graph after BN folding and collapsing
//     thresholds_selection       the quantized graph (nodes carry bit widths and thresholds),
//                                a histogram and the threshold of every quantized tensor
#pragma once

#include <string>

#include "xquant/graph.h"
#include "xquant/quantize.h"

namespace xquant::quantize {

// The JSON text of quantization_log.json.
std::string QuantizationLogJson(const QuantizationLog& log, const QuantizationConfig& config);

Status WriteQuantizationLog(const std::string& dir, const QuantizationLog& log, const QuantizationConfig& config,
                            const Graph& float_graph, const Graph& prepared_graph, const Graph& quantized_graph);

}  // namespace xquant::quantize
