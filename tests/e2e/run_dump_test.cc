// `xquant run --dump DIR` on the bundled QDQ example: every intermediate tensor lands in DIR, the
// ones the run produces and the ones folded at preparation (dequantized weights), each once, listed
// in index.tsv; a dumped dequantized weight equals (q - zero_point) * scale computed here from the
// file's initializers.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "xquant/model.h"
#include "xquant/npy.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;

int RunCli(const std::string& args) {
  const int status = std::system((std::string(XQ_CLI_PATH) + " " + args + " > /dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(RunDump, WritesEveryIntermediateTensorOnceWithTheFoldedWeights) {
  const std::string model_path = std::string(XQ_SOURCE_DIR) + "/examples/tiny_cnn_qdq.onnx";
  auto model = LoadModel(model_path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const Graph& g = (*model)->graph;
  ASSERT_EQ(g.inputs.size(), 1u);

  const fs::path dir = fs::temp_directory_path() / ("xquant_run_dump_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::vector<int64_t> shape;
  for (const Dim& d : *g.values[g.inputs[0]].shape) shape.push_back(d.value > 0 ? d.value : 2);
  Tensor x(DataType::kFloat32, shape);
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>((k * 37) % 101) / 50.0f - 1.0f;
  ASSERT_TRUE(WriteNpy((dir / "x.npy").string(), x).ok());
  ASSERT_EQ(RunCli("run " + model_path + " --input " + (dir / "x.npy").string() + " --dump " + (dir / "dump").string()),
            0);

  // index.tsv: one row per file, each tensor once.
  std::ifstream index(dir / "dump" / "index.tsv");
  ASSERT_TRUE(index) << "no index.tsv";
  std::string line;
  std::getline(index, line);
  EXPECT_EQ(line, "file\ttensor\tnode\top_type\tdtype\tshape");
  std::map<std::string, std::string> file_of;  // tensor -> file
  while (std::getline(index, line)) {
    std::istringstream fields(line);
    std::string file, tensor;
    std::getline(fields, file, '\t');
    std::getline(fields, tensor, '\t');
    EXPECT_TRUE(fs::exists(dir / "dump" / file)) << file;
    EXPECT_TRUE(file_of.emplace(tensor, file).second) << tensor << " dumped twice";
  }
  // Every node output of the file is there.
  int weights_checked = 0;
  for (const Node& node : g.nodes)
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      const std::string& name = g.values[out].name;
      ASSERT_TRUE(file_of.count(name)) << name << " (" << node.Describe() << ") was not dumped";
      // A DequantizeLinear of an initializer: folded, and exactly (q - zp) * scale.
      if (node.op_type != "DequantizeLinear" || !g.values[node.inputs[0]].constant) continue;
      EXPECT_NE(file_of[name].find("_folded_"), std::string::npos) << file_of[name];
      const Tensor& q = *g.values[node.inputs[0]].constant;
      const Tensor& scale = *g.values[node.inputs[1]].constant;
      if (q.dtype() != DataType::kInt8) continue;  // int8 weights checked here (biases are int32)
      const Tensor* zero_point = node.inputs.size() > 2 && node.inputs[2] != kNoValue
                                     ? &*g.values[node.inputs[2]].constant : nullptr;
      // Per tensor, or per channel along `axis` (default 1).
      int64_t axis = 1;
      if (const Attribute* a = node.FindAttribute("axis")) axis = a->i;
      if (axis < 0) axis += static_cast<int64_t>(q.shape().size());
      int64_t inner = 1;
      for (size_t d = static_cast<size_t>(axis) + 1; d < q.shape().size(); ++d) inner *= q.shape()[d];
      auto dumped = ReadNpy((dir / "dump" / file_of[name]).string());
      ASSERT_TRUE(dumped.ok()) << dumped.status().message();
      ASSERT_EQ(dumped->size(), q.size());
      for (int64_t k = 0; k < q.size(); ++k) {
        const int64_t c = scale.size() == 1 ? 0 : (k / inner) % q.shape()[axis];
        const int zp = zero_point ? zero_point->data<int8_t>()[c] : 0;
        ASSERT_EQ(dumped->data<float>()[k], static_cast<float>(q.data<int8_t>()[k] - zp) * scale.data<float>()[c])
            << name << " " << k;
      }
      ++weights_checked;
    }
  EXPECT_EQ(file_of.size(), [&] {
    size_t n = 0;
    for (const Node& node : g.nodes)
      for (ValueId out : node.outputs) n += out != kNoValue;
    return n;
  }()) << "tensors that are not node outputs were dumped";
  EXPECT_GT(weights_checked, 0) << "the example has int8 weights behind DequantizeLinear";
  std::printf("dumped %zu tensors; %d int8 dequantized weights checked\n", file_of.size(), weights_checked);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace xquant
