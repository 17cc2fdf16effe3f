# TensorBoard event files (TFRecord frames of Event protobufs): a library of its own, linked
# into xq_report.
add_library(xq_tensorboard STATIC
  ${CMAKE_CURRENT_LIST_DIR}/event_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_report.cc
)
target_link_libraries(xq_tensorboard PUBLIC xq_analysis)
set(XQ_TENSORBOARD_LIBRARIES xq_tensorboard)
