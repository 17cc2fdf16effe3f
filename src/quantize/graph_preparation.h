// Graph preparation: the merges done before statistics, each exact in float arithmetic up to
// rounding (the merged model computes what the original did):
//   bn_fold              Conv -> BatchNormalization: W' = W * k, b' = (b - mean) * k + beta with
//                        k = gamma / sqrt(var + eps) per output channel. Node "<conv>_bn".
//   linear_collapsing    Conv (group 1) -> 1x1 Conv (group 1, stride 1, no padding):
//                        W[o,c] = sum_m W2[o,m] W1[m,c], b = W2 b1 + b2. Node "<conv>_collapsed".
//   residual_collapsing  Add(Conv(x), x) where the Conv keeps the shape (group 1, C_in = C_out,
//                        stride 1, dilation 1, odd kernel, "same" padding): the identity is added
//                        to the kernel centre, W[o,o,centre] += 1. Node "<conv>_collapsed".
// A merge applies only when the intermediate tensor has no other reader and is not a graph output.
// Each merge is recorded with the names of the original float layers (the first layer keeps its
// original name through successive merges).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xquant/graph.h"
#include "xquant/quantize.h"

namespace xquant::quantize {

struct PreparationState {
  std::vector<LayerMerge> merges;
  // Current node name -> the original float node it started as.
  std::map<std::string, std::string> origin;

  std::string OriginOf(const std::string& node) const {
    auto it = origin.find(node);
    return it == origin.end() ? node : it->second;
  }
};

// Each pass repeats until nothing more matches; returns the number of merges done.
StatusOr<int> FoldBatchNormalization(Graph* graph, PreparationState* state);
StatusOr<int> CollapseLinear(Graph* graph, PreparationState* state);
StatusOr<int> CollapseResidual(Graph* graph, PreparationState* state);

// All passes in MCT's order (BN folding always; collapsing as switched).
Status PrepareGraph(Graph* graph, bool linear_collapsing, bool residual_collapsing, PreparationState* state);

}  // namespace xquant::quantize
