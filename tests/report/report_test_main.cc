// main() of report_writers_test. After the tests, cairo's and fontconfig's process-wide caches
// (fonts loaded for the charts) are released, so that LeakSanitizer in XQ_SANITIZE builds reports
// only leaks of our own.
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int result = RUN_ALL_TESTS();
  cairo_debug_reset_static_data();
  FcFini();
  return result;
}
