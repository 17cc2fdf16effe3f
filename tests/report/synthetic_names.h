// Layer names the report-file checks plant in the synthetic report: markup, quotes, commas and
// a very long path, so every writer's escaping and truncation is exercised. The Python and browser
// checks spell the same names out again on their side.
#pragma once

#include <string>

#include "report_fixture.h"

namespace xquant::testing {

inline constexpr char kScriptName[] = "<script>console.error('unescaped')</script>";
inline constexpr char kImageName[] = "<img src=missing.png onerror=\"console.error('unescaped')\">";
inline constexpr char kCsvHostileName[] = "conv, \"quoted\"\nnext line";
inline constexpr char kLongName[] =
    "/model/backbone/stage4/block7/expand_conv_with_a_rather_long_exporter_generated_suffix/"
    "conv.0.0/Conv";

// MakeSyntheticReport(num_layers) with layers 3, 5, 7 and 9 renamed as above.
// REQUIRES: num_layers >= 10.
inline ReportResult MakeHostileNamesReport(int num_layers) {
  ReportResult r = MakeSyntheticReport(num_layers);
  r.points[3].name = kScriptName;
  r.points[5].name = kImageName;
  r.points[7].name = kCsvHostileName;
  r.points[9].name = kLongName;
  return r;
}

}  // namespace xquant::testing
