# The only files that include dnnl.hpp: Conv, ConvTranspose, Gemm, MatMul on oneDNN.
set(XQ_KERNEL_ONEDNN_SOURCES
  src/kernels/onednn/engine.cc
  src/kernels/onednn/conv_attributes.cc
  src/kernels/onednn/conv_primitive.cc
  src/kernels/onednn/conv.cc
  src/kernels/onednn/conv_transpose.cc
  src/kernels/onednn/matmul_primitive.cc
  src/kernels/onednn/matmul.cc
  src/kernels/onednn/gemm.cc
)
