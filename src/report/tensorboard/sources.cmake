# TensorBoard event files (TFRecord frames of Event protobufs): a library of its own, linked
# into xq_report. The Event/Summary/GraphDef messages come from our own minimal .proto compiled by
# protoc; protobuf stays private to this folder (the headers expose plain structs only).
add_library(xq_tensorboard STATIC
  ${CMAKE_CURRENT_LIST_DIR}/tfrecord.cc
  ${CMAKE_CURRENT_LIST_DIR}/event_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/model_graph.cc
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_report.cc
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard.proto
)
set(XQ_TENSORBOARD_PROTO_DIR ${CMAKE_CURRENT_BINARY_DIR}/tensorboard_proto)
file(MAKE_DIRECTORY ${XQ_TENSORBOARD_PROTO_DIR})
# Generates <proto dir>/src/report/tensorboard/tensorboard.pb.{h,cc} (path relative to the source
# root, which also keeps the file's name unique in protobuf's global descriptor pool).
protobuf_generate(TARGET xq_tensorboard LANGUAGE cpp PROTOC_OUT_DIR ${XQ_TENSORBOARD_PROTO_DIR})
target_include_directories(xq_tensorboard PRIVATE ${XQ_TENSORBOARD_PROTO_DIR})
target_link_libraries(xq_tensorboard PUBLIC xq_analysis PRIVATE protobuf::libprotobuf)
set(XQ_TENSORBOARD_LIBRARIES xq_tensorboard)
