// Cast (opsets 1-19) and CastLike (opset 15): convert every element to another type.
//   - `to` is a TensorProto.DataType number from opset 6, a type name ("FLOAT") before it.
//   - float -> integer truncates toward zero as a C++ static_cast does on x86-64 (onnxruntime),
//     out-of-range and NaN inputs included (see FloatToInt); no saturation. Anything -> bool is
//     "!= 0"; bool -> numbers is 0/1; integer -> narrower integer keeps the low bits.
//   - FLOAT16: xquant holds float16 tensors as float32, so a cast to float16 yields float32 values
//     rounded to the nearest half (ties to even, inf beyond 65504), computed from the source value
//     directly (no double rounding through float32 for float64 sources).
//   - STRING, BFLOAT16, UINT32/64, complex and float8 targets are NotSupported: a Tensor cannot
//     hold them. Opset 19's `saturate` only concerns float8 and is ignored.
// A cast to the input's own type returns the input's buffer.
#include <cctype>

#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels {
namespace elementwise {

StatusOr<Tensor> ConvertTensor(const Tensor& in, DataType to, bool to_half, const std::string& what) {
  if (in.dtype() == to && !to_half) return in;
  if (to_half && to != DataType::kFloat32) return InternalError(what + ": float16 values are held as float32");
  Tensor out(to, in.shape());
  Status inner;
  Status outer = DispatchAll(in.dtype(), what, [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* src = in.data<From>();
    if (to_half) {
      if constexpr (std::is_same_v<From, bool>) {
        UnaryLoop(src, out.data<float>(), in.size(), [](bool v) { return v ? 1.0f : 0.0f; });
      } else {
        UnaryLoop(src, out.data<float>(), in.size(),
                  [](From v) { return static_cast<float>(RoundToHalf(static_cast<double>(v))); }, kLibmGrain);
      }
      return;
    }
    inner = DispatchAll(to, what, [&](auto to_tag) {
      using To = decltype(to_tag);
      UnaryLoop(src, out.data<To>(), in.size(), [](From v) { return ConvertValue<To>(v); });
    });
  });
  XQ_RETURN_IF_ERROR(outer);
  XQ_RETURN_IF_ERROR(inner);
  return out;
}

}  // namespace elementwise

namespace {

// The element type for a TensorProto.DataType number; `half` is set for FLOAT16.
Status TargetType(const KernelInfo& info, int64_t onnx_type, DataType* type, bool* half) {
  *half = onnx_type == static_cast<int64_t>(DataType::kFloat16);
  if (*half) {
    *type = DataType::kFloat32;
    return Status::Ok();
  }
  const auto t = static_cast<DataType>(onnx_type);
  if (IsSupportedDataType(t)) {
    *type = t;
    return Status::Ok();
  }
  static const char* const kNames[] = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64",
                                       "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
                                       "COMPLEX128", "BFLOAT16"};
  if (onnx_type <= 0 || onnx_type > 23) return info.Invalid("`to` is not a valid data type: " + std::to_string(onnx_type));
  const std::string name = onnx_type < 17 ? kNames[onnx_type] : "float8/int4 type " + std::to_string(onnx_type);
  return info.Unsupported("casting to " + name + " is not supported: xquant tensors hold float32/64, float16 (as float32), "
                          "bool and 8-64-bit integers except uint32/uint64");
}

// Opsets 1-5 name the type: "FLOAT", "INT64", ...
StatusOr<int64_t> TypeNumberFromName(const KernelInfo& info, std::string name) {
  static const char* const kNames[] = {"FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32", "INT64", "STRING",
                                       "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128",
                                       "BFLOAT16"};
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int64_t i = 0; i < 16; ++i)
    if (name == kNames[i]) return i + 1;
  return info.Invalid("`to` names no data type: \"" + name + "\"");
}

StatusOr<std::unique_ptr<Kernel>> MakeCastKernel(DataType to, bool half) {
  return MakeKernel([to, half](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    auto y = elementwise::ConvertTensor(*x, to, half, ctx.node().Describe());
    if (!y.ok()) return y.status();
    ctx.output(0) = std::move(y).value();
    return Status::Ok();
  });
}

}  // namespace

StatusOr<std::unique_ptr<Kernel>> CreateCast(const KernelInfo& info) {
  const Attribute* attr = info.node().FindAttribute("to");
  if (!attr) return info.Invalid("attribute `to` is required");
  int64_t onnx_type = attr->i;
  if (attr->kind == Attribute::Kind::kString) {
    XQ_ASSIGN_OR_RETURN(onnx_type, TypeNumberFromName(info, attr->s));
  } else if (attr->kind != Attribute::Kind::kInt) {
    return info.Invalid("attribute `to` must be an int (or a type name before opset 6)");
  }
  DataType to;
  bool half;
  XQ_RETURN_IF_ERROR(TargetType(info, onnx_type, &to, &half));
  return MakeCastKernel(to, half);
}

StatusOr<std::unique_ptr<Kernel>> CreateCastLike(const KernelInfo& info) {
  if (info.num_inputs() != 2) return info.Invalid("expects inputs input and target_type");
  const DataType declared = info.InputType(1);
  if (declared != DataType::kUndefined) {
    DataType to;
    bool half;
    XQ_RETURN_IF_ERROR(TargetType(info, static_cast<int64_t>(declared), &to, &half));
    return MakeCastKernel(to, half);
  }
  // Type known only at run time; float16 cannot be told from float32 then (both held as float32).
  return MakeKernel([](KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* like, RequireInput(ctx, 1));
    auto y = elementwise::ConvertTensor(*x, like->dtype(), false, ctx.node().Describe());
    if (!y.ok()) return y.status();
    ctx.output(0) = std::move(y).value();
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
