// Scaling equalization through a concatenation: the unbalanced-concatenation judge's advice
// ("recommended scaling: smaller input * r") applied as an exact rewrite of the float model.
//
// The smaller Concat input is traced up through positively homogeneous ops (f(s x) = s f(x) for
// s > 0: Relu, LeakyRelu, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, Identity,
// Dropout, Clip with bounds 0 and none) to the linear layer that makes it (Conv, Gemm, MatMul with
// constant weights), whose weights and bias are multiplied by s. The Concat output is traced down
// through the same ops (per channel: the pools need the channel axis 1) and Flatten(axis 1) to
// every consuming Conv (group 1), Gemm or MatMul, whose weights for the scaled channel slice are
// divided by s. The function of the model is unchanged up to float rounding; the tensors in
// between carry the scaled slice multiplied by s, so both Concat inputs span comparable ranges
// under one scale.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "xquant/model.h"
#include "xquant/report.h"
#include "xquant/status.h"

namespace xquant::fix {

struct ConcatScaling {
  std::shared_ptr<const Model> model;           // the rewritten copy (the input model is not touched)
  std::string concat;                           // the Concat node
  std::string scaled_input;                     // its input tensor that was scaled
  double factor = 1.0;                          // s
  int64_t channel_begin = 0, channel_end = 0;   // the scaled slice of the Concat output (its axis)
  std::vector<std::string> scaled_layers;       // weights and bias multiplied by s
  std::vector<std::string> compensated_layers;  // weights of the slice's input channels divided by s
  // One line per change, e.g. "Conv 'conv_small': weights and bias * 189".
  std::vector<std::string> changes;
  // Every tensor of the rewritten model that carries the factor (the path from the scaled layer to
  // the Concat: whole; from the Concat to the compensating layers: the slice), for measuring the
  // rewritten model in the original's units (ReportOptions::compare_rescales).
  std::vector<CompareRescale> scaled_tensors;
};

// Rewrites a copy of `model` so that the tensor `input` (an input of a Concat; with `other` given,
// the Concat that also reads `other`) is multiplied by `factor` (> 0) and every consumer of the
// Concat output compensates. NotSupported, naming the node and the reason, when a path cannot be
// compensated exactly (a Sigmoid after the Concat, a Concat input read elsewhere, an Add, ...).
StatusOr<ConcatScaling> ScaleConcatInput(const Model& model, const std::string& input, const std::string& other,
                                         double factor);

}  // namespace xquant::fix
