// Reading only the header of a .npy file, so that a large array can be read row range by row
// range at known file offsets instead of whole (xquant/npy.h reads whole files).
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "xquant/status.h"
#include "xquant/tensor.h"

namespace xquant::data {

struct NpyHeader {
  DataType dtype = DataType::kUndefined;
  Shape shape;
  uint64_t data_offset = 0;  // where the first element starts
};

// Reads the header at the start of `in` (format 1.0, 2.0 or 3.0). Refuses what ReadNpy refuses:
// Fortran order, object arrays, pickles, structured and big-endian dtypes. `origin` names the
// file in errors.
StatusOr<NpyHeader> ReadNpyHeader(std::istream& in, const std::string& origin);

}  // namespace xquant::data
