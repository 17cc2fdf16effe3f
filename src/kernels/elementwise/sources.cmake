# Elementwise ops: unary math and activations, binary arithmetic with broadcasting, comparisons,
# logic, Where, Clip, Cast.
set(XQ_KERNEL_ELEMENTWISE_SOURCES
)
