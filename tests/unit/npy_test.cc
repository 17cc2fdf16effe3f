#include "xquant/npy.h"

#include <gtest/gtest.h>

namespace xquant {
namespace {

// A .npy header as numpy writes it, for hand-made files.
std::string MakeNpy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

TEST(Npy, RoundTripsEveryType) {
  Tensor f = Tensor::FromVector<float>({2, 3}, {1.5f, -2, 3, 4, 5, 6});
  auto back = ParseNpy(SerializeNpy(f), "mem");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->shape(), (Shape{2, 3}));
  EXPECT_EQ(back->data<float>()[0], 1.5f);
  EXPECT_EQ(back->data<float>()[5], 6.0f);

  for (DataType t : {DataType::kInt8, DataType::kUint8, DataType::kInt16, DataType::kUint16, DataType::kInt32,
                     DataType::kInt64, DataType::kBool, DataType::kFloat64}) {
    Tensor x = Tensor::Zeros(t, {4});
    auto y = ParseNpy(SerializeNpy(x), "mem");
    ASSERT_TRUE(y.ok()) << DataTypeName(t) << ": " << y.status().ToString();
    EXPECT_EQ(y->dtype(), t);
    EXPECT_EQ(y->shape(), (Shape{4}));
  }
}

TEST(Npy, HeaderIsPaddedTo64Bytes) {
  const std::string bytes = SerializeNpy(Tensor::Zeros(DataType::kFloat32, {1, 3, 224, 224}));
  const size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  EXPECT_EQ(bytes[10 + header_len - 1], '\n');
}

TEST(Npy, ScalarAndOneDimensionalShapes) {
  auto scalar = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", std::string(4, '\0')), "m");
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->rank(), 0);
  auto vec = ParseNpy(MakeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", std::string(24, '\0')), "m");
  ASSERT_TRUE(vec.ok());
  EXPECT_EQ(vec->shape(), (Shape{3}));
}

TEST(Npy, RefusesFortranOrderObjectsPicklesAndTruncation) {
  auto fortran = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::string(16, '\0')), "f.npy");
  EXPECT_EQ(fortran.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(fortran.status().message().find("Fortran"), std::string::npos);

  auto object = ParseNpy(MakeNpy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\0')), "o.npy");
  EXPECT_EQ(object.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(object.status().message().find("objects"), std::string::npos);

  auto pickle = ParseNpy(std::string("\x80\x04\x95") + std::string(20, 'x'), "p.npy");
  EXPECT_EQ(pickle.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(pickle.status().message().find("pickle"), std::string::npos);

  auto truncated = ParseNpy(MakeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", std::string(12, '\0')), "t.npy");
  EXPECT_EQ(truncated.status().code(), StatusCode::kCorruption);
  EXPECT_NE(truncated.status().message().find("t.npy"), std::string::npos);

  auto complex = ParseNpy(MakeNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::string(8, '\0')), "c.npy");
  EXPECT_EQ(complex.status().code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace xquant
