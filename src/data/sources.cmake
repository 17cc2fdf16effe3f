# Datasets: .npy files, image folders, seeded random samples (include/xquant/dataset.h).
set(XQ_DATA_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cc
  ${CMAKE_CURRENT_LIST_DIR}/sample_checks.cc
  ${CMAKE_CURRENT_LIST_DIR}/labels.cc
  ${CMAKE_CURRENT_LIST_DIR}/npy_header.cc
  ${CMAKE_CURRENT_LIST_DIR}/npy_directory_dataset.cc
  ${CMAKE_CURRENT_LIST_DIR}/npy_file_dataset.cc
  ${CMAKE_CURRENT_LIST_DIR}/image_transform.cc
  ${CMAKE_CURRENT_LIST_DIR}/image_dataset.cc
  ${CMAKE_CURRENT_LIST_DIR}/random_dataset.cc
)
# stb_image's implementation comes from Debian's libstb (libstb-dev), not compiled in here.
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
set(XQ_DATA_LIBRARIES PkgConfig::STB)
