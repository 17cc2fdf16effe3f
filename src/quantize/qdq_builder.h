// The quantized model: the prepared float graph with QuantizeLinear/DequantizeLinear inserted.
//
//   activation v (8 bits):  v -> QuantizeLinear(scale, zp) -> DequantizeLinear -> readers of v
//   activation v (< 8 bits): QuantizeLinear -> Clip(qmin, qmax) -> DequantizeLinear (QCDQ)
//   shift-negative:          v -> Add(shift) -> QuantizeLinear(uint8) -> ... ; the reading layer's
//                            bias absorbs -shift * sum(W_q) per output channel
//   weights:                 int8 (<= 8 bits) or int32 (> 8 bits) initializer [-> Clip when < 8 bits]
//                            -> DequantizeLinear(per-axis scale, axis = output channel)
//   bias:                    int32 initializer -> DequantizeLinear(scale s_in * s_w[o], axis 0),
//                            when the input's grid is known; else float
// A graph output keeps its name: it becomes the output of the last DequantizeLinear and the float
// tensor before it is renamed "<name>_float".
#pragma once

#include <vector>

#include "quantize/plan.h"
#include "quantize/weight_quantization.h"
#include "xquant/graph.h"

namespace xquant::quantize {

// `weights[i]` are the quantized weights of `layers[i]`. Appends to `log` what was built.
StatusOr<Graph> BuildQdqGraph(const Graph& prepared, const std::vector<ActivationPlan>& activations,
                              const std::vector<LayerPlan>& layers, const std::vector<const QuantizedWeights*>& weights,
                              const QuantizationConfig& config, QuantizationLog* log);

}  // namespace xquant::quantize
