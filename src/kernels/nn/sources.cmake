# Neural-network ops written as plain loops: pooling, normalisation, softmax, reductions, resize,
# and the reference (naive) conv/gemm the oneDNN paths are tested against.
set(XQ_KERNEL_NN_SOURCES
)
