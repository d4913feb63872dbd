#include "store/store.h"

#include <gtest/gtest.h>
#include <algorithm>
#include <sqlite3.h>

#include "store/schema.h"
#include "store/sqlite.h"
#include "util/fs.h"

namespace drover {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/store_test_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(root_).ok());
    auto s = OpenSqliteStore(root_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
  }
  JobRecord Job(const std::string& key) {
    return {key, "train", "train/seed=" + key, "{\"seed\":\"" + key + "\"}", "true",
            ".drover/jobs/" + key};
  }
  std::string root_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, SyncJobsIsIdempotentByKey) {
  auto run = store_->StartRun("wf", "/x/drover.yaml", "[]");
  ASSERT_TRUE(run.ok());
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("a"), Job("b")}, &known).ok());
  ASSERT_TRUE(store_->SetJobState(known[0].id, JobState::kSucceeded).ok());
  ASSERT_TRUE(store_->Commit().ok());
  int64_t a_id = known[0].id;

  auto run2 = store_->StartRun("wf", "/x/drover.yaml", "[]");
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run2, {Job("a"), Job("c")}, &known).ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(known[0].id, a_id);
  EXPECT_EQ(known[0].state, JobState::kSucceeded);
  EXPECT_EQ(known[1].state, JobState::kPending);
  auto jobs = store_->JobsOfRun(*run2, "", std::nullopt);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 2u);  // b belongs to the first run only

  std::vector<KnownJob> looked;
  ASSERT_TRUE(store_->LookupJobs({Job("a"), Job("zzz")}, &looked).ok());
  EXPECT_FALSE(looked[0].is_new);
  EXPECT_TRUE(looked[1].is_new);
}

TEST_F(StoreTest, AttemptsMetricsArtifactsRoundTrip) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("k1")}, &known).ok());
  int64_t job = known[0].id;
  AttemptRecord a;
  a.job_id = job;
  a.number = 1;
  a.executor = "local";
  auto id = store_->InsertAttempt(a);
  ASSERT_TRUE(id.ok());
  a.id = *id;
  a.state = AttemptState::kRequeued;
  a.exit_code = 85;
  ASSERT_TRUE(store_->UpdateAttempt(a).ok());
  a.number = 2;
  a.state = AttemptState::kRunning;
  a.id = *store_->InsertAttempt(a);
  ASSERT_TRUE(store_->ReplaceMetrics(job, a.id, {{"acc", 0.5, 1, 0}, {"acc", 0.9, 2, 0}}).ok());
  ASSERT_TRUE(store_->ReplaceArtifacts(job, {{"out.pkl", 10, 5, "h"}}).ok());
  ASSERT_TRUE(store_->SetJobState(job, JobState::kSucceeded).ok());
  ASSERT_TRUE(store_->Commit().ok());

  auto running = store_->RunningAttempts();
  ASSERT_EQ(running->size(), 1u);
  EXPECT_EQ((*running)[0].number, 2);
  int failures = -1, requeues = -1;
  ASSERT_TRUE(store_->CountAttempts(job, &failures, &requeues).ok());
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(requeues, 1);
  auto pts = store_->LastMetricValues(*run, "acc");
  ASSERT_EQ(pts->size(), 1u);
  EXPECT_DOUBLE_EQ((*pts)[0].value, 0.9);
  EXPECT_EQ((*store_->Artifacts(job))[0].hash, "h");
  auto found = store_->FindJob(*run, "train/seed=k1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->attempts, 2);
  EXPECT_FALSE(store_->FindJob(*run, "nope").ok());
}

TEST_F(StoreTest, SucceededDurationsAreThoseOfTheWorkflowAcrossKeys) {
  // Two keys of the same job name (a changed parameter), and another workflow's job.
  auto add = [&](const std::string& wf, const std::string& key, AttemptState state,
                 double seconds) {
    auto run = store_->StartRun(wf, "/x", "[]");
    std::vector<KnownJob> known;
    JobRecord rec = Job(key);
    rec.name = "train/seed=0";
    ASSERT_TRUE(store_->Begin().ok());
    ASSERT_TRUE(store_->SyncJobs(*run, {rec}, &known).ok());
    AttemptRecord a;
    a.job_id = known[0].id;
    a.number = 1;
    a.executor = "local";
    a.id = *store_->InsertAttempt(a);
    a.state = state;
    a.started = 100;
    a.ended = 100 + seconds;
    ASSERT_TRUE(store_->UpdateAttempt(a).ok());
    ASSERT_TRUE(store_->Commit().ok());
  };
  add("wf", "k1", AttemptState::kSucceeded, 3);
  add("wf", "k2", AttemptState::kSucceeded, 5);
  add("wf", "k3", AttemptState::kFailed, 50);
  add("other", "k4", AttemptState::kSucceeded, 70);
  std::vector<std::string> seen;
  double total = 0;
  ASSERT_TRUE(store_
                  ->ForEachSucceededDuration(
                      "wf",
                      [&](std::string_view step, std::string_view name, double seconds) {
                        seen.push_back(std::string(step) + " " + std::string(name));
                        total += seconds;
                      })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"train train/seed=0", "train train/seed=0"}));
  EXPECT_DOUBLE_EQ(total, 8);
}

TEST_F(StoreTest, RollbackLeavesNothing) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("r")}, &known).ok());
  store_->Rollback();
  auto jobs = store_->JobsOfRun(*run, "", std::nullopt);
  EXPECT_TRUE(jobs->empty());
}

// The names of the indexes on `jobs`, read from the database file itself.
std::vector<std::string> JobIndexNames(const std::string& root) {
  sqlite3* db;
  std::vector<std::string> names;
  if (sqlite3_open((root + "/.drover/drover.db").c_str(), &db) != SQLITE_OK) return names;
  sqlite3_exec(
      db, "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='jobs' ORDER BY name",
      [](void* out, int, char** v, char**) {
        static_cast<std::vector<std::string>*>(out)->push_back(v[0]);
        return 0;
      },
      &names, nullptr);
  sqlite3_close(db);
  return names;
}

TEST_F(StoreTest, LargeBatchesAreIndexedAndFoundAgain) {
  // 30,000 new jobs take the bulk path (indexes dropped, then built once).
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 30000; ++i) jobs.push_back(Job("k" + std::to_string(i)));
  std::vector<KnownJob> first, again;
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, jobs, &first).ok());
  ASSERT_TRUE(store_->SetJobState(first[7].id, JobState::kSucceeded).ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(JobIndexNames(root_), (std::vector<std::string>{"jobs_filter", "jobs_key", "jobs_name", "jobs_run"}));

  // Again, with 40,000 more (bulk again, over a store that holds jobs).
  for (int i = 30000; i < 70000; ++i) jobs.push_back(Job("k" + std::to_string(i)));
  auto run2 = store_->StartRun("wf", "/x", "[]");
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run2, jobs, &again).ok());
  ASSERT_TRUE(store_->Commit().ok());
  ASSERT_EQ(again.size(), 70000u);
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(again[i].id, first[i].id) << i;
    ASSERT_FALSE(again[i].is_new);
  }
  EXPECT_EQ(again[7].state, JobState::kSucceeded);
  EXPECT_TRUE(again[69999].is_new);
  auto members = store_->JobsOfRun(*run2, "train", std::nullopt);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 70000u);
  auto found = store_->FindJob(*run2, "train/seed=k69998");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->id, again[69998].id);
  EXPECT_EQ(JobIndexNames(root_), (std::vector<std::string>{"jobs_filter", "jobs_key", "jobs_name", "jobs_run"}));
}

TEST_F(StoreTest, DuplicateKeysInABatchAreRefusedAndLeaveNothing) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 25000; ++i) jobs.push_back(Job("d" + std::to_string(i)));
  jobs.push_back(Job("d5"));
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->Begin().ok());
  Status st = store_->SyncJobs(*run, jobs, &known);
  EXPECT_FALSE(st.ok());
  store_->Rollback();
  auto members = store_->JobsOfRun(*run, "", std::nullopt);
  ASSERT_TRUE(members.ok());
  EXPECT_TRUE(members->empty());
  EXPECT_EQ(JobIndexNames(root_), (std::vector<std::string>{"jobs_filter", "jobs_key", "jobs_name", "jobs_run"}));
}

TEST_F(StoreTest, MigratesAVersion1Store) {
  store_.reset();
  ASSERT_TRUE(RemoveAll(root_).ok());
  ASSERT_TRUE(MakeDirs(root_ + "/.drover").ok());
  sqlite3* db;
  ASSERT_EQ(sqlite3_open((root_ + "/.drover/drover.db").c_str(), &db), SQLITE_OK);
  std::string v1 = std::string(Migration(1)) +
                   "PRAGMA user_version=1;"
                   "INSERT INTO workflows VALUES(1, 'wf', '/x', 0);"
                   "INSERT INTO runs VALUES(1, 1, 0, 1, 'succeeded', '[]', '{}');"
                   "INSERT INTO jobs VALUES(5, 'oldkey', 1, 'train', 'train/seed=0', '{}', "
                   "'true', '.drover/jobs/ol/oldkey', 'succeeded', 1);"
                   "INSERT INTO attempts(id, job_id, number, executor, handle, state) "
                   "VALUES(9, 5, 1, 'local', '123', 'succeeded');";
  ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto s = OpenSqliteStore(root_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  store_ = std::move(*s);
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->LookupJobs({Job("oldkey")}, &known).ok());
  EXPECT_EQ(known[0].id, 5);
  EXPECT_EQ(known[0].state, JobState::kSucceeded);
  auto att = store_->LatestAttempt(5);
  ASSERT_TRUE(att.ok() && att->has_value());
  EXPECT_EQ((*att)->id, 9);
  EXPECT_EQ(JobIndexNames(root_), (std::vector<std::string>{"jobs_filter", "jobs_key", "jobs_name", "jobs_run"}));
  // The key is still unique.
  auto run = store_->StartRun("wf", "/x", "[]");
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("oldkey"), Job("new")}, &known).ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(known[0].id, 5);
  EXPECT_TRUE(known[1].is_new);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  store_.reset();
  sqlite3* db;
  ASSERT_EQ(sqlite3_open((root_ + "/.drover/drover.db").c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version=999", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto s = OpenSqliteStore(root_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("newer than this drover"), std::string::npos);
}

TEST_F(StoreTest, TransactionGuardRollsBackUnlessCommitted) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<KnownJob> known;
  {
    Transaction tx(store_.get());
    ASSERT_TRUE(tx.Begin().ok());
    EXPECT_FALSE(tx.Begin().ok());  // begun twice: an error, the transaction stays
    ASSERT_TRUE(store_->SyncJobs(*run, {Job("dropped")}, &known).ok());
  }  // an early return: rolled back
  {
    Transaction tx(store_.get());
    EXPECT_FALSE(tx.Commit().ok());  // never begun
    ASSERT_TRUE(tx.Begin().ok());    // the store is no longer in a transaction
    ASSERT_TRUE(store_->SyncJobs(*run, {Job("kept")}, &known).ok());
    ASSERT_TRUE(tx.Commit().ok());
    EXPECT_FALSE(tx.open());
  }
  ASSERT_TRUE(store_->LookupJobs({Job("dropped"), Job("kept")}, &known).ok());
  EXPECT_TRUE(known[0].is_new);
  EXPECT_FALSE(known[1].is_new);
  Transaction explicit_rollback(store_.get());
  ASSERT_TRUE(explicit_rollback.Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("undone")}, &known).ok());
  explicit_rollback.Rollback();
  ASSERT_TRUE(store_->LookupJobs({Job("undone")}, &known).ok());
  EXPECT_TRUE(known[0].is_new);
}

int64_t FileSize(const std::string& path) { return StatPath(path).size; }

TEST_F(StoreTest, CheckpointMovesTheWalIntoTheDatabaseFile) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<JobRecord> jobs;
  for (int i = 0; i < 500; ++i) jobs.push_back(Job("c" + std::to_string(i)));
  std::vector<KnownJob> known;
  Transaction tx(store_.get());
  ASSERT_TRUE(tx.Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, jobs, &known).ok());
  ASSERT_TRUE(tx.Commit().ok());
  const std::string db = root_ + "/.drover/drover.db";
  EXPECT_GT(FileSize(db + "-wal"), 0);
  ASSERT_TRUE(store_->Checkpoint().ok());
  EXPECT_EQ(FileSize(db + "-wal"), 0);
  // drover.db alone now holds everything: a copy without its WAL knows the jobs.
  const std::string copy = root_ + "/copy";
  ASSERT_TRUE(MakeDirs(copy + "/.drover").ok());
  auto bytes = ReadFile(db);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(WriteFile(copy + "/.drover/drover.db", *bytes).ok());
  auto other = OpenSqliteStore(copy, StoreAccess::kReadOnly);
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_TRUE((*other)->LookupJobs({Job("c0"), Job("c499")}, &known).ok());
  EXPECT_FALSE(known[0].is_new);
  EXPECT_FALSE(known[1].is_new);
}

TEST_F(StoreTest, WalStaysBoundedAcrossManyCommitsAndABigOne) {
  auto run = store_->StartRun("wf", "/x", "[]");
  const std::string wal = root_ + "/.drover/drover.db-wal";
  const std::string detail(1000, 'x');
  int64_t largest = 0;
  for (int t = 0; t < 300; ++t) {  // 30 MB of events, 100 per transaction
    Transaction tx(store_.get());
    ASSERT_TRUE(tx.Begin().ok());
    for (int e = 0; e < 100; ++e) ASSERT_TRUE(store_->AddEvent(*run, 0, "x", detail).ok());
    ASSERT_TRUE(tx.Commit().ok());
    largest = std::max(largest, FileSize(wal));
  }
  EXPECT_LE(largest, int64_t{8} << 20) << "SQLite's checkpoints keep the WAL near 4 MiB";
  {  // one transaction of 40 MB: the WAL must hold it whole...
    Transaction tx(store_.get());
    ASSERT_TRUE(tx.Begin().ok());
    for (int e = 0; e < 40000; ++e) ASSERT_TRUE(store_->AddEvent(*run, 0, "y", detail).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_GT(FileSize(wal), kWalSizeLimit);
  for (int t = 0; t < 3; ++t) {  // ...and is cut back to the limit after it
    Transaction tx(store_.get());
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(store_->AddEvent(*run, 0, "z", "").ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_LE(FileSize(wal), kWalSizeLimit);
}

// A partial gather's job (derived at run time) takes the planned job's place in the
// run, and says which upstream jobs it ran without.
TEST_F(StoreTest, DerivedJobReplacesThePlannedOneAndKeepsWhatItMissed) {
  auto run = store_->StartRun("wf", "/x/drover.yaml", "[]");
  ASSERT_TRUE(run.ok());
  std::vector<KnownJob> known;
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->SyncJobs(*run, {Job("a")}, &known).ok());
  JobRecord derived = Job("a");
  derived.key = "a2";
  KnownJob d;
  ASSERT_TRUE(store_->PlanDerivedJob(*run, known[0].id, derived, &d).ok());
  ASSERT_TRUE(store_->AddEvent(*run, d.id, "partial", "train/m=x train/m=y").ok());
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_NE(d.id, known[0].id);
  auto jobs = store_->JobsOfRun(*run, "", std::nullopt);
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 1u);  // the run names the job once: the derived one
  EXPECT_EQ((*jobs)[0].rec.key, "a2");
  auto missing = store_->JobMissing(d.id);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->value_or("<none>"), "train/m=x train/m=y");
  auto full = store_->JobMissing(known[0].id);
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->has_value());
  auto all = store_->PartialJobs();
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
  EXPECT_EQ(all->count(d.id), 1u);
}

TEST(SqlExcerptTest, CutsAtAWordBoundaryNeverInsideAWord) {
  const std::string sql =
      "SELECT alpha,\n       beta FROM gamma WHERE delta = 1 AND epsilon = 2 AND zeta = 3";
  EXPECT_EQ(sql::Excerpt(sql, 32), "SELECT alpha, beta FROM gamma \u2026");
  EXPECT_EQ(sql::Excerpt("SELECT 1", 60), "SELECT 1");
  EXPECT_EQ(sql::Excerpt("averyveryverylongidentifier and more", 10),
            "averyveryverylongidentifier \u2026");
}

TEST_F(StoreTest, SqlInAnErrorIsCutAtAWordAndTheStoreIsNamed) {
  sql::Db db;
  const std::string path = root_ + "/.drover/drover.db";
  ASSERT_TRUE(db.Open(path).ok());
  const std::string bad =
      "SELECT column_number_one, column_number_two FROM no_such_table_here WHERE "
      "column_number_one = 1";
  Status st = db.Exec(bad);
  ASSERT_FALSE(st.ok());
  const std::string& msg = st.message();
  EXPECT_NE(msg.find("store " + path + ": no such table"), std::string::npos) << msg;
  size_t in = msg.find("(in: ");
  size_t dots = msg.find(" \u2026)");
  ASSERT_NE(in, std::string::npos) << msg;
  ASSERT_NE(dots, std::string::npos) << msg;
  std::string shown = msg.substr(in + 5, dots - in - 5);
  ASSERT_EQ(bad.compare(0, shown.size(), shown), 0) << msg;
  EXPECT_EQ(bad[shown.size()], ' ') << "cut inside a word: " << msg;
  sql::Stmt prepared(db, bad.c_str());
  EXPECT_NE(prepared.status().message().find("(in: SELECT column_number_one"), std::string::npos)
      << prepared.status().message();
}

TEST_F(StoreTest, ReadOnlyOpenReadsAndRefusesToWrite) {
  auto run = store_->StartRun("wf", "/x", "[]");
  std::vector<KnownJob> known;
  {
    Transaction tx(store_.get());
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(store_->SyncJobs(*run, {Job("ro")}, &known).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto ro = OpenSqliteStore(root_, StoreAccess::kReadOnly);
  ASSERT_TRUE(ro.ok()) << ro.status().message();
  auto latest = (*ro)->LatestRun("");
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->id, *run);
  auto jobs = (*ro)->JobsOfRun(*run, "", std::nullopt);
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 1u);
  Transaction tx(ro->get());
  Status st = tx.Begin();
  if (st.ok()) st = (*ro)->AddEvent(*run, 0, "write", "");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("readonly"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(root_ + "/.drover/drover.db"), std::string::npos) << st.message();

  auto missing = OpenSqliteStore(root_ + "/nowhere", StoreAccess::kReadOnly);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find(root_ + "/nowhere/.drover/drover.db"),
            std::string::npos);
  EXPECT_FALSE(PathExists(root_ + "/nowhere"));  // reading never creates anything
}

}  // namespace
}  // namespace drover
