# Troubleshooting: the judges (one per file in judges/), general measures, the run.
set(XQ_TROUBLESHOOT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/judge_registry.cc
  ${CMAKE_CURRENT_LIST_DIR}/troubleshoot_runner.cc
  ${CMAKE_CURRENT_LIST_DIR}/outlier_stats.cc
  ${CMAKE_CURRENT_LIST_DIR}/quantization_log_reader.cc
  ${CMAKE_CURRENT_LIST_DIR}/judges/logged_merges.cc
  ${CMAKE_CURRENT_LIST_DIR}/judges/outlier_removal.cc
  ${CMAKE_CURRENT_LIST_DIR}/judges/unbalanced_concatenation.cc
  ${CMAKE_CURRENT_LIST_DIR}/judges/shift_negative_activation.cc
  ${CMAKE_CURRENT_LIST_DIR}/judges/mixed_precision.cc
)
