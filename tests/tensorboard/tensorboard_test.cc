// Unit tests of the TensorBoard writer: CRC-32C and TFRecord framing against published and
// independently computed values, the protobuf bytes of the first records against the wire format
// worked out by hand, the GraphDef built from a model, and the run directories WriteTensorBoard
// leaves. The content of whole event files is checked by read_events.py (an independent reader).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "report/tensorboard/event_writer.h"
#include "report/tensorboard/model_graph.h"
#include "report/tensorboard/tfrecord.h"
#include "report/writers.h"
#include "report_fixture.h"

namespace xquant::tensorboard {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("xq_tb_" + name + "_" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> EventFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0)
      files.push_back(entry.path());
  }
  return files;
}

uint32_t LittleEndian32(const std::string& s, size_t pos) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[pos + i]);
  return v;
}

// The payloads of a TFRecord file (structure only: lengths and CRCs through our own Crc32c, whose
// values the CRC tests pin down).
std::vector<std::string> ReadRecords(const std::string& bytes) {
  std::vector<std::string> records;
  size_t pos = 0;
  while (pos < bytes.size()) {
    EXPECT_GE(bytes.size() - pos, 16u);
    if (bytes.size() - pos < 16) break;
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<uint8_t>(bytes[pos + i]);
    EXPECT_EQ(LittleEndian32(bytes, pos + 8),
              MaskCrc(Crc32c(std::string_view(bytes).substr(pos, 8))));
    EXPECT_LE(pos + 16 + length, bytes.size());
    if (pos + 16 + length > bytes.size()) break;
    std::string data = bytes.substr(pos + 12, length);
    EXPECT_EQ(LittleEndian32(bytes, pos + 12 + length), MaskCrc(Crc32c(data)));
    records.push_back(data);
    pos += 16 + length;
  }
  return records;
}

TEST(Crc32c, PublishedCheckValues) {
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);  // the CRC catalogue's check value
  EXPECT_EQ(Crc32c(""), 0u);
  // RFC 3720 (iSCSI) B.4 test vectors: 32 bytes of zeros, of 0xFF, and 0x00..0x1F.
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += static_cast<char>(i);
  EXPECT_EQ(Crc32c(ascending), 0x46DD794Eu);
}

TEST(Crc32c, UnalignedInputGivesTheSameValue) {
  std::string buffer = "x123456789";
  EXPECT_EQ(Crc32c(std::string_view(buffer).substr(1)), 0xE3069283u);
}

TEST(Crc32c, MaskMatchesValuesComputedWithPythonCrc32c) {
  // mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8, computed with the crc32c Python module.
  EXPECT_EQ(MaskCrc(0u), 0xA282EAD8u);
  EXPECT_EQ(MaskCrc(Crc32c("123456789")), 0xC78AB0E5u);
  EXPECT_EQ(MaskCrc(Crc32c("abc")), 0x21F1576Eu);
}

TEST(TfRecord, FrameBytesMatchHandEncoding) {
  std::string out;
  AppendRecord("abc", &out);
  // length 3 (u64 LE) | masked crc of those 8 bytes 0x0E4999B0 (LE) | "abc" | masked crc 0x21F1576E
  // (LE)
  const unsigned char expected[] = {0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xB0, 0x99,
                                    0x49, 0x0E, 'a',  'b',  'c',  0x6E, 0x57, 0xF1, 0x21};
  ASSERT_EQ(out.size(), sizeof(expected));
  EXPECT_EQ(std::memcmp(out.data(), expected, sizeof(expected)), 0);
}

TEST(TfRecord, RecordsReadBackInOrder) {
  std::string out;
  std::string big(70000, 'z');  // a length above 16 bits
  AppendRecord("first", &out);
  AppendRecord("", &out);
  AppendRecord(big, &out);
  std::vector<std::string> records = ReadRecords(out);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0], "first");
  EXPECT_EQ(records[1], "");
  EXPECT_EQ(records[2], big);
}

TEST(EventWriter, FileNameAndFirstRecord) {
  TempDir dir("first");
  auto writer = EventWriter::Open((dir.path() / "run").string(), ".xq");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::string name = fs::path(writer->path()).filename().string();
  EXPECT_TRUE(std::regex_match(name, std::regex(R"(events\.out\.tfevents\.\d{10}\..+\.xq)")))
      << name;
  ASSERT_TRUE(writer->Close().ok());

  std::vector<std::string> records = ReadRecords(ReadFile(writer->path()));
  ASSERT_EQ(records.size(), 1u);
  // Event: field 1 wall_time (tag 0x09, fixed64), field 3 file_version (tag 0x1A, length 13).
  const std::string& e = records[0];
  ASSERT_EQ(e.size(), 24u);
  EXPECT_EQ(static_cast<uint8_t>(e[0]), 0x09);
  double wall_time;
  std::memcpy(&wall_time, e.data() + 1, 8);
  EXPECT_NEAR(wall_time, static_cast<double>(std::time(nullptr)), 5.0);
  EXPECT_EQ(static_cast<uint8_t>(e[9]), 0x1A);
  EXPECT_EQ(static_cast<uint8_t>(e[10]), 13);
  EXPECT_EQ(e.substr(11), "brain.Event:2");
}

TEST(EventWriter, ZeroScalarIsWrittenExplicitly) {
  TempDir dir("zero");
  auto writer = EventWriter::Open(dir.path().string());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(writer->AddScalar("a", 5, 0.0).ok());
  ASSERT_TRUE(writer->Close().ok());
  std::vector<std::string> records = ReadRecords(ReadFile(writer->path()));
  ASSERT_EQ(records.size(), 2u);
  // 09 <wall_time> | 10 05 (step 5) | 2A 0A (summary, 10 bytes) | 0A 08 (value, 8 bytes) |
  // 0A 01 'a' (tag) | 15 00 00 00 00 (simple_value 0.0f: in a oneof, so present though zero)
  const std::string& e = records[1];
  ASSERT_EQ(e.size(), 9u + 2 + 2 + 2 + 3 + 5);
  const unsigned char tail[] = {0x10, 0x05, 0x2A, 0x0A, 0x0A, 0x08, 0x0A,
                                0x01, 'a',  0x15, 0,    0,    0,    0};
  EXPECT_EQ(std::memcmp(e.data() + 9, tail, sizeof(tail)), 0);
}

TEST(EventWriter, OpenFailsNamingThePathWhenAFileIsInTheWay) {
  TempDir dir("blocked");
  fs::path blocker = dir.path() / "not_a_dir";
  std::ofstream(blocker) << "x";
  auto writer = EventWriter::Open((blocker / "run").string());
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.status().code(), StatusCode::kIOError);
  EXPECT_NE(writer.status().message().find((blocker / "run").string()), std::string::npos)
      << writer.status().message();
}

TEST(EventWriter, HistogramWithMismatchedBucketsIsRejected) {
  TempDir dir("hist");
  auto writer = EventWriter::Open(dir.path().string());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  HistogramValues h;
  h.bucket_limit = {1.0, 2.0};
  h.bucket = {3.0};
  Status s = writer->AddHistogram("layer/x", 0, h);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'layer/x'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(writer->path()), std::string::npos) << s.message();
}

TEST(EventWriter, WritesAfterCloseFailAndCloseIsIdempotent) {
  TempDir dir("closed");
  auto writer = EventWriter::Open(dir.path().string());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_TRUE(writer->Close().ok());
  Status s = writer->AddText("t", 0, "x");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("closed"), std::string::npos) << s.message();
}

TEST(ModelGraph, SanitizeNodeName) {
  EXPECT_EQ(SanitizeNodeName("/layer1/Conv"), "layer1/Conv");
  EXPECT_EQ(SanitizeNodeName("onnx::Mul_5"), "onnx__Mul_5");
  EXPECT_EQ(SanitizeNodeName("a//b/"), "a/b");
  EXPECT_EQ(SanitizeNodeName("x:0"), "x_0");
  EXPECT_EQ(SanitizeNodeName("^dep"), "_dep");
  EXPECT_EQ(SanitizeNodeName("a b.c-d>e"), "a_b.c-d>e");
  EXPECT_EQ(SanitizeNodeName("/"), "unnamed");
  EXPECT_EQ(SanitizeNodeName(""), "unnamed");
}

TEST(ModelGraph, NodesEdgesAndSourceNodes) {
  Graph g;
  ValueId x = g.AddValue("x");
  ValueId w = g.AddValue("/w");
  ValueId a = g.AddValue("a"), b = g.AddValue("b"), y = g.AddValue("y");
  g.values[x].dtype = DataType::kFloat32;
  g.values[x].shape = std::vector<Dim>{Dim{-1, "batch"}, Dim{4, ""}};
  g.values[w].constant = Tensor::FromVector<float>({2}, {0.5f, -2.0f});
  g.values[w].dtype = DataType::kFloat32;
  Node split;
  split.name = "/blk/Split";
  split.op_type = "Split";
  split.inputs = {x};
  split.outputs = {a, b};
  split.attributes["axis"] = Attribute::Int(1);
  Node add;
  add.name = "x";  // same name as the graph input: the input's Placeholder must give way
  add.op_type = "Add";
  add.inputs = {b, w};
  add.outputs = {y};
  g.nodes = {split, add};
  g.inputs = {x};
  g.outputs = {y};
  ASSERT_TRUE(g.Rebuild().ok());

  ModelGraphDef m = BuildModelGraphDef(g);
  const std::vector<NodeDef>& nodes = m.graph_def.nodes;
  ASSERT_EQ(nodes.size(), 4u);
  // Sources first (Placeholder, Const), then the op nodes in graph order.
  EXPECT_EQ(nodes[0].name, "x_1");
  EXPECT_EQ(nodes[0].op, "Placeholder");
  EXPECT_EQ(std::get<std::string>(nodes[0].attrs.at("dtype")), "float32");
  const auto& in_shape = std::get<std::vector<TensorShape>>(nodes[0].attrs.at("_output_shapes"));
  ASSERT_EQ(in_shape.size(), 1u);
  EXPECT_EQ(in_shape[0].dims, (std::vector<int64_t>{-1, 4}));
  EXPECT_EQ(nodes[1].name, "w");
  EXPECT_EQ(nodes[1].op, "Const");
  EXPECT_EQ(std::get<std::string>(nodes[1].attrs.at("value")), "[0.5, -2]");
  EXPECT_EQ(nodes[2].name, "blk/Split");
  EXPECT_EQ(nodes[2].inputs, (std::vector<std::string>{"x_1"}));
  EXPECT_EQ(std::get<int64_t>(nodes[2].attrs.at("axis")), 1);
  const auto& split_shapes =
      std::get<std::vector<TensorShape>>(nodes[2].attrs.at("_output_shapes"));
  ASSERT_EQ(split_shapes.size(), 2u);
  EXPECT_TRUE(split_shapes[1].unknown_rank);
  EXPECT_EQ(nodes[3].name, "x");
  EXPECT_EQ(nodes[3].inputs, (std::vector<std::string>{"blk/Split:1", "w"}));
  // Producers by value id.
  EXPECT_EQ(m.value_producer[x], 0);
  EXPECT_EQ(m.value_producer[w], 1);
  EXPECT_EQ(m.value_producer[a], 2);
  EXPECT_EQ(m.value_producer[b], 2);
  EXPECT_EQ(m.value_producer[y], 3);
}

TEST(WriteTensorBoard, OneEventFilePerRunAndRewritesReplaceOldFiles) {
  TempDir dir("report");
  ReportResult r = testing::MakeSyntheticReport();
  ASSERT_NE(r.quantized_model, nullptr);
  fs::path tb = dir.path() / "tensorboard";
  // A stale file of an earlier report with another timestamp.
  fs::create_directories(tb / "val");
  std::ofstream(tb / "val" / "events.out.tfevents.1000000000.oldhost") << "stale";
  std::ofstream(tb / "val" / "notes.txt") << "kept";
  for (int pass = 0; pass < 2; ++pass) {
    Status s = report::WriteTensorBoard(r, tb.string());
    ASSERT_TRUE(s.ok()) << s.ToString();
    for (const char* run : {"repr", "val", "quantized_model"}) {
      EXPECT_EQ(EventFiles(tb / run).size(), 1u) << run << " pass " << pass;
    }
  }
  EXPECT_TRUE(fs::exists(tb / "val" / "notes.txt"));
}

TEST(WriteTensorBoard, WithoutQuantizedModelThereIsNoGraphRun) {
  TempDir dir("nograph");
  ReportResult r = testing::MakeSyntheticReport();
  r.quantized_model = nullptr;
  fs::path tb = dir.path() / "tensorboard";
  Status s = report::WriteTensorBoard(r, tb.string());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(EventFiles(tb / "repr").size(), 1u);
  EXPECT_FALSE(fs::exists(tb / "quantized_model"));
}

TEST(WriteTensorBoard, UnwritableDirectoryIsAnErrorNamingIt) {
  TempDir dir("unwritable");
  fs::path blocker = dir.path() / "tensorboard";
  std::ofstream(blocker) << "a file, not a directory";
  Status s = report::WriteTensorBoard(testing::MakeSyntheticReport(), blocker.string());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(blocker.string()), std::string::npos) << s.message();
}

}  // namespace
}  // namespace xquant::tensorboard
