// MaxPool, AveragePool and LpPool (ONNX opsets 1-19): sliding-window pooling over the 1 to 3
// spatial dimensions of an [N, C, spatial...] tensor, one (n, c) plane per ParallelFor item.
//
// Opset differences handled:
//   - kernel_shape, pads, strides, auto_pad from opset 1; count_include_pad from AveragePool 7;
//     MaxPool's optional Indices output and storage_order from 8; dilations from MaxPool 10,
//     LpPool 18 and AveragePool 19; ceil_mode from MaxPool/AveragePool 10 and LpPool 18.
//   - LpPool's p is a float attribute at opset 1 and an int from opset 2.
//   - MaxPool takes int8/uint8 from opset 12 (any numeric type is accepted here).
// Output size per axis (dilated kernel e = (k - 1) * d + 1):
//   NOTSET: floor((in + pads - e) / s) + 1, or ceil(...) + 1 with ceil_mode, where a last window
//           that would start inside the end padding is dropped (as onnxruntime and PyTorch do);
//   VALID: floor((in - e) / s) + 1, no padding;
//   SAME_UPPER / SAME_LOWER: ceil(in / s), the padding this needs split in two with the odd
//           element at the end (UPPER) or at the beginning (LOWER).
// Padding never takes part in a max; AveragePool divides by the taps inside the input, or with
// count_include_pad by the taps inside the padded input (a ceil_mode overhang past the end padding
// is not counted); LpPool treats padding as zeros.
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "kernels/blocked.h"
#include "kernels/nn/nn_util.h"

namespace xquant::kernels {
namespace {

enum class PoolKind { kMax, kAverage, kLp };

constexpr int kMaxSpatial = 3;

struct PoolAttributes {
  PoolKind kind = PoolKind::kMax;
  std::string auto_pad = "NOTSET";
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: all begins, then all ends
  bool ceil_mode = false;
  bool count_include_pad = false;
  bool column_major_indices = false;  // MaxPool storage_order = 1
  double p = 2.0;
};

// One spatial axis of the pooling. Per output index: the input index of the first tap that falls
// inside the input, how many taps do, and how many fall inside the padded input.
struct AxisPlan {
  int64_t in = 1;
  int64_t out = 1;
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  std::vector<int64_t> first{0};
  std::vector<int64_t> taps{1};
  std::vector<int64_t> padded_taps{1};
  // The outputs whose whole window lies inside the input: [full_begin, full_end).
  int64_t full_begin = 0;
  int64_t full_end = 1;
};

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

StatusOr<AxisPlan> PlanAxis(const PoolAttributes& attr, int axis, int64_t in, const exec::KernelContext& ctx) {
  const int n = static_cast<int>(attr.kernel.size());
  const int64_t k = attr.kernel[axis];
  const int64_t s = attr.strides[axis];
  const int64_t d = attr.dilations[axis];
  const int64_t extent = (k - 1) * d + 1;
  int64_t pad_begin = attr.pads[axis];
  int64_t pad_end = attr.pads[axis + n];
  int64_t out = 0;
  if (attr.auto_pad == "SAME_UPPER" || attr.auto_pad == "SAME_LOWER") {
    out = CeilDiv(in, s);
    const int64_t total = std::max<int64_t>(0, (out - 1) * s + extent - in);
    pad_begin = attr.auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
    pad_end = total - pad_begin;
  } else {
    if (attr.auto_pad == "VALID") pad_begin = pad_end = 0;
    const int64_t span = in + pad_begin + pad_end - extent;
    if (span < 0)
      return ctx.Error("spatial axis " + std::to_string(axis) + " of size " + std::to_string(in) +
                       " (padded by " + std::to_string(pad_begin + pad_end) + ") is smaller than the dilated kernel " +
                       std::to_string(extent));
    if (attr.ceil_mode && attr.auto_pad != "VALID") {
      out = CeilDiv(span, s) + 1;
      if ((out - 1) * s >= in + pad_begin) --out;
    } else {
      out = span / s + 1;
    }
  }
  AxisPlan plan;
  plan.in = in;
  plan.out = out;
  plan.kernel = k;
  plan.stride = s;
  plan.dilation = d;
  plan.full_begin = out;
  plan.full_end = out;
  plan.first.resize(out);
  plan.taps.resize(out);
  plan.padded_taps.resize(out);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * s - pad_begin;
    const int64_t kb = start < 0 ? CeilDiv(-start, d) : 0;
    const int64_t ke = in > start ? std::min(k, CeilDiv(in - start, d)) : 0;
    plan.first[o] = start + kb * d;
    plan.taps[o] = std::max<int64_t>(0, ke - kb);
    plan.padded_taps[o] = in + pad_end > start ? std::min(k, CeilDiv(in + pad_end - start, d)) : 0;
    if (start >= 0 && start + extent <= in) {
      plan.full_begin = std::min(plan.full_begin, o);
      plan.full_end = o + 1;
    }
  }
  return plan;
}

// The reduction over one window, split so that the loops vectorise: Map each tap, Combine the
// mapped taps (Init is the identity), then Finish with the tap count: the taps inside the input,
// or inside the padded input when count_padding is set.
template <typename T>
struct MaxOp {
  static constexpr bool kNeedsFinish = false;
  bool count_padding = false;
  T Init() const { return std::numeric_limits<T>::lowest(); }
  T Map(T v) const { return v; }
  T Combine(T a, T b) const { return b > a ? b : a; }
  T Finish(T acc, T) const { return acc; }
};

template <typename T>
struct AverageOp {
  static constexpr bool kNeedsFinish = true;
  bool count_padding;  // count_include_pad
  T Init() const { return T(0); }
  T Map(T v) const { return v; }
  T Combine(T a, T b) const { return a + b; }
  // REQUIRES: count >= 1 (PoolPlanes passes 1 for a window with no taps, whose acc is 0).
  T Finish(T acc, T count) const { return acc / count; }
};

// (sum |x|^p)^(1/p), with p = 1 and p = 2 as exact special cases.
template <typename T>
struct LpOp {
  static constexpr bool kNeedsFinish = true;
  bool count_padding = false;
  T p;
  T Init() const { return T(0); }
  T Map(T v) const { return p == T(2) ? v * v : p == T(1) ? std::abs(v) : std::pow(std::abs(v), p); }
  T Combine(T a, T b) const { return a + b; }
  T Finish(T acc, T) const { return p == T(2) ? std::sqrt(acc) : p == T(1) ? acc : std::pow(acc, T(1) / p); }
};

// Pools `planes` planes of a (D, H, W) input into (a[0].out, a[1].out, a[2].out) outputs; 1-D and
// 2-D pools arrive with leading axes of size 1. Each position holds kLanes values side by side:
// 1 for plain C order, 16 for a channel-blocked tensor (exec/blocked_layout.h), whose planes are
// the (n, channel block) pairs and whose lanes are pooled independently, in the same order.
// Per output row: the window's input rows are combined into one row (`line`, vertical pass), then
// each output combines its taps of that row (horizontal pass); outputs whose window lies entirely
// inside the row run tap by tap across the whole row, so both passes are contiguous loops.
template <int64_t kLanes, typename T, typename Op>
void PoolPlanes(const T* x, T* y, int64_t planes, const std::array<AxisPlan, kMaxSpatial>& a, int64_t kernel_volume,
                const Op& op) {
  constexpr int64_t L = kLanes;
  const int64_t in_h = a[1].in, in_w = a[2].in;
  const int64_t in_plane = a[0].in * in_h * in_w * L;
  const AxisPlan& aw = a[2];
  const int64_t out_w = aw.out;
  const int64_t out_plane = a[0].out * a[1].out * out_w * L;
  const int64_t step_d = a[0].dilation * in_h * in_w * L, step_h = a[1].dilation * in_w * L;
  const int64_t kw = aw.kernel, sw = aw.stride, dw = aw.dilation;
  const int64_t row = in_w * L;  // values in an input row
  exec::ParallelFor(planes, nn::RowGrain(out_plane * kernel_volume), [&](int64_t begin, int64_t end) {
    std::vector<T> line(static_cast<size_t>(row));
    T* tmp = line.data();
    const std::vector<int64_t>& counts = op.count_padding ? aw.padded_taps : aw.taps;
    const std::vector<T> w_counts(counts.begin(), counts.end());
    std::vector<T> row_counts(static_cast<size_t>(out_w));
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * in_plane;
      T* out = y + plane * out_plane;
      for (int64_t od = 0; od < a[0].out; ++od) {
        for (int64_t oh = 0; oh < a[1].out; ++oh, out += out_w * L) {
          const int64_t td = a[0].taps[od], th = a[1].taps[oh];
          const int64_t rows = td * th;
          const int64_t padded_rows = a[0].padded_taps[od] * a[1].padded_taps[oh];
          const T* base = xp + (a[0].first[od] * in_h + a[1].first[oh]) * in_w * L;
          if (rows == 0) {
            for (int64_t i = 0; i < row; ++i) tmp[i] = op.Init();
          } else {
            for (int64_t i = 0; i < row; ++i) tmp[i] = op.Map(base[i]);
            for (int64_t jd = 0; jd < td; ++jd) {
              for (int64_t jh = jd == 0 ? 1 : 0; jh < th; ++jh) {
                const T* r = base + jd * step_d + jh * step_h;
                for (int64_t i = 0; i < row; ++i) tmp[i] = op.Combine(tmp[i], op.Map(r[i]));
              }
            }
          }
          // Outputs [full_begin, full_end) read taps first + j * dw for every j < kw.
          const int64_t full_begin = aw.full_begin, full_end = aw.full_end;
          if (full_begin < full_end) {
            const int64_t n = full_end - full_begin;
            const T* src = tmp + aw.first[full_begin] * L;
            T* dst = out + full_begin * L;
            if (sw == 1) {
              for (int64_t i = 0; i < n * L; ++i) dst[i] = src[i];
              for (int64_t j = 1; j < kw; ++j) {
                const T* s = src + j * dw * L;
                for (int64_t i = 0; i < n * L; ++i) dst[i] = op.Combine(dst[i], s[i]);
              }
            } else {
              for (int64_t i = 0; i < n; ++i)
                for (int64_t l = 0; l < L; ++l) dst[i * L + l] = src[i * sw * L + l];
              for (int64_t j = 1; j < kw; ++j) {
                const T* s = src + j * dw * L;
                for (int64_t i = 0; i < n; ++i)
                  for (int64_t l = 0; l < L; ++l) dst[i * L + l] = op.Combine(dst[i * L + l], s[i * sw * L + l]);
              }
            }
          }
          // The outputs before and after them: windows clipped by the padding, tap by tap.
          for (const auto& [from, to] : {std::pair{int64_t{0}, full_begin}, std::pair{full_end, out_w}}) {
            for (int64_t ow = from; ow < to; ++ow) {
              for (int64_t l = 0; l < L; ++l) {
                T acc = op.Init();
                for (int64_t j = 0; j < aw.taps[ow]; ++j) acc = op.Combine(acc, tmp[(aw.first[ow] + j * dw) * L + l]);
                out[ow * L + l] = acc;
              }
            }
          }
          if constexpr (Op::kNeedsFinish) {
            // Two loops: fused, the compiler turns max(count, 1) into a branch and stops vectorising.
            const T r = static_cast<T>(op.count_padding ? padded_rows : rows);
            T* c = row_counts.data();
            for (int64_t ow = 0; ow < out_w; ++ow) c[ow] = std::max(r * w_counts[ow], T(1));
            for (int64_t ow = 0; ow < out_w; ++ow)
              for (int64_t l = 0; l < L; ++l) out[ow * L + l] = op.Finish(out[ow * L + l], c[ow]);
          }
        }
      }
    }
  });
}

// MaxPool with its Indices output: the flat index of each maximum in the whole input tensor, the
// spatial part row-major (storage_order 0) or column-major (1). Ties keep the first tap.
template <typename T>
void MaxPoolWithIndices(const T* x, T* y, int64_t* indices, int64_t planes, const std::array<AxisPlan, kMaxSpatial>& a,
                        int64_t kernel_volume, bool column_major) {
  const int64_t in_d = a[0].in, in_h = a[1].in, in_w = a[2].in;
  const int64_t in_plane = in_d * in_h * in_w;
  const int64_t out_plane = a[0].out * a[1].out * a[2].out;
  exec::ParallelFor(planes, nn::RowGrain(out_plane * kernel_volume), [&](int64_t begin, int64_t end) {
    for (int64_t plane = begin; plane < end; ++plane) {
      const T* xp = x + plane * in_plane;
      T* yp = y + plane * out_plane;
      int64_t* ip = indices + plane * out_plane;
      for (int64_t od = 0; od < a[0].out; ++od) {
        for (int64_t oh = 0; oh < a[1].out; ++oh) {
          for (int64_t ow = 0; ow < a[2].out; ++ow) {
            T best = std::numeric_limits<T>::lowest();
            int64_t bd = a[0].first[od], bh = a[1].first[oh], bw = a[2].first[ow];
            for (int64_t jd = 0; jd < a[0].taps[od]; ++jd) {
              const int64_t d = a[0].first[od] + jd * a[0].dilation;
              for (int64_t jh = 0; jh < a[1].taps[oh]; ++jh) {
                const int64_t h = a[1].first[oh] + jh * a[1].dilation;
                for (int64_t jw = 0; jw < a[2].taps[ow]; ++jw) {
                  const int64_t w = a[2].first[ow] + jw * a[2].dilation;
                  const T v = xp[(d * in_h + h) * in_w + w];
                  if (v > best) {
                    best = v;
                    bd = d, bh = h, bw = w;
                  }
                }
              }
            }
            *yp++ = best;
            const int64_t spatial = column_major ? bd + bh * in_d + bw * in_d * in_h : (bd * in_h + bh) * in_w + bw;
            *ip++ = plane * in_plane + spatial;
          }
        }
      }
    }
  });
}

Status RunPool(const PoolAttributes& attr, exec::KernelContext& ctx) {
  XQ_ASSIGN_OR_RETURN(const Tensor* x, RequireInput(ctx, 0));
  const int n = static_cast<int>(attr.kernel.size());
  if (x->rank() != n + 2)
    return ctx.Error("input of shape " + ShapeToString(x->shape()) + " does not match the " + std::to_string(n) +
                     "-D kernel_shape: expected rank " + std::to_string(n + 2));
  std::array<AxisPlan, kMaxSpatial> plans;
  Shape out_shape = {x->dim(0), x->dim(1)};
  int64_t kernel_volume = 1;
  for (int i = 0; i < n; ++i) {
    XQ_ASSIGN_OR_RETURN(AxisPlan plan, PlanAxis(attr, i, x->dim(i + 2), ctx));
    out_shape.push_back(plan.out);
    kernel_volume *= attr.kernel[i];
    plans[kMaxSpatial - n + i] = std::move(plan);
  }
  const bool want_indices = attr.kind == PoolKind::kMax && nn::WantsOutput(ctx, 1);
  if (ctx.input_blocked()) {
    // Blocked in (PoolKernel::AcceptsBlockedInput): pooled block by block, 16 channels at a time.
    XQ_RETURN_IF_ERROR(CheckBlockedInputs(ctx));
    if (want_indices) return ctx.Error("was handed a channel-blocked input it cannot read (Indices are plain only)");
    const exec::BlockedShape blocks = exec::BlockedShapeOf(x->shape());
    Tensor y = exec::NewBlockedTensor(out_shape);
    const int64_t planes = blocks.batch * blocks.blocks;
    float* out = y.data<float>();
    if (attr.kind == PoolKind::kMax)
      PoolPlanes<kChannelBlock>(x->data<float>(), out, planes, plans, kernel_volume, MaxOp<float>{});
    else if (attr.kind == PoolKind::kAverage)
      PoolPlanes<kChannelBlock>(x->data<float>(), out, planes, plans, kernel_volume, AverageOp<float>{attr.count_include_pad});
    else
      PoolPlanes<kChannelBlock>(x->data<float>(), out, planes, plans, kernel_volume, LpOp<float>{false, static_cast<float>(attr.p)});
    // A window with no tap inside the input gives Init() in every lane, padding lanes included.
    exec::ZeroBlockedPadding(out, exec::BlockedShapeOf(out_shape));
    if (ctx.may_block_output()) {
      ctx.output(0) = std::move(y);
      ctx.MarkOutputBlocked();
    } else {
      ctx.output(0) = UnblockedCopy(y);
    }
    return Status::Ok();
  }
  const int64_t planes = x->dim(0) * x->dim(1);
  Tensor y(x->dtype(), out_shape);
  Tensor indices = want_indices ? Tensor(DataType::kInt64, out_shape) : Tensor();
  Status status;
  if (attr.kind == PoolKind::kMax) {
    status = DispatchNumeric(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      if (want_indices)
        MaxPoolWithIndices<T>(x->data<T>(), y.data<T>(), indices.data<int64_t>(), planes, plans, kernel_volume,
                              attr.column_major_indices);
      else
        PoolPlanes<1, T>(x->data<T>(), y.data<T>(), planes, plans, kernel_volume, MaxOp<T>{});
    });
  } else {
    status = nn::DispatchFloat(x->dtype(), ctx.node().Describe(), [&](auto tag) {
      using T = decltype(tag);
      if (attr.kind == PoolKind::kAverage)
        PoolPlanes<1, T>(x->data<T>(), y.data<T>(), planes, plans, kernel_volume, AverageOp<T>{attr.count_include_pad});
      else
        PoolPlanes<1, T>(x->data<T>(), y.data<T>(), planes, plans, kernel_volume, LpOp<T>{false, static_cast<T>(attr.p)});
    });
  }
  XQ_RETURN_IF_ERROR(status);
  ctx.output(0) = std::move(y);
  if (want_indices) ctx.output(1) = std::move(indices);
  return Status::Ok();
}

class PoolKernel final : public exec::Kernel {
 public:
  PoolKernel(PoolAttributes attr, bool accepts_blocked) : attr_(std::move(attr)), accepts_blocked_(accepts_blocked) {}
  Status Compute(exec::KernelContext& ctx) override { return RunPool(attr_, ctx); }
  // Pooling between convolutions (a stem's MaxPool, SqueezeNet's) reads and writes their blocked
  // layout, which saves the two reorders around it.
  bool AcceptsBlockedInput(size_t i) const override { return i == 0 && accepts_blocked_; }

 private:
  PoolAttributes attr_;
  bool accepts_blocked_;
};

StatusOr<std::unique_ptr<exec::Kernel>> CreatePool(const exec::KernelInfo& info, PoolKind kind) {
  const Node& node = info.node();
  PoolAttributes attr;
  attr.kind = kind;
  if (!node.HasAttribute("kernel_shape")) return info.Invalid("the kernel_shape attribute is required");
  attr.kernel = node.GetInts("kernel_shape");
  const size_t n = attr.kernel.size();
  if (n == 0) return info.Invalid("kernel_shape is empty");
  if (n > kMaxSpatial) return info.Unsupported("pooling over " + std::to_string(n) + " spatial axes (at most 3)");
  attr.strides = node.GetInts("strides", std::vector<int64_t>(n, 1));
  attr.dilations = node.GetInts("dilations", std::vector<int64_t>(n, 1));
  attr.pads = node.GetInts("pads", std::vector<int64_t>(2 * n, 0));
  if (attr.strides.size() != n) return info.Invalid("strides must have one value per spatial axis");
  if (attr.dilations.size() != n) return info.Invalid("dilations must have one value per spatial axis");
  if (attr.pads.size() != 2 * n) return info.Invalid("pads must have two values per spatial axis");
  for (size_t i = 0; i < n; ++i) {
    if (attr.kernel[i] <= 0) return info.Invalid("kernel_shape values must be positive");
    if (attr.strides[i] <= 0) return info.Invalid("strides must be positive");
    if (attr.dilations[i] <= 0) return info.Invalid("dilations must be positive");
    if (attr.pads[i] < 0 || attr.pads[i + n] < 0) return info.Invalid("pads must be non-negative");
    if (attr.pads[i] >= attr.kernel[i] || attr.pads[i + n] >= attr.kernel[i])
      return info.Invalid("pads must be smaller than the kernel");
  }
  attr.auto_pad = node.GetString("auto_pad", "NOTSET");
  if (attr.auto_pad != "NOTSET" && attr.auto_pad != "VALID" && attr.auto_pad != "SAME_UPPER" &&
      attr.auto_pad != "SAME_LOWER")
    return info.Invalid("auto_pad '" + attr.auto_pad + "' is not NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  attr.ceil_mode = node.GetInt("ceil_mode", 0) != 0;
  attr.count_include_pad = node.GetInt("count_include_pad", 0) != 0;
  const int64_t storage_order = node.GetInt("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) return info.Invalid("storage_order must be 0 or 1");
  attr.column_major_indices = storage_order == 1;
  if (kind == PoolKind::kLp) {
    // p: a float at opset 1, an int from opset 2.
    if (const Attribute* a = node.FindAttribute("p"))
      attr.p = a->kind == Attribute::Kind::kFloat ? a->f : static_cast<double>(a->i);
    if (!(attr.p > 0)) return info.Invalid("p must be positive");
  }
  // MaxPool's Indices output is computed in plain order only.
  const bool may_want_indices = node.outputs.size() > 1 && node.outputs[1] != kNoValue;
  return std::unique_ptr<exec::Kernel>(std::make_unique<PoolKernel>(std::move(attr), !may_want_indices));
}

}  // namespace

StatusOr<std::unique_ptr<exec::Kernel>> CreateMaxPool(const exec::KernelInfo& info) {
  return CreatePool(info, PoolKind::kMax);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateAveragePool(const exec::KernelInfo& info) {
  return CreatePool(info, PoolKind::kAverage);
}

StatusOr<std::unique_ptr<exec::Kernel>> CreateLpPool(const exec::KernelInfo& info) {
  return CreatePool(info, PoolKind::kLp);
}

}  // namespace xquant::kernels
