# The closed loop of `xquant troubleshoot --fix`: candidates from the findings, re-quantization,
# re-measurement, the choice.
set(XQ_FIX_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/config_delta.cc
  ${CMAKE_CURRENT_LIST_DIR}/candidates.cc
  ${CMAKE_CURRENT_LIST_DIR}/concat_scaling.cc
  ${CMAKE_CURRENT_LIST_DIR}/selection.cc
  ${CMAKE_CURRENT_LIST_DIR}/fix_runner.cc
)
