#include "kernels/quant/dialect_params.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace xquant::kernels::dialect {
namespace {

const char* KindName(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kInt: return "an int";
    case Attribute::Kind::kFloat: return "a float";
    case Attribute::Kind::kString: return "a string";
    case Attribute::Kind::kInts: return "a list of ints";
    case Attribute::Kind::kFloats: return "a list of floats";
    case Attribute::Kind::kStrings: return "a list of strings";
    case Attribute::Kind::kTensor: return "a tensor";
    case Attribute::Kind::kGraph: return "a graph";
  }
  return "an unknown kind";
}

// The attribute `name` when present; an error when it has another kind than `kind`.
StatusOr<const Attribute*> Find(const KernelInfo& info, std::string_view name, Attribute::Kind kind) {
  const Attribute* a = info.node().FindAttribute(name);
  if (a && a->kind != kind)
    return info.Invalid("attribute '" + std::string(name) + "' must be " + KindName(kind) + ", but it is " +
                        KindName(a->kind));
  return a;
}

Status Missing(const KernelInfo& info, std::string_view name, const char* kind) {
  return info.Invalid("required attribute '" + std::string(name) + "' (" + kind + ") is missing");
}

}  // namespace

StatusOr<int64_t> RequiredInt(const KernelInfo& info, std::string_view name) {
  XQ_ASSIGN_OR_RETURN(const Attribute* a, Find(info, name, Attribute::Kind::kInt));
  if (!a) return Missing(info, name, "int");
  return a->i;
}

StatusOr<float> RequiredFloat(const KernelInfo& info, std::string_view name) {
  XQ_ASSIGN_OR_RETURN(const Attribute* a, Find(info, name, Attribute::Kind::kFloat));
  if (!a) return Missing(info, name, "float");
  return a->f;
}

StatusOr<int64_t> OptionalInt(const KernelInfo& info, std::string_view name, int64_t default_value) {
  XQ_ASSIGN_OR_RETURN(const Attribute* a, Find(info, name, Attribute::Kind::kInt));
  return a ? a->i : default_value;
}

StatusOr<float> OptionalFloat(const KernelInfo& info, std::string_view name, float default_value) {
  XQ_ASSIGN_OR_RETURN(const Attribute* a, Find(info, name, Attribute::Kind::kFloat));
  return a ? a->f : default_value;
}

StatusOr<std::string> OptionalString(const KernelInfo& info, std::string_view name, const std::string& default_value) {
  XQ_ASSIGN_OR_RETURN(const Attribute* a, Find(info, name, Attribute::Kind::kString));
  return a ? a->s : default_value;
}

StatusOr<bool> OptionalFlag(const KernelInfo& info, std::string_view name, bool default_value) {
  XQ_ASSIGN_OR_RETURN(int64_t v, OptionalInt(info, name, default_value ? 1 : 0));
  if (v != 0 && v != 1)
    return info.Invalid("attribute '" + std::string(name) + "' must be 0 or 1, got " + std::to_string(v));
  return v == 1;
}

Status RequireInputs(const KernelInfo& info, size_t count, const std::string& names) {
  for (size_t i = 0; i < count; ++i) {
    if (info.HasInput(i)) continue;
    // The i-th name of the comma-separated list, to say which input is missing.
    size_t begin = 0;
    for (size_t k = 0; k < i && begin != std::string::npos; ++k) {
      begin = names.find(',', begin);
      if (begin != std::string::npos) begin += 2;
    }
    const std::string name = begin == std::string::npos ? "" : names.substr(begin, names.find(',', begin) - begin);
    return info.Invalid("input " + std::to_string(i) + (name.empty() ? "" : " (" + name + ")") + " is missing; needs " +
                        std::to_string(count) + " inputs: " + names);
  }
  return Status::Ok();
}

StatusOr<RoundingMode> ParseRoundingMode(const KernelInfo& info, const std::string& default_mode) {
  XQ_ASSIGN_OR_RETURN(std::string mode, OptionalString(info, "rounding_mode", default_mode));
  std::string upper = mode;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper == "ROUND" || upper == "HALF_EVEN") return RoundingMode::kHalfEven;
  if (upper == "CEIL") return RoundingMode::kCeil;
  if (upper == "FLOOR") return RoundingMode::kFloor;
  if (upper == "UP") return RoundingMode::kUp;
  if (upper == "DOWN") return RoundingMode::kDown;
  if (upper == "HALF_UP") return RoundingMode::kHalfUp;
  if (upper == "HALF_DOWN") return RoundingMode::kHalfDown;
  return info.Invalid("attribute 'rounding_mode' is \"" + mode +
                      "\"; expected ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP or HALF_DOWN");
}

StatusOr<std::vector<float>> ParamValues(const KernelContext& ctx, size_t i, const std::string& field,
                                         bool allow_integer) {
  const Tensor* t = ctx.input(i);
  if (!t) return ctx.Error(field + " (input " + std::to_string(i) + ") is missing");
  const DataType type = t->dtype();
  const bool is_float = type == DataType::kFloat32 || type == DataType::kFloat64;
  const bool is_integer = type == DataType::kInt8 || type == DataType::kUint8 || type == DataType::kInt16 ||
                          type == DataType::kUint16 || type == DataType::kInt32 || type == DataType::kInt64;
  if (!is_float && !(allow_integer && is_integer))
    return ctx.Error(field + " (input " + std::to_string(i) + ") has type " + DataTypeName(type) + "; expected " +
                     (allow_integer ? "a float or integer type" : "float32"));
  std::vector<float> values(static_cast<size_t>(t->size()));
  if (type == DataType::kFloat32) std::copy_n(t->data<float>(), t->size(), values.begin());
  else
    for (int64_t k = 0; k < t->size(); ++k) values[k] = static_cast<float>(t->GetAsDouble(k));
  return values;
}

StatusOr<double> ScalarParam(const KernelContext& ctx, size_t i, const std::string& field) {
  const Tensor* t = ctx.input(i);
  if (!t) return ctx.Error(field + " (input " + std::to_string(i) + ") is missing");
  if (t->size() != 1)
    return ctx.Error(field + " (input " + std::to_string(i) + ") must hold one value, got shape " +
                     ShapeToString(t->shape()));
  if (t->dtype() == DataType::kBool || !IsSupportedDataType(t->dtype()) || IsFourBitType(t->dtype()))
    return ctx.Error(field + " (input " + std::to_string(i) + ") has type " + DataTypeName(t->dtype()) +
                     "; expected a number");
  return t->GetAsDouble(0);
}

StatusOr<int> BitWidthParam(const KernelContext& ctx, size_t i, const std::string& field) {
  XQ_ASSIGN_OR_RETURN(double b, ScalarParam(ctx, i, field));
  if (!(b >= 1.0 && b <= 32.0) || b != std::floor(b))
    return ctx.Error(field + " (input " + std::to_string(i) + ") is " + std::to_string(b) +
                     "; expected a whole number of bits from 1 to 32");
  return static_cast<int>(b);
}

StatusOr<std::vector<float>> ScaleValues(const KernelContext& ctx, size_t i, const std::string& field) {
  XQ_ASSIGN_OR_RETURN(std::vector<float> scale, ParamValues(ctx, i, field));
  for (size_t k = 0; k < scale.size(); ++k)
    if (!std::isfinite(scale[k]) || scale[k] <= 0.0f)
      return ctx.Error(field + "[" + std::to_string(k) + "] must be a positive number, got " + std::to_string(scale[k]));
  return scale;
}

IntRange QonnxIntRange(int bits, bool is_signed, bool narrow) {
  const double half = std::ldexp(1.0, bits - 1), full = std::ldexp(1.0, bits);
  if (is_signed) return {static_cast<float>(-half + (narrow ? 1 : 0)), static_cast<float>(half - 1)};
  return {0.0f, static_cast<float>(full - (narrow ? 2 : 1))};
}

StatusOr<ParamView> BroadcastView(const KernelContext& ctx, const std::vector<float>& values, const Shape& shape,
                                  const Shape& x_shape, const std::string& field) {
  bool fits = shape.size() <= x_shape.size();
  for (size_t k = 0; fits && k < shape.size(); ++k) {
    const int64_t d = shape[shape.size() - 1 - k];
    fits = d == 1 || d == x_shape[x_shape.size() - 1 - k];
  }
  if (!fits)
    return ctx.Error(field + " has shape " + ShapeToString(shape) + ", which does not broadcast to the input's shape " +
                     ShapeToString(x_shape));
  ParamView view;
  view.data = values.data();
  view.strides = BroadcastStrides(shape, x_shape);
  return view;
}

StatusOr<ParamView> ChannelView(const KernelContext& ctx, const std::vector<float>& values, int64_t axis,
                                const Shape& x_shape, const std::string& field) {
  ParamView view;
  view.data = values.data();
  view.strides.assign(x_shape.size(), 0);
  if (values.size() == 1) return view;
  if (axis < 0 || axis >= static_cast<int64_t>(x_shape.size()) || x_shape[axis] != static_cast<int64_t>(values.size()))
    return ctx.Error(field + " has " + std::to_string(values.size()) + " values, but the input " +
                     ShapeToString(x_shape) + (axis >= 0 && axis < static_cast<int64_t>(x_shape.size())
                                                   ? " has " + std::to_string(x_shape[axis]) + " channels along axis " +
                                                         std::to_string(axis)
                                                   : " has no axis " + std::to_string(axis)));
  view.strides[axis] = 1;
  return view;
}

}  // namespace xquant::kernels::dialect
