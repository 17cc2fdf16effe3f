// Tensor: a typed, shaped, contiguous (C order) block of memory with shared ownership.
//
// Copying a Tensor is cheap: copies share one buffer (like a shared_ptr). A kernel that writes a
// tensor allocates a new one; nobody writes into a buffer another tensor can see. Buffers are
// 64-byte aligned so vector kernels and oneDNN can use them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xquant {

// Element types. The numbers are ONNX's TensorProto.DataType values so conversions are trivial.
enum class DataType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,  // never held by a Tensor; named so errors can say what was refused
  kBool = 9,
  kFloat16 = 10,  // storage only: converted to float32 where it appears (e.g. opset-19 scales)
  kFloat64 = 11,
  kBfloat16 = 16,  // storage only, like float16: opset-19 scales are converted to float32 on load
  // 4-bit integers (QuantizeLinear/DequantizeLinear opset 21, com.microsoft Q/DQ). Files pack two
  // per byte; a Tensor holds one per byte (uint8_t / int8_t storage, values in [0, 15] / [-8, 7])
  // so every kernel indexes them like the 8-bit types. See docs/dialects.md.
  kUint4 = 21,
  kInt4 = 22,
};

// "float32", "int8", ...; "dtype(N)" for values outside the enum.
std::string DataTypeName(DataType type);
// Bytes per element; 0 for types a Tensor cannot hold.
size_t DataTypeSize(DataType type);
// True for the types a Tensor can hold: float32, float64, the 4/8/16/32/64-bit integers, bool.
bool IsSupportedDataType(DataType type);

template <typename T>
constexpr DataType DataTypeOf();
template <> constexpr DataType DataTypeOf<float>() { return DataType::kFloat32; }
template <> constexpr DataType DataTypeOf<double>() { return DataType::kFloat64; }
template <> constexpr DataType DataTypeOf<uint8_t>() { return DataType::kUint8; }
template <> constexpr DataType DataTypeOf<int8_t>() { return DataType::kInt8; }
template <> constexpr DataType DataTypeOf<uint16_t>() { return DataType::kUint16; }
template <> constexpr DataType DataTypeOf<int16_t>() { return DataType::kInt16; }
template <> constexpr DataType DataTypeOf<int32_t>() { return DataType::kInt32; }
template <> constexpr DataType DataTypeOf<int64_t>() { return DataType::kInt64; }
template <> constexpr DataType DataTypeOf<bool>() { return DataType::kBool; }

// True for int4/uint4 (held one element per byte).
inline bool IsFourBitType(DataType type) { return type == DataType::kInt4 || type == DataType::kUint4; }

using Shape = std::vector<int64_t>;

// Number of elements of `shape` (1 for a scalar, 0 if any dimension is 0).
int64_t ElementCount(const Shape& shape);
// "[1, 3, 224, 224]"
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;  // undefined: holds nothing
  // Allocates an uninitialised tensor. REQUIRES: IsSupportedDataType(dtype), all dims >= 0.
  Tensor(DataType dtype, Shape shape);
  // Allocates and zero-fills.
  static Tensor Zeros(DataType dtype, Shape shape);
  // Allocates an uninitialised tensor whose buffer holds at least `elements` elements, more than
  // its shape needs when a kernel stores it in a padded layout (the executor's channel-blocked
  // hand-off pads channels to a multiple of 16). size() and nbytes() stay those of the shape.
  static Tensor WithCapacity(DataType dtype, Shape shape, int64_t elements);

  template <typename T>
  static Tensor FromVector(Shape shape, const std::vector<T>& values) {
    Tensor t(DataTypeOf<T>(), std::move(shape));
    T* out = t.data<T>();
    for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.size()); ++i) out[i] = values[i];
    return t;
  }
  template <typename T>
  static Tensor Scalar(T value) {
    return FromVector<T>({}, {value});
  }

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const { return shape_[axis]; }
  int64_t size() const { return size_; }  // element count
  size_t nbytes() const { return static_cast<size_t>(size_) * DataTypeSize(dtype_); }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T>
  T* data() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    return static_cast<const T*>(data_);
  }

  // A tensor sharing this one's buffer with another shape of the same element count.
  Tensor Reshaped(Shape shape) const;
  // A deep copy with its own buffer.
  Tensor Clone() const;
  // True when both share one buffer (used to test zero-copy ops).
  bool SharesBufferWith(const Tensor& other) const { return buffer_ && buffer_ == other.buffer_; }

  // Element `index` (flat, C order) converted to double, whatever the dtype. For tests and reports.
  double GetAsDouble(int64_t index) const;

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t size_ = 0;
  std::shared_ptr<void> buffer_;
  void* data_ = nullptr;
};

}  // namespace xquant
