// ReadJobAttempts: one read-only query over jobs, attempts, workflows and runs.
#include "store/results_reader.h"

#include "store/sqlite.h"
#include "util/fs.h"

namespace drover {
namespace {

// Columns 0-14 are an attempt's, as SqliteStore reads them.
const char kQuery[] =
    "SELECT a.id, j.id, a.number, a.executor, a.handle, a.state, a.exit_code, a.signal, "
    "a.started, a.ended, a.user_s, a.sys_s, a.max_rss_kb, a.host, a.reason, "
    "w.name, j.key, j.step, j.name, j.params, j.dir, j.state, j.run_id, "
    "(SELECT count(*) FROM attempts a3 WHERE a3.job_id=j.id), "
    "CASE WHEN a.id IS NULL OR coalesce(a.started,0)=0 THEN j.run_id ELSE "
    "coalesce((SELECT max(r.id) FROM runs r WHERE r.workflow_id=j.workflow_id "
    "AND r.started<=a.started), 0) END "
    "FROM jobs j JOIN workflows w ON w.id=j.workflow_id "
    "LEFT JOIN attempts a ON a.job_id=j.id "
    "WHERE (?1='' OR w.name=?1) AND (?2='' OR j.step=?2) AND (?3=0 OR j.run_id=?3) "
    "ORDER BY j.id, a.number";

AttemptRecord ReadAttempt(const sql::Stmt& s) {
  AttemptRecord a;
  a.id = s.Int(0);
  a.job_id = s.Int(1);
  a.number = static_cast<int>(s.Int(2));
  a.executor = s.Text(3);
  a.handle = s.Text(4);
  a.state = ParseAttemptState(s.Text(5)).value_or(AttemptState::kLost);
  a.exit_code = s.IsNull(6) ? -1 : static_cast<int>(s.Int(6));
  a.term_signal = static_cast<int>(s.Int(7));
  a.started = s.Double(8);
  a.ended = s.Double(9);
  a.user_s = s.Double(10);
  a.sys_s = s.Double(11);
  a.max_rss_kb = s.Int(12);
  a.host = s.Text(13);
  a.reason = s.Text(14);
  return a;
}

JobAttempt ReadRow(const sql::Stmt& s) {
  JobAttempt r;
  if (!s.IsNull(0)) r.attempt = ReadAttempt(s);
  r.workflow = s.Text(15);
  r.job.id = s.Int(1);
  r.job.rec = {s.Text(16), s.Text(17), s.Text(18), s.Text(19), "", s.Text(20)};
  r.job.state = ParseJobState(s.Text(21)).value_or(JobState::kPending);
  r.job.run_id = s.Int(22);
  r.job.attempts = static_cast<int>(s.Int(23));
  r.run = s.Int(24);
  return r;
}

}  // namespace

Result<std::vector<JobAttempt>> ReadJobAttempts(const std::string& root,
                                                const JobAttemptQuery& q) {
  const std::string path = root + "/.drover/drover.db";
  if (!PathExists(path)) return Status::NotFound("no drover store at " + path);
  sql::Db db;
  DROVER_RETURN_IF_ERROR(db.Open(path, sql::OpenMode::kReadOnly));
  sql::Stmt s(db, kQuery);
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, q.workflow).Bind(2, q.step).Bind(3, q.run);
  std::vector<JobAttempt> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadRow(s));
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace drover
