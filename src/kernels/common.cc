#include "kernels/common.h"

#include <algorithm>

namespace xquant::kernels {

StatusOr<int> NormalizeAxis(int64_t axis, int rank, const std::string& what) {
  const int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= std::max(rank, 1))
    return InvalidArgumentError(what + ": axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return static_cast<int>(normalized);
}

StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else
      return InvalidArgumentError("shapes " + ShapeToString(a) + " and " + ShapeToString(b) + " cannot be broadcast together");
  }
  return out;
}

std::vector<int64_t> BroadcastStrides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t stride = 1;
  const size_t offset = out.size() - shape.size();
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i + offset] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

StatusOr<std::vector<int64_t>> ToInt64Vector(const Tensor& t, const std::string& what) {
  std::vector<int64_t> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DataType::kInt64) std::copy(t.data<int64_t>(), t.data<int64_t>() + t.size(), v.begin());
  else if (t.dtype() == DataType::kInt32) std::copy(t.data<int32_t>(), t.data<int32_t>() + t.size(), v.begin());
  else return InvalidArgumentError(what + " must be int64 or int32, got " + DataTypeName(t.dtype()));
  return v;
}

StatusOr<std::vector<float>> ToFloatVector(const Tensor& t, const std::string& what) {
  std::vector<float> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DataType::kFloat32) std::copy(t.data<float>(), t.data<float>() + t.size(), v.begin());
  else if (t.dtype() == DataType::kFloat64) std::copy(t.data<double>(), t.data<double>() + t.size(), v.begin());
  else return InvalidArgumentError(what + " must be float32, got " + DataTypeName(t.dtype()));
  return v;
}

StatusOr<const Tensor*> RequireInput(const exec::KernelContext& ctx, size_t i, std::initializer_list<DataType> types) {
  const Tensor* t = ctx.input(i);
  if (!t) return ctx.Error("input " + std::to_string(i) + " is required");
  if (types.size() && std::find(types.begin(), types.end(), t->dtype()) == types.end()) {
    std::string allowed;
    for (DataType d : types) allowed += (allowed.empty() ? "" : ", ") + DataTypeName(d);
    return ctx.Error("input " + std::to_string(i) + " has type " + DataTypeName(t->dtype()) + "; expected " + allowed);
  }
  return t;
}

}  // namespace xquant::kernels
