#include "report/step_rows.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

std::vector<StepRow> Rows(const std::vector<std::string>& names) {
  std::vector<StepRow> rows;
  for (const auto& n : names) rows.push_back({n, {1, 0}});
  return rows;
}

TEST(StepFamily, DropsTheTrailingNumberOrTheLastPart) {
  EXPECT_EQ(StepFamily("fasterq-dump_ID0000100"), "fasterq-dump_ID");
  EXPECT_EQ(StepFamily("train_7"), "train");
  EXPECT_EQ(StepFamily("s0042"), "s");
  EXPECT_EQ(StepFamily("merge_reads"), "merge");
  EXPECT_EQ(StepFamily("train"), "train");
  EXPECT_EQ(StepFamily("42"), "42");
  EXPECT_EQ(StepFamily("_x"), "_x");
}

TEST(GroupStepRows, FewStepsKeepOneRowEach) {
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i) names.push_back("s" + std::to_string(i));
  auto out = GroupStepRows(Rows(names));
  ASSERT_EQ(out.size(), 30u);
  EXPECT_EQ(out[7].label, "s7");
}

TEST(GroupStepRows, ManyStepsAreSummedPerFamilyInOrder) {
  std::vector<std::string> names = {"prepare"};
  for (int i = 0; i < 100; ++i) names.push_back("align_" + std::to_string(i));
  for (int i = 0; i < 50; ++i) names.push_back("call" + std::to_string(i));
  names.push_back("report");
  auto rows = Rows(names);
  rows[1].counts = {3, 2};
  auto out = GroupStepRows(rows);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].label, "prepare");
  EXPECT_EQ(out[1].label, "align* (100 steps)");
  EXPECT_EQ(out[1].counts, (std::vector<long long>{102, 2}));
  EXPECT_EQ(out[2].label, "call* (50 steps)");
  EXPECT_EQ(out[3].label, "report");
}

TEST(GroupStepRows, TooManyFamiliesShowTheLargestAndARest) {
  std::vector<StepRow> rows;
  for (int i = 0; i < 40; ++i) rows.push_back({"step" + std::string(1, 'a' + i % 26) +
                                                   std::string(1, 'a' + i / 26), {i, 1}});
  auto out = GroupStepRows(rows);
  ASSERT_EQ(out.size(), kTopStepRows + 1);
  EXPECT_EQ(out[0].label, rows[20].label);  // the 20 largest, in their order
  EXPECT_EQ(out[19].label, rows[39].label);
  EXPECT_EQ(out[20].label, "... 20 more steps");
  long long rest = 0;
  for (int i = 0; i < 20; ++i) rest += i;
  EXPECT_EQ(out[20].counts, (std::vector<long long>{rest, 20}));
  EXPECT_EQ(out[20].steps, 20);
}

}  // namespace
}  // namespace drover
