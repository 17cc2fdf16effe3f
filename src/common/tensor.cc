#include "xquant/tensor.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace xquant {

std::string DataTypeName(DataType type) {
  switch (type) {
    case DataType::kUndefined: return "undefined";
    case DataType::kFloat32: return "float32";
    case DataType::kUint8: return "uint8";
    case DataType::kInt8: return "int8";
    case DataType::kUint16: return "uint16";
    case DataType::kInt16: return "int16";
    case DataType::kInt32: return "int32";
    case DataType::kInt64: return "int64";
    case DataType::kString: return "string";
    case DataType::kBool: return "bool";
    case DataType::kFloat16: return "float16";
    case DataType::kFloat64: return "float64";
    case DataType::kBfloat16: return "bfloat16";
    case DataType::kUint4: return "uint4";
    case DataType::kInt4: return "int4";
  }
  return "dtype(" + std::to_string(static_cast<int>(type)) + ")";
}

size_t DataTypeSize(DataType type) {
  switch (type) {
    case DataType::kFloat32: return 4;
    case DataType::kFloat64: return 8;
    case DataType::kUint8:
    case DataType::kInt8:
    case DataType::kUint4:  // one element per byte
    case DataType::kInt4:
    case DataType::kBool: return 1;
    case DataType::kUint16:
    case DataType::kInt16:
    case DataType::kFloat16:
    case DataType::kBfloat16: return 2;
    case DataType::kInt32: return 4;
    case DataType::kInt64: return 8;
    default: return 0;
  }
}

bool IsSupportedDataType(DataType type) {
  return type != DataType::kUndefined && type != DataType::kString && type != DataType::kFloat16 &&
         type != DataType::kBfloat16 && DataTypeSize(type) > 0;
}

int64_t ElementCount(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {
// 64-byte alignment: a cache line, and what AVX-512 loads and oneDNN prefer.
constexpr size_t kAlignment = 64;

// Large buffers are recycled instead of returned to the C library. A model allocates the same
// sizes run after run; glibc serves big blocks with fresh mmaps (or trims them back), so every
// run would page-fault its whole working set again: measured 25-35% of mobilenet_v2's time at
// batch 8. Freed blocks of >= kPoolMinBytes wait here, keyed by size, up to kPoolMaxBytes in all;
// beyond that they are freed. The pool is never destroyed, so tensors that outlive static
// destruction can still return their blocks.
constexpr size_t kPoolMinBytes = size_t{64} << 10;
constexpr size_t kPoolMaxBytes = size_t{1} << 30;

class BufferPool {
 public:
  void* Allocate(size_t bytes) {
    if (bytes >= kPoolMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(bytes);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        pooled_bytes_ -= bytes;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlignment, bytes);
    if (!p) throw std::bad_alloc();
    return p;
  }

  void Release(void* p, size_t bytes) {
    if (bytes >= kPoolMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pooled_bytes_ + bytes <= kPoolMaxBytes) {
        free_[bytes].push_back(p);
        pooled_bytes_ += bytes;
        return;
      }
    }
    std::free(p);
  }

 private:
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  size_t pooled_bytes_ = 0;
};

BufferPool& Pool() {
  static BufferPool* pool = new BufferPool;  // never destroyed: see above
  return *pool;
}

std::shared_ptr<void> AllocateBuffer(size_t nbytes) {
  size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  if (rounded >= kPoolMinBytes) rounded = (rounded + 4095) / 4096 * 4096;  // fewer distinct sizes
  void* p = Pool().Allocate(rounded);
  return std::shared_ptr<void>(p, [rounded](void* q) { Pool().Release(q, rounded); });
}
}  // namespace

Tensor::Tensor(DataType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  size_ = ElementCount(shape_);
  buffer_ = AllocateBuffer(nbytes());
  data_ = buffer_.get();
}

Tensor Tensor::Zeros(DataType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  std::memset(t.data_, 0, t.nbytes());
  return t;
}

Tensor Tensor::WithCapacity(DataType dtype, Shape shape, int64_t elements) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.size_ = ElementCount(t.shape_);
  t.buffer_ = AllocateBuffer(static_cast<size_t>(std::max(t.size_, elements)) * DataTypeSize(dtype));
  t.data_ = t.buffer_.get();
  return t;
}

Tensor Tensor::Reshaped(Shape shape) const {
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::Clone() const {
  if (!defined()) return Tensor();
  Tensor t(dtype_, shape_);
  std::memcpy(t.data_, data_, nbytes());
  return t;
}

double Tensor::GetAsDouble(int64_t index) const {
  switch (dtype_) {
    case DataType::kFloat32: return data<float>()[index];
    case DataType::kFloat64: return data<double>()[index];
    case DataType::kUint8:
    case DataType::kUint4: return data<uint8_t>()[index];
    case DataType::kInt8:
    case DataType::kInt4: return data<int8_t>()[index];
    case DataType::kUint16: return data<uint16_t>()[index];
    case DataType::kInt16: return data<int16_t>()[index];
    case DataType::kInt32: return data<int32_t>()[index];
    case DataType::kInt64: return static_cast<double>(data<int64_t>()[index]);
    case DataType::kBool: return data<bool>()[index] ? 1.0 : 0.0;
    default: return 0.0;
  }
}

}  // namespace xquant
