// An xquant model graph as a TensorBoard GraphDef.
//
// Every node of the graph becomes a NodeDef with its op type, its ONNX attributes and the shapes
// of its outputs. Values nobody in the graph produces get a node of their own so that every edge
// has a source: graph inputs become "Placeholder" nodes and constants (initializers, and the
// outputs of Constant nodes, which the loader folds into values) become "Const" nodes, each named
// after its value. Names are made TensorBoard-safe (see SanitizeNodeName) and unique.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/tensorboard/event_writer.h"
#include "xquant/graph.h"

namespace xquant::tensorboard {

struct ModelGraphDef {
  GraphDef graph_def;
  // For every ValueId of the graph: the index in graph_def.nodes of the node that produces it
  // (its op node, Placeholder or Const), or -1 for values that are never used nor produced.
  std::vector<int> value_producer;
};

ModelGraphDef BuildModelGraphDef(const Graph& graph);

// TensorBoard splits node names at '/' into nested boxes and reads "name:k" in inputs as output k
// of "name", so names keep only [A-Za-z0-9_.>/-] (others become '_'), lose leading, trailing and
// repeated '/', and an empty result becomes "unnamed". "/layer1/Conv" -> "layer1/Conv",
// "onnx::Mul_5" -> "onnx__Mul_5".
std::string SanitizeNodeName(std::string_view name);

}  // namespace xquant::tensorboard
