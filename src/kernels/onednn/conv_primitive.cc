#include "kernels/onednn/conv_primitive.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "exec/parallel.h"
#include "kernels/onednn/engine.h"

namespace xquant::kernels::onednn {
namespace {

using dnnl::memory;

// How many input shapes one node keeps primitives for (a model usually runs one shape).
constexpr size_t kMaxPlans = 4;

// kChannelsLast (n[d][h]wc) is internal to one convolution: never handed to another kernel,
// reordered from and to the executor's layouts around oneDNN's brgemm convolution.
enum class Layout { kPlain, kBlocked, kChannelsLast };

memory::desc Describe(const memory::dims& dims, Layout layout) {
  using tag = memory::format_tag;
  switch (layout) {
    case Layout::kPlain:
      return PlainDesc(dims);
    case Layout::kBlocked:
      return ChannelBlockedDesc(dims);
    case Layout::kChannelsLast:
      return memory::desc(dims, memory::data_type::f32,
                          dims.size() == 3 ? tag::nwc : dims.size() == 4 ? tag::nhwc : tag::ndhwc);
  }
  return PlainDesc(dims);
}

// oneDNN's brgemm-based implementations ("brgconv:avx512_core", ...), which it offers for
// channels-last layouts only.
bool IsBrgemmImpl(const dnnl::primitive_desc_base& pd) {
  return std::strncmp(pd.impl_info_str(), "brg", 3) == 0;
}

// The ONNX weights as oneDNN sees them. Conv: [M, C/g, k...] is oneDNN's (g)oihw, dims
// {M, C, k...} or {g, M/g, C/g, k...}. ConvTranspose: ONNX stores [C, M/g, k...] (input channels
// first) while oneDNN's dims are {M, C, k...} / {g, M/g, C/g, k...}: same dims, other strides.
memory::desc WeightsUserDesc(bool transpose, int64_t group, const Shape& w) {
  const int64_t spatial = std::max<int64_t>(1, ElementCount(Shape(w.begin() + 2, w.end())));
  const int64_t out_per_group = transpose ? w[1] : w[0] / group;
  const int64_t in_per_group = transpose ? w[0] / group : w[1];
  memory::dims dims, strides;
  if (group > 1) {
    dims = {group, out_per_group, in_per_group};
    if (transpose)
      strides = {in_per_group * out_per_group * spatial, spatial, out_per_group * spatial};
    else
      strides = {out_per_group * in_per_group * spatial, in_per_group * spatial, spatial};
  } else {
    dims = {out_per_group, in_per_group};
    strides = transpose ? memory::dims{spatial, out_per_group * spatial}
                        : memory::dims{in_per_group * spatial, spatial};
  }
  memory::dim stride = 1;
  const size_t first_spatial = dims.size();
  for (size_t i = 2; i < w.size(); ++i) dims.push_back(w[i]), strides.push_back(0);
  for (size_t i = dims.size(); i-- > first_spatial;) {
    strides[i] = stride;
    stride *= dims[i];
  }
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::desc AnyDesc(const memory::desc& like) {
  return memory::desc(like.dims(), memory::data_type::f32, memory::format_tag::any);
}

}  // namespace

struct ConvPrimitive::Plan {
  Shape x, w;
  bool has_bias = false;
  bool src_blocked = false, may_block_dst = false;  // the hand-off this plan was made for
  bool dst_blocked = false;  // the output is left channel-blocked (no reorder after the call)

  dnnl::primitive primitive;
  memory::desc src_md, weights_md, dst_md;  // what the primitive takes
  memory::desc src_user_md, weights_user_md, dst_user_md, bias_md;
  std::optional<dnnl::reorder> src_reorder, weights_reorder, dst_reorder;
  memory weights;  // the constant weights, reordered; empty when the weights are an activation

  // ConvTranspose with output crops oneDNN refuses (negative, from output_shape/output_padding):
  // the primitive computes `computed` spatial sizes and Run copies the window: output
  // index o reads computed index o + crop_offset, bias outside.
  bool clamp_after = false;  // the clamp is not a post-op of `primitive`: Run applies it

  bool crop = false;
  std::vector<int64_t> computed, crop_offset;
};

ConvPrimitive::ConvPrimitive(bool transpose, int64_t group, Tensor constant_weights,
                             std::optional<exec::Clamp> clamp)
    : transpose_(transpose), group_(group), constant_weights_(std::move(constant_weights)), clamp_(clamp) {}

ConvPrimitive::~ConvPrimitive() = default;

std::unique_ptr<ConvPrimitive::Plan> ConvPrimitive::CreatePlan(const ConvGeometry& g,
                                                               const Shape& x, const Shape& w,
                                                               bool has_bias, bool src_blocked,
                                                               bool may_block_dst) const {
  auto plan = std::make_unique<Plan>();
  plan->x = x;
  plan->w = w;
  plan->has_bias = has_bias;
  plan->src_blocked = src_blocked;
  plan->may_block_dst = may_block_dst;
  dnnl::engine& eng = Engine();
  const size_t rank = g.out.size();
  const int64_t out_channels = transpose_ ? w[1] * group_ : w[0];
  memory::dims strides(g.strides.begin(), g.strides.end());
  memory::dims dilates(rank), pad_l(g.pad_begin.begin(), g.pad_begin.end()),
      pad_r(g.pad_end.begin(), g.pad_end.end());
  for (size_t i = 0; i < rank; ++i) dilates[i] = g.dilations[i] - 1;  // oneDNN counts the gaps
  memory::dims dst_dims = {x[0], out_channels};
  dst_dims.insert(dst_dims.end(), g.out.begin(), g.out.end());

  plan->src_user_md = src_blocked ? ChannelBlockedDesc(ToDims(x)) : PlainDesc(ToDims(x));
  plan->weights_user_md = WeightsUserDesc(transpose_, group_, w);
  plan->bias_md = PlainDesc({out_channels});
  const memory::desc weights_any = AnyDesc(plan->weights_user_md);
  const memory::desc no_bias;

  // A stride-1 unpadded 1x1 convolution on plain C order is one GEMM per image, as fast as the
  // blocked kernel from 28x28 up and without the reorders; on smaller images the blocked kernel
  // wins (7x7: 0.36 ms against 0.52 for 320->1280).
  bool pointwise = !transpose_ && group_ == 1 && ElementCount(Shape(x.begin() + 2, x.end())) >= 512;
  for (size_t i = 0; i < rank; ++i)
    pointwise = pointwise && g.kernel[i] == 1 && g.strides[i] == 1 && g.pad_begin[i] == 0 &&
                g.pad_end[i] == 0;
  // Between two blocked neighbours (a hand-off without reorders, runs without an observer), the
  // blocked 1x1 kernel saves the reorders of the wide side: blocked first then.
  std::vector<std::pair<Layout, Layout>> candidates;
  // A dense (ungrouped) convolution with a kernel wider than 1x1 and enough work per output
  // element runs faster on oneDNN's brgemm kernel (channels-last) than on its blocked one, even
  // with the two reorders around it, as long as those stay in cache. Measured on the 2-core
  // Ice Lake machine, 2 threads, blocked in and out, brgemm time with reorders / blocked time:
  // 512->512 3x3 7x7 0.67, 64->64 3x3 56x56 0.78, 64->256 3x3 13x13 0.90, 32->128 3x3 27x27
  // 0.88; but 16->64 3x3 55x55 1.07 (144 multiply-adds per output), and at batch 8, where the
  // tensors outgrow the cache, 64->64 3x3 56x56 1.24.
  int64_t kernel_volume = 1;
  for (size_t i = 0; i < rank; ++i) kernel_volume *= g.kernel[i];
  const int64_t macs_per_output = kernel_volume * x[1];
  const int64_t activation_bytes =
      static_cast<int64_t>(sizeof(float)) * (ElementCount(x) + ElementCount(Shape(dst_dims.begin(), dst_dims.end())));
  if (!transpose_ && group_ == 1 && kernel_volume > 1 && macs_per_output >= 256 && activation_bytes <= (4 << 20))
    candidates.push_back({Layout::kChannelsLast, Layout::kChannelsLast});
  if (pointwise && (src_blocked || may_block_dst))
    candidates.insert(candidates.end(), {{Layout::kBlocked, Layout::kBlocked}, {Layout::kPlain, Layout::kPlain}});
  else if (pointwise)
    candidates.insert(candidates.end(), {{Layout::kPlain, Layout::kPlain}, {Layout::kBlocked, Layout::kBlocked}});
  else if (!transpose_ && group_ == 1 && x[1] < 16 && !src_blocked)
    candidates.insert(candidates.end(), {{Layout::kPlain, Layout::kBlocked},
                                         {Layout::kBlocked, Layout::kBlocked},
                                         {Layout::kPlain, Layout::kPlain}});
  else
    candidates.insert(candidates.end(), {{Layout::kBlocked, Layout::kBlocked}, {Layout::kPlain, Layout::kPlain}});

  // The clamp: Relu as oneDNN's relu (x > 0 ? x : 0 * x), any other as clip_v2 (x < lower ->
  // lower, x > upper -> upper), the same values as the separate op's comparisons. Only for
  // blocked and channels-last outputs: the plain-layout (gemm) convolution applies post-ops one element at a time,
  // 3-10x slower than the convolution itself, so Run clamps those outputs afterwards.
  dnnl::primitive_attr clamp_attr, no_attr;
  if (clamp_) {
    dnnl::post_ops ops;
    if (clamp_->lower == 0.0f && clamp_->upper == std::numeric_limits<float>::infinity())
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    else
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip_v2, clamp_->lower, clamp_->upper);
    clamp_attr.set_post_ops(ops);
  }

  // The first candidate with a JIT implementation; oneDNN's reference one only when all are.
  Layout chosen_dst = Layout::kPlain, fallback_dst = Layout::kPlain;
  auto create = [&](const memory::dims& dst,
                    const memory::dims& right) -> std::optional<dnnl::primitive_desc> {
    std::optional<dnnl::primitive_desc> fallback;
    for (const auto& [src_layout, dst_layout] : candidates) {
      const memory::desc src_md = Describe(ToDims(x), src_layout),
                         dst_md = Describe(dst, dst_layout);
      const memory::desc& bias_md = has_bias ? plan->bias_md : no_bias;
      const dnnl::primitive_attr& attr = dst_layout != Layout::kPlain ? clamp_attr : no_attr;
      try {
        dnnl::primitive_desc pd;
        if (transpose_) {
          dnnl::deconvolution_forward::desc d(
              dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, src_md,
              weights_any, bias_md, dst_md, strides, dilates, pad_l, right);
          pd = dnnl::deconvolution_forward::primitive_desc(d, attr, eng);
        } else {
          dnnl::convolution_forward::desc d(
              dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md,
              weights_any, bias_md, dst_md, strides, dilates, pad_l, right);
          pd = dnnl::convolution_forward::primitive_desc(d, attr, eng);
        }
        if (src_layout == Layout::kChannelsLast && !IsBrgemmImpl(pd)) continue;
        if (!IsReferenceImpl(pd)) {
          chosen_dst = dst_layout;
          return pd;
        }
        if (!fallback) fallback = pd, fallback_dst = dst_layout;
      } catch (const dnnl::error&) {
        // This layout is not implemented for this geometry; try the next.
      }
    }
    chosen_dst = fallback_dst;
    return fallback;
  };

  std::optional<dnnl::primitive_desc> pd = create(dst_dims, pad_r);
  if (!pd && transpose_) {
    // Compute the part of the full output inside the requested window, then copy.
    plan->crop = true;
    plan->computed.resize(rank);
    plan->crop_offset.resize(rank);
    memory::dims computed_dims = {x[0], out_channels};
    for (size_t i = 0; i < rank; ++i) {
      const int64_t full = g.strides[i] * (x[i + 2] - 1) + (g.kernel[i] - 1) * g.dilations[i] + 1;
      pad_l[i] = std::max<int64_t>(0, g.pad_begin[i]);
      pad_r[i] = std::max<int64_t>(0, g.pad_end[i]);
      plan->computed[i] = std::max<int64_t>(0, full - pad_l[i] - pad_r[i]);
      plan->crop_offset[i] = g.pad_begin[i] - pad_l[i];
      computed_dims.push_back(plan->computed[i]);
    }
    dst_dims = computed_dims;
    plan->dst_user_md = PlainDesc(dst_dims);
    if (ElementCount(Shape(computed_dims.begin(), computed_dims.end())) == 0)
      return plan;  // bias only
    pd = create(dst_dims, pad_r);
  }
  if (!pd) {
    throw dnnl::error(dnnl_unimplemented,
                      (std::string("no ") + (transpose_ ? "deconvolution" : "convolution") +
                       " implementation for this geometry")
                          .c_str());
  }

  plan->src_md = pd->src_desc();
  plan->weights_md = pd->weights_desc();
  plan->dst_md = pd->dst_desc();
  // A blocked output is oneDNN's own nC[d][h]w16c, padding channels (zero) included: the caller
  // allocated room for them (exec/blocked_layout.h).
  // A channels-last output is reordered into the blocked layout when it may be handed off so;
  // oneDNN's reorder writes the padding lanes as zeros.
  plan->dst_blocked = may_block_dst && !plan->crop &&
                      ((chosen_dst == Layout::kBlocked && plan->dst_md == ChannelBlockedDesc(dst_dims)) ||
                       chosen_dst == Layout::kChannelsLast);
  plan->dst_user_md = plan->dst_blocked ? ChannelBlockedDesc(dst_dims) : PlainDesc(dst_dims);
  plan->clamp_after = clamp_ && chosen_dst == Layout::kPlain;
  plan->primitive = dnnl::primitive(*pd);
  if (plan->src_md != plan->src_user_md)
    plan->src_reorder =
        dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->src_user_md, eng, plan->src_md));
  if (plan->dst_md != plan->dst_user_md)
    plan->dst_reorder =
        dnnl::reorder(dnnl::reorder::primitive_desc(eng, plan->dst_md, eng, plan->dst_user_md));
  if (plan->weights_md != plan->weights_user_md)
    plan->weights_reorder = dnnl::reorder(
        dnnl::reorder::primitive_desc(eng, plan->weights_user_md, eng, plan->weights_md));
  if (constant_weights_.defined()) {
    memory user(plan->weights_user_md, eng, const_cast<float*>(constant_weights_.data<float>()));
    if (plan->weights_reorder) {
      plan->weights = memory(plan->weights_md, eng);
      plan->weights_reorder->execute(Stream(), user, plan->weights);
      Stream().wait();
    } else {
      plan->weights = user;
    }
  }
  return plan;
}

ConvPrimitive::Plan& ConvPrimitive::GetPlan(const ConvGeometry& g, const Shape& x, const Shape& w,
                                            bool has_bias, bool src_blocked, bool may_block_dst) {
  for (size_t i = plans_.size(); i-- > 0;) {
    if (plans_[i]->x == x && plans_[i]->w == w && plans_[i]->has_bias == has_bias &&
        plans_[i]->src_blocked == src_blocked && plans_[i]->may_block_dst == may_block_dst) {
      std::rotate(plans_.begin() + i, plans_.begin() + i + 1, plans_.end());
      return *plans_.back();
    }
  }
  std::unique_ptr<Plan> plan = CreatePlan(g, x, w, has_bias, src_blocked, may_block_dst);
  if (plans_.size() == kMaxPlans) plans_.erase(plans_.begin());
  plans_.push_back(std::move(plan));
  return *plans_.back();
}

bool ConvPrimitive::Run(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor* bias,
                        Tensor& y, bool src_blocked, bool may_block_dst) {
  Plan& plan = GetPlan(g, x.shape(), w.shape(), bias != nullptr, src_blocked, may_block_dst);
  dnnl::engine& eng = Engine();
  dnnl::stream& stream = Stream();
  float* out = y.data<float>();
  if (plan.crop) {
    const memory::dims computed = plan.dst_user_md.dims();
    out = std::find(computed.begin(), computed.end(), 0) != computed.end()
              ? nullptr
              : static_cast<float*>(Workspace(WorkspaceSlot::kOutput, plan.dst_user_md.get_size()));
  }
  if (out) {
    memory src(plan.src_user_md, eng, const_cast<float*>(x.data<float>()));
    if (plan.src_reorder) {
      memory blocked(plan.src_md, eng, Workspace(WorkspaceSlot::kSrc, plan.src_md.get_size()));
      plan.src_reorder->execute(stream, src, blocked);
      src = blocked;
    }
    memory weights = plan.weights;
    if (!weights) {
      weights = memory(plan.weights_user_md, eng, const_cast<float*>(w.data<float>()));
      if (plan.weights_reorder) {
        memory reordered(plan.weights_md, eng,
                         Workspace(WorkspaceSlot::kWeights, plan.weights_md.get_size()));
        plan.weights_reorder->execute(stream, weights, reordered);
        weights = reordered;
      }
    }
    memory dst_user(plan.dst_user_md, eng, out);
    memory dst = plan.dst_reorder ? memory(plan.dst_md, eng,
                                           Workspace(WorkspaceSlot::kDst, plan.dst_md.get_size()))
                                  : dst_user;
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (bias)
      args[DNNL_ARG_BIAS] = memory(plan.bias_md, eng, const_cast<float*>(bias->data<float>()));
    plan.primitive.execute(stream, args);
    if (plan.dst_reorder) plan.dst_reorder->execute(stream, dst, dst_user);
    stream.wait();
    if (plan.clamp_after) {
      const float lower = clamp_->lower, upper = clamp_->upper;
      exec::ParallelFor(y.size(), exec::kElementwiseGrain, [out, lower, upper](int64_t begin, int64_t end) {
        float* __restrict p = out;
        for (int64_t i = begin; i < end; ++i) {
          const float v = p[i] < lower ? lower : p[i];
          p[i] = v > upper ? upper : v;
        }
      });
    }
  }
  if (!plan.crop) return plan.dst_blocked;

  // Copy the window of the computed output; positions outside it only get the bias.
  const size_t rank = g.out.size();
  int64_t out_dims[3] = {1, 1, 1}, comp_dims[3] = {1, 1, 1}, offset[3] = {0, 0, 0};
  for (size_t i = 0; i < rank; ++i) {
    out_dims[3 - rank + i] = g.out[i];
    comp_dims[3 - rank + i] = plan.computed[i];
    offset[3 - rank + i] = plan.crop_offset[i];
  }
  const int64_t planes = y.dim(0) * y.dim(1), channels = y.dim(1);
  const int64_t out_plane = out_dims[0] * out_dims[1] * out_dims[2],
                comp_plane = comp_dims[0] * comp_dims[1] * comp_dims[2];
  for (int64_t p = 0; p < planes; ++p) {
    const float fill = bias ? bias->data<float>()[p % channels] : 0.0f;
    float* dst = y.data<float>() + p * out_plane;
    const float* src = out ? out + p * comp_plane : nullptr;
    for (int64_t d = 0; d < out_dims[0]; ++d) {
      const int64_t cd = d + offset[0];
      for (int64_t h = 0; h < out_dims[1]; ++h) {
        const int64_t ch = h + offset[1];
        const bool row_inside = src && cd >= 0 && cd < comp_dims[0] && ch >= 0 && ch < comp_dims[1];
        for (int64_t wi = 0; wi < out_dims[2]; ++wi) {
          const int64_t cw = wi + offset[2];
          *dst++ = row_inside && cw >= 0 && cw < comp_dims[2]
                       ? src[(cd * comp_dims[1] + ch) * comp_dims[2] + cw]
                       : fill;
        }
      }
    }
  }
  return false;
}

}  // namespace xquant::kernels::onednn
