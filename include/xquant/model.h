// Loading a model: an ONNX file becomes a Model whose graph the executor can run.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xquant/graph.h"
#include "xquant/status.h"

namespace xquant {

struct Model {
  std::string path;
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::vector<std::pair<std::string, std::string>> metadata_props;
  Graph graph;
};

struct LoadOptions {
  // Report op types that xquant's executor has no kernel for as load errors. Tools that only
  // inspect a model (xquant info) turn this off.
  bool require_supported_ops = true;
};

// Reads an ONNX file (with external data beside it). Every problem found is listed in one error:
// not ONNX / truncated, missing initializers or producers, cycles, an empty graph, control flow,
// and each unsupported op type with the first node that uses it.
StatusOr<std::shared_ptr<const Model>> LoadModel(const std::string& path, const LoadOptions& options = {});

// Same, from bytes already in memory; `base_dir` is where external data files are looked up.
StatusOr<std::shared_ptr<const Model>> LoadModelFromBytes(const std::string& bytes, const std::string& base_dir,
                                                          const LoadOptions& options = {});

// The op types (domain-qualified as "domain::Op" outside the default domain) the executor runs.
std::vector<std::string> SupportedOps();

}  // namespace xquant
