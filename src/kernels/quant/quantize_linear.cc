// QuantizeLinear (ONNX opsets 10, 13, 19, 21; com.microsoft contrib):
//   y = saturate(round_half_even(x / y_scale) + y_zero_point)
// computed exactly as onnxruntime's MLAS kernel does, so the integers match bit for bit: the
// division (not a multiplication by 1/scale) and nearbyint in float32, the zero point added in
// float32, then the clamp to the type's range. int4/uint4 outputs (opset 21, com.microsoft) use
// the same arithmetic with the ranges [-8, 7] / [0, 15], held one element per byte.
#include <cmath>
#include <limits>

#include "kernels/common.h"
#include "kernels/quant/qdq_params.h"

namespace xquant::kernels {
namespace {

// One element. NaN saturates to the type's minimum, as MLAS's vector path does (its max with the
// lower bound returns the bound for NaN); written with comparisons because std::max passes NaN on.
// [kMin, kMax] is Q's range, or the 4-bit range held in an 8-bit Q.
template <typename Q, int32_t kMin, int32_t kMax>
inline Q QuantizeValue(float x, float scale, float zero_point) {
  constexpr float kLow = static_cast<float>(kMin);
  constexpr float kHigh = static_cast<float>(kMax);
  float v = std::nearbyintf(x / scale) + zero_point;
  v = v >= kLow ? v : kLow;
  v = v <= kHigh ? v : kHigh;
  return static_cast<Q>(static_cast<int32_t>(v));
}

// One row with one scale. The pointers are __restrict and the parameters values: with a Q* output
// (a char type for uint8/int8, which may alias anything) the compiler would otherwise reload the
// scale after every store and not vectorize, and this loop was half of a QDQ model's time.
template <typename Q, int32_t kMin, int32_t kMax>
void QuantizeRow(const float* __restrict x, int64_t n, float scale, float zero_point, Q* __restrict y) {
  for (int64_t i = 0; i < n; ++i) y[i] = QuantizeValue<Q, kMin, kMax>(x[i], scale, zero_point);
}

template <typename Q, int32_t kMin = std::numeric_limits<Q>::min(), int32_t kMax = std::numeric_limits<Q>::max()>
void Quantize(const float* x, const float* scale, const Q* zero_point, const QdqLayout& l, Q* y) {
  if (l.per_tensor) {
    // One scale for everything: split the elements, not the (single) row.
    const float sc = scale[0];
    const float zp = zero_point ? static_cast<float>(zero_point[0]) : 0.0f;
    exec::ParallelFor(l.inner, exec::kElementwiseGrain,
                      [&](int64_t begin, int64_t end) { QuantizeRow<Q, kMin, kMax>(x + begin, end - begin, sc, zp, y + begin); });
    return;
  }
  exec::ParallelFor(l.outer * l.axis_dim, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, l.inner)),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t row = begin; row < end; ++row) {
                        const float* in = x + row * l.inner;
                        Q* out = y + row * l.inner;
                        if (l.block_size > 0) {
                          const int64_t base = BlockedScaleOffset(l, row);
                          for (int64_t i = 0; i < l.inner; ++i) {
                            const float zp = zero_point ? static_cast<float>(zero_point[base + i]) : 0.0f;
                            out[i] = QuantizeValue<Q, kMin, kMax>(in[i], scale[base + i], zp);
                          }
                          continue;
                        }
                        const int64_t s = ScaleIndex(l, row % l.axis_dim);
                        const float sc = scale[s];
                        const float zp = zero_point ? static_cast<float>(zero_point[s]) : 0.0f;
                        QuantizeRow<Q, kMin, kMax>(in, l.inner, sc, zp, out);
                      }
                    });
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateQuantizeLinear(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const int64_t axis = node.GetInt("axis", 1);
  const int64_t block_size = node.GetInt("block_size", 0);
  const int64_t output_dtype = node.GetInt("output_dtype", 0);
  if (block_size < 0) return info.Invalid("block_size must be >= 0");
  if (node.GetInt("saturate", 1) != 1)
    return info.Unsupported("saturate=0 only concerns float8 outputs, which xquant does not support");
  if (info.num_inputs() < 2) return info.Invalid("needs inputs x and y_scale");
  return MakeKernel([=](exec::KernelContext& ctx) -> Status {
    XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0, {DataType::kFloat32}));
    XQ_ASSIGN_OR_RETURN(const Tensor* scale, RequireInput(ctx, 1, {DataType::kFloat32}));
    const Tensor* zp = ctx.input(2);
    // Opset 21: without a zero point, output_dtype names the type; with one, both must agree.
    if (zp && output_dtype && static_cast<DataType>(output_dtype) != zp->dtype())
      return ctx.Error("output_dtype " + DataTypeName(static_cast<DataType>(output_dtype)) +
                       " differs from the zero point's type " + DataTypeName(zp->dtype()));
    DataType qtype = zp ? zp->dtype() : (output_dtype ? static_cast<DataType>(output_dtype) : DataType::kUint8);
    XQ_ASSIGN_OR_RETURN(QdqLayout layout, ComputeQdqLayout(ctx, *x, *scale, zp, axis, block_size));
    Tensor y(qtype, x->shape());
    const float* s = scale->data<float>();
    switch (qtype) {
      case DataType::kUint8: Quantize<uint8_t>(x->data<float>(), s, zp ? zp->data<uint8_t>() : nullptr, layout, y.data<uint8_t>()); break;
      case DataType::kInt8: Quantize<int8_t>(x->data<float>(), s, zp ? zp->data<int8_t>() : nullptr, layout, y.data<int8_t>()); break;
      case DataType::kUint16: Quantize<uint16_t>(x->data<float>(), s, zp ? zp->data<uint16_t>() : nullptr, layout, y.data<uint16_t>()); break;
      case DataType::kInt16: Quantize<int16_t>(x->data<float>(), s, zp ? zp->data<int16_t>() : nullptr, layout, y.data<int16_t>()); break;
      case DataType::kUint4: Quantize<uint8_t, 0, 15>(x->data<float>(), s, zp ? zp->data<uint8_t>() : nullptr, layout, y.data<uint8_t>()); break;
      case DataType::kInt4: Quantize<int8_t, -8, 7>(x->data<float>(), s, zp ? zp->data<int8_t>() : nullptr, layout, y.data<int8_t>()); break;
      default:
        return NotSupportedError(ctx.node().Describe() + ": quantizing to " + DataTypeName(qtype) +
                                 " is not supported (int4, uint4, int8, uint8, int16, uint16)");
    }
    ctx.output(0) = std::move(y);
    return Status::Ok();
  });
}

}  // namespace xquant::kernels
