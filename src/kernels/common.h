// Helpers shared by the kernels: axis handling, broadcasting, reading shape-like inputs,
// dispatching on element type.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/kernel.h"
#include "exec/parallel.h"
#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::kernels {

using exec::Kernel;
using exec::KernelContext;
using exec::KernelInfo;
using exec::MakeKernel;

// Maps a possibly negative axis into [0, rank); error when out of range.
StatusOr<int> NormalizeAxis(int64_t axis, int rank, const std::string& what);

// Numpy-style (multidirectional) broadcast of two shapes; error naming both when incompatible.
StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);

// Strides (in elements) of `shape` viewed as broadcast into `out` (right-aligned): 0 along
// broadcast dimensions. Result has out.size() entries.
std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out);

// Values of an int32/int64 1-D (or scalar) tensor, as int64 (shapes, axes, pads, indices).
StatusOr<std::vector<int64_t>> ToInt64Vector(const Tensor& t, const std::string& what);
// Values of a float32/float64 tensor as floats (scales).
StatusOr<std::vector<float>> ToFloatVector(const Tensor& t, const std::string& what);

// Requires input `i` to be present and of one of `types`; returns it.
StatusOr<const Tensor*> RequireInput(const exec::KernelContext& ctx, size_t i,
                                     std::initializer_list<DataType> types = {});

// Calls fn(T{}) with T the C++ type of `dtype`, over all numeric types a Tensor can hold.
// Returns NotSupported for others.
template <typename F>
Status DispatchNumeric(DataType dtype, const std::string& what, F&& fn) {
  switch (dtype) {
    case DataType::kFloat32: fn(float{}); return Status::Ok();
    case DataType::kFloat64: fn(double{}); return Status::Ok();
    case DataType::kInt8: fn(int8_t{}); return Status::Ok();
    case DataType::kUint8: fn(uint8_t{}); return Status::Ok();
    case DataType::kInt16: fn(int16_t{}); return Status::Ok();
    case DataType::kUint16: fn(uint16_t{}); return Status::Ok();
    case DataType::kInt32: fn(int32_t{}); return Status::Ok();
    case DataType::kInt64: fn(int64_t{}); return Status::Ok();
    default: return NotSupportedError(what + ": element type " + DataTypeName(dtype) + " is not supported");
  }
}

// Same, plus bool: for ops that only move data (Reshape, Concat, Gather, ...). Dispatches on the
// element size, since moving bytes does not care about the type.
template <typename F>
Status DispatchBySize(DataType dtype, const std::string& what, F&& fn) {
  switch (DataTypeSize(dtype)) {
    case 1: fn(uint8_t{}); return Status::Ok();
    case 2: fn(uint16_t{}); return Status::Ok();
    case 4: fn(uint32_t{}); return Status::Ok();
    case 8: fn(uint64_t{}); return Status::Ok();
    default: return NotSupportedError(what + ": element type " + DataTypeName(dtype) + " is not supported");
  }
}

}  // namespace xquant::kernels
