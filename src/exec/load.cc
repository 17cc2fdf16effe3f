// LoadModel: parse (src/onnx) + check every op against the kernel registry, all problems at once.
#include <filesystem>
#include <map>
#include <set>

#include "common/file_util.h"
#include "exec/registry.h"
#include "onnx/loader.h"
#include "xquant/model.h"

namespace xquant {
namespace {

constexpr char kNoKernelMarker[] = "no kernel for op";

std::string QualifiedOp(const std::string& domain, const std::string& op_type) {
  return domain.empty() ? op_type : domain + "::" + op_type;
}

// Appends one line per unsupported op type, naming the first node that uses it.
void CheckSupportedOps(const Graph& graph, std::vector<std::string>* problems) {
  std::map<std::string, std::pair<std::string, int>> unsupported;  // op -> (first node, count)
  for (const Node& node : graph.nodes) {
    if (node.domain.empty() && (node.op_type == "If" || node.op_type == "Loop" || node.op_type == "Scan"))
      continue;  // reported by the loader as out of scope
    if (exec::FindKernel(node.domain, node.op_type)) continue;
    auto& entry = unsupported[QualifiedOp(node.domain, node.op_type)];
    if (entry.second++ == 0) entry.first = node.name;
  }
  for (const auto& [op, use] : unsupported)
    problems->push_back(std::string(kNoKernelMarker) + " '" + op + "' (first used by node '" + use.first + "'" +
                        (use.second > 1 ? ", " + std::to_string(use.second) + " nodes in all" : std::string()) + ")");
}

Status CollectProblems(const std::string& origin, const std::vector<std::string>& problems) {
  if (problems.empty()) return Status::Ok();
  std::string message = "cannot load '" + origin + "': " + std::to_string(problems.size()) +
                        (problems.size() == 1 ? " problem" : " problems");
  for (const std::string& p : problems) message += "\n  - " + p;
  // Unknown ops and control flow are valid ONNX that xquant does not run; the rest is malformed.
  bool only_unsupported = true;
  for (const std::string& p : problems)
    if (p.find(kNoKernelMarker) == std::string::npos && p.find("out of scope") == std::string::npos &&
        p.find("cannot hold") == std::string::npos && p.find("xquant handles") == std::string::npos)
      only_unsupported = false;
  return Status(only_unsupported ? StatusCode::kNotSupported : StatusCode::kInvalidArgument, message);
}

StatusOr<std::shared_ptr<const Model>> LoadModelImpl(const std::string& bytes, const std::string& origin,
                                                     const std::string& base_dir, const LoadOptions& options) {
  auto model = std::make_shared<Model>();
  model->path = origin;
  std::vector<std::string> problems;
  XQ_RETURN_IF_ERROR(onnx_import::ParseModel(bytes, origin, base_dir, model.get(), &problems));
  if (options.require_supported_ops) CheckSupportedOps(model->graph, &problems);
  XQ_RETURN_IF_ERROR(CollectProblems(origin, problems));
  return std::shared_ptr<const Model>(std::move(model));
}

}  // namespace

std::vector<std::string> SupportedOps() {
  std::set<std::string> ops;
  for (const auto& def : exec::AllKernels()) ops.insert(QualifiedOp(def.domain, def.op_type));
  return {ops.begin(), ops.end()};
}

StatusOr<std::shared_ptr<const Model>> LoadModel(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return InvalidArgumentError("'" + path + "' is a directory, not an ONNX file");
  XQ_ASSIGN_OR_RETURN(std::string bytes, ReadFileToString(path));
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  if (base_dir.empty()) base_dir = ".";
  return LoadModelImpl(bytes, path, base_dir, options);
}

StatusOr<std::shared_ptr<const Model>> LoadModelFromBytes(const std::string& bytes, const std::string& base_dir,
                                                          const LoadOptions& options) {
  return LoadModelImpl(bytes, "<memory>", base_dir, options);
}

}  // namespace xquant
