// The SQLite HistoryStore: runs and key ingredients (schema migration 6).
#include "store/history.h"

#include "store/sqlite.h"

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
  const sql::Db& db_;
};

}  // namespace

std::unique_ptr<HistoryStore> NewSqliteHistoryStore(const sql::Db& db) {
  return std::make_unique<SqliteHistoryStore>(db);
}

}  // namespace drover
