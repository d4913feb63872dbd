// The SQLite implementation of Store. Hot-path statements are prepared once.

#include <unistd.h>

#include <memory>
#include <unordered_map>

#include "store/attempt_row.h"
#include "store/history.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "store/store.h"
#include "store/study_store.h"
#include "util/clock.h"
#include "util/fs.h"

namespace drover {
namespace {

class SqliteStore : public Store {
 public:
  explicit SqliteStore(std::string root) : root_(std::move(root)) {}

  Status Open(StoreAccess access) {
    const std::string path = root_ + "/.drover/drover.db";
    if (access == StoreAccess::kReadOnly) {
      if (!PathExists(path)) return Status::NotFound("no drover store at " + path);
      DROVER_RETURN_IF_ERROR(db_.Open(path, sql::OpenMode::kReadOnly));
      return CheckVersion();
    }
    DROVER_RETURN_IF_ERROR(MakeDirs(root_ + "/.drover"));
    DROVER_RETURN_IF_ERROR(db_.Open(path));
    DROVER_RETURN_IF_ERROR(db_.Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        // A checkpoint at every 1000 pages (4 MiB) of WAL, and a WAL file cut back
        // after one: drover.db never lags far behind.
        "PRAGMA wal_autocheckpoint=1000; PRAGMA journal_size_limit=" +
        std::to_string(kWalSizeLimit) +
        ";"
        // Planning touches index pages all over the file (keys are random hashes): a
        // small cache makes SQLite write the same pages again and again.
        "PRAGMA cache_size=-262144; PRAGMA temp_store=MEMORY;"));
    return Migrate();  // and turns foreign keys on
  }

  // BEGIN IMMEDIATE takes the write lock up front (no deadlock between two readers
  // upgrading); the busy timeout waits for other writers, and a few retries cover
  // the cases where SQLite reports busy without waiting (WAL recovery).
  Status Begin() override {
    Status st;
    for (int i = 0; i < 8; ++i) {
      st = db_.Exec("BEGIN IMMEDIATE");
      if (st.code() != Code::kBusy) return st;
      usleep(50000 * (i + 1));
    }
    return st;
  }
  StudyStore* studies() override {
    if (!studies_) studies_ = NewSqliteStudyStore(db_);
    return studies_.get();
  }
  HistoryStore* history() override {
    if (!history_) history_ = NewSqliteHistoryStore(db_);
    return history_.get();
  }
  Status Commit() override {
    DROVER_RETURN_IF_ERROR(db_.Exec("COMMIT"));
    if (++commits_ % 256 == 0) BoundWal();
    return Status::Ok();
  }
  void Rollback() override { (void)db_.Exec("ROLLBACK"); }
  Status Checkpoint() override;
  Result<int64_t> CountJobsWithAttempts() override;
  Result<std::vector<JobFolderRow>> JobFolders() override;

  Result<int64_t> StartRun(const std::string& workflow, const std::string& path,
                           const std::string& argv_json) override;
  Status FinishRun(int64_t run_id, const std::string& state,
                   const std::string& summary_json) override;
  Status SyncJobs(int64_t run_id, const std::vector<JobRecord>& jobs,
                  std::vector<KnownJob>* known) override;
  Status LookupJobs(const std::vector<JobRecord>& jobs, std::vector<KnownJob>* known) override;
  Result<std::vector<AttemptRecord>> RunningAttempts() override;
  Status SetJobState(int64_t job_id, JobState state) override;
  Status PlanDerivedJob(int64_t run_id, int64_t planned_id, const JobRecord& rec,
                        KnownJob* known) override;
  Result<std::optional<std::string>> JobMissing(int64_t job_id) override;
  Result<std::unordered_map<int64_t, std::string>> PartialJobs() override;
  Result<int64_t> InsertAttempt(const AttemptRecord& a) override;
  Status UpdateAttempt(const AttemptRecord& a) override;
  Result<std::optional<AttemptRecord>> LatestAttempt(int64_t job_id) override;
  Result<std::vector<AttemptRecord>> Attempts(int64_t job_id) override;
  Status CountAttempts(int64_t job_id, int* failures, int* requeues) override;
  Status ForEachSucceededDuration(const std::string& workflow, const DurationFn& fn) override;
  Status ReplaceArtifacts(int64_t job_id, const std::vector<ArtifactRecord>& a) override;
  Result<std::vector<ArtifactRecord>> Artifacts(int64_t job_id) override;
  Status ReplaceMetrics(int64_t job_id, int64_t attempt_id,
                        const std::vector<MetricRecord>& m) override;
  Result<std::vector<MetricRecord>> Metrics(int64_t job_id) override;
  Status AddEvent(int64_t run_id, int64_t job_id, const std::string& kind,
                  const std::string& detail) override;
  Result<std::optional<RunRecord>> LatestRun(const std::string& workflow) override;
  Result<std::vector<JobRow>> JobsOfRun(int64_t run_id, const std::string& step,
                                        std::optional<JobState> state) override;
  Result<JobRow> FindJob(int64_t run_id, const std::string& ref) override;
  Result<std::vector<MetricPoint>> LastMetricValues(int64_t run_id,
                                                    const std::string& metric) override;
  Result<std::vector<SucceededJob>> SucceededJobs(const std::string& workflow,
                                                  int64_t run_id) override;
  Result<std::optional<RunRecord>> RunById(int64_t id) override;
  Result<std::string> WorkflowPath(const std::string& workflow) override;
  const std::string& root() const override { return root_; }

 private:
  Status Migrate();
  Status CheckVersion();
  Result<int> SchemaVersion();
  void BoundWal();
  Result<int64_t> WorkflowId(const std::string& name, const std::string& path);
  static AttemptRecord ReadAttempt(const sql::Stmt& s);
  static JobRow ReadJobRow(const sql::Stmt& s);
  // A statement prepared on first use and kept for the store's lifetime.
  sql::Stmt& Cached(const char* sql) {
    auto& slot = cache_[sql];
    if (!slot) slot = std::make_unique<sql::Stmt>(db_, sql);
    slot->Reset();
    return *slot;
  }

  int64_t current_workflow_ = 0;
  int64_t commits_ = 0;
  std::string root_;
  sql::Db db_;
  std::unordered_map<const char*, std::unique_ptr<sql::Stmt>> cache_;
  std::unique_ptr<StudyStore> studies_;
  std::unique_ptr<HistoryStore> history_;
};

Result<int> SqliteStore::SchemaVersion() {
  sql::Stmt v(db_, "PRAGMA user_version");
  Status st;
  int n = v.Step(&st) ? static_cast<int>(v.Int(0)) : 0;
  DROVER_RETURN_IF_ERROR(st);
  return n;
}

static Status Newer(const std::string& path, int n) {
  return Status::Invalid("the store " + path + " has schema version " + std::to_string(n) +
                         ", newer than this drover (" + std::to_string(StoreSchemaVersion()) +
                         "): upgrade drover");
}

// A read-only store is read as it is: it cannot be migrated.
Status SqliteStore::CheckVersion() {
  auto now = SchemaVersion();
  if (!now.ok()) return now.status();
  if (*now > StoreSchemaVersion()) return Newer(db_.path(), *now);
  if (*now < StoreSchemaVersion())
    return Status::Invalid("the store " + db_.path() + " has schema version " +
                           std::to_string(*now) + ", older than this drover's (" +
                           std::to_string(StoreSchemaVersion()) +
                           "), and it is read-only here: run `drover run` where it can be "
                           "written once, which upgrades it");
  return db_.Exec("PRAGMA foreign_keys=ON");
}

Status SqliteStore::Migrate() {
  auto now = SchemaVersion();
  if (!now.ok()) return now.status();
  if (*now > StoreSchemaVersion()) return Newer(db_.path(), *now);
  if (*now < StoreSchemaVersion()) {
    // Migrations may rebuild tables, which foreign keys forbid; they are checked
    // before each migration commits instead. (The pragma is a no-op in a transaction.)
    DROVER_RETURN_IF_ERROR(db_.Exec("PRAGMA foreign_keys=OFF"));
    for (int n = *now + 1; n <= StoreSchemaVersion(); ++n) {
      Transaction tx(this);
      DROVER_RETURN_IF_ERROR(tx.Begin());
      auto at = SchemaVersion();  // another drover may have migrated meanwhile
      Status m = at.status();
      if (m.ok() && *at < n) {
        m = db_.Exec(Migration(n));
        if (m.ok()) {
          sql::Stmt check(db_, "PRAGMA foreign_key_check");
          Status cs;
          if (check.Step(&cs)) m = Status::Corrupt("a foreign key check failed");
          else if (!cs.ok()) m = cs;
        }
        if (m.ok()) m = db_.Exec("PRAGMA user_version=" + std::to_string(n));
      }
      if (!m.ok()) return m.With("migrating the store to version " + std::to_string(n));
      DROVER_RETURN_IF_ERROR(tx.Commit());
    }
  }
  return db_.Exec("PRAGMA foreign_keys=ON");
}

Status SqliteStore::Checkpoint() {
  sql::Stmt ck(db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  Status st;
  bool busy = ck.Step(&st) && ck.Int(0) != 0;
  DROVER_RETURN_IF_ERROR(st);
  if (busy)
    return Status::Busy("store " + db_.path() +
                        ": readers kept the WAL from being checkpointed; it will be later");
  return Status::Ok();
}

// Behind SQLite's own checkpoints, which readers can keep from resetting the WAL: when
// its file has grown past twice the limit, a checkpoint that waits briefly for them.
void SqliteStore::BoundWal() {
  FileStat wal = StatPath(db_.path() + "-wal");
  if (!wal.exists || wal.size <= 2 * kWalSizeLimit) return;
  sqlite3_busy_timeout(db_.get(), 200);
  (void)Checkpoint();
  sqlite3_busy_timeout(db_.get(), 10000);
}

Result<int64_t> SqliteStore::CountJobsWithAttempts() {
  sql::Stmt s(db_, "SELECT count(DISTINCT job_id) FROM attempts");
  Status st;
  int64_t n = s.Step(&st) ? s.Int(0) : 0;
  DROVER_RETURN_IF_ERROR(st);
  return n;
}

Result<std::vector<JobFolderRow>> SqliteStore::JobFolders() {
  sql::Stmt s(db_,
              "SELECT j.id, j.workflow_id, j.name, j.dir, j.state, j.run_id, "
              "EXISTS(SELECT 1 FROM trials t WHERE t.job_id=j.id) FROM jobs j ORDER BY j.id");
  std::vector<JobFolderRow> out;
  Status st;
  while (s.Step(&st)) {
    JobFolderRow r;
    r.id = s.Int(0);
    r.workflow_id = s.Int(1);
    r.name = s.Text(2);
    r.dir = s.Text(3);
    r.state = ParseJobState(s.Text(4)).value_or(JobState::kPending);
    r.run_id = s.Int(5);
    r.trial = s.Int(6) != 0;
    out.push_back(std::move(r));
  }
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<int64_t> SqliteStore::WorkflowId(const std::string& name, const std::string& path) {
  sql::Stmt ins(db_,
                "INSERT INTO workflows(name, path, created) VALUES(?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET path=excluded.path RETURNING id");
  ins.Bind(1, name).Bind(2, path).Bind(3, NowSeconds());
  Status st;
  if (!ins.Step(&st)) return st.ok() ? Status::Internal("no workflow id") : st;
  return ins.Int(0);
}

Result<int64_t> SqliteStore::StartRun(const std::string& workflow, const std::string& path,
                                      const std::string& argv_json) {
  Transaction tx(this);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  auto wf = WorkflowId(workflow, path);
  if (!wf.ok()) return wf.status();
  current_workflow_ = *wf;
  sql::Stmt ins(db_, "INSERT INTO runs(workflow_id, started, state, argv) VALUES(?,?,?,?)");
  ins.Bind(1, *wf).Bind(2, NowSeconds()).Bind(3, "running").Bind(4, argv_json);
  DROVER_RETURN_IF_ERROR(ins.Run());
  int64_t id = sqlite3_last_insert_rowid(db_.get());
  DROVER_RETURN_IF_ERROR(tx.Commit());
  return id;
}

Status SqliteStore::FinishRun(int64_t run_id, const std::string& state,
                              const std::string& summary_json) {
  sql::Stmt up(db_, "UPDATE runs SET ended=?, state=?, summary=? WHERE id=?");
  return up.Bind(1, NowSeconds()).Bind(2, state).Bind(3, summary_json).Bind(4, run_id).Run();
}

Status SqliteStore::PlanDerivedJob(int64_t run_id, int64_t planned_id, const JobRecord& rec,
                                   KnownJob* known) {
  std::vector<KnownJob> one;
  DROVER_RETURN_IF_ERROR(SyncJobs(run_id, {rec}, &one));
  *known = one[0];
  // The planned job did not run in this run: it goes back to the last run it did
  // something in, so that the run's jobs name each job once.
  sql::Stmt& back = Cached(
      "UPDATE jobs SET run_id=coalesce((SELECT max(run_id) FROM events WHERE job_id=?1 AND "
      "run_id<?2), 0) WHERE id=?1 AND run_id=?2");
  return back.Bind(1, planned_id).Bind(2, run_id).Run();
}

// Events have no index by job (it cost every run's writes): one scan each, rare calls.
Result<std::optional<std::string>> SqliteStore::JobMissing(int64_t job_id) {
  sql::Stmt q(db_, "SELECT detail FROM events WHERE kind='partial' AND job_id=? "
                   "ORDER BY id DESC LIMIT 1");
  q.Bind(1, job_id);
  Status st;
  std::optional<std::string> out;
  if (q.Step(&st)) out = q.Text(0);
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::unordered_map<int64_t, std::string>> SqliteStore::PartialJobs() {
  sql::Stmt q(db_, "SELECT job_id, detail FROM events WHERE kind='partial' ORDER BY id");
  Status st;
  std::unordered_map<int64_t, std::string> out;
  while (q.Step(&st)) out[q.Int(0)] = q.Text(1);
  DROVER_RETURN_IF_ERROR(st);
  return out;
}


Status SqliteStore::SyncJobs(int64_t run_id, const std::vector<JobRecord>& jobs,
                             std::vector<KnownJob>* known) {
  // Known jobs are found by key (read only; skipped when the store has no jobs); the
  // rest are inserted. A batch of new jobs at least as large as the table is inserted
  // without the jobs indexes, which are then built once: several times cheaper than
  // growing the key index by random inserts. The run's membership of the known jobs
  // is set with one UPDATE over a temp table, so a rerun of 100,000 reused jobs
  // writes little.
  known->assign(jobs.size(), KnownJob{});
  Status st;
  sql::Stmt& top = Cached("SELECT max(id) FROM jobs");
  int64_t existing = top.Step(&st) ? top.Int(0) : 0;
  DROVER_RETURN_IF_ERROR(st);
  top.Reset();

  std::vector<uint32_t> fresh;
  if (existing == 0) {
    fresh.resize(jobs.size());
    for (uint32_t j = 0; j < jobs.size(); ++j) fresh[j] = j;
  } else {
    sql::Stmt& find = Cached("SELECT id, state, run_id FROM jobs WHERE key=?");
    DROVER_RETURN_IF_ERROR(db_.Exec("CREATE TEMP TABLE IF NOT EXISTS sync_ids(id INTEGER "
                                    "PRIMARY KEY); DELETE FROM temp.sync_ids;"));
    sql::Stmt& mark = Cached("INSERT OR IGNORE INTO temp.sync_ids(id) VALUES(?)");
    bool marked = false;
    for (uint32_t j = 0; j < jobs.size(); ++j) {
      find.Bind(1, jobs[j].key);
      if (find.Step(&st)) {
        KnownJob& k = (*known)[j];
        k.id = find.Int(0);
        k.state = ParseJobState(find.Text(1)).value_or(JobState::kPending);
        bool same_run = find.Int(2) == run_id;
        find.Reset();
        if (!same_run) DROVER_RETURN_IF_ERROR(mark.Bind(1, k.id).Run());
        marked |= !same_run;
      } else {
        DROVER_RETURN_IF_ERROR(st);
        find.Reset();
        fresh.push_back(j);
      }
    }
    if (marked) {
      sql::Stmt up(db_, "UPDATE jobs SET run_id=?, workflow_id=? WHERE id IN "
                        "(SELECT id FROM temp.sync_ids)");
      DROVER_RETURN_IF_ERROR(up.Bind(1, run_id).Bind(2, current_workflow_).Run());
    }
  }
  if (fresh.empty()) return Status::Ok();

  bool bulk = fresh.size() >= 20000 && static_cast<int64_t>(fresh.size()) >= existing;
  if (bulk)
    for (const JobIndex& ix : JobIndexes())
      DROVER_RETURN_IF_ERROR(db_.Exec(std::string("DROP INDEX ") + ix.name));
  sql::Stmt& ins = Cached(
      "INSERT INTO jobs(key, workflow_id, step, name, params, command, dir, state, run_id) "
      "VALUES(?,?,?,?,?,?,?,'pending',?)");
  for (uint32_t j : fresh) {
    const JobRecord& r = jobs[j];
    ins.BindView(1, r.key).Bind(2, current_workflow_).BindView(3, r.step).BindView(4, r.name);
    ins.BindView(5, r.params_json).BindView(6, r.command).BindView(7, r.dir).Bind(8, run_id);
    Status is = ins.Run();
    if (!is.ok()) return is.With("recording the planned job " + r.name);
    (*known)[j].id = sqlite3_last_insert_rowid(db_.get());
    (*known)[j].is_new = true;
  }
  if (bulk)
    for (const JobIndex& ix : JobIndexes()) {
      Status cs = db_.Exec(ix.create_sql);
      if (!cs.ok()) return cs.With("indexing the planned jobs (two jobs with one key?)");
    }
  return Status::Ok();
}

Status SqliteStore::LookupJobs(const std::vector<JobRecord>& jobs,
                               std::vector<KnownJob>* known) {
  sql::Stmt q(db_, "SELECT id, state FROM jobs WHERE key=?");
  DROVER_RETURN_IF_ERROR(q.status());
  known->clear();
  for (const JobRecord& j : jobs) {
    q.Bind(1, j.key);
    Status st;
    KnownJob k;
    if (q.Step(&st)) {
      k.id = q.Int(0);
      k.state = ParseJobState(q.Text(1)).value_or(JobState::kPending);
    } else {
      DROVER_RETURN_IF_ERROR(st);
      k.is_new = true;
    }
    q.Reset();
    known->push_back(k);
  }
  return Status::Ok();
}

Status SqliteStore::SetJobState(int64_t job_id, JobState state) {
  sql::Stmt& up = Cached("UPDATE jobs SET state=? WHERE id=?");
  return up.Bind(1, JobStateName(state)).Bind(2, job_id).Run();
}

// Every query of attempts selects these and reads them with ReadAttemptRow
// (store/attempt_row.h).
static const std::string kAttemptCols = AttemptColumns("");

AttemptRecord SqliteStore::ReadAttempt(const sql::Stmt& s) { return ReadAttemptRow(s); }

Result<int64_t> SqliteStore::InsertAttempt(const AttemptRecord& a) {
  sql::Stmt& ins = Cached(
      "INSERT INTO attempts(job_id, number, executor, handle, state, started) "
      "VALUES(?,?,?,?,?,?)");
  ins.Bind(1, a.job_id).Bind(2, a.number).Bind(3, a.executor).Bind(4, a.handle);
  ins.Bind(5, AttemptStateName(a.state)).Bind(6, a.started);
  DROVER_RETURN_IF_ERROR(ins.Run());
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Status SqliteStore::UpdateAttempt(const AttemptRecord& a) {
  sql::Stmt& up = Cached(
      "UPDATE attempts SET handle=?, state=?, exit_code=?, signal=?, started=?, ended=?, "
      "user_s=?, sys_s=?, max_rss_kb=?, host=?, reason=? WHERE id=?");
  up.Bind(1, a.handle).Bind(2, AttemptStateName(a.state)).Bind(3, a.exit_code);
  up.Bind(4, a.term_signal).Bind(5, a.started).Bind(6, a.ended).Bind(7, a.user_s);
  up.Bind(8, a.sys_s).Bind(9, a.max_rss_kb).Bind(10, a.host).Bind(11, a.reason);
  return up.Bind(12, a.id).Run();
}

Result<std::optional<AttemptRecord>> SqliteStore::LatestAttempt(int64_t job_id) {
  // On the dispatch path: one prepared, indexed lookup (UNIQUE(job_id, number)).
  static const std::string q = std::string("SELECT ") + kAttemptCols +
                               " FROM attempts WHERE job_id=? ORDER BY number DESC LIMIT 1";
  sql::Stmt& s = Cached(q.c_str());
  s.Bind(1, job_id);
  Status st;
  std::optional<AttemptRecord> out;
  if (s.Step(&st)) out = ReadAttempt(s);
  s.Reset();
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<AttemptRecord>> SqliteStore::Attempts(int64_t job_id) {
  std::string q = std::string("SELECT ") + kAttemptCols +
                  " FROM attempts WHERE job_id=? ORDER BY number";
  sql::Stmt s(db_, q.c_str());
  s.Bind(1, job_id);
  std::vector<AttemptRecord> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadAttempt(s));
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<AttemptRecord>> SqliteStore::RunningAttempts() {
  std::string q = std::string("SELECT ") + kAttemptCols +
                  " FROM attempts WHERE state='running' ORDER BY id";
  sql::Stmt s(db_, q.c_str());
  std::vector<AttemptRecord> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadAttempt(s));
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Status SqliteStore::CountAttempts(int64_t job_id, int* failures, int* requeues) {
  sql::Stmt& s = Cached(
      "SELECT coalesce(sum(state IN ('failed','lost')),0), coalesce(sum(state='requeued'),0) "
      "FROM attempts WHERE job_id=?");
  s.Bind(1, job_id);
  Status st;
  *failures = *requeues = 0;
  if (s.Step(&st)) {
    *failures = static_cast<int>(s.Int(0));
    *requeues = static_cast<int>(s.Int(1));
  }
  s.Reset();
  return st;
}

Status SqliteStore::ForEachSucceededDuration(const std::string& workflow,
                                             const DurationFn& fn) {
  // One pass over the attempts, each joined to its job by primary key.
  sql::Stmt s(db_,
              "SELECT j.step, j.name, a.ended - a.started FROM attempts a "
              "JOIN jobs j ON j.id = a.job_id WHERE a.state = 'succeeded' "
              "AND a.ended >= a.started "
              "AND j.workflow_id = (SELECT id FROM workflows WHERE name = ?)");
  s.Bind(1, workflow);
  Status st;
  while (s.Step(&st)) fn(s.TextView(0), s.TextView(1), s.Double(2));
  return st;
}

Status SqliteStore::ReplaceArtifacts(int64_t job_id, const std::vector<ArtifactRecord>& a) {
  sql::Stmt& del = Cached("DELETE FROM artifacts WHERE job_id=?");
  DROVER_RETURN_IF_ERROR(del.Bind(1, job_id).Run());
  sql::Stmt& ins = Cached(
      "INSERT INTO artifacts(job_id, path, size, mtime_ns, hash) VALUES(?,?,?,?,?)");
  for (const auto& r : a) {
    ins.Bind(1, job_id).Bind(2, r.path).Bind(3, r.size).Bind(4, r.mtime_ns).Bind(5, r.hash);
    DROVER_RETURN_IF_ERROR(ins.Run());
  }
  return Status::Ok();
}

Result<std::vector<ArtifactRecord>> SqliteStore::Artifacts(int64_t job_id) {
  sql::Stmt& s = Cached(
      "SELECT path, size, mtime_ns, hash FROM artifacts WHERE job_id=? ORDER BY path");
  s.Bind(1, job_id);
  std::vector<ArtifactRecord> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Text(0), s.Int(1), s.Int(2), s.Text(3)});
  s.Reset();
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Status SqliteStore::ReplaceMetrics(int64_t job_id, int64_t attempt_id,
                                   const std::vector<MetricRecord>& m) {
  sql::Stmt& del = Cached("DELETE FROM metrics WHERE job_id=?");
  DROVER_RETURN_IF_ERROR(del.Bind(1, job_id).Run());
  sql::Stmt& ins = Cached(
      "INSERT INTO metrics(job_id, attempt_id, seq, name, step, value, time) "
      "VALUES(?,?,?,?,?,?,?)");
  int64_t seq = 0;
  for (const auto& r : m) {
    ins.Bind(1, job_id).Bind(2, attempt_id).Bind(3, seq++).Bind(4, r.name).Bind(5, r.step);
    DROVER_RETURN_IF_ERROR(ins.Bind(6, r.value).Bind(7, r.time).Run());
  }
  return Status::Ok();
}

Result<std::vector<MetricRecord>> SqliteStore::Metrics(int64_t job_id) {
  sql::Stmt& s = Cached(
      "SELECT name, value, step, time FROM metrics WHERE job_id=? ORDER BY seq");
  s.Bind(1, job_id);
  std::vector<MetricRecord> out;
  Status st;
  while (s.Step(&st)) {
    MetricRecord r{s.Text(0), s.Double(1), std::nullopt, s.Double(3)};
    if (!s.IsNull(2)) r.step = s.Int(2);
    out.push_back(r);
  }
  s.Reset();
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Status SqliteStore::AddEvent(int64_t run_id, int64_t job_id, const std::string& kind,
                             const std::string& detail) {
  sql::Stmt& ins = Cached("INSERT INTO events(time, run_id, job_id, kind, detail) "
                          "VALUES(?,?,?,?,?)");
  ins.Bind(1, NowSeconds()).Bind(2, run_id).Bind(3, job_id).Bind(4, kind).Bind(5, detail);
  return ins.Run();
}

Result<std::optional<RunRecord>> SqliteStore::LatestRun(const std::string& workflow) {
  sql::Stmt s(db_,
              "SELECT r.id, w.name, r.started, coalesce(r.ended,0), r.state, "
              "coalesce(r.summary,'') FROM runs r JOIN workflows w ON w.id=r.workflow_id "
              "WHERE ?='' OR w.name=? ORDER BY r.id DESC LIMIT 1");
  s.Bind(1, workflow).Bind(2, workflow);
  Status st;
  if (!s.Step(&st)) {
    DROVER_RETURN_IF_ERROR(st);
    return std::optional<RunRecord>();
  }
  return std::optional<RunRecord>(
      RunRecord{s.Int(0), s.Text(1), s.Double(2), s.Double(3), s.Text(4), s.Text(5)});
}

static const char kJobCols[] =
    "j.id, j.key, j.step, j.name, j.params, j.command, j.dir, j.state, j.run_id, "
    "(SELECT count(*) FROM attempts a WHERE a.job_id=j.id)";

JobRow SqliteStore::ReadJobRow(const sql::Stmt& s) {
  JobRow r;
  r.id = s.Int(0);
  r.rec = {s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Text(6)};
  r.state = ParseJobState(s.Text(7)).value_or(JobState::kPending);
  r.run_id = s.Int(8);
  r.attempts = static_cast<int>(s.Int(9));
  return r;
}

Result<std::vector<JobRow>> SqliteStore::JobsOfRun(int64_t run_id, const std::string& step,
                                                   std::optional<JobState> state) {
  std::string q = std::string("SELECT ") + kJobCols +
                  " FROM jobs j WHERE j.run_id=? AND (?='' OR j.step=?) AND "
                  "(?='' OR j.state=?) ORDER BY j.id";
  sql::Stmt s(db_, q.c_str());
  std::string st_name = state ? JobStateName(*state) : "";
  s.Bind(1, run_id).Bind(2, step).Bind(3, step).Bind(4, st_name).Bind(5, st_name);
  std::vector<JobRow> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadJobRow(s));
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<JobRow> SqliteStore::FindJob(int64_t run_id, const std::string& ref) {
  std::string q = std::string("SELECT ") + kJobCols +
                  " FROM jobs j WHERE j.name=? OR j.key=? OR CAST(j.id AS TEXT)=? "
                  "OR (length(?)>=6 AND j.key LIKE ? || '%') "
                  "ORDER BY (j.run_id=?) DESC, j.id DESC LIMIT 2";
  sql::Stmt s(db_, q.c_str());
  s.Bind(1, ref).Bind(2, ref).Bind(3, ref).Bind(4, ref).Bind(5, ref).Bind(6, run_id);
  std::vector<JobRow> rows;
  Status st;
  while (s.Step(&st)) rows.push_back(ReadJobRow(s));
  DROVER_RETURN_IF_ERROR(st);
  if (rows.empty())
    return Status::NotFound("no job matches '" + ref +
                            "' (give a name as `drover jobs` prints it, an id or a key)");
  if (rows.size() > 1 && rows[0].rec.name != ref && rows[0].rec.key != ref &&
      rows[0].run_id == rows[1].run_id)
    return Status::Invalid("'" + ref + "' matches several jobs; give more of the key");
  return rows[0];
}

Result<std::vector<MetricPoint>> SqliteStore::LastMetricValues(int64_t run_id,
                                                               const std::string& metric) {
  sql::Stmt s(db_,
              "SELECT j.id, j.step, j.params, m.value FROM jobs j JOIN metrics m "
              "ON m.job_id=j.id AND m.name=? WHERE j.run_id=? AND j.state='succeeded' "
              "AND m.seq=(SELECT max(seq) FROM metrics m2 WHERE m2.job_id=j.id AND "
              "m2.name=?) ORDER BY j.id");
  s.Bind(1, metric).Bind(2, run_id).Bind(3, metric);
  std::vector<MetricPoint> out;
  Status st;
  while (s.Step(&st)) out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Double(3)});
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<SucceededJob>> SqliteStore::SucceededJobs(const std::string& workflow,
                                                             int64_t run_id) {
  static const std::string q =
      "SELECT " + AttemptColumns("a.") + ", j.key, j.step, j.name, j.params, j.dir, j.run_id "
      "FROM jobs j JOIN attempts a ON a.job_id = j.id "
      "WHERE j.workflow_id = (SELECT id FROM workflows WHERE name = ?) "
      "AND j.state = 'succeeded' AND a.state = 'succeeded' "
      "AND (? = 0 OR j.run_id = ?) "
      "AND a.number = (SELECT max(number) FROM attempts a2 WHERE a2.job_id = j.id) "
      "ORDER BY j.name, a.ended, a.id";
  sql::Stmt s(db_, q.c_str());
  s.Bind(1, workflow).Bind(2, run_id).Bind(3, run_id);
  std::vector<SucceededJob> out;
  Status st;
  while (s.Step(&st)) {
    SucceededJob r;
    r.attempt = ReadAttempt(s);
    r.job.id = r.attempt.job_id;
    r.job.rec = {s.Text(15), s.Text(16), s.Text(17), s.Text(18), "", s.Text(19)};
    r.job.state = JobState::kSucceeded;
    r.job.attempts = r.attempt.number;
    r.job.run_id = s.Int(20);
    out.push_back(std::move(r));
  }
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::optional<RunRecord>> SqliteStore::RunById(int64_t id) {
  sql::Stmt s(db_,
              "SELECT r.id, w.name, r.started, coalesce(r.ended,0), r.state, "
              "coalesce(r.summary,'') FROM runs r JOIN workflows w ON w.id=r.workflow_id "
              "WHERE r.id=?");
  s.Bind(1, id);
  Status st;
  if (!s.Step(&st)) {
    DROVER_RETURN_IF_ERROR(st);
    return std::optional<RunRecord>();
  }
  return std::optional<RunRecord>(
      RunRecord{s.Int(0), s.Text(1), s.Double(2), s.Double(3), s.Text(4), s.Text(5)});
}

Result<std::string> SqliteStore::WorkflowPath(const std::string& workflow) {
  sql::Stmt s(db_, "SELECT path FROM workflows WHERE name=?");
  s.Bind(1, workflow);
  Status st;
  std::string path = s.Step(&st) ? s.Text(0) : "";
  DROVER_RETURN_IF_ERROR(st);
  return path;
}

}  // namespace

static const char* const kJobStates[] = {"pending", "running", "succeeded",
                                         "failed",  "skipped", "cancelled"};
static const char* const kAttemptStates[] = {"running",  "succeeded", "failed",
                                             "requeued", "cancelled", "lost"};

const char* JobStateName(JobState s) { return kJobStates[static_cast<int>(s)]; }
const char* AttemptStateName(AttemptState s) { return kAttemptStates[static_cast<int>(s)]; }

std::optional<JobState> ParseJobState(const std::string& s) {
  for (int i = 0; i < 6; ++i)
    if (s == kJobStates[i]) return static_cast<JobState>(i);
  return std::nullopt;
}

std::optional<AttemptState> ParseAttemptState(const std::string& s) {
  for (int i = 0; i < 6; ++i)
    if (s == kAttemptStates[i]) return static_cast<AttemptState>(i);
  return std::nullopt;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& root, StoreAccess access) {
  auto store = std::make_unique<SqliteStore>(root);
  DROVER_RETURN_IF_ERROR(store->Open(access));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace drover
