#include "kernels/elementwise/elementwise.h"

#include <cmath>

namespace xquant::kernels::elementwise {

bool IsFloatType(DataType t) { return t == DataType::kFloat32 || t == DataType::kFloat64; }

bool IsNumericType(DataType t) { return IsSupportedDataType(t) && t != DataType::kBool; }

bool AcceptsType(TypeSet set, DataType t) {
  switch (set) {
    case TypeSet::kFloat: return IsFloatType(t);
    case TypeSet::kSigned:
      return IsFloatType(t) || t == DataType::kInt8 || t == DataType::kInt16 || t == DataType::kInt32 || t == DataType::kInt64;
    case TypeSet::kUnsigned: return t == DataType::kUint8 || t == DataType::kUint16;
    case TypeSet::kInteger: return IsNumericType(t) && !IsFloatType(t);
    case TypeSet::kNumeric: return IsNumericType(t);
    case TypeSet::kBool: return t == DataType::kBool;
    case TypeSet::kAll: return IsSupportedDataType(t);
  }
  return false;
}

std::string TypeSetName(TypeSet set) {
  switch (set) {
    case TypeSet::kFloat: return "float32 or float64";
    case TypeSet::kSigned: return "float32, float64 or a signed integer type";
    case TypeSet::kUnsigned: return "uint8 or uint16";
    case TypeSet::kInteger: return "an integer type";
    case TypeSet::kNumeric: return "a numeric type";
    case TypeSet::kBool: return "bool";
    case TypeSet::kAll: return "any type";
  }
  return "";
}

Status CheckInputType(const KernelInfo& info, size_t i, TypeSet set) {
  const DataType t = info.InputType(i);
  // float16 values are held as float32.
  if (t == DataType::kUndefined || t == DataType::kFloat16 || AcceptsType(set, t)) return Status::Ok();
  if (!IsSupportedDataType(t))
    return info.Unsupported("input " + std::to_string(i) + " has element type " + DataTypeName(t) + ", which xquant cannot hold");
  return info.Invalid("input " + std::to_string(i) + " has element type " + DataTypeName(t) + "; expected " + TypeSetName(set));
}

std::string TypeList(std::initializer_list<DataType> types) {
  std::string s;
  for (DataType t : types) s += (s.empty() ? "" : ", ") + DataTypeName(t);
  return s;
}

double RoundToHalf(double v) {
  if (!std::isfinite(v)) return v;
  // 65520 is halfway between the largest half (65504) and 65536: it and above round to inf.
  if (std::fabs(v) >= 65520.0) return std::copysign(HUGE_VAL, v);
  int exponent;
  std::frexp(v, &exponent);  // |v| = m * 2^exponent, m in [0.5, 1)
  // A half has 11 significant bits; below 2^-14 (subnormals) its spacing stays 2^-24.
  const double quantum = std::ldexp(1.0, std::max(exponent - 11, -24));
  return std::nearbyint(v / quantum) * quantum;  // exact scaling; nearbyint ties to even
}

StatusOr<BroadcastPlan> PlanBroadcast(const std::vector<Shape>& shapes) {
  BroadcastPlan plan;
  Shape out = shapes.empty() ? Shape{} : shapes[0];
  for (size_t k = 1; k < shapes.size(); ++k) {
    auto joined = BroadcastShapes(out, shapes[k]);
    if (!joined.ok()) {
      std::string all;
      for (const Shape& s : shapes) all += (all.empty() ? "" : " and ") + ShapeToString(s);
      return InvalidArgumentError("shapes " + all + " cannot be broadcast together");
    }
    out = std::move(joined).value();
  }
  plan.out_shape = out;
  plan.size = ElementCount(out);
  const size_t operands = shapes.size();
  std::vector<std::vector<int64_t>> strides;
  for (const Shape& s : shapes) strides.push_back(BroadcastStrides(s, out));

  // Keep the dimensions longer than 1, merging each into the previous kept one when every operand
  // steps through the pair as through one dimension (both repeated, or both contiguous).
  std::vector<int64_t> dims;
  std::vector<std::vector<int64_t>> kept(operands);
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    bool merge = !dims.empty();
    for (size_t k = 0; k < operands && merge; ++k) merge = kept[k].back() == strides[k][d] * out[d];
    if (merge) {
      dims.back() *= out[d];
      for (size_t k = 0; k < operands; ++k) kept[k].back() = strides[k][d];
    } else {
      dims.push_back(out[d]);
      for (size_t k = 0; k < operands; ++k) kept[k].push_back(strides[k][d]);
    }
  }
  if (dims.empty()) {  // a single element (or none)
    dims.push_back(1);
    for (size_t k = 0; k < operands; ++k) kept[k].push_back(0);
  }
  plan.inner = dims.back();
  plan.outer.assign(dims.begin(), dims.end() - 1);
  plan.outer_strides.resize(operands);
  plan.inner_stride.resize(operands);
  for (size_t k = 0; k < operands; ++k) {
    plan.inner_stride[k] = kept[k].back();  // 0 or 1: the last kept dimension is the operand's last
    plan.outer_strides[k].assign(kept[k].begin(), kept[k].end() - 1);
  }
  if (plan.inner == 0) plan.inner = 1;  // empty output: no rows are visited
  return plan;
}

LegacyBroadcast ReadLegacyBroadcast(const KernelInfo& info) {
  LegacyBroadcast legacy;
  if (info.opset() >= 7) return legacy;
  legacy.enabled = info.node().GetInt("broadcast", 0) != 0;
  legacy.has_axis = info.node().HasAttribute("axis");
  legacy.axis = info.node().GetInt("axis", 0);
  return legacy;
}

StatusOr<Shape> LegacyShapeOfB(const KernelContext& ctx, const LegacyBroadcast& legacy, const Shape& a, const Shape& b) {
  if (!legacy.enabled || !legacy.has_axis) return b;
  const int64_t rank = static_cast<int64_t>(a.size());
  const int64_t axis = legacy.axis < 0 ? legacy.axis + rank : legacy.axis;
  if (axis < 0 || axis + static_cast<int64_t>(b.size()) > rank)
    return ctx.Error("broadcast axis " + std::to_string(legacy.axis) + " does not fit B " + ShapeToString(b) +
                     " into A " + ShapeToString(a));
  Shape padded = b;
  padded.resize(static_cast<size_t>(rank - axis), 1);
  return padded;
}

}  // namespace xquant::kernels::elementwise
