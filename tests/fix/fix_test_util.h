// Helpers the --fix tests share: a fresh temporary directory per test, and reading the JSON files
// the report writes (Infinity and NaN as Python's json module writes them).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "common/python_json.h"

namespace xquant::fix_test {

// `<tmp>/xquant_<prefix>_<name>_<pid>`, emptied.
inline std::string TempDir(const std::string& prefix, const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("xquant_" + prefix + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

inline nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return ParsePythonJson(text);
}

}  // namespace xquant::fix_test
