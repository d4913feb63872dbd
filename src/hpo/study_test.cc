#include "hpo/study.h"

#include <gtest/gtest.h>

#include "hpo/pruner.h"
#include "hpo/tpe.h"

namespace drover::hpo {
namespace {

Space OneFloat() { return *Space::Parse(R"({"x": {"type":"float","low":0,"high":1}})"); }

TEST(StudyTest, AskTellBest) {
  Study s(OneFloat(), std::make_unique<RandomSampler>(), nullptr, Direction::kMaximize, 1);
  for (int k = 0; k < 20; ++k) {
    auto t = s.Ask();
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->number, k);
    ASSERT_TRUE(s.Tell(t->number, std::get<double>(t->params.at("x"))).ok());
  }
  double best = 0;
  for (const auto& t : s.history().trials()) best = std::max(best, *t.value);
  ASSERT_NE(s.Best(), nullptr);
  EXPECT_EQ(*s.Best()->value, best);
}

TEST(StudyTest, ErrorsAreValues) {
  Study s(OneFloat(), std::make_unique<RandomSampler>());
  EXPECT_EQ(s.Best(), nullptr);
  EXPECT_EQ(s.Tell(0, 1.0).code(), Code::kNotFound);
  EXPECT_EQ(s.Tell(-1, 1.0).code(), Code::kNotFound);
  auto t = s.Ask();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(s.Tell(t->number, std::nan("")).code(), Code::kInvalid);
  ASSERT_TRUE(s.Tell(t->number, 1.0).ok());
  Status twice = s.Tell(t->number, 2.0);
  EXPECT_EQ(twice.code(), Code::kInvalid);
  EXPECT_NE(twice.message().find("already complete"), std::string::npos) << twice.message();
  EXPECT_EQ(s.TellPruned(t->number).code(), Code::kInvalid);
  EXPECT_EQ(s.Report(t->number, 1, 1.0).status().code(), Code::kInvalid);
  EXPECT_EQ(s.Report(7, 1, 1.0).status().code(), Code::kNotFound);
  EXPECT_EQ(*s.history()[0].value, 1.0);
  EXPECT_FALSE(s.Add({{"x", 2.0}}, 1.0).ok()) << "out of range";
}

TEST(StudyTest, BadSpaceIsAnError) {
  auto bad = Space::Parse(R"({"x": {"type":"float","low":1,"high":0}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalid);
}

TEST(StudyTest, ReportPrunesAndTellPrunedKeepsIntermediates) {
  Study s(OneFloat(), std::make_unique<RandomSampler>(), std::make_unique<PercentilePruner>(MakeMedianPruner(2, 0)));
  for (double v : {1.0, 2.0, 3.0}) {
    auto t = s.Ask();
    (void)s.Report(t->number, 0, v);
    ASSERT_TRUE(s.Tell(t->number, v).ok());
  }
  auto a = s.Ask();
  EXPECT_FALSE(*s.Report(a->number, 0, 1.5)) << "1.5 < median 2";
  auto t = s.Ask();
  EXPECT_TRUE(*s.Report(t->number, 0, 9.0));
  EXPECT_TRUE(*s.Report(t->number, 0, 0.0)) << "a repeated step keeps its first value";
  ASSERT_TRUE(s.TellPruned(t->number).ok());
  EXPECT_EQ(s.history()[t->number].state, TrialState::kPruned);
  EXPECT_EQ(s.history()[t->number].intermediate, (std::map<int64_t, double>{{0, 9.0}}));
}

TEST(StudyTest, SerialisesAndResumes) {
  Space space = *Space::Parse(R"({"x": {"type":"float","low":0,"high":1},
      "c": {"type":"categorical","choices":["a","b"]},
      "n": {"type":"int","low":1,"high":8,"when":{"c":["b"]}}})");
  Study s(space, std::make_unique<TpeSampler>(), nullptr, Direction::kMinimize, 3);
  for (int k = 0; k < 30; ++k) {
    auto t = s.Ask();
    ASSERT_FALSE(*s.Report(t->number, 0, 0.5));
    if (k % 7 == 3) ASSERT_TRUE(s.TellFailed(t->number).ok());
    else if (k % 7 == 5) ASSERT_TRUE(s.TellPruned(t->number).ok());
    else ASSERT_TRUE(s.Tell(t->number, std::get<double>(t->params.at("x"))).ok());
  }
  auto running = s.Ask();
  ASSERT_TRUE(running.ok());
  const nlohmann::json saved = s.ToJson();
  Study r(space, std::make_unique<TpeSampler>(), nullptr, Direction::kMinimize, 3);
  ASSERT_TRUE(r.Load(nlohmann::json::parse(saved.dump())).ok());
  EXPECT_EQ(r.ToJson(), saved);
  EXPECT_EQ(r.Best()->number, s.Best()->number);
  ASSERT_TRUE(r.Tell(running->number, 0.0).ok()) << "a running trial stays running";
  EXPECT_TRUE(r.Ask().ok());
  Study other(OneFloat(), std::make_unique<TpeSampler>());
  EXPECT_FALSE(other.Load(saved).ok()) << "different space";
}

}  // namespace
}  // namespace drover::hpo
