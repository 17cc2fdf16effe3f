# The post-training quantizer: graph preparation, statistics, thresholds, weights, QDQ output,
# the log, mixed precision.
set(XQ_QUANTIZE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/config.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_grid.cc
  ${CMAKE_CURRENT_LIST_DIR}/threshold_search.cc
  ${CMAKE_CURRENT_LIST_DIR}/graph_edit.cc
  ${CMAKE_CURRENT_LIST_DIR}/bn_folding.cc
  ${CMAKE_CURRENT_LIST_DIR}/linear_collapsing.cc
  ${CMAKE_CURRENT_LIST_DIR}/residual_collapsing.cc
  ${CMAKE_CURRENT_LIST_DIR}/statistics.cc
  ${CMAKE_CURRENT_LIST_DIR}/activation_plan.cc
  ${CMAKE_CURRENT_LIST_DIR}/weight_quantization.cc
  ${CMAKE_CURRENT_LIST_DIR}/qdq_builder.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantization_log.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantizer.cc
  ${CMAKE_CURRENT_LIST_DIR}/mixed_precision.cc
)
