#include "troubleshoot/quantization_log_reader.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_util.h"

namespace xquant::troubleshoot {
namespace {

using nlohmann::json;

// A string field of `entry`, or an error naming the list, the index and the field.
Status ReadString(const json& entry, const char* field, const std::string& where, std::string* out) {
  if (!entry.is_object() || !entry.contains(field) || !entry[field].is_string())
    return InvalidArgumentError(where + " has no string field \"" + field + "\"");
  *out = entry[field].get<std::string>();
  return Status::Ok();
}

Status ReadBits(const json& entry, const std::string& where, int* out) {
  if (!entry.is_object() || !entry.contains("bits") || !entry["bits"].is_number_integer())
    return InvalidArgumentError(where + " has no integer field \"bits\"");
  const int64_t bits = entry["bits"].get<int64_t>();
  if (bits < 1 || bits > 32) return InvalidArgumentError(where + ": bits " + std::to_string(bits) + " is not in 1..32");
  *out = static_cast<int>(bits);
  return Status::Ok();
}

}  // namespace

StatusOr<QuantizationLogView> ReadQuantizationLog(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return NotFoundError("--quantization-log '" + dir + "' is not a directory (give the folder that `xquant quantize "
                         "--log-dir` wrote)");
  const fs::path path = fs::path(dir) / "quantization_log.json";
  if (!fs::exists(path, ec)) {
    if (fs::is_directory(fs::path(dir) / "tensorboard_logs", ec))
      return InvalidArgumentError("--quantization-log '" + dir + "' holds TensorBoard runs but no quantization_log.json: "
                                  "MCT's own log folders are not read (their graphs are only in TensorBoard events); "
                                  "quantize with `xquant quantize --log-dir` to get a log troubleshoot can use");
    return NotFoundError("--quantization-log '" + dir + "' has no quantization_log.json (give the folder that "
                         "`xquant quantize --log-dir` wrote)");
  }
  XQ_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path.string()));
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string file = path.string();
  if (doc.is_discarded() || !doc.is_object())
    return InvalidArgumentError("quantization log '" + file + "' is not a JSON object");

  QuantizationLogView view;
  view.path = file;
  auto list = [&](const char* key) -> StatusOr<const json*> {
    if (!doc.contains(key)) return static_cast<const json*>(nullptr);
    if (!doc[key].is_array()) return InvalidArgumentError("quantization log '" + file + "': \"" + key + "\" is not a list");
    return &doc[key];
  };
  XQ_ASSIGN_OR_RETURN(const json* merges, list("merges"));
  for (size_t k = 0; merges && k < merges->size(); ++k) {
    const std::string where = "quantization log '" + file + "': merges[" + std::to_string(k) + "]";
    LoggedMerge m;
    XQ_RETURN_IF_ERROR(ReadString((*merges)[k], "kind", where, &m.kind));
    XQ_RETURN_IF_ERROR(ReadString((*merges)[k], "merged", where, &m.merged));
    XQ_RETURN_IF_ERROR(ReadString((*merges)[k], "first", where, &m.first));
    XQ_RETURN_IF_ERROR(ReadString((*merges)[k], "second", where, &m.second));
    view.merges.push_back(std::move(m));
  }
  XQ_ASSIGN_OR_RETURN(const json* activations, list("activations"));
  for (size_t k = 0; activations && k < activations->size(); ++k) {
    const std::string where = "quantization log '" + file + "': activations[" + std::to_string(k) + "]";
    std::string tensor, node;
    int bits = 0;
    XQ_RETURN_IF_ERROR(ReadString((*activations)[k], "tensor", where, &tensor));
    XQ_RETURN_IF_ERROR(ReadBits((*activations)[k], where, &bits));
    view.activation_bits_by_tensor[tensor] = bits;
    if ((*activations)[k].contains("node") && (*activations)[k]["node"].is_string()) {
      node = (*activations)[k]["node"].get<std::string>();
      if (!node.empty()) view.activation_bits_by_node[node] = bits;
    }
  }
  XQ_ASSIGN_OR_RETURN(const json* weights, list("weights"));
  for (size_t k = 0; weights && k < weights->size(); ++k) {
    const std::string where = "quantization log '" + file + "': weights[" + std::to_string(k) + "]";
    std::string node;
    int bits = 0;
    XQ_RETURN_IF_ERROR(ReadString((*weights)[k], "node", where, &node));
    XQ_RETURN_IF_ERROR(ReadBits((*weights)[k], where, &bits));
    view.weight_bits_by_node[node] = bits;
  }
  if (!merges && !activations && !weights)
    return InvalidArgumentError("quantization log '" + file + "' has none of \"merges\", \"activations\", \"weights\": "
                                "is it a quantization_log.json written by `xquant quantize`?");
  return view;
}

}  // namespace xquant::troubleshoot
