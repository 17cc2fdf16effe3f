// Broken inputs: each gives its own clear message and a non-zero exit code, never a crash.
// The corpus is written by tests/fixtures/make_bad_models.py (a ctest fixture) into XQ_BAD_DIR.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "xquant/model.h"
#include "xquant/npy.h"
#include "xquant/session.h"

namespace xquant {
namespace {

const std::string kDir = XQ_BAD_DIR;

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr
};

CommandResult RunCli(const std::string& args) {
  const std::string command = std::string(XQ_CLI_PATH) + " " + args + " 2>&1";
  CommandResult result{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

struct LoadCase {
  const char* file;
  StatusCode code;
  std::vector<const char*> phrases;  // all must appear in the message
};

class BrokenModel : public ::testing::TestWithParam<LoadCase> {};

TEST_P(BrokenModel, IsRefusedWithItsOwnMessage) {
  const LoadCase& c = GetParam();
  auto model = LoadModel(kDir + "/" + c.file);
  ASSERT_FALSE(model.ok()) << c.file << " loaded";
  EXPECT_EQ(model.status().code(), c.code) << model.status().ToString();
  for (const char* phrase : c.phrases)
    EXPECT_NE(model.status().message().find(phrase), std::string::npos)
        << c.file << ": message lacks '" << phrase << "':\n" << model.status().message();

  // The command line says the same and exits with 1, not a crash.
  CommandResult cli = RunCli("run " + kDir + "/" + c.file + " --input " + kDir + "/input_ok.npy");
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  for (const char* phrase : c.phrases) EXPECT_NE(cli.output.find(phrase), std::string::npos) << cli.output;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, BrokenModel,
    ::testing::Values(
        LoadCase{"not_onnx.onnx", StatusCode::kCorruption, {"not_onnx.onnx", "is not an ONNX model"}},
        LoadCase{"random_bytes.onnx", StatusCode::kCorruption, {"is not an ONNX model"}},
        LoadCase{"empty_file.onnx", StatusCode::kCorruption, {"is empty"}},
        LoadCase{"truncated.onnx", StatusCode::kCorruption, {"truncated"}},
        LoadCase{"missing_initializer.onnx", StatusCode::kInvalidArgument, {"Conv 'conv' input 1 'w' is missing"}},
        LoadCase{"cycle.onnx", StatusCode::kInvalidArgument, {"cycle", "Add 'add'", "Relu 'relu'"}},
        LoadCase{"empty_graph.onnx", StatusCode::kInvalidArgument, {"the graph is empty", "no outputs"}},
        LoadCase{"control_flow.onnx", StatusCode::kNotSupported, {"If 'the_if'", "out of scope"}},
        LoadCase{"malformed_scan.onnx", StatusCode::kNotSupported, {"Scan 'the_scan'", "out of scope"}},
        LoadCase{"unsupported_ops.onnx", StatusCode::kNotSupported,
                 {"2 problems", "'com.example::FancyOp' (first used by node 'fancy_first', 2 nodes in all)",
                  "'Det' (first used by node 'det_node')"}},
        LoadCase{"many_problems.onnx", StatusCode::kInvalidArgument,
                 {"3 problems", "'w' is missing", "Loop 'the_loop'", "'Det'"}},
        LoadCase{"external_missing.onnx", StatusCode::kInvalidArgument, {"weights.bin", "cannot be opened"}}),
    [](const auto& info) {
      std::string s = info.param.file;
      return s.substr(0, s.find('.'));
    });

TEST(BadInput, ExternalDataBesideTheModelLoadsAndRuns) {
  auto model = LoadModel(kDir + "/external_ok/model.onnx");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  CommandResult cli = RunCli("run " + kDir + "/external_ok/model.onnx --input " + kDir + "/input_ok.npy");
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("[2, 4, 8, 8]"), std::string::npos) << cli.output;
}

struct RunCase {
  const char* input_args;
  std::vector<const char*> phrases;
};

class WrongInput : public ::testing::TestWithParam<RunCase> {};

TEST_P(WrongInput, IsRefusedWithItsOwnMessage) {
  const RunCase& c = GetParam();
  CommandResult cli = RunCli("run " + kDir + "/good.onnx " + c.input_args);
  EXPECT_NE(cli.exit_code, 0) << cli.output;
  EXPECT_LT(cli.exit_code, 128) << "crashed: " << cli.output;
  for (const char* phrase : c.phrases) EXPECT_NE(cli.output.find(phrase), std::string::npos) << cli.output;
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, WrongInput,
    ::testing::Values(
        RunCase{"--input x=" XQ_BAD_DIR "/input_wrong_shape.npy",
                {"input 'x' expects float32 [batch, 3, 8, 8], got float32 [1, 3, 9, 8]"}},
        RunCase{"--input x=" XQ_BAD_DIR "/input_wrong_rank.npy", {"input 'x' expects", "got float32 [3, 8, 8]"}},
        RunCase{"--input x=" XQ_BAD_DIR "/input_wrong_dtype.npy", {"got int64 [1, 3, 8, 8]"}},
        RunCase{"--input x=" XQ_BAD_DIR "/input_fortran.npy", {"Fortran order"}},
        RunCase{"--input x=" XQ_BAD_DIR "/input_object.npy", {"Python objects"}},
        RunCase{"--input x=" XQ_BAD_DIR "/no_such_file.npy", {"no_such_file.npy", "cannot open"}},
        RunCase{"", {"input 'x' (float32 [batch, 3, 8, 8]) is missing"}},
        RunCase{"--input y=" XQ_BAD_DIR "/input_ok.npy", {"'y' is not an input of the model", "'x'"}}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

}  // namespace
}  // namespace xquant
