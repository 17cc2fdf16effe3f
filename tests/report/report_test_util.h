// Helpers of the report writers' tests: scratch directories, file reading, a PNG decoder (cairo),
// a JSON reader that accepts Python's Infinity/NaN tokens, and an RFC 4180 CSV reader. The
// readers are written here, independently of the writers they check.
#pragma once

#include <cairo.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace xquant::testing {

// A fresh directory named after the running test, removed first if it exists.
inline std::filesystem::path ScratchDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("xq_report_" + std::string(info->test_suite_name()) + "_" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++count;
  return count;
}

// ---- PNG ----
struct Pixels {
  int width = 0, height = 0;
  std::vector<uint32_t> argb;  // row-major
  uint8_t R(int x, int y) const { return (argb[y * width + x] >> 16) & 0xFF; }
  uint8_t G(int x, int y) const { return (argb[y * width + x] >> 8) & 0xFF; }
  uint8_t B(int x, int y) const { return argb[y * width + x] & 0xFF; }
  bool IsRed(int x, int y) const { return R(x, y) > 180 && G(x, y) < 90 && B(x, y) < 90; }
  bool IsBlue(int x, int y) const {
    return B(x, y) > 130 && R(x, y) < 110 && G(x, y) < 170 && B(x, y) - R(x, y) > 60;
  }
};

// Decodes PNG bytes with cairo; width 0 when they are not a PNG.
inline Pixels DecodePng(const std::string& bytes) {
  struct Reader {
    const std::string* data;
    size_t pos = 0;
  } reader{&bytes};
  cairo_surface_t* surface = cairo_image_surface_create_from_png_stream(
      [](void* closure, unsigned char* out, unsigned int length) {
        auto* r = static_cast<Reader*>(closure);
        if (r->pos + length > r->data->size()) return CAIRO_STATUS_READ_ERROR;
        std::copy_n(r->data->data() + r->pos, length, out);
        r->pos += length;
        return CAIRO_STATUS_SUCCESS;
      },
      &reader);
  Pixels pixels;
  if (cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(surface);
    pixels.width = cairo_image_surface_get_width(surface);
    pixels.height = cairo_image_surface_get_height(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    for (int y = 0; y < pixels.height; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
      pixels.argb.insert(pixels.argb.end(), row, row + pixels.width);
    }
  }
  cairo_surface_destroy(surface);
  return pixels;
}

// ---- JSON with Python's non-finite tokens ----
// Replaces the bare tokens Infinity, -Infinity and NaN outside strings by the strings
// "#Infinity", "#-Infinity", "#NaN", so nlohmann (strict JSON) can parse the document.
inline std::string QuoteNonFiniteTokens(const std::string& text) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (const char* token : {"-Infinity", "Infinity", "NaN"}) {
      const std::string t = token;
      if (text.compare(i, t.size(), t) == 0) {
        out += "\"#" + t + "\"";
        i += t.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

inline double JsonNumber(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (s == "#Infinity") return std::numeric_limits<double>::infinity();
    if (s == "#-Infinity") return -std::numeric_limits<double>::infinity();
    if (s == "#NaN") return std::numeric_limits<double>::quiet_NaN();
    ADD_FAILURE() << "not a number: " << s;
  }
  return value.get<double>();
}

// ---- CSV (RFC 4180) ----
inline std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      field_started = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      field_started = false;
      ++i;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (field_started || !row.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// ---- the synthetic report's values, restated from report_fixture.h's definition ----
inline double FixtureMse(int i) { return i == 2 ? 0.25 : 0.001 * (i + 1); }
inline double FixtureCs(int i) { return 0.999 - 0.01 * i; }
inline double FixtureSqnr(int i) {
  return i == 0 ? std::numeric_limits<double>::infinity() : 100.0 / (i + 1);
}

}  // namespace xquant::testing
