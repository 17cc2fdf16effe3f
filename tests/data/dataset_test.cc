// Dataset::Open and ReadBatch on every kind of spec, with fixtures written by the test itself:
// .npy files by WriteNpy, PNG and JPEG images by stb_image_write. Expected values are computed
// by hand (image resizing) or follow from how the fixtures were written (sample i holds values
// made of i).
#include "xquant/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "data/dataset_internal.h"
#include "xquant/npy.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("xq_dataset_test_" + std::to_string(getpid()) + "_" +
                                        info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& relative) const { return (dir_ / relative).string(); }

  // The path of dir_/relative, after creating its parent directories.
  std::string NewFile(const std::string& relative) const {
    fs::create_directories(fs::path(Path(relative)).parent_path());
    return Path(relative);
  }
  void Write(const std::string& relative, const Tensor& tensor) const {
    ASSERT_TRUE(WriteNpy(NewFile(relative), tensor).ok()) << relative;
  }
  void WriteText(const std::string& relative, const std::string& text) const {
    std::ofstream(NewFile(relative), std::ios::binary) << text;
  }
  // Writes an 8-bit PNG of `channels` interleaved channels.
  void WritePng(const std::string& relative, int width, int height, int channels,
                const std::vector<uint8_t>& pixels) const {
    ASSERT_NE(stbi_write_png(NewFile(relative).c_str(), width, height, channels, pixels.data(),
                             width * channels),
              0);
  }

  fs::path dir_;
};

InputSpec Input(const std::string& name, std::vector<int64_t> dims,
                DataType dtype = DataType::kFloat32) {
  return InputSpec{name, dtype, std::move(dims)};
}

// A float32 tensor whose every element is `value`.
Tensor Filled(Shape shape, float value) {
  Tensor tensor(DataType::kFloat32, std::move(shape));
  std::fill_n(tensor.data<float>(), tensor.size(), value);
  return tensor;
}

StatusOr<std::unique_ptr<Dataset>> Open(const std::string& spec,
                                        const std::vector<InputSpec>& inputs,
                                        const DatasetOptions& options = {}) {
  return Dataset::Open(spec, inputs, options);
}

std::string ErrorOf(const StatusOr<std::unique_ptr<Dataset>>& opened) {
  return opened.ok() ? "(opened without error)" : opened.status().message();
}

// ---- directories of per-sample .npy files ----------------------------------------------------

TEST_F(DatasetTest, PerSampleFilesWithAndWithoutLeadingBatchOfOne) {
  Write("d/a.npy", Filled({2, 3}, 1.0f));     // no batch dimension
  Write("d/b.npy", Filled({1, 2, 3}, 2.0f));  // batch dimension of 1
  auto dataset = Open(Path("d"), {Input("x", {-1, 2, 3})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  EXPECT_EQ((*dataset)->size(), 2);
  auto batch = (*dataset)->ReadBatch(0, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& x = batch->at("x");
  EXPECT_EQ(x.shape(), (Shape{2, 2, 3}));
  for (int64_t k = 0; k < 6; ++k) EXPECT_EQ(x.data<float>()[k], 1.0f);
  for (int64_t k = 6; k < 12; ++k) EXPECT_EQ(x.data<float>()[k], 2.0f);
  EXPECT_THAT((*dataset)->Describe(), HasSubstr("2 .npy files"));
  EXPECT_FALSE((*dataset)->labels().has_value());
}

TEST_F(DatasetTest, FilesAreReadInNaturalOrder) {
  for (int number : {10, 2, 1, 33, 3})
    Write("d/s" + std::to_string(number) + ".npy", Filled({1}, number));
  auto dataset = Open(Path("d"), {Input("x", {-1, 1})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 5);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const float* values = batch->at("x").data<float>();
  EXPECT_EQ(std::vector<float>(values, values + 5), (std::vector<float>{1, 2, 3, 10, 33}));
}

TEST(NaturalLessTest, ComparesDigitRunsByValue) {
  EXPECT_TRUE(data::NaturalLess("2.npy", "10.npy"));
  EXPECT_FALSE(data::NaturalLess("10.npy", "2.npy"));
  EXPECT_TRUE(data::NaturalLess("img9_b", "img10_a"));
  EXPECT_TRUE(data::NaturalLess("a2b3", "a2b12"));
  EXPECT_TRUE(data::NaturalLess("a", "b"));
  EXPECT_TRUE(data::NaturalLess("ab", "abc"));
  // Equal values with different zero padding still order one way only.
  EXPECT_NE(data::NaturalLess("01", "1"), data::NaturalLess("1", "01"));
  EXPECT_FALSE(data::NaturalLess("5", "5"));
  // Longer than any integer type.
  EXPECT_TRUE(data::NaturalLess("99999999999999999999999", "100000000000000000000000"));
}

TEST_F(DatasetTest, SeveralInputsReadFromPerInputSubdirectories) {
  for (int sample = 0; sample < 3; ++sample) {
    Write("d/image/" + std::to_string(sample) + ".npy", Filled({1, 2}, sample + 0.5f));
    Write("d/ids/" + std::to_string(sample) + ".npy",
          Tensor::FromVector<int64_t>({3}, {sample, sample * 10, sample * 100}));
  }
  auto dataset =
      Open(Path("d"), {Input("image", {-1, 2}), Input("ids", {-1, 3}, DataType::kInt64)});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  EXPECT_EQ((*dataset)->size(), 3);
  auto batch = (*dataset)->ReadBatch(1, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& image = batch->at("image");
  const Tensor& ids = batch->at("ids");
  EXPECT_EQ(image.shape(), (Shape{2, 2}));
  EXPECT_EQ(ids.shape(), (Shape{2, 3}));
  ASSERT_EQ(ids.dtype(), DataType::kInt64);
  EXPECT_EQ(image.data<float>()[0], 1.5f);
  EXPECT_EQ(image.data<float>()[3], 2.5f);
  EXPECT_EQ(std::vector<int64_t>(ids.data<int64_t>(), ids.data<int64_t>() + 6),
            (std::vector<int64_t>{1, 10, 100, 2, 20, 200}));
}

TEST_F(DatasetTest, PerInputSubdirectoriesNeedEqualCounts) {
  Write("d/a/0.npy", Filled({2}, 0));
  Write("d/a/1.npy", Filled({2}, 0));
  Write("d/b/0.npy", Filled({2}, 0));
  const std::string error = ErrorOf(Open(Path("d"), {Input("a", {-1, 2}), Input("b", {-1, 2})}));
  EXPECT_THAT(error, HasSubstr("different numbers"));
  EXPECT_THAT(error, HasSubstr("'a': 2"));
  EXPECT_THAT(error, HasSubstr("'b': 1"));
}

TEST_F(DatasetTest, SeveralInputsWithoutTheirSubdirectoriesIsAnError) {
  Write("d/a/0.npy", Filled({2}, 0));
  const std::string missing = ErrorOf(Open(Path("d"), {Input("a", {-1, 2}), Input("b", {-1, 2})}));
  EXPECT_THAT(missing, HasSubstr("no subdirectory for input(s) 'b'"));
  EXPECT_THAT(missing, HasSubstr(Path("d")));

  Write("flat/0.npy", Filled({2}, 0));
  const std::string flat = ErrorOf(Open(Path("flat"), {Input("a", {-1, 2}), Input("b", {-1, 2})}));
  EXPECT_THAT(flat, HasSubstr("2 inputs"));
  EXPECT_THAT(flat, HasSubstr("<input name>"));
}

TEST_F(DatasetTest, SingleInputMayAlsoUseItsSubdirectory) {
  Write("d/x/0.npy", Filled({2}, 7));
  auto dataset = Open(Path("d"), {Input("x", {-1, 2})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->at("x").data<float>()[1], 7.0f);
}

// ---- dtypes and shapes --------------------------------------------------------------------------

TEST_F(DatasetTest, IntegerInputsNeedTheirExactDtype) {
  Write("ok/0.npy", Tensor::FromVector<int64_t>({4}, {101, 7592, 2088, 102}));
  auto dataset = Open(Path("ok"), {Input("input_ids", {-1, 4}, DataType::kInt64)});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->at("input_ids").data<int64_t>()[1], 7592);

  Write("bad/0.npy", Tensor::FromVector<int32_t>({4}, {101, 7592, 2088, 102}));
  const std::string error =
      ErrorOf(Open(Path("bad"), {Input("input_ids", {-1, 4}, DataType::kInt64)}));
  EXPECT_THAT(error, HasSubstr(Path("bad/0.npy")));
  EXPECT_THAT(error, HasSubstr("int32"));
  EXPECT_THAT(error, HasSubstr("int64"));
  EXPECT_THAT(error, HasSubstr("input_ids"));

  // Float data for an integer input is refused too, and so is float32 data for float64.
  Write("float/0.npy", Filled({4}, 1));
  EXPECT_THAT(ErrorOf(Open(Path("float"), {Input("input_ids", {-1, 4}, DataType::kInt64)})),
              HasSubstr("float32"));
  EXPECT_THAT(ErrorOf(Open(Path("float"), {Input("x", {-1, 4}, DataType::kFloat64)})),
              HasSubstr("float64"));
}

TEST_F(DatasetTest, Float64DataFeedsAFloat32Input) {
  Write("d/0.npy", Tensor::FromVector<double>({3}, {0.1, -2.5, 1e-3}));
  auto dataset = Open(Path("d"), {Input("x", {-1, 3})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok());
  const Tensor& x = batch->at("x");
  ASSERT_EQ(x.dtype(), DataType::kFloat32);
  EXPECT_EQ(x.data<float>()[0], 0.1f);
  EXPECT_EQ(x.data<float>()[1], -2.5f);
  EXPECT_EQ(x.data<float>()[2], 1e-3f);
}

TEST_F(DatasetTest, SampleShapeMustFitTheInput) {
  Write("d/0.npy", Filled({3, 5, 5}, 0));
  const std::string error = ErrorOf(Open(Path("d"), {Input("x", {-1, 3, 4, 4})}));
  EXPECT_THAT(error, HasSubstr(Path("d/0.npy")));
  EXPECT_THAT(error, HasSubstr("[3, 5, 5]"));
  EXPECT_THAT(error, HasSubstr("[batch, 3, 4, 4]"));

  // A per-sample file with a leading dimension other than 1 holds several samples.
  Write("many/0.npy", Filled({4, 3, 4, 4}, 0));
  EXPECT_THAT(ErrorOf(Open(Path("many"), {Input("x", {-1, 3, 4, 4})})),
              HasSubstr("leading dimension must be 1"));
}

TEST_F(DatasetTest, SymbolicDimensionsAcceptAnySizeButOneBatchMustAgree) {
  Write("d/0.npy", Filled({2, 4}, 0));
  Write("d/1.npy", Filled({2, 6}, 1));
  auto dataset = Open(Path("d"), {Input("x", {-1, 2, -1})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto first = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->at("x").shape(), (Shape{1, 2, 4}));
  auto second = (*dataset)->ReadBatch(1, 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->at("x").shape(), (Shape{1, 2, 6}));
  auto both = (*dataset)->ReadBatch(0, 2);
  ASSERT_FALSE(both.ok());
  EXPECT_THAT(both.status().message(), HasSubstr(Path("d/1.npy")));
  EXPECT_THAT(both.status().message(), HasSubstr("same batch"));
}

TEST_F(DatasetTest, BatchOutsideTheDatasetIsAnError) {
  Write("d/0.npy", Filled({2}, 0));
  auto dataset = Open(Path("d"), {Input("x", {-1, 2})});
  ASSERT_TRUE(dataset.ok());
  EXPECT_FALSE((*dataset)->ReadBatch(0, 2).ok());
  EXPECT_FALSE((*dataset)->ReadBatch(-1, 1).ok());
  EXPECT_FALSE((*dataset)->ReadBatch(0, 0).ok());
  EXPECT_THAT((*dataset)->ReadBatch(1, 1).status().message(), HasSubstr("outside"));
}

// ---- one .npy array of samples ------------------------------------------------------------------

// Row r, element c holds r * 100 + c.
Tensor Rows(int64_t rows, int64_t columns) {
  Tensor tensor(DataType::kFloat32, {rows, columns});
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < columns; ++c)
      tensor.data<float>()[r * columns + c] = static_cast<float>(r * 100 + c);
  }
  return tensor;
}

TEST_F(DatasetTest, OneArrayIsReadInBatchesThatEqualItsSlices) {
  Write("all.npy", Rows(10, 3));
  auto dataset = Open(Path("all.npy"), {Input("x", {-1, 3})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  EXPECT_EQ((*dataset)->size(), 10);
  for (int64_t first : {0, 3, 7}) {
    auto batch = (*dataset)->ReadBatch(first, 3);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    const Tensor& x = batch->at("x");
    EXPECT_EQ(x.shape(), (Shape{3, 3}));
    for (int64_t r = 0; r < 3; ++r) {
      for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(x.data<float>()[r * 3 + c], (first + r) * 100 + c);
    }
  }
  EXPECT_THAT((*dataset)->Describe(), HasSubstr("10 samples"));
}

TEST_F(DatasetTest, OneArrayOfFloat64AndWithPerSampleBatchDimension) {
  Tensor doubles(DataType::kFloat64, {4, 1, 2});  // [N, 1, ...]: each sample kept its batch of 1
  for (int64_t k = 0; k < 8; ++k) doubles.data<double>()[k] = k * 0.25;
  Write("all.npy", doubles);
  auto dataset = Open(Path("all.npy"), {Input("x", {-1, 2})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(2, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& x = batch->at("x");
  ASSERT_EQ(x.dtype(), DataType::kFloat32);
  EXPECT_EQ(x.shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<float>(x.data<float>(), x.data<float>() + 4),
            (std::vector<float>{1.0f, 1.25f, 1.5f, 1.75f}));
}

// Bytes this process has read through read(2) and friends, from /proc/self/io; -1 if unknown.
int64_t BytesReadSoFar() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value) {
    if (key == "rchar:") return value;
  }
  return -1;
}

TEST_F(DatasetTest, OneLargeArrayIsReadRowsOnlyNotWhole) {
  constexpr int64_t kRows = 1024, kColumns = 16384;  // 64 MiB of float32
  {
    Tensor big(DataType::kFloat32, {kRows, kColumns});
    for (int64_t k = 0; k < big.size(); ++k)
      big.data<float>()[k] = static_cast<float>(k);  // exact below 2^24
    Write("big.npy", big);
  }
  if (BytesReadSoFar() < 0) GTEST_SKIP() << "/proc/self/io is not readable here";
  const int64_t before = BytesReadSoFar();
  auto dataset = Open(Path("big.npy"), {Input("x", {-1, kColumns})});
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(700, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const int64_t read = BytesReadSoFar() - before;
  const Tensor& x = batch->at("x");
  EXPECT_EQ(x.data<float>()[0], static_cast<float>(700 * kColumns));
  EXPECT_EQ(x.data<float>()[2 * kColumns - 1], static_cast<float>(702 * kColumns - 1));
  // Two rows are 128 KiB; allow the header, the stream's buffer and /proc reads themselves.
  EXPECT_LT(read, 2 * kColumns * 4 + (256 << 10)) << "read " << read << " bytes of a 64 MiB file";
  std::cout << "Open + ReadBatch(2 rows) of a 64 MiB .npy read " << read << " bytes\n";
}

TEST_F(DatasetTest, OneArrayErrors) {
  Write("all.npy", Rows(4, 3));
  // Several inputs cannot share one array.
  const std::string several =
      ErrorOf(Open(Path("all.npy"), {Input("a", {-1, 3}), Input("b", {-1, 3})}));
  EXPECT_THAT(several, HasSubstr(Path("all.npy")));
  EXPECT_THAT(several, HasSubstr("2 inputs"));
  EXPECT_THAT(several, HasSubstr("subdirectory"));
  // Wrong sample shape.
  EXPECT_THAT(ErrorOf(Open(Path("all.npy"), {Input("x", {-1, 4})})), HasSubstr("[batch, 4]"));
  const std::string rank = ErrorOf(Open(Path("all.npy"), {Input("x", {-1, 3, 1})}));
  EXPECT_THAT(rank, HasSubstr("[4, 3]"));
  EXPECT_THAT(rank, HasSubstr("[batch, 3, 1]"));
  // Wrong dtype.
  EXPECT_THAT(ErrorOf(Open(Path("all.npy"), {Input("x", {-1, 3}, DataType::kInt64)})),
              HasSubstr("int64"));

  // A truncated file is caught when opened, not halfway through a run.
  std::string bytes = SerializeNpy(Rows(4, 3));
  bytes.resize(bytes.size() - 5);
  WriteText("cut.npy", bytes);
  EXPECT_THAT(ErrorOf(Open(Path("cut.npy"), {Input("x", {-1, 3})})), HasSubstr("truncated"));

  // Fortran order is refused: the rows would not be contiguous.
  std::string fortran = SerializeNpy(Rows(4, 3));
  const size_t flag = fortran.find("False");
  fortran.replace(flag, 5, "True ");
  WriteText("fortran.npy", fortran);
  EXPECT_THAT(ErrorOf(Open(Path("fortran.npy"), {Input("x", {-1, 3})})), HasSubstr("Fortran"));
}

// ---- random:N[:SEED] ----------------------------------------------------------------------------

std::vector<float> Values(const Tensor& tensor) {
  return std::vector<float>(tensor.data<float>(), tensor.data<float>() + tensor.size());
}

TEST(RandomDatasetTest, SameSeedSameValuesAnyBatching) {
  const std::vector<InputSpec> inputs = {Input("x", {-1, 3, -1, 5}), Input("y", {-1, 2})};
  auto a = Dataset::Open("random:6:42", inputs);
  auto b = Dataset::Open("random:6:42", inputs);
  auto other = Dataset::Open("random:6:43", inputs);
  ASSERT_TRUE(a.ok() && b.ok() && other.ok()) << a.status().ToString();
  EXPECT_EQ((*a)->size(), 6);
  auto whole = (*a)->ReadBatch(0, 4);
  auto again = (*b)->ReadBatch(0, 4);
  auto head = (*b)->ReadBatch(0, 2);
  auto tail = (*b)->ReadBatch(2, 2);
  auto different = (*other)->ReadBatch(0, 4);
  ASSERT_TRUE(whole.ok() && again.ok() && head.ok() && tail.ok() && different.ok());
  for (const std::string name : {"x", "y"}) {
    EXPECT_EQ(Values(whole->at(name)), Values(again->at(name))) << name;
    std::vector<float> joined = Values(head->at(name));
    const std::vector<float> rest = Values(tail->at(name));
    joined.insert(joined.end(), rest.begin(), rest.end());
    EXPECT_EQ(Values(whole->at(name)), joined) << name;
    EXPECT_NE(Values(whole->at(name)), Values(different->at(name))) << name;
  }
  // Symbolic dimensions other than the batch become 1.
  EXPECT_EQ(whole->at("x").shape(), (Shape{4, 3, 1, 5}));
  // Two samples (and two inputs) are not copies of each other.
  const std::vector<float> x = Values(whole->at("x"));
  EXPECT_NE(std::vector<float>(x.begin(), x.begin() + 15),
            std::vector<float>(x.begin() + 15, x.begin() + 30));
  EXPECT_NE(x[0], whole->at("y").data<float>()[0]);
  EXPECT_EQ((*a)->Describe(), "random:6:42 (seeded standard normal)");
}

TEST(RandomDatasetTest, SeedDefaultsToZero) {
  auto implicit = Dataset::Open("random:2", {Input("x", {1, 8})});
  auto explicit_zero = Dataset::Open("random:2:0", {Input("x", {1, 8})});
  ASSERT_TRUE(implicit.ok() && explicit_zero.ok());
  EXPECT_EQ(Values((*implicit)->ReadBatch(0, 2)->at("x")),
            Values((*explicit_zero)->ReadBatch(0, 2)->at("x")));
}

TEST(RandomDatasetTest, ValuesAreStandardNormal) {
  auto dataset = Dataset::Open("random:10:7", {Input("x", {-1, 10000})});
  ASSERT_TRUE(dataset.ok());
  auto batch = (*dataset)->ReadBatch(0, 10);
  ASSERT_TRUE(batch.ok());
  const std::vector<float> values = Values(batch->at("x"));
  ASSERT_EQ(values.size(), 100000u);
  double sum = 0, sum_squares = 0;
  int64_t within_one = 0;
  for (float v : values) {
    sum += v;
    sum_squares += static_cast<double>(v) * v;
    within_one += std::fabs(v) <= 1.0f;
  }
  const double n = static_cast<double>(values.size());
  const double mean = sum / n;
  const double stddev = std::sqrt(sum_squares / n - mean * mean);
  // Sampling errors at n = 1e5: mean 0.0032, std 0.0022, P(|z| <= 1) 0.0015; allow about 5 of them.
  EXPECT_NEAR(mean, 0.0, 0.016);
  EXPECT_NEAR(stddev, 1.0, 0.011);
  EXPECT_NEAR(within_one / n, 0.6827, 0.0075);
}

TEST(RandomDatasetTest, Float64InputsGetFloat64) {
  auto dataset = Dataset::Open("random:1", {Input("x", {1, 2}, DataType::kFloat64)});
  ASSERT_TRUE(dataset.ok());
  EXPECT_EQ((*dataset)->ReadBatch(0, 1)->at("x").dtype(), DataType::kFloat64);
}

TEST(RandomDatasetTest, BadSpecsAndInputs) {
  const std::vector<InputSpec> inputs = {Input("x", {-1, 2})};
  for (const std::string spec :
       {"random:", "random:0", "random:-3", "random:abc", "random:5x", "random: 5"}) {
    const std::string error = ErrorOf(Dataset::Open(spec, inputs));
    EXPECT_THAT(error, HasSubstr("'" + spec + "'")) << spec;
    EXPECT_THAT(error, HasSubstr("positive integer")) << spec;
    EXPECT_THAT(error, HasSubstr("random:N:SEED")) << spec;
  }
  for (const std::string spec : {"random:5:", "random:5:x", "random:5:-1", "random:5:1:2",
                                 "random:5:99999999999999999999"}) {
    const std::string error = ErrorOf(Dataset::Open(spec, inputs));
    EXPECT_THAT(error, HasSubstr("seed")) << spec;
    EXPECT_THAT(error, HasSubstr("'" + spec + "'")) << spec;
  }
  EXPECT_THAT(ErrorOf(Dataset::Open("random:2", {Input("ids", {-1, 4}, DataType::kInt64)})),
              HasSubstr("int64"));
  EXPECT_THAT(ErrorOf(Dataset::Open("random:2", {Input("x", {})})), HasSubstr("no declared shape"));
}

// ---- images -------------------------------------------------------------------------------------

// A 2x2 RGB image, resized to 4x4 with half-pixel centres (align_corners=False): output index i
// reads input coordinate (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to [0, 1], so the
// weights on input pixel 1 are 0, 1/4, 3/4, 1 along each axis.
//   R = [[0, 100], [200, 40]]: row 0 -> 0, 25, 75, 100; row 3 -> 200, 160, 80, 40;
//       row 1 = 3/4 row 0 + 1/4 row 3; row 2 = 1/4 row 0 + 3/4 row 3.
//   G = [[255, 255], [0, 0]]: rows 255, 191.25, 63.75, 0.
//   B = 10 everywhere.
const float kRed[4][4] = {
    {0, 25, 75, 100}, {50, 58.75f, 76.25f, 85}, {150, 126.25f, 78.75f, 55}, {200, 160, 80, 40}};
const float kGreenRows[4] = {255, 191.25f, 63.75f, 0};
const std::vector<uint8_t> kPixels = {0, 255, 10, 100, 255, 10, 200, 0, 10, 40, 0, 10};

TEST_F(DatasetTest, ImagesAreResizedBilinearlyAndNormalised) {
  WritePng("img/a.png", 2, 2, 3, kPixels);
  DatasetOptions options;
  options.image.mean = {0.5f};
  options.image.std = {0.25f, 0.5f, 2.0f};
  auto dataset = Open(Path("img"), {Input("pixel_values", {-1, 3, 4, 4})}, options);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& x = batch->at("pixel_values");
  ASSERT_EQ(x.shape(), (Shape{1, 3, 4, 4}));
  for (int y = 0; y < 4; ++y) {
    for (int col = 0; col < 4; ++col) {
      EXPECT_NEAR(x.data<float>()[y * 4 + col], (kRed[y][col] / 255 - 0.5) / 0.25, 1e-5)
          << y << "," << col;
      EXPECT_NEAR(x.data<float>()[16 + y * 4 + col], (kGreenRows[y] / 255 - 0.5) / 0.5, 1e-5)
          << y << "," << col;
      EXPECT_NEAR(x.data<float>()[32 + y * 4 + col], (10.0 / 255 - 0.5) / 2.0, 1e-5)
          << y << "," << col;
    }
  }
  EXPECT_THAT((*dataset)->Describe(), HasSubstr("1 images"));
  EXPECT_THAT((*dataset)->Describe(), HasSubstr("NCHW"));
}

TEST_F(DatasetTest, ImagesInNhwcWithDefaultScale) {
  WritePng("img/a.png", 2, 2, 3, kPixels);
  auto dataset = Open(Path("img"), {Input("x", {-1, 4, 4, 3})});  // auto layout: dimension 3 is 3
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok());
  const Tensor& x = batch->at("x");
  ASSERT_EQ(x.shape(), (Shape{1, 4, 4, 3}));
  for (int y = 0; y < 4; ++y) {
    for (int col = 0; col < 4; ++col) {
      const float* pixel = x.data<float>() + (y * 4 + col) * 3;
      EXPECT_NEAR(pixel[0], kRed[y][col] / 255, 1e-6);
      EXPECT_NEAR(pixel[1], kGreenRows[y] / 255, 1e-6);
      EXPECT_NEAR(pixel[2], 10.0 / 255, 1e-6);
    }
  }
}

TEST_F(DatasetTest, ShrinkingSamplesWithoutAntialiasing) {
  // 4x1 -> 2x1: output columns read input coordinates (i + 0.5) * 2 - 0.5 = 0.5 and 2.5, the
  // midpoints of pixel pairs (0, 1) and (2, 3).
  WritePng("img/a.png", 4, 1, 1, {0, 100, 200, 250});
  DatasetOptions options;
  options.image.scale = 1.0f;
  options.image.layout = ImageOptions::Layout::kNCHW;
  auto dataset = Open(Path("img"), {Input("x", {-1, 1, 1, 2})}, options);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 1);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(Values(batch->at("x")), (std::vector<float>{50, 225}));
}

TEST_F(DatasetTest, GreyImagesFeedRgbInputsAndSymbolicSizesUseTheDefault) {
  WritePng("img/1.png", 3, 2, 1, {9, 9, 9, 9, 9, 9});
  WritePng("img/2.jpg.png", 2, 2, 1, {51, 51, 51, 51});
  DatasetOptions options;
  options.image.scale = 1.0f;
  options.image.default_height = 5;
  options.image.default_width = 6;
  auto dataset = Open(Path("img"), {Input("x", {-1, 3, -1, -1})}, options);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  auto batch = (*dataset)->ReadBatch(0, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& x = batch->at("x");
  ASSERT_EQ(x.shape(), (Shape{2, 3, 5, 6}));
  EXPECT_FLOAT_EQ(x.data<float>()[0], 9.0f);
  EXPECT_FLOAT_EQ(x.data<float>()[3 * 30 - 1], 9.0f);  // last blue value of image 1
  EXPECT_FLOAT_EQ(x.data<float>()[3 * 30], 51.0f);     // first red value of image 2
  EXPECT_FLOAT_EQ(x.data<float>()[2 * 3 * 30 - 1], 51.0f);
}

// JPEG, lossy: each image is made of flat 8x8 blocks (JPEG's own blocks), written at quality 100
// (no chroma subsampling), so every decoded pixel lies within a few levels of the colour written
// (colour conversion and rounding only). A 12x6 flat grey image resized to 16x16 stays flat.
TEST_F(DatasetTest, JpegImagesDecodeToTheColoursWritten) {
  const uint8_t kQuadrant[4][3] = {{200, 30, 60}, {20, 180, 90}, {90, 90, 240}, {250, 250, 250}};
  std::vector<uint8_t> quadrants(16 * 16 * 3);
  for (int y = 0; y < 16; ++y)
    for (int col = 0; col < 16; ++col)
      for (int c = 0; c < 3; ++c)
        quadrants[(y * 16 + col) * 3 + c] = kQuadrant[(y / 8) * 2 + col / 8][c];
  const std::vector<uint8_t> grey(12 * 6, 120);
  ASSERT_NE(stbi_write_jpg(NewFile("img/1.jpg").c_str(), 16, 16, 3, quadrants.data(), 100), 0);
  ASSERT_NE(stbi_write_jpg(NewFile("img/2.jpeg").c_str(), 12, 6, 1, grey.data(), 100), 0);
  for (const char* file : {"img/1.jpg", "img/2.jpeg"}) {  // really JPEG files: SOI marker first
    std::ifstream in(Path(file), std::ios::binary);
    char soi[3] = {};
    in.read(soi, 3);
    EXPECT_EQ(std::string(soi, 3), "\xFF\xD8\xFF") << file;
  }
  DatasetOptions options;
  options.image.scale = 1.0f;  // raw 0..255 levels
  auto dataset = Open(Path("img"), {Input("x", {-1, 3, 16, 16})}, options);
  ASSERT_TRUE(dataset.ok()) << dataset.status().ToString();
  EXPECT_THAT((*dataset)->Describe(), HasSubstr("2 images"));
  auto batch = (*dataset)->ReadBatch(0, 2);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  const Tensor& x = batch->at("x");
  ASSERT_EQ(x.shape(), (Shape{2, 3, 16, 16}));
  const float* first = x.data<float>();
  const float* second = first + 3 * 256;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 16; ++y) {
      for (int col = 0; col < 16; ++col) {
        EXPECT_NEAR(first[c * 256 + y * 16 + col], kQuadrant[(y / 8) * 2 + col / 8][c], 2.0)
            << "image 1, channel " << c << ", pixel " << y << "," << col;
        EXPECT_NEAR(second[c * 256 + y * 16 + col], 120.0, 2.0) << "image 2, channel " << c;
      }
    }
  }
}

TEST_F(DatasetTest, ImageErrors) {
  WritePng("img/a.png", 2, 2, 3, kPixels);
  EXPECT_THAT(ErrorOf(Open(Path("img"), {Input("x", {-1, 4, 4})})), HasSubstr("rank 4"));
  EXPECT_THAT(ErrorOf(Open(Path("img"), {Input("x", {-1, 5, 4, 4})})),
              HasSubstr("choose the layout"));
  EXPECT_THAT(ErrorOf(Open(Path("img"), {Input("x", {-1, 3, 4, 4}, DataType::kUint8)})),
              HasSubstr("uint8"));
  DatasetOptions two_means;
  two_means.image.mean = {0.1f, 0.2f};
  EXPECT_THAT(ErrorOf(Open(Path("img"), {Input("x", {-1, 3, 4, 4})}, two_means)),
              HasSubstr("mean has 2 values"));
  DatasetOptions zero_std;
  zero_std.image.std = {0.0f};
  EXPECT_THAT(ErrorOf(Open(Path("img"), {Input("x", {-1, 3, 4, 4})}, zero_std)),
              HasSubstr("non-zero"));

  WriteText("junk/a.png", "not a png at all");
  const std::string junk = ErrorOf(Open(Path("junk"), {Input("x", {-1, 3, 4, 4})}));
  EXPECT_THAT(junk, HasSubstr(Path("junk/a.png")));
  EXPECT_THAT(junk, HasSubstr("cannot decode"));
}

// ---- labels -------------------------------------------------------------------------------------

TEST_F(DatasetTest, LabelsFromTextOrNpyBesideTheSamples) {
  for (int sample = 0; sample < 3; ++sample)
    Write("txt/" + std::to_string(sample) + ".npy", Filled({2}, 0));
  WriteText("txt/labels.txt", "4\n0\n  17 \n\n");
  auto with_text = Open(Path("txt"), {Input("x", {-1, 2})});
  ASSERT_TRUE(with_text.ok()) << with_text.status().ToString();
  EXPECT_EQ((*with_text)->size(), 3);  // labels.txt is not a sample
  ASSERT_TRUE((*with_text)->labels().has_value());
  const Tensor& text_labels = *(*with_text)->labels();
  ASSERT_EQ(text_labels.dtype(), DataType::kInt64);
  EXPECT_EQ(std::vector<int64_t>(text_labels.data<int64_t>(), text_labels.data<int64_t>() + 3),
            (std::vector<int64_t>{4, 0, 17}));

  for (int sample = 0; sample < 2; ++sample)
    Write("npy/" + std::to_string(sample) + ".npy", Filled({2}, 0));
  Write("npy/labels.npy", Tensor::FromVector<int32_t>({2}, {9, 3}));
  auto with_npy = Open(Path("npy"), {Input("x", {-1, 2})});
  ASSERT_TRUE(with_npy.ok()) << with_npy.status().ToString();
  EXPECT_EQ((*with_npy)->size(), 2);  // labels.npy is not a sample
  ASSERT_TRUE((*with_npy)->labels().has_value());
  EXPECT_EQ((*with_npy)->labels()->dtype(), DataType::kInt64);
  EXPECT_EQ((*with_npy)->labels()->data<int64_t>()[0], 9);
  EXPECT_EQ((*with_npy)->labels()->data<int64_t>()[1], 3);

  Write("all.npy", Rows(3, 2));
  Write("all.labels.npy", Tensor::FromVector<float>({3, 2}, {0.5f, 1, 2, 3, 4, 5}));
  auto beside_file = Open(Path("all.npy"), {Input("x", {-1, 2})});
  ASSERT_TRUE(beside_file.ok()) << beside_file.status().ToString();
  ASSERT_TRUE((*beside_file)->labels().has_value());
  EXPECT_EQ((*beside_file)->labels()->dtype(), DataType::kFloat32);
  EXPECT_EQ((*beside_file)->labels()->shape(), (Shape{3, 2}));
  EXPECT_EQ((*beside_file)->labels()->data<float>()[0], 0.5f);
}

TEST_F(DatasetTest, LabelErrors) {
  for (int sample = 0; sample < 3; ++sample)
    Write("d/" + std::to_string(sample) + ".npy", Filled({2}, 0));
  WriteText("d/labels.txt", "1\n2\n");
  const std::string count = ErrorOf(Open(Path("d"), {Input("x", {-1, 2})}));
  EXPECT_THAT(count, HasSubstr(Path("d/labels.txt")));
  EXPECT_THAT(count, HasSubstr("2 labels"));
  EXPECT_THAT(count, HasSubstr("3 samples"));

  WriteText("d/labels.txt", "1\ncat\n2\n");
  const std::string word = ErrorOf(Open(Path("d"), {Input("x", {-1, 2})}));
  EXPECT_THAT(word, HasSubstr("line 2"));
  EXPECT_THAT(word, HasSubstr("'cat'"));

  WriteText("d/labels.txt", "1\n2\n3\n");
  Write("d/labels.npy", Tensor::FromVector<int64_t>({3}, {1, 2, 3}));
  EXPECT_THAT(ErrorOf(Open(Path("d"), {Input("x", {-1, 2})})), HasSubstr("keep one"));

  Write("all.npy", Rows(3, 2));
  Write("all.labels.npy", Tensor::FromVector<int64_t>({4}, {1, 2, 3, 4}));
  EXPECT_THAT(ErrorOf(Open(Path("all.npy"), {Input("x", {-1, 2})})), HasSubstr("4 labels"));
}

// ---- what is not a dataset ----------------------------------------------------------------------

TEST_F(DatasetTest, SpecsThatAreNotDatasets) {
  const std::vector<InputSpec> inputs = {Input("x", {-1, 2})};
  const std::string missing = ErrorOf(Open(Path("nowhere"), inputs));
  EXPECT_THAT(missing, HasSubstr(Path("nowhere")));
  EXPECT_THAT(missing, HasSubstr("does not exist"));
  EXPECT_THAT(missing, HasSubstr("random:N"));

  fs::create_directories(Path("empty"));
  const std::string empty = ErrorOf(Open(Path("empty"), inputs));
  EXPECT_THAT(empty, HasSubstr(Path("empty")));
  EXPECT_THAT(empty, HasSubstr("no .npy files and no images"));

  Write("mixed/0.npy", Filled({2}, 0));
  WritePng("mixed/1.png", 2, 2, 3, kPixels);
  const std::string mixed = ErrorOf(Open(Path("mixed"), inputs));
  EXPECT_THAT(mixed, HasSubstr(Path("mixed")));
  EXPECT_THAT(mixed, HasSubstr("mixes 1 .npy files and 1 images"));

  WriteText("notes.csv", "1,2\n");
  const std::string other = ErrorOf(Open(Path("notes.csv"), inputs));
  EXPECT_THAT(other, HasSubstr(Path("notes.csv")));
  EXPECT_THAT(other, HasSubstr("not a .npy file"));

  WriteText("pickle.npy", std::string("\x80\x04\x95", 3) + "junk");
  EXPECT_THAT(ErrorOf(Open(Path("pickle.npy"), inputs)), HasSubstr("pickle"));

  EXPECT_THAT(ErrorOf(Open("random:2", {})), HasSubstr("no inputs"));
}

// ---- InputSpecsOf -------------------------------------------------------------------------------

TEST(InputSpecsOfTest, NamesDtypesAndSymbolicDims) {
  Model model;
  const ValueId image = model.graph.AddValue("image");
  model.graph.values[image].dtype = DataType::kFloat32;
  model.graph.values[image].shape =
      std::vector<Dim>{Dim{-1, "batch"}, Dim{3, ""}, Dim{-1, "h"}, Dim{224, ""}};
  const ValueId ids = model.graph.AddValue("ids");
  model.graph.values[ids].dtype = DataType::kInt64;  // rank unknown
  model.graph.inputs = {image, ids};
  const std::vector<InputSpec> specs = InputSpecsOf(model);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "image");
  EXPECT_EQ(specs[0].dtype, DataType::kFloat32);
  EXPECT_EQ(specs[0].dims, (std::vector<int64_t>{-1, 3, -1, 224}));
  EXPECT_EQ(specs[1].name, "ids");
  EXPECT_EQ(specs[1].dtype, DataType::kInt64);
  EXPECT_TRUE(specs[1].dims.empty());
}

}  // namespace
}  // namespace xquant
