# Writers of the report directory, all from one in-memory ReportResult.
include(${CMAKE_CURRENT_LIST_DIR}/tensorboard/sources.cmake)
set(XQ_REPORT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/write_report.cc
  ${CMAKE_CURRENT_LIST_DIR}/write_troubleshoot.cc
  ${CMAKE_CURRENT_LIST_DIR}/write_fix.cc
  ${CMAKE_CURRENT_LIST_DIR}/quant_report_json.cc
  ${CMAKE_CURRENT_LIST_DIR}/layers_csv.cc
  ${CMAKE_CURRENT_LIST_DIR}/report_data.cc
  ${CMAKE_CURRENT_LIST_DIR}/text_format.cc
  ${CMAKE_CURRENT_LIST_DIR}/chart_canvas.cc
  ${CMAKE_CURRENT_LIST_DIR}/png_encoder.cc
  ${CMAKE_CURRENT_LIST_DIR}/chart.cc
  ${CMAKE_CURRENT_LIST_DIR}/loss_charts.cc
  ${CMAKE_CURRENT_LIST_DIR}/outlier_charts.cc
  ${CMAKE_CURRENT_LIST_DIR}/html_report.cc
)
# libpng for the charts' PNG encoder (png_encoder.cc); cairo depends on it already.
find_package(PNG REQUIRED)
set(XQ_REPORT_LIBRARIES ${XQ_TENSORBOARD_LIBRARIES} PNG::PNG)
