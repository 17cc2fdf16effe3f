# Quantization ops (QuantizeLinear, DequantizeLinear, QLinear*, *Integer).
set(XQ_KERNEL_QUANT_SOURCES
  src/kernels/quant/qdq_params.cc
  src/kernels/quant/quantize_linear.cc
  src/kernels/quant/dequantize_linear.cc
)
