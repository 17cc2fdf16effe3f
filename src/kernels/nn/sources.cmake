# Neural-network ops written as plain loops: pooling, normalisation, softmax, reductions, resize,
# and the reference (naive) conv/gemm the oneDNN paths are tested against.
set(XQ_KERNEL_NN_SOURCES
  src/kernels/nn/batch_normalization.cc
  src/kernels/nn/global_pool.cc
  src/kernels/nn/group_normalization.cc
  src/kernels/nn/layer_normalization.cc
  src/kernels/nn/lp_normalization.cc
  src/kernels/nn/lrn.cc
  src/kernels/nn/mean_variance_normalization.cc
  src/kernels/nn/pool.cc
  src/kernels/nn/reduce.cc
  src/kernels/nn/resize.cc
  src/kernels/nn/softmax.cc
)
