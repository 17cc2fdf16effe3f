// Pairing the quantization points of a quantized model with the float model's tensors.
//
// A quantization point is an activation tensor x of the quantized graph that enters a quantizer
// record (xquant/quantization.h): x -> Q -> [Cast/Identity/Clip] -> DQ -> y, or a single
// fake-quant op of another dialect (MCT, QONNX, FakeQuantize: x -> op -> y). Its float partner is the float tensor the next layer consumes in the float model. Pairing walks the
// quantized graph in topological order and matches each compute node with a float node:
//  - same op type, and data inputs that are (through the float side's foldable ops:
//    BatchNormalization, Relu, Clip, LeakyRelu, Identity, Dropout, Cast) the float partners of
//    the quantized node's inputs — so BatchNormalization folded into a conv, activations fused
//    into it and exporter clutter (Identity, Cast, Reshape around QDQ) do not break the walk;
//  - among several candidates: equal names first, then weights (equal shape, per-output-channel
//    |cosine| of float vs dequantized weights, which BN folding leaves near 1);
//  - where the walk has no mapped input (another tool's structure), weighted layers are matched
//    by op type, weight shape and weight correlation in topological order.
// A mapping file can pin any pair. Every pair carries its method and a confidence in [0, 1].
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "xquant/graph.h"
#include "xquant/report.h"
#include "xquant/status.h"

namespace xquant::analysis {

struct UnpairedPoint {
  std::string quant_tensor;  // the tensor entering the quantizer
  std::string reason;
};

struct Alignment {
  std::vector<ComparePoint> points;  // quantized graph order
  std::vector<UnpairedPoint> unpaired;
  // (float output, quantized output) pairs: by name, else by position.
  std::vector<std::pair<std::string, std::string>> outputs;
};

// (quantized tensor, float tensor) pairs that override the automatic pairing. The quantized
// tensor is the one entering a quantizer, or the dequantized one after it.
using TensorMapping = std::vector<std::pair<std::string, std::string>>;

// Reads {"pairs": [{"quantized": "...", "float": "..."}, ...]}.
StatusOr<TensorMapping> LoadTensorMapping(const std::string& path);

// Both graphs as prepared by a Session (constants folded, so dequantized weights are constants).
StatusOr<Alignment> AlignGraphs(const Graph& float_graph, const Graph& quant_graph, const TensorMapping& mapping = {});

}  // namespace xquant::analysis
