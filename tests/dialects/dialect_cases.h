// The cases written by tests/fixtures/make_dialect_ops.py (its cases.txt), shared by the dialect
// tests.
#pragma once

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

namespace xquant::dialect_test {

struct Case {
  std::string kind;   // run, error_load, error_create, error_run, oracle
  std::string name;
  std::string node;   // error cases: the node the message must name
  std::string field;  // error cases: the attribute/input the message must name
};

// How gtest prints a case (instead of its bytes).
inline void PrintTo(const Case& c, std::ostream* os) { *os << c.kind << " " << c.name; }

inline std::vector<Case> ReadCases(const std::string& dir, const std::string& kind_prefix) {
  std::vector<Case> cases;
  std::ifstream in(dir + "/cases.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Case c;
    fields >> c.kind >> c.name >> c.node >> c.field;
    if (c.kind.rfind(kind_prefix, 0) == 0) cases.push_back(c);
  }
  return cases;
}

}  // namespace xquant::dialect_test
