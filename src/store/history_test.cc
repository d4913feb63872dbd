// HistoryStore over a real SQLite file in a temporary folder: the runs list, key
// ingredients recorded once per key, the latest attempted job of a name, and the plan of
// a workflow's file as written (recorded, replaced, kept when unchanged).
#include "store/history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/results_reader.h"
#include "store/store.h"
#include "util/fs.h"

namespace drover {
namespace {

class HistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/history_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  HistoryStore* history() { return store_->history(); }

  // Plans jobs `keys` of step train in a new run of workflow `wf`; their ids.
  std::vector<int64_t> Plan(int64_t run, const std::vector<std::string>& keys,
                            const std::string& name_of_first = "") {
    std::vector<JobRecord> recs;
    for (const std::string& k : keys)
      recs.push_back({k, "train", "train/seed=" + (name_of_first.empty() ? k : name_of_first),
                      "{\"seed\":\"" + k + "\"}", "true", ".drover/jobs/" + k});
    std::vector<KnownJob> known;
    EXPECT_TRUE(store_->Begin().ok());
    EXPECT_TRUE(store_->SyncJobs(run, recs, &known).ok());
    EXPECT_TRUE(store_->Commit().ok());
    std::vector<int64_t> ids;
    for (const KnownJob& k : known) ids.push_back(k.id);
    return ids;
  }
  // Records an ended attempt of a job.
  void Attempt(int64_t job, int number, AttemptState state, double started, double ended) {
    AttemptRecord a;
    a.job_id = job;
    a.number = number;
    a.executor = "local";
    a.state = AttemptState::kRunning;
    a.started = started;
    auto id = store_->InsertAttempt(a);
    ASSERT_TRUE(id.ok());
    a.id = *id;
    a.state = state;
    a.ended = ended;
    a.exit_code = state == AttemptState::kSucceeded ? 0 : 1;
    ASSERT_TRUE(store_->UpdateAttempt(a).ok());
  }
  // Runs a raw statement on a second connection (as an older drover or a tamperer would).
  void Exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((root_ + "/.drover/drover.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
  }

  std::string root_;
  std::unique_ptr<Store> store_;
};

TEST_F(HistoryTest, RunsAreListedOldestFirstWithTheirCountsAndTimes) {
  struct RunCase {
    const char* workflow;
    const char* state;  // "" leaves the run going (no end, no summary)
    int ran, reused, failed;
  };
  const std::vector<RunCase> cases = {{"a", "succeeded", 3, 0, 0},
                                      {"b", "failed", 1, 2, 1},
                                      {"a", "interrupted", 0, 3, 0},
                                      {"a", "", 0, 0, 0}};
  for (const RunCase& c : cases) {
    auto id = store_->StartRun(c.workflow, std::string("/x/") + c.workflow + ".yaml", "[]");
    ASSERT_TRUE(id.ok());
    if (*c.state == 0) continue;
    nlohmann::json summary = {{"ran", c.ran}, {"reused", c.reused}, {"failed", c.failed}};
    ASSERT_TRUE(store_->FinishRun(*id, c.state, summary.dump()).ok());
  }
  auto runs = history()->Runs(10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(i);
    const RunRecord& r = (*runs)[i];
    EXPECT_EQ(r.id, static_cast<int64_t>(i + 1));  // oldest first
    EXPECT_EQ(r.workflow, cases[i].workflow);
    EXPECT_GT(r.started, 0);
    if (*cases[i].state == 0) {
      EXPECT_EQ(r.state, "running");
      EXPECT_EQ(r.ended, 0);  // no duration yet
      EXPECT_EQ(r.summary_json, "");
      continue;
    }
    EXPECT_EQ(r.state, cases[i].state);
    EXPECT_GE(r.ended, r.started);  // a duration, never negative
    auto s = nlohmann::json::parse(r.summary_json);
    EXPECT_EQ(s["ran"], cases[i].ran);
    EXPECT_EQ(s["reused"], cases[i].reused);
    EXPECT_EQ(s["failed"], cases[i].failed);
  }
  auto last2 = history()->Runs(2);  // the latest two, still oldest first
  ASSERT_TRUE(last2.ok());
  ASSERT_EQ(last2->size(), 2u);
  EXPECT_EQ((*last2)[0].id, 3);
  EXPECT_EQ((*last2)[1].id, 4);
}

TEST_F(HistoryTest, IngredientsAreRecordedOncePerKey) {
  auto run = store_->StartRun("wf", "/x", "[]");
  ASSERT_TRUE(run.ok());
  auto ids = Plan(*run, {"k0", "k1"});
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordIngredients({{ids[0], "{\"run\":\"a\"}"}}).ok());
  ASSERT_TRUE(history()->RecordIngredients({{ids[0], "{\"run\":\"b\"}"}}).ok());  // ignored
  ASSERT_TRUE(history()->RecordIngredients({}).ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(*history()->Ingredients(ids[0]), "{\"run\":\"a\"}");  // a key's never change
  EXPECT_EQ(*history()->Ingredients(ids[1]), "");                 // none recorded
  EXPECT_EQ(*history()->Ingredients(999), "");
}

TEST_F(HistoryTest, LatestAttemptedIsTheNameWithTheNewestAttemptWhateverItsKey) {
  auto run = store_->StartRun("wf", "/x", "[]");
  ASSERT_TRUE(run.ok());
  // Three keys of one name (train/seed=0), as a changed file or env value makes them.
  auto ids = Plan(*run, {"old", "new", "never"}, "0");
  Attempt(ids[0], 1, AttemptState::kSucceeded, 10, 11);
  Attempt(ids[1], 1, AttemptState::kFailed, 20, 21);
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordIngredients({{ids[1], "{\"run\":\"n\"}"}}).ok());
  ASSERT_TRUE(store_->SetJobState(ids[1], JobState::kFailed).ok());
  ASSERT_TRUE(store_->Commit().ok());
  auto e = history()->LatestAttempted("wf", "train/seed=0");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->id, ids[1]);  // "never" has no attempt
  EXPECT_EQ(e->key, "new");
  EXPECT_EQ(e->state, JobState::kFailed);
  EXPECT_EQ(e->ingredients, "{\"run\":\"n\"}");
  EXPECT_EQ(history()->LatestAttempted("wf", "train/seed=9")->id, 0);
  EXPECT_EQ(history()->LatestAttempted("other", "train/seed=0")->id, 0);
  auto params = history()->AttemptedParams("wf", "train");
  ASSERT_TRUE(params.ok());
  std::sort(params->begin(), params->end());
  EXPECT_EQ(*params, (std::vector<std::string>{"{\"seed\":\"new\"}", "{\"seed\":\"old\"}"}));
}

TEST_F(HistoryTest, ThePlanAsWrittenIsRecordedReplacedAndKeptWhenUnchanged) {
  EXPECT_FALSE(history()->RecordPlan("wf", {}).ok());  // StartRun records the workflow
  ASSERT_TRUE(store_->StartRun("wf", "/x", "[]").ok());
  EXPECT_FALSE(history()->RecordedPlan("wf", "")->has_value());  // none yet
  const std::vector<PlanJobRow> plan = {{"train", "train/seed=1", "{\"seed\":\"1\"}", "k1"},
                                        {"train", "train/seed=0", "{\"seed\":\"0\"}", "k0"},
                                        {"score", "score", "{}", "k2"}};
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordPlan("wf", plan).ok());
  ASSERT_TRUE(store_->Commit().ok());
  auto got = history()->RecordedPlan("wf", "");
  ASSERT_TRUE(got.ok() && got->has_value());
  ASSERT_EQ((*got)->size(), 3u);
  EXPECT_EQ((**got)[0].name, "train/seed=1");  // the order given, not the keys'
  EXPECT_EQ((**got)[1].params_json, "{\"seed\":\"0\"}");
  EXPECT_EQ((**got)[2].key, "k2");
  auto score = history()->RecordedPlan("wf", "score");
  ASSERT_EQ((*score)->size(), 1u);
  EXPECT_EQ((**score)[0].step, "score");

  // The same plan again writes nothing: a row changed behind the store's back stays.
  Exec("UPDATE plan_jobs SET name='tampered' WHERE seq=0");
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordPlan("wf", plan).ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ((**history()->RecordedPlan("wf", ""))[0].name, "tampered");

  // Another plan replaces the record whole.
  const std::vector<PlanJobRow> fewer = {{"train", "train/seed=2", "{\"seed\":\"2\"}", "k3"}};
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordPlan("wf", fewer).ok());
  ASSERT_TRUE(store_->Commit().ok());
  got = history()->RecordedPlan("wf", "");
  ASSERT_EQ((*got)->size(), 1u);
  EXPECT_EQ((**got)[0].name, "train/seed=2");
  // An empty plan is a record too (a file with no jobs), unlike none.
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(history()->RecordPlan("wf", {}).ok());
  ASSERT_TRUE(store_->Commit().ok());
  got = history()->RecordedPlan("wf", "");
  ASSERT_TRUE(got->has_value());
  EXPECT_TRUE((*got)->empty());
}

// Every reader of attempts reads a row the same way (store/attempt_row.h): an attempt
// that never ended with an exit code has -1, AttemptRecord's "none", not 0 (a success).
TEST_F(HistoryTest, AnAttemptWithoutAnExitCodeReadsAsNoneEverywhere) {
  auto run = store_->StartRun("wf", "/x", "[]");
  ASSERT_TRUE(run.ok());
  auto ids = Plan(*run, {"k0", "k1"});
  AttemptRecord a;
  a.job_id = ids[0];
  a.number = 1;
  a.executor = "local";
  a.started = 5;
  ASSERT_TRUE(store_->InsertAttempt(a).ok());  // running: no exit code yet
  Attempt(ids[1], 1, AttemptState::kSucceeded, 1, 2);
  auto latest = store_->LatestAttempt(ids[0]);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->exit_code, -1);
  EXPECT_EQ(store_->Attempts(ids[0])->at(0).exit_code, -1);
  EXPECT_EQ(store_->RunningAttempts()->at(0).exit_code, -1);
  EXPECT_EQ(store_->Attempts(ids[1])->at(0).exit_code, 0);
  auto rows = ReadJobAttempts(root_, {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].job.id, ids[0]);
  EXPECT_EQ((*rows)[0].attempt->exit_code, -1);
  EXPECT_EQ((*rows)[0].attempt->started, 5);
  EXPECT_EQ((*rows)[1].attempt->exit_code, 0);
  EXPECT_EQ((*rows)[1].attempt->state, AttemptState::kSucceeded);
  // A job without attempts keeps its id (the join leaves the attempt's columns NULL).
  auto three = Plan(*run, {"k2"});
  rows = ReadJobAttempts(root_, {});
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[2].job.id, three[0]);
  EXPECT_FALSE((*rows)[2].attempt.has_value());
  auto succeeded = store_->SucceededJobs("wf", 0);
  ASSERT_TRUE(succeeded.ok());
  ASSERT_EQ(succeeded->size(), 0u);  // k1's job state is still pending
}

}  // namespace
}  // namespace drover
