// Weights: symmetric per output channel, any width 2..16, and the corrections that adjust a
// layer's bias around the quantized weights.
//
// Layouts of the weighted layers (input 1 is the constant weight):
//   Conv     W[M, C/group, k...]  output channel axis 0, input channel g*C/group + c
//   Gemm     B[K, N] (transB = 0) axis 1; B[N, K] (transB = 1) axis 0; input channel k
//   MatMul   B[K, N] (rank 2)     axis 1; input channel k
#pragma once

#include <vector>

#include "xquant/graph.h"
#include "xquant/quantize.h"

namespace xquant::quantize {

// The output-channel axis of node's weight, or -1 when the node is not a weighted layer xquant
// quantizes (op, weight rank or attributes not handled).
int WeightAxis(const Graph& graph, const Node& node);

struct QuantizedWeights {
  int bits = 8;
  int axis = 0;
  Tensor codes;        // int8 for bits <= 8, else int32; W's shape
  Tensor dequantized;  // float32 codes * scale: what the quantized model computes with
  std::vector<double> thresholds;
  std::vector<double> scales;
};

// Chooses each channel's threshold by config.weights_error_method (scan of max|w| * r, r from 1
// down to 0.3; power-of-two: t0 / 2^i) and quantizes.
QuantizedWeights QuantizeWeights(const Tensor& w, int axis, int bits, const QuantizationConfig& config);

// Per output channel o: sum over the weights of o of (w_after - w_before) * input_mean[in channel],
// the expected shift of the layer's output caused by replacing w_before by w_after when the input
// has these per-channel means. With w_after = the quantized weights, this is what bias correction
// subtracts. `input_mean` may be empty (zeros).
std::vector<double> ExpectedOutputShift(const Node& node, const Tensor& w_before, const Tensor& w_after, int axis,
                                        const std::vector<double>& input_mean);

// Per output channel o: the sum of o's weights (the output change when every input channel is
// shifted by 1: the shift-negative compensation).
std::vector<double> OutputChannelSums(const Tensor& w, int axis);

}  // namespace xquant::quantize
