// ReadJobAttempts: one read-only query over jobs, attempts, workflows and runs.
#include "store/results_reader.h"

#include "store/attempt_row.h"
#include "store/sqlite.h"
#include "util/fs.h"

namespace drover {
namespace {

// Columns 0-14 are an attempt's (store/attempt_row.h).
const std::string& Query() {
  static const std::string q =
      "SELECT " + AttemptColumns("a.") + ", "
      "w.name, j.key, j.step, j.name, j.params, j.dir, j.state, j.run_id, "
      "(SELECT count(*) FROM attempts a3 WHERE a3.job_id=j.id), "
      "CASE WHEN a.id IS NULL OR coalesce(a.started,0)=0 THEN j.run_id ELSE "
      "coalesce((SELECT max(r.id) FROM runs r WHERE r.workflow_id=j.workflow_id "
      "AND r.started<=a.started), 0) END, j.id "
      "FROM jobs j JOIN workflows w ON w.id=j.workflow_id "
      "LEFT JOIN attempts a ON a.job_id=j.id "
      "WHERE (?1='' OR w.name=?1) AND (?2='' OR j.step=?2) AND (?3=0 OR j.run_id=?3) "
      "ORDER BY j.id, a.number";
  return q;
}

JobAttempt ReadRow(const sql::Stmt& s) {
  JobAttempt r;
  if (!s.IsNull(0)) r.attempt = ReadAttemptRow(s);
  r.workflow = s.Text(15);
  r.job.id = s.Int(25);  // a.job_id (column 1) is NULL when the job has no attempt
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
  sql::Stmt s(db, Query().c_str());
  DROVER_RETURN_IF_ERROR(s.status());
  s.Bind(1, q.workflow).Bind(2, q.step).Bind(3, q.run);
  std::vector<JobAttempt> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadRow(s));
  DROVER_RETURN_IF_ERROR(st);
  return out;
}

}  // namespace drover
