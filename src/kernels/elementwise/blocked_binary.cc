// Add, Sub, Mul and Div on channel-blocked inputs (exec/blocked_layout.h), which is how they meet
// the convolutions' results in runs without an observer: a residual Add of two blocked tensors of
// one shape, a squeeze-excitation's Mul of a blocked tensor by one value per channel, a
// hard-swish written out as x * Clip(x + 3, 0, 6) / 6. Those two forms are computed in the blocked
// layout and stay blocked where the output may; anything else unblocks its inputs and runs the
// plain kernel.
#include <functional>
#include <optional>

#include "kernels/elementwise/elementwise.h"

namespace xquant::kernels::elementwise {
namespace {

// The other operand of a blocked X [N, C, spatial...], when it holds at most one value per
// (n, c): its value for (n, c) is data[n * batch_stride + c * channel_stride].
struct PerChannel {
  const float* data = nullptr;
  int64_t batch_stride = 0;
  int64_t channel_stride = 0;
};

// `p` (blocked or plain) broadcast against `x_shape` as numpy would, when it gives x_shape and p
// varies along N and C at most.
std::optional<PerChannel> AsPerChannel(const Tensor& p, bool p_blocked, const Shape& x_shape) {
  const Shape& ps = p.shape();
  if (ps.size() > x_shape.size()) return std::nullopt;
  const size_t offset = x_shape.size() - ps.size();
  int64_t p_batch = 1, p_channels = 1;
  for (size_t i = 0; i < ps.size(); ++i) {
    const size_t axis = i + offset;
    if (ps[i] != 1 && (axis > 1 || ps[i] != x_shape[axis])) return std::nullopt;
    if (axis == 0) p_batch = ps[i];
    if (axis == 1) p_channels = ps[i];
  }
  // Blocked, p must have x's rank: a blocked [C, 1, 1] would hold its channels along its own
  // first axis, one per 16-lane block.
  if (p_blocked && ps.size() != x_shape.size()) return std::nullopt;
  PerChannel result;
  result.data = p.data<float>();
  result.channel_stride = p_channels > 1 ? 1 : 0;
  // Blocked, an image of p holds its channels padded to a multiple of 16 (spatial size 1).
  const int64_t image = p_blocked ? exec::BlockedShapeOf(ps).padded_channels() : p_channels;
  result.batch_stride = p_batch > 1 ? image : 0;
  return result;
}

template <typename Op>
class BlockedBinaryKernel final : public Kernel {
 public:
  BlockedBinaryKernel(std::unique_ptr<Kernel> plain, Op op) : plain_(std::move(plain)), op_(op) {}

  Status Compute(KernelContext& ctx) override {
    if (!ctx.any_input_blocked()) return plain_->Compute(ctx);
    XQ_ASSIGN_OR_RETURN(const Tensor* a, RequireInput(ctx, 0));
    XQ_ASSIGN_OR_RETURN(const Tensor* b, RequireInput(ctx, 1));
    XQ_RETURN_IF_ERROR(CheckBlockedInputs(ctx));
    if (ctx.may_block_output() && a->dtype() == DataType::kFloat32 && b->dtype() == DataType::kFloat32) {
      if (ctx.input_blocked(0) && ctx.input_blocked(1) && a->shape() == b->shape()) {
        ctx.output(0) = KeepPaddingZero(SameShape(*a, *b));
        ctx.MarkOutputBlocked();
        return Status::Ok();
      }
      // X op P or P op X, X blocked with the output's shape, P one value per channel.
      for (size_t x_index = 0; x_index < 2; ++x_index) {
        const Tensor& x = *ctx.input(x_index);
        const Tensor& p = *ctx.input(1 - x_index);
        if (!ctx.input_blocked(x_index)) continue;
        std::optional<PerChannel> per_channel = AsPerChannel(p, ctx.input_blocked(1 - x_index), x.shape());
        if (!per_channel) continue;
        ctx.output(0) = KeepPaddingZero(x_index == 0 ? ByChannel<true>(x, *per_channel) : ByChannel<false>(x, *per_channel));
        ctx.MarkOutputBlocked();
        return Status::Ok();
      }
    }
    return ComputeOnPlainInputs(*plain_, ctx);  // any other form: plain inputs, plain output
  }

  bool AcceptsBlockedInput(size_t i) const override { return i < 2; }

 private:
  // The padding lanes computed 0 op 0: zero for Add, Sub and Mul, NaN for Div, set back to zero.
  Tensor KeepPaddingZero(Tensor y) const {
    if (!(op_(0.0f, 0.0f) == 0.0f)) exec::ZeroBlockedPadding(y.data<float>(), exec::BlockedShapeOf(y.shape()));
    return y;
  }

  // Both blocked, one shape: the buffers line up element for element.
  Tensor SameShape(const Tensor& a, const Tensor& b) const {
    Tensor y = exec::NewBlockedTensor(a.shape());
    const float* __restrict pa = a.data<float>();
    const float* __restrict pb = b.data<float>();
    float* __restrict out = y.data<float>();
    const Op op = op_;
    exec::ParallelFor(exec::BlockedShapeOf(a.shape()).elements(), exec::kElementwiseGrain,
                      [&](int64_t begin, int64_t end) {
#pragma omp simd
                        for (int64_t i = begin; i < end; ++i) out[i] = op(pa[i], pb[i]);
                      });
    return y;
  }

  // y = x op p (kXFirst) or p op x, p one value per channel, in x's blocked layout. The padding
  // lanes take 0 for p: they compute 0 op 0.
  template <bool kXFirst>
  Tensor ByChannel(const Tensor& x, const PerChannel& p) const {
    const exec::BlockedShape geometry = exec::BlockedShapeOf(x.shape());
    Tensor y = exec::NewBlockedTensor(x.shape());
    const int64_t block_size = geometry.spatial * kChannelBlock;
    const float* in = x.data<float>();
    float* out = y.data<float>();
    const Op op = op_;
    exec::ParallelFor(geometry.batch * geometry.blocks, std::max<int64_t>(1, exec::kElementwiseGrain / std::max<int64_t>(1, block_size)),
                      [&](int64_t begin, int64_t end) {
                        for (int64_t block = begin; block < end; ++block) {
                          const int64_t n = block / geometry.blocks, cb = block % geometry.blocks;
                          alignas(64) float lane_values[kChannelBlock] = {};
                          for (int64_t l = 0; l < geometry.lanes(cb); ++l)
                            lane_values[l] = p.data[n * p.batch_stride + (cb * kChannelBlock + l) * p.channel_stride];
                          const float* __restrict src = in + block * block_size;
                          float* __restrict dst = out + block * block_size;
                          for (int64_t s = 0; s < geometry.spatial; ++s)
#pragma omp simd
                            for (int64_t l = 0; l < kChannelBlock; ++l) {
                              const float v = src[s * kChannelBlock + l];
                              dst[s * kChannelBlock + l] = kXFirst ? op(v, lane_values[l]) : op(lane_values[l], v);
                            }
                        }
                      });
    return y;
  }

  std::unique_ptr<Kernel> plain_;
  Op op_;
};

}  // namespace

StatusOr<std::unique_ptr<Kernel>> AcceptingBlockedInputs(StatusOr<std::unique_ptr<Kernel>> plain,
                                                         const KernelInfo& info, BlockedArith arith) {
  // Before opset 7 these ops broadcast by `axis` rather than numpy's rules: plain only.
  if (!plain.ok() || info.opset() < 7) return plain;
  std::unique_ptr<Kernel> kernel = std::move(plain).value();
  switch (arith) {
    case BlockedArith::kAdd:
      return std::unique_ptr<Kernel>(std::make_unique<BlockedBinaryKernel<std::plus<float>>>(std::move(kernel), std::plus<float>()));
    case BlockedArith::kSub:
      return std::unique_ptr<Kernel>(std::make_unique<BlockedBinaryKernel<std::minus<float>>>(std::move(kernel), std::minus<float>()));
    case BlockedArith::kMul:
      return std::unique_ptr<Kernel>(
          std::make_unique<BlockedBinaryKernel<std::multiplies<float>>>(std::move(kernel), std::multiplies<float>()));
    case BlockedArith::kDiv:
      return std::unique_ptr<Kernel>(std::make_unique<BlockedBinaryKernel<std::divides<float>>>(std::move(kernel), std::divides<float>()));
  }
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace xquant::kernels::elementwise
