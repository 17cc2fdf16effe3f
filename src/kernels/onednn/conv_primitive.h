// The oneDNN side of Conv and ConvTranspose: primitives created per input shape and cached,
// constant weights reordered once into the layout the primitive prefers, activations converted
// between the executor's plain C order and oneDNN's channel-blocked layout around the call.
//
// Layout choice (measured on the 2-core AVX-512 machine, batch 1, one thread, with reorders):
//   - 3x3 64->64 56x56:        plain (gemm) 2.9 ms, nhwc brgconv 2.1, nChw16c jit 2.0
//   - depthwise 3x3 144 56x56: plain 2.1 ms, nhwc 0.50, nChw16c 0.21
//   - 1x1 144->24 56x56:       plain 0.20 ms, nChw16c 0.35 (1x1 on plain C order is one GEMM)
//   - 1x1 320->1280 7x7:       plain 0.52 ms, nChw16c 0.36
//   - stem 3->64 7x7/2 224:    plain 3.4 ms, nchw in / nChw16c out 2.1 (blocked input: ref impl)
// so: channel-blocked (nCw16c / nChw16c / nCdhw16c) by default, plain for stride-1 unpadded 1x1
// convolutions on images of 512 pixels or more, plain input for few input channels, and never
// oneDNN's reference implementation when another layout has a JIT one. (A hand-written AVX2
// depthwise 3x3 on plain NCHW, without reorders, was tried: mobilenet_v2 ran 15% slower with it.)
// On a 2-core Ice Lake machine (AVX-512), oneDNN's channels-last brgemm kernel beats its blocked
// one on dense 3x3 convolutions (64->64 56x56: 1.04 ms against 1.43, 2 threads), which the
// machine of the figures above did not show (2.1 against 2.0). So a dense convolution with 256
// or more multiply-adds per output and activations of 4 MiB or less runs channels-last on brgemm where
// oneDNN has it, reordered from and to the layouts around it (figures in conv_primitive.cc).
// In runs without an observer the executor may hand a convolution its input already blocked and
// let it leave its output blocked (exec::KernelContext::input_blocked / may_block_output): a 1x1
// convolution next to such a hand-off then prefers the blocked kernel too, since the reorders it
// saves cost more than the gemm gains (mobilenet_v2 b8: about 0.7x the time).
#pragma once

#include <dnnl.hpp>
#include <memory>
#include <optional>
#include <vector>

#include "exec/kernel.h"
#include "kernels/onednn/conv_attributes.h"
#include "xquant/tensor.h"

namespace xquant::kernels::onednn {

class ConvPrimitive {
 public:
  // `constant_weights`: the ONNX weights when they are a constant of the model (reordered once per
  // primitive), else undefined. `clamp`: applied to the result (oneDNN eltwise post-op).
  ConvPrimitive(bool transpose, int64_t group, Tensor constant_weights,
                std::optional<exec::Clamp> clamp = std::nullopt);
  ~ConvPrimitive();

  // y = Conv(x, w) + bias, or ConvTranspose. `y` is allocated with the geometry's shape by the
  // caller. `src_blocked`: x holds its elements channel-blocked (nC[d][h]w16c, channels padded
  // to a multiple of 16 with zeros; exec/blocked_layout.h). `may_block_dst`: y may be written that
  // way (its buffer has room for the padding); returns whether it was (when the primitive computes
  // in that layout, or channels-last and reordered into it).
  // REQUIRES: shapes checked by ResolveConvGeometry, no zero-sized dimension.
  // Throws dnnl::error.
  bool Run(const ConvGeometry& g, const Tensor& x, const Tensor& w, const Tensor* bias, Tensor& y,
           bool src_blocked = false, bool may_block_dst = false);

 private:
  struct Plan;
  Plan& GetPlan(const ConvGeometry& g, const Shape& x, const Shape& w, bool has_bias,
                bool src_blocked, bool may_block_dst);
  std::unique_ptr<Plan> CreatePlan(const ConvGeometry& g, const Shape& x, const Shape& w,
                                   bool has_bias, bool src_blocked, bool may_block_dst) const;

  bool transpose_;
  int64_t group_;
  Tensor constant_weights_;
  std::optional<exec::Clamp> clamp_;
  std::vector<std::unique_ptr<Plan>> plans_;  // most recently used last
};

}  // namespace xquant::kernels::onednn
