// Questions the analysis and the judges ask about the quantizer records (xquant/quantization.h)
// of one graph: which record quantizes a layer's weight, which quantizers feed a node.
#pragma once

#include <vector>

#include "xquant/graph.h"
#include "xquant/quantization.h"

namespace xquant::analysis {

struct FindOptions {
  // Look for float weights baked onto a grid. Off for session-prepared graphs, where every folded
  // weight is a float constant and the quantizer that made it is already a record of its own.
  bool detect_grids = true;
};
std::vector<QuantizerRecord> FindQuantizers(const Graph& graph, const FindOptions& options);

// The weight of a weighted node (Conv, ConvTranspose, Gemm: input 1; MatMul: input 1, else 0),
// followed up through layout ops (Transpose, Reshape, Identity, ...).
struct LayerWeight {
  bool found = false;                        // the node has a weight computed from constants only
  const QuantizerRecord* record = nullptr;   // its quantizer (or grid), nullptr for plain float weights
  const Tensor* float_constant = nullptr;    // the constant when it is not quantized
};
LayerWeight WeightOfLayer(const Graph& graph, const std::vector<QuantizerRecord>& records, const Node& node);

// The weighted node whose output reaches `value` going up through at most a few single-data-input
// ops (Relu, Clip, BatchNormalization, Identity, ...), or nullptr.
const Node* WeightedProducer(const Graph& graph, ValueId value);

// True for Conv, ConvTranspose, Gemm and MatMul in the default domain.
bool IsWeightedOpType(const Node& node);

}  // namespace xquant::analysis
