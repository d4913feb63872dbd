#include "report/results.h"

#include <gtest/gtest.h>

#include "spec/parser.h"
#include "util/fs.h"

namespace drover {
namespace {

class ResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/results_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    ASSERT_TRUE(MakeDirs(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    auto wf = ParseWorkflow(
        "name: wf\naxes:\n  model: [mlp, logreg]\n  seed: [1, 0]\n"
        "steps:\n  train:\n    over: [model, seed]\n    run: echo {model} {seed}\n",
        root_ + "/drover.yaml");
    ASSERT_TRUE(wf.ok()) << wf.status().message();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
  }
  // Records a succeeded job `name` under `key` in a new run, with accuracy = value.
  void Succeed(const std::string& key, const std::string& name, double value, double ended) {
    auto run = store_->StartRun("wf", root_ + "/drover.yaml", "[]");
    ASSERT_TRUE(run.ok());
    std::vector<KnownJob> known;
    ASSERT_TRUE(store_->SyncJobs(*run, {{key, "train", name, "{}", "true", ".drover/jobs/" + key}},
                                 &known).ok());
    AttemptRecord a;
    a.job_id = known[0].id;
    a.number = 1;
    a.executor = "local";
    a.state = AttemptState::kSucceeded;
    a.started = ended - 1;
    a.ended = ended;
    auto id = store_->InsertAttempt(a);
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(store_->SetJobState(known[0].id, JobState::kSucceeded).ok());
    ASSERT_TRUE(store_->ReplaceMetrics(known[0].id, *id, {{"accuracy", value, {}, ended}}).ok());
  }
  std::string root_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Workflow> wf_;
};

TEST_F(ResultsTest, EachPlannedJobGetsItsLatestSuccessInFileOrder) {
  Succeed("k1", "train/model=mlp,seed=1", 0.5, 100);
  Succeed("k2", "train/model=mlp,seed=1", 0.7, 200);  // a later run, another key
  Succeed("k3", "train/model=logreg,seed=0", 0.9, 150);
  auto plan = BuildPlan(*wf_, {root_});
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  auto r = PlanResults(*plan, store_.get());
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 4u);
  // The file's order of values (mlp before logreg, 1 before 0), not the store's.
  EXPECT_EQ((*r)[0].name, "train/model=mlp,seed=1");
  EXPECT_EQ((*r)[1].name, "train/model=mlp,seed=0");
  EXPECT_EQ((*r)[2].name, "train/model=logreg,seed=1");
  EXPECT_EQ((*r)[3].name, "train/model=logreg,seed=0");
  ASSERT_TRUE((*r)[0].result);
  EXPECT_EQ((*r)[0].result->job.rec.key, "k2");
  EXPECT_EQ(LastMetric((*r)[0].metrics, "accuracy"), 0.7);
  EXPECT_FALSE((*r)[1].result);
  EXPECT_EQ(LastMetric((*r)[3].metrics, "accuracy"), 0.9);
  EXPECT_EQ(LastMetric((*r)[3].metrics, "loss"), std::nullopt);
}

TEST_F(ResultsTest, ARunsViewHoldsOnlyTheJobsItPlanned) {
  Succeed("k1", "train/model=mlp,seed=1", 0.5, 100);  // run 1
  Succeed("k3", "train/model=logreg,seed=0", 0.9, 150);  // run 2
  auto plan = BuildPlan(*wf_, {root_});
  ASSERT_TRUE(plan.ok());
  auto r = PlanResults(*plan, store_.get(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)[0].result);
  EXPECT_FALSE((*r)[3].result);
}

}  // namespace
}  // namespace drover
