# Datasets: .npy files, image folders, seeded random samples (include/xquant/dataset.h).
set(XQ_DATA_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cc
)
set(XQ_DATA_LIBRARIES)
