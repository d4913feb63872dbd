// The SQLite HistoryStore: runs, key ingredients (schema migration 6) and the plans of
// workflows' files as written (tables plans and plan_jobs).
#include "store/history.h"

#include "store/sqlite.h"
#include "util/clock.h"
#include "util/hash.h"

namespace drover {
namespace {

class SqliteHistoryStore : public HistoryStore {
 public:
  explicit SqliteHistoryStore(const sql::Db& db) : db_(db) {}

  Status RecordIngredients(const std::vector<std::pair<int64_t, std::string>>& jobs) override {
    if (jobs.empty()) return Status::Ok();
    sql::Stmt ins(db_, "INSERT OR IGNORE INTO key_ingredients(job_id, json) VALUES(?,?)");
    for (const auto& [id, json] : jobs) {
      ins.Bind(1, id).BindView(2, json);
      DROVER_RETURN_IF_ERROR(ins.Run());
    }
    return Status::Ok();
  }

  Result<std::string> Ingredients(int64_t job_id) override {
    sql::Stmt s(db_, "SELECT json FROM key_ingredients WHERE job_id=?");
    s.Bind(1, job_id);
    Status st;
    std::string out = s.Step(&st) ? s.Text(0) : "";
    DROVER_RETURN_IF_ERROR(st);
    return out;
  }

  Result<EarlierJob> LatestAttempted(const std::string& workflow,
                                     const std::string& name) override {
    // jobs_name finds the few keys a name has had; UNIQUE(job_id, number) their attempts.
    sql::Stmt s(db_,
                "SELECT j.id, j.key, j.state, coalesce(k.json,''), "
                "(SELECT max(a.id) FROM attempts a WHERE a.job_id=j.id) AS last "
                "FROM jobs j JOIN workflows w ON w.id=j.workflow_id "
                "LEFT JOIN key_ingredients k ON k.job_id=j.id "
                "WHERE j.name=? AND w.name=? AND last IS NOT NULL ORDER BY last DESC LIMIT 1");
    s.Bind(1, name).Bind(2, workflow);
    Status st;
    EarlierJob out;
    if (s.Step(&st)) {
      out.id = s.Int(0);
      out.key = s.Text(1);
      out.state = ParseJobState(s.Text(2)).value_or(JobState::kPending);
      out.ingredients = s.Text(3);
    }
    DROVER_RETURN_IF_ERROR(st);
    return out;
  }

  Result<std::vector<std::string>> AttemptedParams(const std::string& workflow,
                                                   const std::string& step) override {
    sql::Stmt s(db_,
                "SELECT DISTINCT j.params FROM jobs j JOIN workflows w ON w.id=j.workflow_id "
                "WHERE w.name=? AND j.step=? AND "
                "EXISTS (SELECT 1 FROM attempts a WHERE a.job_id=j.id)");
    s.Bind(1, workflow).Bind(2, step);
    Status st;
    std::vector<std::string> out;
    while (s.Step(&st)) out.push_back(s.Text(0));
    DROVER_RETURN_IF_ERROR(st);
    return out;
  }

  Status RecordPlan(const std::string& workflow, const std::vector<PlanJobRow>& jobs) override {
    sql::Stmt w(db_, "SELECT w.id, coalesce(p.digest,'') FROM workflows w "
                     "LEFT JOIN plans p ON p.workflow_id=w.id WHERE w.name=?");
    w.Bind(1, workflow);
    Status st;
    if (!w.Step(&st)) {
      DROVER_RETURN_IF_ERROR(st);
      return Status::NotFound("no workflow named '" + workflow + "' in the store");
    }
    const int64_t id = w.Int(0);
    const std::string digest = Digest(jobs);
    if (w.Text(1) == digest) return Status::Ok();
    DROVER_RETURN_IF_ERROR(sql::Stmt(db_, "DELETE FROM plan_jobs WHERE workflow_id=?").Bind(1, id).Run());
    sql::Stmt ins(db_, "INSERT INTO plan_jobs(workflow_id, seq, step, name, params, key) "
                       "VALUES(?,?,?,?,?,?)");
    for (size_t i = 0; i < jobs.size(); ++i) {
      const PlanJobRow& j = jobs[i];
      ins.Bind(1, id).Bind(2, static_cast<int64_t>(i)).BindView(3, j.step).BindView(4, j.name);
      ins.BindView(5, j.params_json).BindView(6, j.key);
      DROVER_RETURN_IF_ERROR(ins.Run());
    }
    sql::Stmt up(db_, "INSERT OR REPLACE INTO plans(workflow_id, digest, recorded) VALUES(?,?,?)");
    return up.Bind(1, id).Bind(2, digest).Bind(3, NowSeconds()).Run();
  }

  Result<std::optional<std::vector<PlanJobRow>>> RecordedPlan(const std::string& workflow,
                                                              const std::string& step) override {
    sql::Stmt has(db_, "SELECT 1 FROM plans p JOIN workflows w ON w.id=p.workflow_id "
                       "WHERE w.name=?");
    has.Bind(1, workflow);
    Status st;
    if (!has.Step(&st)) {
      DROVER_RETURN_IF_ERROR(st);
      return std::optional<std::vector<PlanJobRow>>();
    }
    sql::Stmt s(db_, "SELECT p.step, p.name, p.params, p.key FROM plan_jobs p "
                     "JOIN workflows w ON w.id=p.workflow_id "
                     "WHERE w.name=?1 AND (?2='' OR p.step=?2) ORDER BY p.seq");
    s.Bind(1, workflow).Bind(2, step);
    std::vector<PlanJobRow> out;
    while (s.Step(&st)) out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3)});
    DROVER_RETURN_IF_ERROR(st);
    return std::optional<std::vector<PlanJobRow>>(std::move(out));
  }

  Result<std::vector<RunRecord>> Runs(int limit) override {
    sql::Stmt s(db_,
                "SELECT * FROM (SELECT r.id, w.name, r.started, coalesce(r.ended,0), r.state, "
                "coalesce(r.summary,'') FROM runs r JOIN workflows w ON w.id=r.workflow_id "
                "ORDER BY r.id DESC LIMIT ?) ORDER BY 1");
    s.Bind(1, static_cast<int64_t>(limit));
    Status st;
    std::vector<RunRecord> out;
    while (s.Step(&st))
      out.push_back({s.Int(0), s.Text(1), s.Double(2), s.Double(3), s.Text(4), s.Text(5)});
    DROVER_RETURN_IF_ERROR(st);
    return out;
  }

 private:
  // What identifies a recorded plan: its rows, in order.
  static std::string Digest(const std::vector<PlanJobRow>& jobs) {
    Hasher h;
    h.Add(static_cast<int64_t>(jobs.size()));
    for (const PlanJobRow& j : jobs) h.Add(j.step).Add(j.name).Add(j.params_json).Add(j.key);
    return h.HexDigest();
  }

  const sql::Db& db_;
};

}  // namespace

std::unique_ptr<HistoryStore> NewSqliteHistoryStore(const sql::Db& db) {
  return std::make_unique<SqliteHistoryStore>(db);
}

}  // namespace drover
