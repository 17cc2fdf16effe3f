// ONNX file -> Model. Protobuf stays inside src/onnx/.
#pragma once

#include <string>
#include <vector>

#include "xquant/model.h"
#include "xquant/status.h"

namespace xquant::onnx_import {

// Parses `bytes` as an ONNX ModelProto and converts it into `model`. Returns an error only when
// nothing sensible can be built (not ONNX, truncated). Every other problem (missing initializer,
// cycle, empty graph, control flow, malformed tensors) is appended to `problems`, one line each,
// so the caller can report them all at once.
Status ParseModel(const std::string& bytes, const std::string& origin, const std::string& base_dir, Model* model,
                  std::vector<std::string>* problems);

}  // namespace xquant::onnx_import
