// ApiReader on a real store: filtered pages with totals, keys and prefixes, counts, tokens.
#include "store/api_reader.h"

#include <gtest/gtest.h>

#include "store/token_store.h"
#include "util/fs.h"

namespace drover {
namespace {

class ApiReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/api_reader_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    auto run = store_->StartRun("wf", "/x/drover.yaml", "[]");
    ASSERT_TRUE(run.ok());
    run_ = *run;
    std::vector<JobRecord> jobs;
    for (int seed = 0; seed < 5; ++seed)
      for (const char* model : {"mlp", "forest"}) {
        const std::string key = std::string(model[0] == 'm' ? "aa" : "bb") + "1234" +
                                std::to_string(seed);
        jobs.push_back({key, "train", "train/model=" + std::string(model) + ",seed=" + std::to_string(seed),
                        "{\"model\":\"" + std::string(model) + "\",\"seed\":\"" + std::to_string(seed) + "\"}",
                        "python3 train.py", ".drover/jobs/" + key});
      }
    std::vector<KnownJob> known;
    ASSERT_TRUE(store_->Begin().ok());
    ASSERT_TRUE(store_->SyncJobs(run_, jobs, &known).ok());
    ASSERT_TRUE(store_->SetJobState(known[0].id, JobState::kFailed).ok());
    for (size_t i = 1; i < known.size(); ++i)
      ASSERT_TRUE(store_->SetJobState(known[i].id, JobState::kSucceeded).ok());
    AttemptRecord a;
    a.job_id = known[1].id;
    a.number = 1;
    a.executor = "slurm";
    a.handle = "slurm:77_1";
    a.state = AttemptState::kSucceeded;
    a.exit_code = 0;
    auto aid = store_->InsertAttempt(a);
    ASSERT_TRUE(aid.ok());
    ASSERT_TRUE(store_->ReplaceMetrics(known[1].id, *aid, {{"loss", 2, 0, 1}, {"loss", 1, 1, 2}}).ok());
    ASSERT_TRUE(store_->ReplaceArtifacts(known[1].id, {{"out/model.pt", 3, 1, "h"}}).ok());
    ASSERT_TRUE(store_->Commit().ok());
    auto r = ApiReader::Open(root_);
    ASSERT_TRUE(r.ok()) << r.status().message();
    reader_ = std::move(*r);
  }
  std::string root_;
  int64_t run_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<ApiReader> reader_;
};

TEST_F(ApiReaderTest, PagesAreFilteredAndCountedInFull) {
  int64_t total = 0;
  JobFilter f;
  f.limit = 3;
  auto page = reader_->Jobs(f, &total);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(total, 10);
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].job.rec.name, "train/model=mlp,seed=0");
  f.offset = 9;
  page = reader_->Jobs(f, &total);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 1u);
  EXPECT_EQ(total, 10);
  JobFilter g;
  g.workflow = "wf";
  g.state = "succeeded";
  g.axes = {{"model", "mlp"}};
  page = reader_->Jobs(g, &total);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(total, 4);  // mlp seed 0 failed
  for (const JobSummary& s : *page) EXPECT_NE(s.job.rec.name.find("model=mlp"), std::string::npos);
  g.workflow = "other";
  page = reader_->Jobs(g, &total);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(total, 0);
  EXPECT_TRUE(page->empty());
}

TEST_F(ApiReaderTest, AJobByKeyOrPrefixWithItsAttemptMetricsAndOutputs) {
  auto j = reader_->JobByKey("bb12340");
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ(j->job.rec.name, "train/model=forest,seed=0");
  ASSERT_TRUE(j->attempt);
  EXPECT_EQ(j->attempt->handle, "slurm:77_1");
  EXPECT_EQ(j->metrics.at("loss"), 1);
  EXPECT_EQ(j->outputs, std::vector<std::string>{"out/model.pt"});
  auto prefix = reader_->JobByKey("bb1234");  // 6 digits: every forest job
  EXPECT_EQ(prefix.status().code(), Code::kInvalid);
  auto one = reader_->JobByKey("aa12343");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->attempt);
  EXPECT_EQ(reader_->JobByKey("aa12").status().code(), Code::kNotFound);  // too short a prefix
  EXPECT_EQ(reader_->JobByKey("ff0000").status().code(), Code::kNotFound);
  auto cmd = reader_->Command(j->job.id);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(*cmd, "python3 train.py");
}

TEST_F(ApiReaderTest, CountsByStepAndStateAndRunsNewestFirst) {
  auto counts = reader_->Counts(run_);
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].first, "train");
  EXPECT_EQ((*counts)[0].second.at("succeeded"), 9);
  EXPECT_EQ((*counts)[0].second.at("failed"), 1);
  ASSERT_TRUE(store_->StartRun("wf", "/x/drover.yaml", "[]").ok());
  auto runs = reader_->Runs("", 10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_GT((*runs)[0].id, (*runs)[1].id);
  EXPECT_TRUE(reader_->Runs("nope", 10)->empty());
}

TEST_F(ApiReaderTest, TokensAreAddedListedAndRevokedByName) {
  ASSERT_TRUE(AddToken(root_, {"ci", "submit", "s", "h", 1.0, 0}).ok());
  EXPECT_EQ(AddToken(root_, {"ci", "read", "s2", "h2", 2.0, 0}).code(), Code::kInvalid);
  auto tokens = reader_->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].role, "submit");
  ASSERT_TRUE(TouchToken(root_, "ci", 5.0).ok());
  EXPECT_EQ((*ListTokens(root_))[0].last_used, 5.0);
  ASSERT_TRUE(RevokeToken(root_, "ci").ok());
  EXPECT_EQ(RevokeToken(root_, "ci").code(), Code::kNotFound);
  EXPECT_TRUE(reader_->Tokens()->empty());
}

}  // namespace
}  // namespace drover
