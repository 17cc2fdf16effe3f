// The charts' PNG encoder (decoded back by cairo's libpng reader), and WriteReport's page, which
// embeds the very bytes of the .png files it wrote beside it.
#include <gtest/gtest.h>

#include <cstring>

#include "report/png_encoder.h"
#include "report/writers.h"
#include "report_fixture.h"
#include "report_test_util.h"

namespace xquant::testing {
namespace {

// RFC 4648 base64, written here so that the check does not reuse the writer's encoder.
std::string DecodeBase64(const std::string& text) {
  std::string out;
  uint32_t bits = 0;
  int held = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (v < 0) continue;  // '=' padding
    bits = bits << 6 | static_cast<uint32_t>(v);
    held += 6;
    if (held >= 8) {
      held -= 8;
      out += static_cast<char>((bits >> held) & 0xFF);
    }
  }
  return out;
}

// Every pixel a different colour, rows padded beyond their width (as cairo's stride may be): the
// decoded image must match pixel for pixel, padding ignored.
TEST(PngEncoder, DecodesToTheSamePixels) {
  constexpr int kWidth = 7, kHeight = 5, kStride = 4 * kWidth + 12;
  std::vector<unsigned char> image(kStride * kHeight, 0xAB);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      const uint32_t rgb = static_cast<uint32_t>((x * 37) << 16 | (y * 51) << 8 | (x * 11 + y * 29));
      std::memcpy(image.data() + y * kStride + 4 * x, &rgb, 4);
    }
  }
  StatusOr<std::string> png = report::EncodeRgb24Png(image.data(), kWidth, kHeight, kStride);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  const Pixels pixels = DecodePng(*png);
  ASSERT_EQ(pixels.width, kWidth);
  ASSERT_EQ(pixels.height, kHeight);
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      EXPECT_EQ(pixels.R(x, y), (x * 37) & 0xFF) << x << "," << y;
      EXPECT_EQ(pixels.G(x, y), (y * 51) & 0xFF) << x << "," << y;
      EXPECT_EQ(pixels.B(x, y), (x * 11 + y * 29) & 0xFF) << x << "," << y;
    }
  }
}

TEST(PngEncoder, RejectsAnEmptyImageOrAShortStride) {
  const unsigned char pixel[8] = {};
  EXPECT_EQ(report::EncodeRgb24Png(pixel, 0, 1, 4).status().code(), StatusCode::kInternal);
  EXPECT_EQ(report::EncodeRgb24Png(pixel, 2, 1, 4).status().code(), StatusCode::kInternal);
}

TEST(WriteReport, PageEmbedsTheChartFilesBytes) {
  ReportResult result = MakeSyntheticReport(12);
  result.config.report_dir = ScratchDir().string();
  const Status written = WriteReport(result);
  ASSERT_TRUE(written.ok()) << written.ToString();
  const std::string html = ReadFile(std::filesystem::path(result.config.report_dir) / "index.html");
  const std::string prefix = "src=\"data:image/png;base64,";
  size_t pos = 0;
  ASSERT_EQ(result.detections.size(), 6u);
  for (const Detection& detection : result.detections) {
    const std::string stem = "quant_loss_" + detection.metric + "_" + detection.dataset;
    const std::string png = ReadFile(std::filesystem::path(result.config.report_dir) / (stem + ".png"));
    ASSERT_FALSE(png.empty()) << stem;
    pos = html.find(prefix, pos);
    ASSERT_NE(pos, std::string::npos) << stem;
    pos += prefix.size();
    const std::string embedded = DecodeBase64(html.substr(pos, html.find('"', pos) - pos));
    EXPECT_EQ(embedded, png) << stem;
    EXPECT_NE(html.rfind("alt=\"" + stem + "\"", pos), std::string::npos) << stem;
  }
}

}  // namespace
}  // namespace xquant::testing
