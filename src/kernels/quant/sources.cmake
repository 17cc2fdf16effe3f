# Quantization ops (QuantizeLinear, DequantizeLinear, QLinear*, *Integer).
set(XQ_KERNEL_QUANT_SOURCES
  src/kernels/quant/qdq_params.cc
  src/kernels/quant/quantize_linear.cc
  src/kernels/quant/dequantize_linear.cc
  src/kernels/quant/int_conv.cc
  src/kernels/quant/int_matmul.cc
  src/kernels/quant/qlinear_conv.cc
  src/kernels/quant/conv_integer.cc
  src/kernels/quant/qlinear_matmul.cc
  src/kernels/quant/matmul_integer.cc
  src/kernels/quant/dynamic_quantize_linear.cc
)
