#include "study/stored_study.h"

#include <gtest/gtest.h>

#include <set>

#include "store/store.h"
#include "study/settings.h"
#include "util/fs.h"

namespace drover::study {
namespace {

using json = nlohmann::json;

class StoredStudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/stored_study_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  StudyDefinition Def(const std::string& name, json sampler = "tpe", json pruner = "none") {
    StudyDefinition d;
    d.name = name;
    d.space = json::parse(R"({"x":{"type":"float","low":-5,"high":5},
                             "k":{"type":"categorical","choices":["a","b"]}})");
    d.sampler = sampler;
    d.pruner = pruner;
    d.seed = 3;
    return d;
  }
  std::unique_ptr<StoredStudy> Load(const std::string& name) {
    auto s = StoredStudy::Load(store_->studies(), name);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string root_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoredStudyTest, BadDefinitionsAreRefusedWithReasons) {
  auto d = Def("s", "tpe");
  d.space = json::parse(R"({"x":{"type":"float","low":1,"high":0}})");
  auto r = StoredStudy::Create(store_->studies(), d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'x'"), std::string::npos) << r.status().message();
  r = StoredStudy::Create(store_->studies(), Def("s", "bayes"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown sampler 'bayes'"), std::string::npos);
  r = StoredStudy::Create(store_->studies(), Def("s", json{{"name", "tpe"}, {"gamma", 1}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("option 'gamma' is unknown"), std::string::npos);
  r = StoredStudy::Create(store_->studies(), Def("s", "tpe", json{{"name", "asha"},
                                                                  {"reduction_factor", 1}}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("reduction_factor"), std::string::npos);
  auto missing = StoredStudy::Load(store_->studies(), "nope");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST_F(StoredStudyTest, AskTellAcrossLoadsKeepsNumbersAndSampler) {
  ASSERT_TRUE(StoredStudy::Create(store_->studies(), Def("s", "random")).ok());
  std::set<std::string> seen;
  for (int k = 0; k < 30; ++k) {
    ASSERT_TRUE(store_->Begin().ok());
    auto s = Load("s");  // a new process each time
    auto a = s->Ask();
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->number, k);
    seen.insert(hpo::ParamsToJson(a->params).dump());
    double x = std::get<double>(a->params.at("x"));
    ASSERT_TRUE(s->Tell(a->number, x * x).ok());
    ASSERT_TRUE(store_->Commit().ok());
  }
  EXPECT_EQ(seen.size(), 30u);  // reseeded per load: no repeated draws
  auto s = Load("s");
  EXPECT_EQ(s->study().history().size(), 30u);
  EXPECT_EQ(s->study().history().count(hpo::TrialState::kComplete), 30u);
  ASSERT_NE(s->study().Best(), nullptr);
  Status twice = s->Tell(3, 1.0);
  EXPECT_EQ(twice.code(), Code::kInvalid);
  EXPECT_NE(twice.message().find("already complete"), std::string::npos) << twice.message();
  EXPECT_EQ(s->Tell(99, 1.0).code(), Code::kNotFound);
  EXPECT_EQ(s->Tell(3, std::nan("")).code(), Code::kInvalid);
}

TEST_F(StoredStudyTest, TwoHandlesCatchUpWithEachOther) {
  ASSERT_TRUE(StoredStudy::Create(store_->studies(), Def("s")).ok());
  auto a = Load("s");
  auto b = Load("s");
  auto ta = a->Ask(11, 1);
  auto tb = b->Ask();  // b has not seen a's trial: it catches up first
  ASSERT_TRUE(ta.ok() && tb.ok());
  EXPECT_EQ(ta->number, 0);
  EXPECT_EQ(tb->number, 1);
  ASSERT_TRUE(a->Bind(0, 11, 2).ok());
  auto row = store_->studies()->RunningTrialOfJob(a->record().id, 11);
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->attempt_id, 2);
}

TEST_F(StoredStudyTest, ReportsPersistAndPrune) {
  json asha = {{"name", "asha"}, {"min_resource", 1}, {"reduction_factor", 2}};
  ASSERT_TRUE(StoredStudy::Create(store_->studies(), Def("s", "random", asha)).ok());
  auto s = Load("s");
  // Two good trials complete; a bad one is pruned at the first rung.
  for (int k = 0; k < 2; ++k) {
    auto t = s->Ask();
    for (int step = 0; step < 4; ++step) ASSERT_TRUE(s->Report(t->number, step, 1.0 / (step + 1)).ok());
    ASSERT_TRUE(s->Tell(t->number, 0.25).ok());
  }
  auto bad = s->Ask();
  bool pruned = false;
  for (int step = 0; step < 4 && !pruned; ++step) {
    auto p = s->Report(bad->number, step, 10.0 + step);
    ASSERT_TRUE(p.ok());
    pruned = *p;
  }
  EXPECT_TRUE(pruned);
  ASSERT_TRUE(s->TellPruned(bad->number).ok());
  auto again = Load("s");
  const hpo::Trial* t = again->study().history().Find(bad->number);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->state, hpo::TrialState::kPruned);
  EXPECT_FALSE(t->intermediate.empty());
  EXPECT_EQ(t->intermediate.begin()->second, 10.0);
}

TEST_F(StoredStudyTest, WarmStartAddsCompletedTrials) {
  ASSERT_TRUE(StoredStudy::Create(store_->studies(), Def("s")).ok());
  auto s = Load("s");
  hpo::Params p{{"x", 1.0}, {"k", std::string("a")}};
  auto n = s->Add(p, 2.0);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 0);
  hpo::Params bad{{"x", 100.0}, {"k", std::string("a")}};
  EXPECT_FALSE(s->Add(bad, 1.0).ok());
  auto again = Load("s");
  ASSERT_NE(again->study().Best(), nullptr);
  EXPECT_EQ(*again->study().Best()->value, 2.0);
}

TEST(SettingsTest, NamesAndOptions) {
  EXPECT_TRUE(MakeSampler("tpe", 1).ok());
  EXPECT_TRUE(MakeSampler(json{{"name", "tpe"}, {"multivariate", true}}, 1).ok());
  EXPECT_EQ((*MakeSampler("tpe-multivariate", 1))->name(), "tpe-multivariate");
  EXPECT_TRUE(MakeSampler("cmaes", 1).ok());
  EXPECT_FALSE(MakeSampler(json{{"name", "grid"}, {"shuffle", 3}}, 1).ok());
  EXPECT_FALSE(MakeSampler(json::array(), 1).ok());
  EXPECT_EQ((*MakePruner("median", "s"))->name(), "median");
  EXPECT_EQ((*MakePruner(json{{"name", "percentile"}, {"percentile", 25}}, "s"))->name(),
            "percentile");
  EXPECT_FALSE(MakePruner(json{{"name", "percentile"}, {"percentile", 250}}, "s").ok());
  EXPECT_FALSE(MakePruner(json{{"name", "median"}, {"n_startup_trials", -1}}, "s").ok());
  EXPECT_EQ((*MakePruner("hyperband", "s"))->name(), "hyperband");
}

}  // namespace
}  // namespace drover::study
