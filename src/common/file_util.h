// Whole-file reads and writes with errors that name the path.
#pragma once

#include <string>

#include "xquant/status.h"

namespace xquant {

StatusOr<std::string> ReadFileToString(const std::string& path);
Status WriteStringToFile(const std::string& path, const std::string& contents);

}  // namespace xquant
