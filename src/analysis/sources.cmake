# Pairing float and quantized tensors, streaming metrics and histograms, detection.
set(XQ_ANALYSIS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/config.cc
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cc
  ${CMAKE_CURRENT_LIST_DIR}/histogram.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantizers.cc
  ${CMAKE_CURRENT_LIST_DIR}/alignment.cc
  ${CMAKE_CURRENT_LIST_DIR}/detection.cc
  ${CMAKE_CURRENT_LIST_DIR}/accuracy.cc
  ${CMAKE_CURRENT_LIST_DIR}/report_runner.cc
)
