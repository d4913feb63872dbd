// Read-only queries for `drover serve`'s JSON API (server/): runs with their counts per
// step and state, pages of jobs with filters, and what a page of jobs shows beside each
// (latest attempt, metrics' last values, outputs). It opens a read-only connection of its
// own on .drover/drover.db, so it never writes and never waits for the engine's
// transactions; each query is its own read (no transaction is held between calls). Not
// thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"
#include "store/token_store.h"
#include "util/status.h"

namespace drover {

namespace sql {
class Db;
}

// Jobs' counts by step, then state name ("succeeded": 3).
using StepCounts = std::map<std::string, std::map<std::string, int64_t>>;

// Which jobs a page shows: empty strings and 0 mean "any".
struct JobFilter {
  std::string workflow;  // the workflow's name
  std::string step;
  std::string state;     // a JobStateName
  int64_t run = 0;       // jobs whose latest planning run is this one
  std::vector<std::pair<std::string, std::string>> axes;  // axis name, value (as stored)
  int64_t offset = 0;
  int64_t limit = 100;
};

// One job of a page, with what the jobs table shows beside it.
struct JobSummary {
  std::string workflow;
  JobRow job;                            // rec.command is left empty
  std::optional<AttemptRecord> attempt;  // its latest, if any
  std::map<std::string, double> metrics; // each metric's last value
  std::vector<std::string> outputs;      // paths relative to the store's root
};

class ApiReader {
 public:
  // Opens the store under `root` read-only. Errors: no store there, SQLite errors.
  static Result<std::unique_ptr<ApiReader>> Open(const std::string& root);
  ~ApiReader();

  // The `limit` latest runs (of every workflow, or of `workflow`), newest first.
  Result<std::vector<RunRecord>> Runs(const std::string& workflow, int64_t limit);
  // Counts by step and state of the jobs whose latest planning run is `run_id` (as
  // `drover status` counts them), steps in the order their first job was planned.
  Result<std::vector<std::pair<std::string, std::map<std::string, int64_t>>>> Counts(
      int64_t run_id);
  // A page of the jobs that match `f` (ordered by id) and how many match in all.
  Result<std::vector<JobSummary>> Jobs(const JobFilter& f, int64_t* total);
  // The job with this key (or a unique key prefix of 6+ hex digits), with its summary.
  // NotFound when no job has it.
  Result<JobSummary> JobByKey(const std::string& key);
  // The command of job `job_id` ("" when there is no such job).
  Result<std::string> Command(int64_t job_id);
  // The access tokens (store/token_store.h), on this reader's connection.
  Result<std::vector<TokenRecord>> Tokens();

 private:
  explicit ApiReader(std::unique_ptr<sql::Db> db);
  Status FillSummaries(std::vector<JobSummary>* jobs);
  std::unique_ptr<sql::Db> db_;
};

}  // namespace drover
