# Quantization ops (QuantizeLinear, DequantizeLinear, QLinear*, *Integer) and the dialect
# quantizers (MCT, QONNX, OpenVINO FakeQuantize).
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
  src/kernels/quant/dialect_params.cc
  src/kernels/quant/mct_activation_quantizers.cc
  src/kernels/quant/mct_weights_quantizers.cc
  src/kernels/quant/mct_lut_quantizers.cc
  src/kernels/quant/qonnx_quant.cc
  src/kernels/quant/qonnx_trunc.cc
  src/kernels/quant/fake_quantize.cc
)
