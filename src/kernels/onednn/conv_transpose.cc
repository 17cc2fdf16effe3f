// ConvTranspose (ONNX opsets 1, 11; same attributes): 1-D, 2-D and 3-D transposed convolution
// with group, dilations, strides, pads, output_padding, output_shape (pads derived from it as the
// spec writes: the odd element at the beginning, at the end for SAME_UPPER) and auto_pad, on
// oneDNN's deconvolution. float32 only. The kernel itself is shared with Conv (conv.cc).
#include "kernels/common.h"
#include "kernels/onednn/conv_attributes.h"

namespace xquant::kernels {

StatusOr<std::unique_ptr<exec::Kernel>> CreateConvTranspose(const exec::KernelInfo& info) {
  return onednn::CreateConvKernel(info, true);
}

}  // namespace xquant::kernels
