# Elementwise ops: unary math and activations, binary arithmetic with broadcasting, comparisons,
# logic, Where, Clip, Cast.
set(XQ_KERNEL_ELEMENTWISE_SOURCES
  src/kernels/elementwise/elementwise.cc
  src/kernels/elementwise/unary_math.cc
  src/kernels/elementwise/activations.cc
  src/kernels/elementwise/prelu.cc
  src/kernels/elementwise/binary_arith.cc
  src/kernels/elementwise/blocked_binary.cc
  src/kernels/elementwise/pow.cc
  src/kernels/elementwise/variadic.cc
  src/kernels/elementwise/compare_logic.cc
  src/kernels/elementwise/where.cc
  src/kernels/elementwise/clip.cc
  src/kernels/elementwise/cast.cc
)
