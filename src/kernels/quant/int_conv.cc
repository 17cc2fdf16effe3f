#include "kernels/quant/int_conv.h"

#include <algorithm>

#include "kernels/common.h"
#include "kernels/quant/int_gemm.h"

namespace xquant::kernels {
namespace {

std::string JoinInts(const std::vector<int64_t>& v) { return ShapeToString(v); }

// im2col rows [row_begin, row_end) of one image and one group: row r = (c, kernel offset) holds,
// for every output position p, x[c, p * stride - pad_begin + offset * dilation] - x_zp, or 0 where
// that falls in the padding (padding with the zero point, as onnxruntime does, is the same).
template <typename X>
void Im2Col(const ConvGeometry& g, const X* x, int32_t zp, int64_t row_begin, int64_t row_end, int32_t* col) {
  const size_t nd = g.kernel.size();
  const size_t last = nd - 1;
  const int64_t kernel_count = g.patch / (g.in_channels / g.group);
  const int64_t out_w = g.out_spatial[last];
  const int64_t in_w = g.in_spatial[last];
  const int64_t stride_w = g.strides[last];
  const int64_t outer_count = out_w == 0 ? 0 : g.out_image / out_w;
  std::vector<int64_t> koff(nd), opos(nd);
  for (int64_t r = row_begin; r < row_end; ++r) {
    int64_t rem = r % kernel_count;
    for (size_t d = nd; d-- > 0;) {
      koff[d] = rem % g.kernel[d];
      rem /= g.kernel[d];
    }
    const X* xc = x + (r / kernel_count) * g.in_image;
    int32_t* row = col + r * g.out_image;
    // Output positions along the last dim whose input index start + ow * stride is inside [0, in_w).
    const int64_t start = koff[last] * g.dilations[last] - g.pad_begin[last];
    const int64_t lo = std::min(out_w, start >= 0 ? int64_t{0} : (-start + stride_w - 1) / stride_w);
    const int64_t hi = std::max(lo, std::min(out_w, in_w - start > 0 ? (in_w - start + stride_w - 1) / stride_w : 0));
    std::fill(opos.begin(), opos.end(), 0);
    for (int64_t o = 0; o < outer_count; ++o) {
      bool inside = true;
      int64_t offset = 0;
      for (size_t d = 0; d < last; ++d) {
        const int64_t i = opos[d] * g.strides[d] - g.pad_begin[d] + koff[d] * g.dilations[d];
        inside = inside && i >= 0 && i < g.in_spatial[d];
        offset = offset * g.in_spatial[d] + i;
      }
      int32_t* dst = row + o * out_w;
      if (!inside) {
        std::fill(dst, dst + out_w, 0);
      } else {
        const X* src = xc + offset * in_w;
        std::fill(dst, dst + lo, 0);
        if (stride_w == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = static_cast<int32_t>(src[start + ow]) - zp;
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = static_cast<int32_t>(src[start + ow * stride_w]) - zp;
        }
        std::fill(dst + hi, dst + out_w, 0);
      }
      for (size_t d = last; d-- > 0;) {
        if (++opos[d] < g.out_spatial[d]) break;
        opos[d] = 0;
      }
    }
  }
}

template <typename X>
void ConvolveTyped(const ConvGeometry& g, const X* x, int32_t zp, const std::vector<int32_t>& w_s32, int32_t* acc) {
  const int64_t group_in = g.in_channels / g.group;
  const int64_t group_out = g.out_channels / g.group;
  const int64_t units = g.batch * g.group;
  const int64_t row_cost = std::max<int64_t>(1, g.patch * g.out_image);
  const int64_t row_grain = std::max<int64_t>(1, exec::kElementwiseGrain / row_cost);
  const int64_t im2col_grain = std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, g.out_image));
  // One (image, group) unit: im2col, then one GEMM row per output channel of the group. Nested
  // ParallelFor calls run serially, so this parallelises over channels when called alone and over
  // units when called from the outer ParallelFor below.
  auto run_units = [&](int64_t begin, int64_t end) {
    std::vector<int32_t> col(static_cast<size_t>(g.patch * g.out_image));
    for (int64_t u = begin; u < end; ++u) {
      const int64_t n = u / g.group;
      const int64_t grp = u % g.group;
      const X* xg = x + (n * g.in_channels + grp * group_in) * g.in_image;
      exec::ParallelFor(g.patch, im2col_grain,
                        [&](int64_t r0, int64_t r1) { Im2Col<X>(g, xg, zp, r0, r1, col.data()); });
      exec::ParallelFor(group_out, row_grain, [&](int64_t m0, int64_t m1) {
        for (int64_t m = grp * group_out + m0; m < grp * group_out + m1; ++m)
          GemmRowS32(w_s32.data() + m * g.patch, col.data(), g.patch, g.out_image, acc + (n * g.out_channels + m) * g.out_image);
      });
    }
  };
  // Enough output channels per group to keep every core busy: go unit by unit. Otherwise (depthwise,
  // small groups, batches) spread the units over the cores.
  if (units == 1 || group_out >= 2 * static_cast<int64_t>(omp_get_max_threads())) {
    run_units(0, units);
  } else {
    exec::ParallelFor(units, 1, run_units);
  }
}

}  // namespace

StatusOr<ConvAttributes> ReadConvAttributes(const exec::KernelInfo& info) {
  const Node& node = info.node();
  ConvAttributes a;
  a.auto_pad = node.GetString("auto_pad", "NOTSET");
  a.kernel_shape = node.GetInts("kernel_shape");
  a.strides = node.GetInts("strides");
  a.dilations = node.GetInts("dilations");
  a.pads = node.GetInts("pads");
  a.group = node.GetInt("group", 1);
  if (a.auto_pad != "NOTSET" && a.auto_pad != "SAME_UPPER" && a.auto_pad != "SAME_LOWER" && a.auto_pad != "VALID")
    return info.Invalid("auto_pad '" + a.auto_pad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
  if (a.group < 1) return info.Invalid("group must be >= 1, got " + std::to_string(a.group));
  for (int64_t k : a.kernel_shape)
    if (k < 1) return info.Invalid("kernel_shape " + JoinInts(a.kernel_shape) + " must be positive");
  for (int64_t s : a.strides)
    if (s < 1) return info.Invalid("strides " + JoinInts(a.strides) + " must be positive");
  for (int64_t d : a.dilations)
    if (d < 1) return info.Invalid("dilations " + JoinInts(a.dilations) + " must be positive");
  for (int64_t p : a.pads)
    if (p < 0) return info.Invalid("pads " + JoinInts(a.pads) + " must be non-negative");
  if (a.pads.size() % 2 != 0) return info.Invalid("pads " + JoinInts(a.pads) + " must have an even length");
  // Like onnxruntime, explicit pads are ignored when auto_pad asks for computed ones.
  if (a.auto_pad != "NOTSET") a.pads.clear();
  return a;
}

StatusOr<ConvGeometry> ComputeConvGeometry(const exec::KernelContext& ctx, const ConvAttributes& attrs, const Shape& x,
                                           const Shape& w) {
  if (x.size() < 3) return ctx.Error("input x " + ShapeToString(x) + " must have rank >= 3 ([N, C, spatial...])");
  if (w.size() != x.size())
    return ctx.Error("weights " + ShapeToString(w) + " must have the rank of the input " + ShapeToString(x));
  const size_t nd = x.size() - 2;
  auto check_length = [&](const std::vector<int64_t>& v, size_t expected, const char* name) -> Status {
    if (!v.empty() && v.size() != expected)
      return ctx.Error(std::string(name) + " " + JoinInts(v) + " must have " + std::to_string(expected) +
                       " values for an input of rank " + std::to_string(x.size()));
    return Status::Ok();
  };
  XQ_RETURN_IF_ERROR(check_length(attrs.kernel_shape, nd, "kernel_shape"));
  XQ_RETURN_IF_ERROR(check_length(attrs.strides, nd, "strides"));
  XQ_RETURN_IF_ERROR(check_length(attrs.dilations, nd, "dilations"));
  XQ_RETURN_IF_ERROR(check_length(attrs.pads, 2 * nd, "pads"));

  ConvGeometry g;
  g.batch = x[0];
  g.in_channels = x[1];
  g.out_channels = w[0];
  g.group = attrs.group;
  if (w[1] * g.group != g.in_channels)
    return ctx.Error("input has " + std::to_string(g.in_channels) + " channels but weights " + ShapeToString(w) +
                     " with group " + std::to_string(g.group) + " expect " + std::to_string(w[1] * g.group));
  if (g.out_channels % g.group != 0)
    return ctx.Error(std::to_string(g.out_channels) + " output channels are not divisible by group " + std::to_string(g.group));
  g.output_shape = {g.batch, g.out_channels};
  g.patch = w[1];
  for (size_t d = 0; d < nd; ++d) {
    const int64_t in = x[d + 2];
    const int64_t k = w[d + 2];
    if (!attrs.kernel_shape.empty() && attrs.kernel_shape[d] != k)
      return ctx.Error("kernel_shape " + JoinInts(attrs.kernel_shape) + " does not match weights " + ShapeToString(w));
    const int64_t s = attrs.strides.empty() ? 1 : attrs.strides[d];
    const int64_t dil = attrs.dilations.empty() ? 1 : attrs.dilations[d];
    const int64_t extent = (k - 1) * dil + 1;
    int64_t pb = 0;
    int64_t pe = 0;
    int64_t out = 0;
    if (attrs.auto_pad == "SAME_UPPER" || attrs.auto_pad == "SAME_LOWER") {
      out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
      pb = attrs.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      pe = total - pb;
    } else {
      if (!attrs.pads.empty()) {
        pb = attrs.pads[d];
        pe = attrs.pads[d + nd];
      }
      if (in + pb + pe < extent)
        return ctx.Error("the kernel (extent " + std::to_string(extent) + " along spatial dim " + std::to_string(d) +
                         ") is larger than the padded input " + ShapeToString(x));
      out = (in + pb + pe - extent) / s + 1;
    }
    g.in_spatial.push_back(in);
    g.kernel.push_back(k);
    g.strides.push_back(s);
    g.dilations.push_back(dil);
    g.pad_begin.push_back(pb);
    g.out_spatial.push_back(out);
    g.in_image *= in;
    g.out_image *= out;
    g.patch *= k;
    g.output_shape.push_back(out);
  }
  return g;
}

std::vector<int32_t> WeightsMinusZeroPoint(const Tensor& w, const Tensor* w_zero_point) {
  std::vector<int32_t> out(static_cast<size_t>(w.size()));
  const int64_t channels = w.dim(0);
  const int64_t per_channel = channels == 0 ? 0 : w.size() / channels;
  for (int64_t m = 0; m < channels; ++m) {
    const int64_t zp_index = w_zero_point && w_zero_point->size() > 1 ? m : 0;
    const int32_t zp = w_zero_point ? ZeroPointAt(*w_zero_point, zp_index) : 0;
    if (w.dtype() == DataType::kInt8)
      SubtractZeroPoint(w.data<int8_t>() + m * per_channel, per_channel, zp, out.data() + m * per_channel);
    else
      SubtractZeroPoint(w.data<uint8_t>() + m * per_channel, per_channel, zp, out.data() + m * per_channel);
  }
  return out;
}

void ConvolveS32(const ConvGeometry& g, const Tensor& x, int32_t x_zero_point, const std::vector<int32_t>& w_s32,
                 int32_t* acc) {
  if (g.batch == 0 || g.out_channels == 0 || g.out_image == 0) return;
  if (x.dtype() == DataType::kInt8)
    ConvolveTyped<int8_t>(g, x.data<int8_t>(), x_zero_point, w_s32, acc);
  else
    ConvolveTyped<uint8_t>(g, x.data<uint8_t>(), x_zero_point, w_s32, acc);
}

}  // namespace xquant::kernels
