#include "store/study_store.h"

#include <gtest/gtest.h>

#include "store/store.h"
#include "util/fs.h"

namespace drover {
namespace {

class StudyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/study_store_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    studies_ = store_->studies();
  }
  StudyRecord Study(const std::string& name) {
    StudyRecord r;
    r.name = name;
    r.space_json = R"({"x":{"type":"float","low":0,"high":1}})";
    r.sampler_json = R"({"name":"random"})";
    r.pruner_json = R"({"name":"none"})";
    r.direction = "minimize";
    r.seed = 7;
    r.created = 1;
    return r;
  }
  std::string root_;
  std::unique_ptr<Store> store_;
  StudyStore* studies_ = nullptr;
};

TEST_F(StudyStoreTest, CreateFindListAndRefuseDuplicateNames) {
  ASSERT_TRUE(store_->Begin().ok());
  auto id = studies_->CreateStudy(Study("a"));
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto again = studies_->CreateStudy(Study("a"));
  EXPECT_EQ(again.status().code(), Code::kInvalid);
  ASSERT_TRUE(studies_->CreateStudy(Study("b")).ok());
  ASSERT_TRUE(store_->Commit().ok());

  auto found = studies_->FindStudy("a");
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->id, *id);
  EXPECT_EQ((*found)->seed, 7);
  EXPECT_EQ((*found)->space_json, Study("a").space_json);
  auto missing = studies_->FindStudy("zzz");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
  auto all = studies_->ListStudies();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].study.name, "a");
}

TEST_F(StudyStoreTest, TrialsRoundTripAndNumbersAreUnique) {
  ASSERT_TRUE(store_->Begin().ok());
  int64_t id = *studies_->CreateStudy(Study("s"));
  EXPECT_EQ(*studies_->NextNumber(id), 0);
  TrialRecord t;
  t.number = 0;
  t.params_json = R"({"x":0.5})";
  t.state = "running";
  t.job_id = 12;
  t.attempt_id = 3;
  t.started = 10;
  ASSERT_TRUE(studies_->InsertTrial(id, t).ok());
  Status dup = studies_->InsertTrial(id, t);
  EXPECT_EQ(dup.code(), Code::kInvalid) << dup.message();
  t.number = 1;
  t.job_id = 0;
  ASSERT_TRUE(studies_->InsertTrial(id, t).ok());
  EXPECT_EQ(*studies_->NextNumber(id), 2);

  t.number = 0;
  t.job_id = 12;
  t.state = "complete";
  t.value = 0.25;
  t.intermediate_json = "[[0,1.0],[1,0.5]]";
  t.rungs_json = "[1.0]";
  t.ended = 11;
  ASSERT_TRUE(studies_->UpdateTrial(id, t).ok());
  t.number = 9;
  EXPECT_EQ(studies_->UpdateTrial(id, t).code(), Code::kNotFound);
  ASSERT_TRUE(store_->Commit().ok());

  auto rows = studies_->Trials(id, 0);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  const TrialRecord& r = (*rows)[0];
  EXPECT_EQ(r.state, "complete");
  EXPECT_EQ(*r.value, 0.25);
  EXPECT_EQ(r.intermediate_json, "[[0,1.0],[1,0.5]]");
  EXPECT_EQ(r.rungs_json, "[1.0]");
  EXPECT_EQ(r.job_id, 12);
  EXPECT_EQ(r.attempt_id, 3);
  EXPECT_EQ(r.ended, 11);
  EXPECT_FALSE((*rows)[1].value.has_value());
  EXPECT_EQ((*rows)[1].job_id, 0);
  EXPECT_EQ(studies_->Trials(id, 1)->size(), 1u);
  EXPECT_FALSE(*studies_->RunningTrialOfJob(id, 12));  // complete now
  auto one = studies_->FindTrial(id, 1);
  ASSERT_TRUE(one.ok() && *one);
  EXPECT_EQ((*one)->state, "running");
}

TEST_F(StudyStoreTest, RunningTrialOfJob) {
  ASSERT_TRUE(store_->Begin().ok());
  int64_t id = *studies_->CreateStudy(Study("s"));
  for (int n = 0; n < 3; ++n) {
    TrialRecord t;
    t.number = n;
    t.params_json = "{}";
    t.state = n == 0 ? "failed" : "running";
    t.job_id = n < 2 ? 5 : 6;
    ASSERT_TRUE(studies_->InsertTrial(id, t).ok());
  }
  ASSERT_TRUE(store_->Commit().ok());
  auto t = studies_->RunningTrialOfJob(id, 5);
  ASSERT_TRUE(t.ok() && *t);
  EXPECT_EQ((*t)->number, 1);
  EXPECT_FALSE(*studies_->RunningTrialOfJob(id, 7));
}

TEST_F(StudyStoreTest, StudiesSurviveReopen) {
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(studies_->CreateStudy(Study("kept")).ok());
  ASSERT_TRUE(store_->Commit().ok());
  store_.reset();
  auto s = OpenSqliteStore(root_);
  ASSERT_TRUE(s.ok());
  auto found = (*s)->studies()->FindStudy("kept");
  ASSERT_TRUE(found.ok() && *found);
}

}  // namespace
}  // namespace drover
