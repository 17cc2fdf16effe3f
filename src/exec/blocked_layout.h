// The channel-blocked layout of the executor's hand-off between kernels (runs without an
// observer; see KernelContext::input_blocked): oneDNN's nCw16c / nChw16c / nCdhw16c. A tensor of
// logical shape [N, C, spatial...] is stored as N x ceil(C/16) blocks, each holding `spatial`
// positions of 16 consecutive channels: element (n, c, s) sits at
//   ((n * blocks + c / 16) * spatial + s) * 16 + c % 16.
// When C is not a multiple of 16 the last block of each image is padded: its lanes c >= C exist in
// the buffer (Tensor::WithCapacity) and hold zeros, as oneDNN requires of its inputs and keeps in
// its outputs. Every kernel writing a blocked tensor keeps them zero.
#pragma once

#include <algorithm>
#include <cstdint>

#include "xquant/tensor.h"

namespace xquant::exec {

constexpr int64_t kChannelBlock = 16;

struct BlockedShape {
  int64_t batch = 0;
  int64_t channels = 0;
  int64_t blocks = 0;   // ceil(channels / 16) per image
  int64_t spatial = 1;  // product of the dimensions after C

  int64_t padded_channels() const { return blocks * kChannelBlock; }
  // Elements of the buffer, padding included.
  int64_t elements() const { return batch * padded_channels() * spatial; }
  // Valid lanes of channel block `cb` (16, or fewer in the last block).
  int64_t lanes(int64_t cb) const { return std::min(kChannelBlock, channels - cb * kChannelBlock); }
};

// True for the shapes the hand-off covers: [N, C, spatial...] of rank 3 to 5.
inline bool IsBlockableShape(const Shape& shape) { return shape.size() >= 3 && shape.size() <= 5; }

// REQUIRES: IsBlockableShape(shape).
inline BlockedShape BlockedShapeOf(const Shape& shape) {
  BlockedShape b;
  b.batch = shape[0];
  b.channels = shape[1];
  b.blocks = (shape[1] + kChannelBlock - 1) / kChannelBlock;
  for (size_t d = 2; d < shape.size(); ++d) b.spatial *= shape[d];
  return b;
}

// An uninitialised float32 tensor of `shape` with room for its blocked form, padding included.
inline Tensor NewBlockedTensor(const Shape& shape) {
  return Tensor::WithCapacity(DataType::kFloat32, shape, BlockedShapeOf(shape).elements());
}

// Sets the padding lanes (channels >= C of each image's last block) of blocked `data` to zero.
inline void ZeroBlockedPadding(float* data, const BlockedShape& b) {
  const int64_t valid = b.lanes(b.blocks - 1);
  if (b.blocks == 0 || valid == kChannelBlock) return;
  for (int64_t n = 0; n < b.batch; ++n) {
    float* last = data + ((n * b.blocks + b.blocks - 1) * b.spatial) * kChannelBlock;
    for (int64_t s = 0; s < b.spatial; ++s)
      std::fill(last + s * kChannelBlock + valid, last + (s + 1) * kChannelBlock, 0.0f);
  }
}

}  // namespace xquant::exec
