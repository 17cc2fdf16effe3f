// Text helpers of the writers: UTF-8 repair, XML escaping, number spellings.
#include "report/text_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

namespace xquant::testing {
namespace {

TEST(ValidUtf8, KeepsValidTextAndReplacesBadBytes) {
  EXPECT_EQ(report::ValidUtf8("conv.0/\xC3\xA9\xE2\x80\xA6\xF0\x9F\x98\x80"),
            "conv.0/\xC3\xA9\xE2\x80\xA6\xF0\x9F\x98\x80");
  EXPECT_EQ(report::ValidUtf8("a\xFF"
                              "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(report::ValidUtf8("\xC3"), "\xEF\xBF\xBD");                  // truncated sequence
  EXPECT_EQ(report::ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(report::ValidUtf8("\xED\xA0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(report::ValidUtf8("tab\tnl\n\x01"), "tab\tnl\n\xEF\xBF\xBD");
}

TEST(EscapeXml, EscapesMarkupAndQuotes) {
  EXPECT_EQ(report::EscapeXml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

TEST(FormatDouble, ShortestRoundTripAndNonFiniteSpellings) {
  EXPECT_EQ(report::FormatDouble(0.1), "0.1");
  EXPECT_EQ(report::FormatDouble(120.0), "120");
  EXPECT_EQ(report::FormatDouble(1e-5), "1e-05");
  EXPECT_EQ(report::FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(report::FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(report::FormatDouble(std::numeric_limits<double>::quiet_NaN()), "nan");
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::strtod(report::FormatDouble(third).c_str(), nullptr), third);
}

TEST(FloatAsDouble, ShowsTheFloatsShortestDecimal) {
  EXPECT_EQ(report::FloatAsDouble(0.02f), 0.02);
  EXPECT_NE(static_cast<double>(0.02f), 0.02);  // why the helper exists
  EXPECT_EQ(static_cast<float>(report::FloatAsDouble(0.0123456789f)), 0.0123456789f);
  EXPECT_EQ(report::FloatAsDouble(3.0f), 3.0);
}

}  // namespace
}  // namespace xquant::testing
