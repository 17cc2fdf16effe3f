// The docs match the code: docs/operators.md lists exactly the ops the registry has.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "xquant/model.h"

namespace xquant {
namespace {

TEST(Docs, OperatorsPageListsExactlyTheRegisteredOps) {
  std::ifstream in(XQ_SOURCE_DIR "/docs/operators.md");
  ASSERT_TRUE(in) << "docs/operators.md is missing";
  // Op names are the `code` spans of the table's first column: "| `Conv` | ...".
  std::set<std::string> documented;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    const size_t end = line.find('`', 3);
    documented.insert(line.substr(3, end - 3));
  }
  const auto supported = SupportedOps();
  const std::set<std::string> registered(supported.begin(), supported.end());
  for (const auto& op : registered) EXPECT_TRUE(documented.count(op)) << op << " runs but is not in docs/operators.md";
  for (const auto& op : documented) EXPECT_TRUE(registered.count(op)) << op << " is documented but has no kernel";
}

}  // namespace
}  // namespace xquant
