# TensorBoard event files (TFRecord frames of Event protobufs).
set(XQ_TENSORBOARD_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/event_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_report.cc
)
set(XQ_TENSORBOARD_LIBRARIES)
