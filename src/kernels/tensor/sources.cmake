# Ops that move data or compute shapes: Reshape, Transpose, Concat, Slice, Gather, Shape, ...
set(XQ_KERNEL_TENSOR_SOURCES
  src/kernels/tensor/identity.cc
)
