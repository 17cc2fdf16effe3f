// The troubleshooting manual has a page for every finding type and general measure the code can
// emit, and every relative link between its pages resolves.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "xquant/troubleshoot.h"

namespace xquant {
namespace {

namespace fs = std::filesystem;
const fs::path kManual = fs::path(XQ_SOURCE_DIR) / "docs" / "troubleshooting";

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(Manual, EveryJudgeAndGeneralMeasureHasAPageLinkedFromTheIndex) {
  const std::string index = Read(kManual / "README.md");
  ASSERT_FALSE(index.empty());
  std::vector<std::string> pages;
  for (const JudgeInfo& j : Judges()) pages.push_back(j.page);
  for (const GeneralMeasure& m : GeneralMeasures()) pages.push_back(m.page);
  EXPECT_EQ(pages.size(), 11u);
  for (const std::string& page : pages) {
    EXPECT_TRUE(fs::exists(kManual / (page + ".md"))) << page;
    EXPECT_NE(index.find("(" + page + ".md)"), std::string::npos) << "README.md does not link " << page;
  }
  // Judge ids are the troubleshoot_report.json keys and the page names alike.
  for (const JudgeInfo& j : Judges()) EXPECT_EQ(j.id, j.page);
}

TEST(Manual, RelativeLinksResolve) {
  const std::regex link(R"(\]\(([^)#:\s]+\.md)(#[^)]*)?\))");
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kManual)) {
    if (entry.path().extension() != ".md") continue;
    const std::string text = Read(entry.path());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), link); it != std::sregex_iterator(); ++it) {
      const fs::path target = entry.path().parent_path() / (*it)[1].str();
      EXPECT_TRUE(fs::exists(target)) << entry.path().filename() << " links missing " << (*it)[1].str();
      ++checked;
    }
  }
  EXPECT_GT(checked, 11);
}

}  // namespace
}  // namespace xquant
