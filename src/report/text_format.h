// Text for the report's files: user-supplied names made safe for each format, and numbers written
// the same way everywhere.
#pragma once

#include <string>
#include <string_view>

namespace xquant::report {

// `text` with every invalid UTF-8 sequence, and every C0 control character other than tab, line
// feed and carriage return, replaced by U+FFFD. Such characters are not allowed in XML/HTML, and
// cairo refuses invalid UTF-8 (the whole drawing would fail), so a bad byte in a layer name costs
// one replacement character instead.
std::string ValidUtf8(std::string_view text);

// ValidUtf8(text) with & < > " ' escaped: safe as HTML/XML text and inside quoted attributes.
std::string EscapeXml(std::string_view text);

// The shortest text that reads back as exactly `value` ("0.1", "1e-05", "120"), or "inf", "-inf",
// "nan" (the spellings Python and C's strtod read back).
std::string FormatDouble(double value);

// The double nearest the shortest decimal that reads back as the float `value` (0.02f gives 0.02,
// not 0.0199999995529651641845703125): how to show a float through double-only formatters.
double FloatAsDouble(float value);

}  // namespace xquant::report
