// `xquant info MODEL.onnx`: what is in a model — opsets, inputs and outputs, op histogram, and
// every quantized tensor with its type, scale, zero point and axis.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "commands.h"
#include "xquant/model.h"

namespace xquant::cli {
namespace {

std::string DescribeShape(const Value& v) {
  if (!v.shape) return "[?]";
  std::string s = "[";
  for (size_t i = 0; i < v.shape->size(); ++i) {
    const Dim& d = (*v.shape)[i];
    s += (i ? ", " : "") + (d.known() ? std::to_string(d.value) : (d.symbol.empty() ? std::string("?") : d.symbol));
  }
  return s + "]";
}

// "0.0123" for one value, "per-axis x64 [0.001 .. 0.05]" for many.
std::string DescribeValues(const Tensor* t) {
  if (!t) return "-";
  if (t->size() == 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", t->GetAsDouble(0));
    return buf;
  }
  double lo = t->GetAsDouble(0), hi = lo;
  for (int64_t i = 1; i < t->size(); ++i) {
    lo = std::min(lo, t->GetAsDouble(i));
    hi = std::max(hi, t->GetAsDouble(i));
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, "x%lld [%.6g .. %.6g]", static_cast<long long>(t->size()), lo, hi);
  return buf;
}

// The constant behind `id`, looking through the Identity and Cast nodes exporters put in front
// of scales and zero points; nullptr when it is computed from the data.
const Tensor* ResolveConstant(const Graph& g, ValueId id) {
  while (id != kNoValue) {
    const Value& v = g.values[id];
    if (v.constant) return &*v.constant;
    if (v.producer == kNoNode) return nullptr;
    const Node& p = g.nodes[v.producer];
    if (!p.domain.empty() || (p.op_type != "Identity" && p.op_type != "Cast") || p.inputs.empty()) return nullptr;
    id = p.inputs[0];
  }
  return nullptr;
}

int RunInfo(const std::string& path) {
  LoadOptions options;
  options.require_supported_ops = false;  // inspecting needs no kernels; unsupported ops are listed
  auto loaded = LoadModel(path, options);
  if (!loaded.ok()) {
    std::fprintf(stderr, "xquant info: %s\n", loaded.status().message().c_str());
    return kExitFailure;
  }
  const Model& model = **loaded;
  const Graph& g = model.graph;
  std::printf("model      %s\n", path.c_str());
  std::printf("producer   %s %s (IR version %lld)\n", model.producer_name.c_str(), model.producer_version.c_str(),
              static_cast<long long>(model.ir_version));
  std::printf("opsets    ");
  for (const auto& [domain, version] : g.opset_imports)
    std::printf(" %s=%lld", domain.empty() ? "ai.onnx" : domain.c_str(), static_cast<long long>(version));
  std::printf("\n");
  for (const auto& [key, value] : model.metadata_props) std::printf("metadata   %s = %s\n", key.c_str(), value.c_str());

  std::printf("\ninputs\n");
  for (ValueId v : g.inputs)
    std::printf("  %-32s %-8s %s\n", g.values[v].name.c_str(), DataTypeName(g.values[v].dtype).c_str(), DescribeShape(g.values[v]).c_str());
  std::printf("outputs\n");
  for (ValueId v : g.outputs)
    std::printf("  %-32s %-8s %s\n", g.values[v].name.c_str(), DataTypeName(g.values[v].dtype).c_str(), DescribeShape(g.values[v]).c_str());

  std::map<std::string, int> histogram;
  for (const Node& n : g.nodes) ++histogram[n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type];
  size_t constants = 0;
  for (const Value& v : g.values) constants += v.constant.has_value();
  std::printf("\nops (%zu nodes, %zu constant tensors)\n", g.nodes.size(), constants);
  std::vector<std::pair<int, std::string>> sorted;
  for (const auto& [op, count] : histogram) sorted.emplace_back(-count, op);
  std::sort(sorted.begin(), sorted.end());
  const auto supported = SupportedOps();
  for (const auto& [count, op] : sorted) {
    const bool ok = std::binary_search(supported.begin(), supported.end(), op);
    std::printf("  %-28s %5d%s\n", op.c_str(), -count, ok ? "" : "   (not supported by the executor)");
  }

  // Quantized tensors: an activation per QuantizeLinear (its input), a weight or bias per
  // DequantizeLinear whose input is a constant. DequantizeLinears fed by a QuantizeLinear (often
  // through exporter clutter such as Cast) belong to that QuantizeLinear's line.
  int quantized = 0;
  for (const Node& n : g.nodes) {
    const bool is_q = n.op_type == "QuantizeLinear";
    if (!is_q && n.op_type != "DequantizeLinear") continue;
    const Tensor* data = ResolveConstant(g, n.inputs.empty() ? kNoValue : n.inputs[0]);
    if (!is_q && !data) continue;
    if (quantized++ == 0)
      std::printf("\nquantized tensors (kind, tensor, type, scale, zero point, axis)\n");
    const Tensor* scale = ResolveConstant(g, n.inputs.size() > 1 ? n.inputs[1] : kNoValue);
    const Tensor* zp = ResolveConstant(g, n.inputs.size() > 2 ? n.inputs[2] : kNoValue);
    const std::string type = is_q ? (zp ? DataTypeName(zp->dtype()) : "uint8") : DataTypeName(data->dtype());
    const bool per_axis = scale && scale->size() > 1;
    const char* kind = is_q ? "activation" : (data->dtype() == DataType::kInt32 ? "bias" : "weight");
    const std::string tensor = is_q ? g.values[n.inputs[0]].name : g.values[n.outputs[0]].name;
    std::printf("  %-10s %-40s %-6s scale %-32s zp %-16s %s\n", kind, tensor.c_str(), type.c_str(),
                DescribeValues(scale).c_str(), DescribeValues(zp).c_str(),
                per_axis ? ("axis " + std::to_string(n.GetInt("axis", 1))).c_str() : "per-tensor");
  }
  if (quantized == 0) std::printf("\nno QuantizeLinear/DequantizeLinear nodes: a float model\n");
  return kExitOk;
}

}  // namespace

void AddInfoCommand(CLI::App& app, std::function<int()>* run) {
  auto* cmd = app.add_subcommand("info", "Describe a model: opsets, inputs/outputs, ops, quantized tensors");
  auto path = std::make_shared<std::string>();
  cmd->add_option("model", *path, "ONNX model file")->required();
  cmd->callback([run, path] { *run = [path] { return RunInfo(*path); }; });
}

}  // namespace xquant::cli
