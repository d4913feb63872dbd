// ApiReader: read-only queries over jobs, attempts, metrics and artifacts for the API.
#include "store/api_reader.h"

#include <fmt/format.h>

#include "store/attempt_row.h"
#include "store/sqlite.h"
#include "util/fs.h"

namespace drover {
namespace {

// The columns of a job row (0-9), then its latest attempt's (10-24, NULL when none).
const char kJobSelect[] =
    "SELECT w.name, j.id, j.key, j.step, j.name, j.params, j.dir, j.state, j.run_id, "
    "(SELECT count(*) FROM attempts c WHERE c.job_id=j.id), "
    "a.id, a.job_id, a.number, a.executor, a.handle, a.state, a.exit_code, a.signal, "
    "a.started, a.ended, a.user_s, a.sys_s, a.max_rss_kb, a.host, a.reason "
    "FROM jobs j JOIN workflows w ON w.id=j.workflow_id "
    "LEFT JOIN attempts a ON a.id=(SELECT max(l.id) FROM attempts l WHERE l.job_id=j.id) ";

JobSummary ReadSummary(const sql::Stmt& s) {
  JobSummary r;
  r.workflow = s.Text(0);
  r.job.id = s.Int(1);
  r.job.rec = {s.Text(2), s.Text(3), s.Text(4), s.Text(5), "", s.Text(6)};
  r.job.state = ParseJobState(s.Text(7)).value_or(JobState::kPending);
  r.job.run_id = s.Int(8);
  r.job.attempts = static_cast<int>(s.Int(9));
  if (!s.IsNull(10)) r.attempt = ReadAttemptRow(s, 10);
  return r;
}

// The WHERE clause of a job filter, with only the conditions it sets (so that SQLite can
// use the jobs' indexes), and the values of its parameters in order.
std::string FilterSql(const JobFilter& f, std::vector<std::string>* binds) {
  std::vector<std::string> conds;
  auto add = [&](const char* cond, std::string value) {
    conds.push_back(cond);
    binds->push_back(std::move(value));
  };
  if (!f.workflow.empty()) add("j.workflow_id=(SELECT id FROM workflows WHERE name=?)", f.workflow);
  if (!f.step.empty()) add("j.step=?", f.step);
  if (!f.state.empty()) add("j.state=?", f.state);
  if (f.run > 0) add("j.run_id=?", std::to_string(f.run));  // compared as an integer
  for (const auto& [axis, value] : f.axes) {
    binds->push_back("$.\"" + axis + "\"");
    add("CAST(json_extract(j.params, ?) AS TEXT)=?", value);
  }
  std::string w;
  for (const std::string& c : conds) w += (w.empty() ? "WHERE " : " AND ") + c;
  return w;
}

void BindAll(sql::Stmt& s, const std::vector<std::string>& binds) {
  for (size_t i = 0; i < binds.size(); ++i) s.Bind(static_cast<int>(i + 1), binds[i]);
}

}  // namespace

ApiReader::ApiReader(std::unique_ptr<sql::Db> db) : db_(std::move(db)) {}
ApiReader::~ApiReader() = default;

Result<std::unique_ptr<ApiReader>> ApiReader::Open(const std::string& root) {
  const std::string path = root + "/.drover/drover.db";
  if (!PathExists(path)) return Status::NotFound("no drover store at " + path);
  auto db = std::make_unique<sql::Db>();
  DROVER_RETURN_IF_ERROR(db->Open(path, sql::OpenMode::kReadOnly));
  DROVER_RETURN_IF_ERROR(db->Exec("PRAGMA busy_timeout=5000"));
  return std::unique_ptr<ApiReader>(new ApiReader(std::move(db)));
}

Result<std::vector<RunRecord>> ApiReader::Runs(const std::string& workflow, int64_t limit) {
  sql::Stmt s(*db_,
              "SELECT r.id, w.name, r.started, coalesce(r.ended,0), r.state, "
              "coalesce(r.summary,'') FROM runs r JOIN workflows w ON w.id=r.workflow_id "
              "WHERE ?1='' OR w.name=?1 ORDER BY r.id DESC LIMIT ?2");
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, workflow).Bind(2, limit);
  std::vector<RunRecord> out;
  Status st;
  while (s.Step(&st))
    out.push_back(RunRecord{s.Int(0), s.Text(1), s.Double(2), s.Double(3), s.Text(4), s.Text(5)});
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<std::pair<std::string, std::map<std::string, int64_t>>>> ApiReader::Counts(
    int64_t run_id) {
  sql::Stmt s(*db_,
              "SELECT step, state, count(*), min(id) FROM jobs WHERE run_id=? "
              "GROUP BY step, state ORDER BY min(id)");
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, run_id);
  std::vector<std::pair<std::string, std::map<std::string, int64_t>>> out;
  std::map<std::string, size_t> at;
  Status st;
  while (s.Step(&st)) {
    const std::string step = s.Text(0);
    auto [it, added] = at.emplace(step, out.size());
    if (added) out.push_back({step, {}});
    out[it->second].second[s.Text(1)] = s.Int(2);
  }
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<JobSummary>> ApiReader::Jobs(const JobFilter& f, int64_t* total) {
  std::vector<std::string> binds;
  const std::string where = FilterSql(f, &binds);
  {
    const std::string q = "SELECT count(*) FROM jobs j " + where;
    sql::Stmt s(*db_, q.c_str());
    DROVER_RETURN_IF_ERROR(s.status());
    BindAll(s, binds);
    Status st;
    *total = s.Step(&st) ? s.Int(0) : 0;
    DROVER_RETURN_IF_ERROR(st);
  }
  // The page's ids first (an index-only walk), then their rows.
  std::string ids;
  {
    const std::string q = "SELECT j.id FROM jobs j " + where + " ORDER BY j.id LIMIT ? OFFSET ?";
    sql::Stmt s(*db_, q.c_str());
    DROVER_RETURN_IF_ERROR(s.status());
    BindAll(s, binds);
    const int n = static_cast<int>(binds.size());
    s.Bind(n + 1, f.limit).Bind(n + 2, f.offset);
    Status st;
    while (s.Step(&st)) ids += (ids.empty() ? "" : ",") + std::to_string(s.Int(0));
    DROVER_RETURN_IF_ERROR(st);
  }
  std::vector<JobSummary> out;
  if (ids.empty()) return out;
  const std::string q = std::string(kJobSelect) + "WHERE j.id IN (" + ids + ") ORDER BY j.id";
  sql::Stmt s(*db_, q.c_str());
  DROVER_RETURN_IF_ERROR(s.status());
  Status st;
  while (s.Step(&st)) out.push_back(ReadSummary(s));
  DROVER_RETURN_IF_ERROR(st);
  DROVER_RETURN_IF_ERROR(FillSummaries(&out));
  return out;
}

Result<std::string> ApiReader::Command(int64_t job_id) {
  sql::Stmt s(*db_, "SELECT command FROM jobs WHERE id=?");
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, job_id);
  Status st;
  std::string out = s.Step(&st) ? s.Text(0) : "";
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

Result<std::vector<TokenRecord>> ApiReader::Tokens() {
  return ReadTokens(*db_);
}

Result<JobSummary> ApiReader::JobByKey(const std::string& key) {
  // A range over the key index: [key, key + "~") holds every key it prefixes ('~' sorts
  // after every hex digit); a prefix under 6 digits matches itself only.
  const std::string q = std::string(kJobSelect) +
                        "WHERE j.key>=?1 AND j.key<?2 ORDER BY (j.key=?1) DESC LIMIT 2";
  sql::Stmt s(*db_, q.c_str());
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, key).Bind(2, key + (key.size() >= 6 ? "~" : std::string(1, '\0')));
  std::vector<JobSummary> rows;
  Status st;
  while (s.Step(&st)) rows.push_back(ReadSummary(s));
  DROVER_RETURN_IF_ERROR(st);
  if (rows.empty()) return Status::NotFound("no job has key '" + key + "'");
  if (rows.size() > 1 && rows[0].job.rec.key != key)
    return Status::Invalid("key prefix '" + key + "' names more than one job: give more digits");
  rows.resize(1);
  DROVER_RETURN_IF_ERROR(FillSummaries(&rows));
  return std::move(rows[0]);
}

// Each job's metrics' last values (the store keeps one attempt's metrics per job) and
// its outputs, two queries for the whole page.
Status ApiReader::FillSummaries(std::vector<JobSummary>* jobs) {
  if (jobs->empty()) return Status::Ok();
  std::string ids;
  std::map<int64_t, JobSummary*> by_id;
  for (JobSummary& j : *jobs) {
    ids += (ids.empty() ? "" : ",") + std::to_string(j.job.id);
    by_id[j.job.id] = &j;
  }
  const std::string mq =
      "SELECT job_id, name, value FROM metrics WHERE job_id IN (" + ids +
      ") ORDER BY job_id, seq";
  sql::Stmt m(*db_, mq.c_str());
  DROVER_RETURN_IF_ERROR(m.status());
  Status st;
  while (m.Step(&st)) {
    by_id[m.Int(0)]->metrics[m.Text(1)] = m.Double(2);  // a job keeps one attempt's
  }
  DROVER_RETURN_IF_ERROR(st);
  const std::string aq = "SELECT job_id, path FROM artifacts WHERE job_id IN (" + ids +
                         ") ORDER BY job_id, path";
  sql::Stmt a(*db_, aq.c_str());
  DROVER_RETURN_IF_ERROR(a.status());
  while (a.Step(&st)) by_id[a.Int(0)]->outputs.push_back(a.Text(1));
  return st;
}

}  // namespace drover
