// `xquant info MODEL.onnx`: what is in a model — opsets, metadata_props (MCT writes mctq_version,
// mct_version, tpc_name, ...), inputs and outputs, op histogram, and one line per quantizer
// record (any dialect) with its bits, sign, granularity, scale, zero point and range.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "commands.h"
#include "xquant/model.h"
#include "xquant/quantization.h"

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

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "0.0123" for one value, "x64 [0.001 .. 0.05]" for many.
template <typename T>
std::string DescribeValues(const std::vector<T>& values) {
  if (values.empty()) return "-";
  if (values.size() == 1) return Number(static_cast<double>(values[0]));
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return "x" + std::to_string(values.size()) + " [" + Number(static_cast<double>(*lo)) + " .. " +
         Number(static_cast<double>(*hi)) + "]";
}

// One quantizer record on one line: kind, tensor, dialect, bits (and the container's), sign,
// narrow, granularity, scale and zero point, representable range.
void PrintRecord(const Graph& g, const QuantizerRecord& r) {
  const QuantizationInfo& q = r.info;
  const std::string tensor = r.pre == kNoValue ? "?" : g.values[r.pre].name;
  std::string bits = std::to_string(q.bits) + "-bit";
  if (q.container_bits != q.bits) bits += " in " + (q.dtype != DataType::kUndefined ? DataTypeName(q.dtype) : std::to_string(q.container_bits) + "-bit");
  if (q.bits_used > 0 && q.bits_used < q.bits) bits += ", codes use " + std::to_string(q.bits_used);
  std::string granularity = "per-tensor";
  if (q.block_size > 0)
    granularity = "axis " + std::to_string(q.axis) + " block " + std::to_string(q.block_size);
  else if (q.axis >= 0)
    granularity = "axis " + std::to_string(q.axis);
  std::printf("  %-10s %-36s %-22s %-22s %-8s %-6s %-14s scale %-28s zp %-16s range [%s, %s]\n",
              QuantizedKindName(r.kind), tensor.c_str(), q.dialect.c_str(), bits.c_str(),
              q.is_signed ? "signed" : "unsigned", q.narrow ? "narrow" : "full", granularity.c_str(),
              DescribeValues(q.scale).c_str(), DescribeValues(q.zero_point).c_str(), Number(q.range_min).c_str(),
              Number(q.range_max).c_str());
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

  // One line per quantizer record, whatever the dialect (xquant/quantization.h).
  const std::vector<QuantizerRecord> records = FindQuantizers(g);
  if (records.empty()) {
    std::printf("\nno quantizers (QDQ, QCDQ, MCT, QONNX, FakeQuantize or grid weights): a float model\n");
  } else {
    std::printf("\nquantized tensors (%zu; kind, tensor, dialect, bits, sign, narrow, granularity, scale, zero point, "
                "representable range)\n",
                records.size());
    for (const QuantizerRecord& r : records) PrintRecord(g, r);
  }
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
