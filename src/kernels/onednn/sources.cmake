# The only files that include dnnl.hpp: Conv, ConvTranspose, Gemm, MatMul on oneDNN.
set(XQ_KERNEL_ONEDNN_SOURCES
)
