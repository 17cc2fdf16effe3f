// Python-style JSON: non-finite numbers written and read as bare tokens; the same words inside
// strings (a layer named "NaN_fix/Infinity") are text and stay untouched.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/python_json.h"

namespace xquant {
namespace {

TEST(PythonJson, WritesNonFiniteAsBareTokens) {
  nlohmann::ordered_json doc = {{"a", std::numeric_limits<double>::infinity()},
                                {"b", -std::numeric_limits<double>::infinity()},
                                {"c", std::nan("")},
                                {"d", std::vector<double>{1.5, 2.0}}};
  EXPECT_EQ(DumpPythonJson(doc), "{\n  \"a\": Infinity,\n  \"b\": -Infinity,\n  \"c\": NaN,\n  \"d\": [1.5, 2.0]\n}\n");
}

TEST(PythonJson, ReadsTokensOutsideStringsOnly) {
  const nlohmann::json doc =
      ParsePythonJson("{\"NaN_fix/Infinity\": {\"sqnr\": Infinity, \"cs\": NaN, \"m\": -Infinity, \"q\": \"a\\\"NaN\"}}");
  ASSERT_FALSE(doc.is_discarded());
  const auto& layer = doc.at("NaN_fix/Infinity");
  EXPECT_EQ(layer.at("sqnr").get<double>(), 1e308);
  EXPECT_TRUE(layer.at("cs").is_null());
  EXPECT_EQ(layer.at("m").get<double>(), -1e308);
  EXPECT_EQ(layer.at("q").get<std::string>(), "a\"NaN");
  EXPECT_TRUE(ParsePythonJson("{not json").is_discarded());
}

}  // namespace
}  // namespace xquant
