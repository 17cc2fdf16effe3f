// DequantizeLinear (ONNX opsets 10, 13, 19, 21; com.microsoft contrib):
//   y = (x - x_zero_point) * x_scale
// as onnxruntime computes it: the difference in int32, converted to float32, times the scale.
// int32 inputs (quantized biases) have no zero point (or zero). int4/uint4 inputs (opset 21,
// com.microsoft) are held one element per byte and read like int8/uint8.
// The executor may fold a following Relu/Clip in (WithClamp): the clamp is then applied to each
// dequantized value as the Clip kernel would (NaN passes); without one the bounds are infinite.
#include <limits>

#include "kernels/common.h"
#include "kernels/quant/qdq_params.h"

namespace xquant::kernels {
namespace {

inline float ClampValue(float v, float lower, float upper) {
  v = v < lower ? lower : v;
  return v > upper ? upper : v;
}

// One row with one scale; __restrict and by-value parameters let the compiler vectorize (see
// QuantizeRow in quantize_linear.cc).
template <typename Q>
void DequantizeRow(const Q* __restrict x, int64_t n, float scale, int32_t zero_point, float lower, float upper,
                   float* __restrict y) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = ClampValue(static_cast<float>(static_cast<int32_t>(x[i]) - zero_point) * scale, lower, upper);
}

template <typename Q>
void Dequantize(const Q* x, const float* scale, const Q* zero_point, const QdqLayout& l, const exec::Clamp& clamp,
                float* y) {
  const float lower = clamp.lower, upper = clamp.upper;
  if (l.per_tensor) {
    // One scale for everything: split the elements, not the (single) row.
    const float sc = scale[0];
    const int32_t zp = zero_point ? static_cast<int32_t>(zero_point[0]) : 0;
    exec::ParallelFor(l.inner, exec::kElementwiseGrain,
                      [&](int64_t begin, int64_t end) {
      DequantizeRow<Q>(x + begin, end - begin, sc, zp, lower, upper, y + begin);
    });
    return;
  }
  exec::ParallelFor(l.outer * l.axis_dim, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, l.inner)),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t row = begin; row < end; ++row) {
                        if (l.block_size > 0) {
                          const int64_t base = BlockedScaleOffset(l, row);
                          const Q* in = x + row * l.inner;
                          float* out = y + row * l.inner;
                          for (int64_t i = 0; i < l.inner; ++i) {
                            const int32_t zp = zero_point ? static_cast<int32_t>(zero_point[base + i]) : 0;
                            out[i] = ClampValue(static_cast<float>(static_cast<int32_t>(in[i]) - zp) * scale[base + i],
                                                lower, upper);
                          }
                          continue;
                        }
                        const int64_t s = ScaleIndex(l, row % l.axis_dim);
                        const float sc = scale[s];
                        const int32_t zp = zero_point ? static_cast<int32_t>(zero_point[s]) : 0;
                        DequantizeRow<Q>(x + row * l.inner, l.inner, sc, zp, lower, upper, y + row * l.inner);
                      }
                    });
}

class DequantizeLinearKernel final : public exec::Kernel {
 public:
  DequantizeLinearKernel(int64_t axis, int64_t block_size, exec::Clamp clamp)
      : axis_(axis), block_size_(block_size), clamp_(clamp) {}

  Status Compute(exec::KernelContext& ctx) override;

  std::unique_ptr<exec::Kernel> WithClamp(const exec::Clamp& clamp) const override {
    if (clamp_.lower != -kInfinity || clamp_.upper != kInfinity) return nullptr;
    return std::make_unique<DequantizeLinearKernel>(axis_, block_size_, clamp);
  }

  static constexpr float kInfinity = std::numeric_limits<float>::infinity();

 private:
  int64_t axis_;
  int64_t block_size_;
  exec::Clamp clamp_;
};

Status DequantizeLinearKernel::Compute(exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  XQ_ASSIGN_OR_RETURN(const Tensor* scale, RequireInput(ctx, 1, {DataType::kFloat32}));
  const Tensor* zp = ctx.input(2);
  if (zp && zp->dtype() != x->dtype())
    return ctx.Error("zero point type " + DataTypeName(zp->dtype()) + " differs from input type " + DataTypeName(x->dtype()));
  XQ_ASSIGN_OR_RETURN(QdqLayout layout, ComputeQdqLayout(ctx, *x, *scale, zp, axis_, block_size_));
  Tensor y(DataType::kFloat32, x->shape());
  const float* s = scale->data<float>();
  float* out = y.data<float>();
  const exec::Clamp& c = clamp_;
  switch (x->dtype()) {
    case DataType::kUint8: Dequantize<uint8_t>(x->data<uint8_t>(), s, zp ? zp->data<uint8_t>() : nullptr, layout, c, out); break;
    case DataType::kInt8: Dequantize<int8_t>(x->data<int8_t>(), s, zp ? zp->data<int8_t>() : nullptr, layout, c, out); break;
    case DataType::kUint16: Dequantize<uint16_t>(x->data<uint16_t>(), s, zp ? zp->data<uint16_t>() : nullptr, layout, c, out); break;
    case DataType::kInt16: Dequantize<int16_t>(x->data<int16_t>(), s, zp ? zp->data<int16_t>() : nullptr, layout, c, out); break;
    case DataType::kUint4: Dequantize<uint8_t>(x->data<uint8_t>(), s, zp ? zp->data<uint8_t>() : nullptr, layout, c, out); break;
    case DataType::kInt4: Dequantize<int8_t>(x->data<int8_t>(), s, zp ? zp->data<int8_t>() : nullptr, layout, c, out); break;
    case DataType::kInt32: {
      if (zp) {
        for (int64_t i = 0; i < zp->size(); ++i)
          if (zp->data<int32_t>()[i] != 0) return ctx.Error("an int32 input must have a zero point of 0");
      }
      Dequantize<int32_t>(x->data<int32_t>(), s, nullptr, layout, c, out);
      break;
    }
    default:
      return NotSupportedError(ctx.node().Describe() + ": dequantizing " + DataTypeName(x->dtype()) +
                               " is not supported (int4, uint4, int8, uint8, int16, uint16, int32)");
  }
  ctx.output(0) = std::move(y);
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateDequantizeLinear(const exec::KernelInfo& info) {
  const Node& node = info.node();
  const int64_t axis = node.GetInt("axis", 1);
  const int64_t block_size = node.GetInt("block_size", 0);
  if (block_size < 0) return info.Invalid("block_size must be >= 0");
  if (info.num_inputs() < 2) return info.Invalid("needs inputs x and x_scale");
  constexpr float kInf = DequantizeLinearKernel::kInfinity;
  return std::unique_ptr<exec::Kernel>(std::make_unique<DequantizeLinearKernel>(axis, block_size, exec::Clamp{-kInf, kInf}));
}

}  // namespace xquant::kernels
