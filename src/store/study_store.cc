// The SQLite implementation of StudyStore (schema version 2, store/schema.cc).
#include "store/study_store.h"

#include <memory>
#include <unordered_map>

#include "store/sqlite.h"

namespace drover {
namespace {

constexpr const char* kTrialCols =
    "number, params, state, value, intermediate, rungs, job_id, attempt_id, started, ended";

TrialRecord ReadTrial(const sql::Stmt& s) {
  TrialRecord t;
  t.number = s.Int(0);
  t.params_json = s.Text(1);
  t.state = s.Text(2);
  if (!s.IsNull(3)) t.value = s.Double(3);
  t.intermediate_json = s.Text(4);
  t.rungs_json = s.Text(5);
  t.job_id = s.IsNull(6) ? 0 : s.Int(6);
  t.attempt_id = s.IsNull(7) ? 0 : s.Int(7);
  t.started = s.Double(8);
  t.ended = s.IsNull(9) ? 0 : s.Double(9);
  return t;
}

StudyRecord ReadStudy(const sql::Stmt& s) {
  StudyRecord r;
  r.id = s.Int(0);
  r.name = s.Text(1);
  r.space_json = s.Text(2);
  r.sampler_json = s.Text(3);
  r.pruner_json = s.Text(4);
  r.direction = s.Text(5);
  r.seed = s.Int(6);
  r.created = s.Double(7);
  r.origin = s.IsNull(8) ? "" : s.Text(8);
  return r;
}

class SqliteStudyStore : public StudyStore {
 public:
  explicit SqliteStudyStore(const sql::Db& db) : db_(db) {}

  Result<int64_t> CreateStudy(const StudyRecord& s) override {
    auto found = FindStudy(s.name);
    if (!found.ok()) return found.status();
    if (*found) return Status::Invalid("study '" + s.name + "' already exists");
    sql::Stmt& ins = Cached(
        "INSERT INTO studies(name, space, sampler, pruner, direction, seed, created, origin) "
        "VALUES(?,?,?,?,?,?,?,?)");
    ins.Bind(1, s.name).Bind(2, s.space_json).Bind(3, s.sampler_json).Bind(4, s.pruner_json);
    ins.Bind(5, s.direction).Bind(6, s.seed).Bind(7, s.created);
    if (s.origin.empty()) ins.BindNull(8);
    else ins.Bind(8, s.origin);
    DROVER_RETURN_IF_ERROR(ins.Run());
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.get()));
  }

  Result<std::optional<StudyRecord>> FindStudy(const std::string& name) override {
    sql::Stmt& q = Cached(
        "SELECT id, name, space, sampler, pruner, direction, seed, created, origin FROM studies "
        "WHERE name=?");
    q.Bind(1, name);
    Status st;
    std::optional<StudyRecord> out;
    if (q.Step(&st)) out = ReadStudy(q);
    q.Reset();
    if (!st.ok()) return st;
    return out;
  }

  Result<int64_t> CountFinished(int64_t study_id) override {
    sql::Stmt& q = Cached("SELECT count(*) FROM trials WHERE study_id=? AND state<>'running'");
    q.Bind(1, study_id);
    Status st;
    int64_t n = q.Step(&st) ? q.Int(0) : 0;
    q.Reset();
    if (!st.ok()) return st;
    return n;
  }

  Result<int64_t> DataVersion() override {
    sql::Stmt& q = Cached("PRAGMA data_version");
    Status st;
    int64_t v = q.Step(&st) ? q.Int(0) : 0;
    q.Reset();
    if (!st.ok()) return st;
    return v;
  }

  Result<std::vector<StudySummary>> ListStudies() override {
    sql::Stmt& q = Cached(
        "SELECT s.id, s.name, s.space, s.sampler, s.pruner, s.direction, s.seed, s.created, "
        "s.origin, (SELECT count(*) FROM trials t WHERE t.study_id=s.id AND t.state='running'), "
        "(SELECT count(*) FROM trials t WHERE t.study_id=s.id AND t.state='complete'), "
        "(SELECT count(*) FROM trials t WHERE t.study_id=s.id AND t.state='pruned'), "
        "(SELECT count(*) FROM trials t WHERE t.study_id=s.id AND t.state='failed') "
        "FROM studies s ORDER BY s.name");
    Status st;
    std::vector<StudySummary> out;
    while (q.Step(&st)) {
      StudySummary sum;
      sum.study = ReadStudy(q);
      sum.running = q.Int(9), sum.complete = q.Int(10), sum.pruned = q.Int(11);
      sum.failed = q.Int(12);
      out.push_back(std::move(sum));
    }
    q.Reset();
    if (!st.ok()) return st;
    return out;
  }

  Result<std::optional<std::pair<std::string, TrialRecord>>> LatestTrialOfJob(
      int64_t job_id) override {
    // The trial's columns first, as ReadTrial reads them, then the study's name.
    static const std::string sql = std::string("SELECT ") + kTrialCols +
                                   ", s.name FROM trials t JOIN studies s ON s.id = t.study_id "
                                   "WHERE t.job_id=? ORDER BY t.started DESC, t.number DESC "
                                   "LIMIT 1";
    sql::Stmt& q = Cached(sql.c_str());
    q.Bind(1, job_id);
    Status st;
    std::optional<std::pair<std::string, TrialRecord>> out;
    if (q.Step(&st)) out.emplace(q.Text(10), ReadTrial(q));
    q.Reset();
    if (!st.ok()) return st;
    return out;
  }

  Status RenameStudy(int64_t study_id, const std::string& name) override {
    auto found = FindStudy(name);
    if (!found.ok()) return found.status();
    if (*found) return Status::Invalid("study '" + name + "' already exists");
    sql::Stmt& q = Cached("UPDATE studies SET name=? WHERE id=?");
    q.Bind(1, name).Bind(2, study_id);
    return q.Run();
  }

  Status SetStudyOrigin(int64_t study_id, const std::string& origin) override {
    sql::Stmt& q = Cached("UPDATE studies SET origin=? WHERE id=?");
    q.Bind(1, origin).Bind(2, study_id);
    return q.Run();
  }

  Result<std::vector<TrialRecord>> Trials(int64_t study_id, int64_t from) override {
    static const std::string sql = std::string("SELECT ") + kTrialCols +
                                   " FROM trials WHERE study_id=? AND number>=? ORDER BY number";
    sql::Stmt& q = Cached(sql.c_str());
    q.Bind(1, study_id).Bind(2, from);
    return Collect(q);
  }

  Result<std::optional<TrialRecord>> FindTrial(int64_t study_id, int64_t number) override {
    static const std::string sql =
        std::string("SELECT ") + kTrialCols + " FROM trials WHERE study_id=? AND number=?";
    sql::Stmt& q = Cached(sql.c_str());
    q.Bind(1, study_id).Bind(2, number);
    return First(q);
  }

  Result<int64_t> NextNumber(int64_t study_id) override {
    sql::Stmt& q = Cached("SELECT coalesce(max(number) + 1, 0) FROM trials WHERE study_id=?");
    q.Bind(1, study_id);
    Status st;
    int64_t n = q.Step(&st) ? q.Int(0) : 0;
    q.Reset();
    if (!st.ok()) return st;
    return n;
  }

  Status InsertTrial(int64_t study_id, const TrialRecord& t) override {
    sql::Stmt& ins = Cached(
        "INSERT INTO trials(study_id, number, params, state, value, intermediate, rungs, "
        "job_id, attempt_id, started, ended) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    ins.Bind(1, study_id).Bind(2, t.number);
    BindTrial(ins, t, 3);
    Status st = ins.Run();
    if (!st.ok() && st.message().find("UNIQUE") != std::string::npos)
      return Status::Invalid("trial " + std::to_string(t.number) + " already exists");
    return st;
  }

  Status UpdateTrial(int64_t study_id, const TrialRecord& t) override {
    sql::Stmt& up = Cached(
        "UPDATE trials SET params=?, state=?, value=?, intermediate=?, rungs=?, job_id=?, "
        "attempt_id=?, started=?, ended=? WHERE study_id=? AND number=?");
    BindTrial(up, t, 1);
    up.Bind(10, study_id).Bind(11, t.number);
    DROVER_RETURN_IF_ERROR(up.Run());
    if (sqlite3_changes(db_.get()) != 1)
      return Status::NotFound("no trial " + std::to_string(t.number));
    return Status::Ok();
  }

  Result<std::optional<TrialRecord>> RunningTrialOfJob(int64_t study_id,
                                                       int64_t job_id) override {
    static const std::string sql = std::string("SELECT ") + kTrialCols +
                                   " FROM trials WHERE study_id=? AND job_id=? AND "
                                   "state='running' ORDER BY number DESC LIMIT 1";
    sql::Stmt& q = Cached(sql.c_str());
    q.Bind(1, study_id).Bind(2, job_id);
    return First(q);
  }

 private:
  static void BindTrial(sql::Stmt& s, const TrialRecord& t, int at) {
    s.Bind(at, t.params_json).Bind(at + 1, t.state);
    if (t.value) s.Bind(at + 2, *t.value); else s.BindNull(at + 2);
    s.Bind(at + 3, t.intermediate_json).Bind(at + 4, t.rungs_json);
    if (t.job_id) s.Bind(at + 5, t.job_id); else s.BindNull(at + 5);
    if (t.attempt_id) s.Bind(at + 6, t.attempt_id); else s.BindNull(at + 6);
    s.Bind(at + 7, t.started);
    if (t.ended > 0) s.Bind(at + 8, t.ended); else s.BindNull(at + 8);
  }

  static Result<std::vector<TrialRecord>> Collect(sql::Stmt& q) {
    Status st;
    std::vector<TrialRecord> out;
    while (q.Step(&st)) out.push_back(ReadTrial(q));
    q.Reset();
    if (!st.ok()) return st;
    return out;
  }

  static Result<std::optional<TrialRecord>> First(sql::Stmt& q) {
    Status st;
    std::optional<TrialRecord> out;
    if (q.Step(&st)) out = ReadTrial(q);
    q.Reset();
    if (!st.ok()) return st;
    return out;
  }

  sql::Stmt& Cached(const char* sql) {
    auto& slot = cache_[sql];
    if (!slot) slot = std::make_unique<sql::Stmt>(db_, sql);
    slot->Reset();
    return *slot;
  }

  const sql::Db& db_;
  std::unordered_map<const char*, std::unique_ptr<sql::Stmt>> cache_;
};

}  // namespace

std::unique_ptr<StudyStore> NewSqliteStudyStore(const sql::Db& db) {
  return std::make_unique<SqliteStudyStore>(db);
}

}  // namespace drover
