#include <gtest/gtest.h>

#include "hpo/hyperband.h"
#include "hpo/pruner.h"
#include "hpo/successive_halving.h"

namespace drover::hpo {
namespace {

// Completed trials whose value at every step s is `v`.
TrialHistory WithCompleted(Direction d, std::vector<double> values, int steps = 3) {
  TrialHistory h(d);
  for (double v : values) {
    Trial t;
    t.state = TrialState::kComplete;
    t.value = v;
    for (int s = 0; s < steps; ++s) t.intermediate[s] = v;
    h.Add(t);
  }
  return h;
}

Trial Running(std::map<int64_t, double> inter) {
  Trial t;
  t.number = 99;
  t.intermediate = std::move(inter);
  return t;
}

TEST(PercentileTest, InterpolatesLinearly) {
  EXPECT_DOUBLE_EQ(Percentile({5, 1, 3, 2, 4}, 50), 3);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4, 5}, 25), 2);
  EXPECT_DOUBLE_EQ(Percentile({1, 2, 3, 4, 5}, 10), 1.4);
}

TEST(MedianPrunerTest, HandComputedCases) {
  TrialHistory h = WithCompleted(Direction::kMinimize, {1, 2, 3, 4, 5});
  PercentilePruner median = MakeMedianPruner(5, 0);
  Trial bad = Running({{0, 10}});
  EXPECT_TRUE(median.ShouldPrune(bad, h)) << "10 > median 3";
  Trial good = Running({{0, 2.5}});
  EXPECT_FALSE(median.ShouldPrune(good, h));
  Trial improving = Running({{0, 10}, {1, 2.9}});
  EXPECT_FALSE(median.ShouldPrune(improving, h)) << "best so far 2.9 < 3";
  Trial nan = Running({{0, std::nan("")}});
  EXPECT_TRUE(median.ShouldPrune(nan, h));
  Trial beyond = Running({{7, 10}});
  EXPECT_FALSE(median.ShouldPrune(beyond, h)) << "no completed trial reported step 7";
}

TEST(MedianPrunerTest, WarmupAndStartup) {
  TrialHistory few = WithCompleted(Direction::kMinimize, {1, 2, 3, 4});
  PercentilePruner median = MakeMedianPruner(5, 0);
  Trial bad = Running({{0, 10}});
  EXPECT_FALSE(median.ShouldPrune(bad, few)) << "only 4 of 5 startup trials";
  TrialHistory h = WithCompleted(Direction::kMinimize, {1, 2, 3, 4, 5});
  PercentilePruner warm = MakeMedianPruner(5, 2);
  Trial early = Running({{1, 10}});
  EXPECT_FALSE(warm.ShouldPrune(early, h));
  Trial late = Running({{1, 10}, {2, 10}});
  EXPECT_TRUE(warm.ShouldPrune(late, h));
}

// The step the median pruner next judges: none before its startup trials completed,
// then each warmup + k * interval step after the last report, up to the last step a
// completed trial reported.
TEST(MedianPrunerTest, NextDecisionIsTheNextStepItJudges) {
  PercentilePruner median({50, 5, 2, 3, 1});  // warm-up 2 steps, every 3rd step
  TrialHistory few = WithCompleted(Direction::kMinimize, {1, 2, 3, 4}, 20);
  EXPECT_EQ(median.NextDecision(Running({}), few), std::nullopt) << "4 of 5 startup trials";
  TrialHistory h = WithCompleted(Direction::kMinimize, {1, 2, 3, 4, 5}, 20);
  EXPECT_EQ(median.NextDecision(Running({}), h), 2) << "the warm-up's end";
  EXPECT_EQ(median.NextDecision(Running({{0, 1}, {1, 1}}), h), 2);
  EXPECT_EQ(median.NextDecision(Running({{2, 1}}), h), 5);
  EXPECT_EQ(median.NextDecision(Running({{3, 1}}), h), 5);
  EXPECT_EQ(median.NextDecision(Running({{17, 1}}), h), std::nullopt)
      << "20 is past step 19, the last a completed trial reported";
  // Each step, once warm-up is over: what a median pruner with defaults decides at.
  PercentilePruner every = MakeMedianPruner(5, 0);
  EXPECT_EQ(every.NextDecision(Running({}), h), 0);
  EXPECT_EQ(every.NextDecision(Running({{6, 1}}), h), 7);
  // It says the step ShouldPrune judges: a bad trial reporting there is pruned.
  Trial bad = Running({{0, 10}, {1, 10}, {2, 10}, {3, 10}, {4, 10}});
  ASSERT_EQ(median.NextDecision(bad, h), 5);
  bad.intermediate[5] = 10;
  EXPECT_TRUE(median.ShouldPrune(bad, h));
  // The Study passes its history.
  EXPECT_EQ(static_cast<const Pruner&>(every).NextDecision(Running({{6, 1}}), h), 7);
}

TEST(PercentilePrunerTest, BothDirections) {
  PercentilePruner p({25, 1, 0, 1, 1});
  TrialHistory min = WithCompleted(Direction::kMinimize, {1, 2, 3, 4, 5});
  Trial t = Running({{0, 2.5}});
  EXPECT_TRUE(p.ShouldPrune(t, min)) << "2.5 is outside the best 25% (<= 2)";
  Trial t2 = Running({{0, 1.5}});
  EXPECT_FALSE(p.ShouldPrune(t2, min));
  TrialHistory max = WithCompleted(Direction::kMaximize, {1, 2, 3, 4, 5});
  Trial m = Running({{0, 3.5}});
  EXPECT_TRUE(p.ShouldPrune(m, max)) << "3.5 < 4, the best quarter's edge";
  Trial m2 = Running({{0, 4.5}});
  EXPECT_FALSE(p.ShouldPrune(m2, max));
}

TEST(SuccessiveHalvingTest, RungPromotion) {
  SuccessiveHalvingPruner asha({1, 4, 0, 0});
  TrialHistory h;
  auto report = [&](double v, int64_t step) {
    Trial& t = h.Add(Trial{});
    t.intermediate[step] = v;
    return asha.ShouldPrune(t, h);
  };
  EXPECT_FALSE(report(5, 0)) << "step 0 is below the first rung (1)";
  h = TrialHistory();
  // Rung 0 (step 1); fewer than eta entries: only the best continues.
  EXPECT_FALSE(report(5, 1));
  EXPECT_FALSE(report(3, 1));
  EXPECT_TRUE(report(4, 1));
  EXPECT_FALSE(report(1, 1));  // 4 entries: top floor(4/4) = 1
  EXPECT_TRUE(report(2, 1));
  EXPECT_TRUE(report(6, 1));
  EXPECT_TRUE(report(7, 1));
  EXPECT_FALSE(report(1.5, 1));  // 8 entries: top 2 = {1, 1.5}
  EXPECT_EQ(h[0].rungs, std::vector<double>{5});
  // Trial 1 goes on to rung 1 (step 4) and is alone there.
  Trial& t1 = *h.Find(1);
  t1.intermediate[2] = 3;
  EXPECT_FALSE(asha.ShouldPrune(t1, h));
  EXPECT_EQ(t1.rungs.size(), 1u);
  t1.intermediate[4] = 2.5;
  EXPECT_FALSE(asha.ShouldPrune(t1, h));
  EXPECT_EQ(t1.rungs, (std::vector<double>{3, 2.5}));
}

TEST(SuccessiveHalvingTest, AutoMinResource) {
  TrialHistory h = WithCompleted(Direction::kMinimize, {1}, 450);  // last step 449 -> 4
  SuccessiveHalvingPruner asha;
  Trial& t = h.Add(Trial{});
  t.intermediate[3] = 100;
  EXPECT_FALSE(asha.ShouldPrune(t, h));
  EXPECT_EQ(asha.min_resource(), 4);
}

TEST(HyperbandTest, BracketsBudgetsAndAssignment) {
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  HyperbandPruner hb({1, 81, 3, 0, ""});
  hb.Initialise(81);
  ASSERT_EQ(hb.n_brackets(), 5u);
  EXPECT_EQ(hb.budgets(), (std::vector<int64_t>{81, 34, 15, 8, 5}));
  // crc32("_n") % 143 for n = 0..11: 129 45 54 66 128 27 118 0 21 45 15 84.
  const std::vector<int> want = {2, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 1};
  for (int n = 0; n < 12; ++n) EXPECT_EQ(hb.Bracket(n), want[n]) << n;
}

TEST(HyperbandTest, TrialsCompeteWithinTheirBracketOnly) {
  HyperbandPruner hb({1, 9, 3, 0, ""});
  TrialHistory h;
  std::map<int, int> seen;
  for (int n = 0; n < 40; ++n) {
    Trial& t = h.Add(Trial{});
    // Bracket b's first rung is at step 3^b; report there a decreasing value
    // so every trial is the best of its bracket so far and continues.
    const int b = n == 0 ? (hb.Initialise(9), hb.Bracket(0)) : hb.Bracket(n);
    t.intermediate[static_cast<int64_t>(std::pow(3, b))] = 100 - n;
    EXPECT_FALSE(hb.ShouldPrune(t, h)) << n;
    ++seen[b];
  }
  EXPECT_EQ(seen.size(), 3u);
}

// The rung a running trial is told to wait at: min_resource * eta^(rate + rungs passed),
// so that drover reads its report there (see StudyDriver::TellRung).
TEST(SuccessiveHalvingTest, NextDecisionIsTheTrialsNextRung) {
  SuccessiveHalvingPruner sh({/*min_resource=*/1, /*reduction_factor=*/4, 0, 0});
  TrialHistory h = WithCompleted(Direction::kMinimize, {1, 2, 3}, 100);
  Trial t = Running({{0, 5}});
  EXPECT_EQ(sh.NextDecision(t), 1);
  t.intermediate[1] = 0.5;  // the best at rung 0 (step 1): promoted, next rung 4
  EXPECT_FALSE(sh.ShouldPrune(t, h));
  EXPECT_EQ(t.rungs.size(), 1u);
  EXPECT_EQ(sh.NextDecision(t), 4);
  SuccessiveHalvingPruner late({2, 3, 1, 0});
  EXPECT_EQ(late.NextDecision(Running({})), 6) << "2 * 3^1";
}

TEST(SuccessiveHalvingTest, NoNextDecisionUntilAutoMinResourceIsKnown) {
  SuccessiveHalvingPruner sh;  // min_resource auto
  Trial t = Running({{0, 5}});
  EXPECT_EQ(sh.NextDecision(t), std::nullopt);
  TrialHistory h = WithCompleted(Direction::kMinimize, {1}, 300);  // last step 299: 299 / 100
  (void)sh.ShouldPrune(t, h);
  EXPECT_EQ(sh.min_resource(), 2);
  EXPECT_EQ(sh.NextDecision(t), 2);
}

TEST(HyperbandTest, NextDecisionFollowsTheTrialsBracket) {
  HyperbandPruner hb({/*min_resource=*/1, /*max_resource=*/0, 3, 0, "s"});
  EXPECT_EQ(hb.NextDecision(Running({})), std::nullopt) << "brackets not known yet";
  hb.Initialise(27);
  for (int64_t n = 0; n < 20; ++n) {
    Trial t = Running({});
    t.number = n;
    const int b = hb.Bracket(n);
    int64_t rung = 1;
    for (int k = 0; k < b; ++k) rung *= 3;
    EXPECT_EQ(hb.NextDecision(t), rung) << "bracket " << b;
  }
  EXPECT_EQ(PercentilePruner().NextDecision(Running({})), std::nullopt) << "decides at any step";
}

}  // namespace
}  // namespace drover::hpo
