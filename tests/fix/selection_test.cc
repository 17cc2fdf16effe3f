// The selection rule of the fix loop (include/xquant/fix.h kSelectionRule), case by case.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "fix/selection.h"
#include "xquant/fix.h"

namespace xquant::fix {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::nan("");

Score Sqnr(double db) { return Score{std::nullopt, db}; }
Score Labelled(double accuracy, double db) { return Score{accuracy, db}; }

TEST(Selection, OutputSqnrMustRiseByTheMargin) {
  EXPECT_TRUE(Beats(Sqnr(20.2), Sqnr(20.0)));
  EXPECT_TRUE(Beats(Sqnr(20.0 + kMinOutputSqnrGainDb), Sqnr(20.0)));
  EXPECT_FALSE(Beats(Sqnr(20.05), Sqnr(20.0)));  // within the margin: noise
  EXPECT_FALSE(Beats(Sqnr(20.0), Sqnr(20.0)));
  EXPECT_FALSE(Beats(Sqnr(19.0), Sqnr(20.0)));
}

TEST(Selection, InfiniteAndUnknownSqnr) {
  EXPECT_FALSE(Beats(Sqnr(kInf), Sqnr(kInf)));  // both exact: nothing to gain
  EXPECT_TRUE(Beats(Sqnr(kInf), Sqnr(50.0)));
  EXPECT_FALSE(Beats(Sqnr(90.0), Sqnr(kInf)));
  EXPECT_FALSE(Beats(Sqnr(kNaN), Sqnr(10.0)));
  EXPECT_TRUE(Beats(Sqnr(10.0), Sqnr(kNaN)));
  EXPECT_FALSE(Beats(Sqnr(kNaN), Sqnr(kNaN)));
}

TEST(Selection, AccuracyFirstWhenBothHaveIt) {
  EXPECT_TRUE(Beats(Labelled(0.90, 10.0), Labelled(0.80, 30.0)));
  EXPECT_FALSE(Beats(Labelled(0.70, 50.0), Labelled(0.80, 30.0)));
  // Equal accuracy: the SQNR decides, with the margin.
  EXPECT_TRUE(Beats(Labelled(0.80, 30.5), Labelled(0.80, 30.0)));
  EXPECT_FALSE(Beats(Labelled(0.80, 30.05), Labelled(0.80, 30.0)));
  // Accuracy on one side only: not comparable, the SQNR decides.
  EXPECT_TRUE(Beats(Labelled(0.10, 31.0), Sqnr(30.0)));
}

TEST(Selection, ChoosesTheHighestThatBeatsTheOriginal) {
  const Score original = Sqnr(20.0);
  EXPECT_EQ(ChooseBest({std::nullopt, Sqnr(21.0), Sqnr(25.0), Sqnr(24.9)}, original), 2);
  EXPECT_EQ(ChooseBest({Sqnr(20.05), Sqnr(19.0), std::nullopt}, original), -1);
  EXPECT_EQ(ChooseBest({}, original), -1);
  // A tie between winners keeps the earlier candidate (the base comes first).
  EXPECT_EQ(ChooseBest({Sqnr(25.0), Sqnr(25.0)}, original), 0);
  // Accuracy outranks SQNR among the winners too.
  EXPECT_EQ(ChooseBest({Labelled(0.9, 40.0), Labelled(0.95, 21.0)}, Labelled(0.9, 20.0)), 1);
}

}  // namespace
}  // namespace xquant::fix
