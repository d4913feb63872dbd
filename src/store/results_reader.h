// Read-only queries for results exports (`drover export`): every job of the store with
// each of its attempts, in one query. It opens a read-only connection of its own on
// .drover/drover.db, so it never writes and never waits for the engine's transactions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace drover {

// One job with one of its attempts (or none), as exports need it.
struct JobAttempt {
  std::string workflow;                  // the workflow's name
  JobRow job;                            // rec.command is left empty
  std::optional<AttemptRecord> attempt;  // none: the job never started
  int64_t run = 0;  // the run during which the attempt started (the job's latest run
                    // when it has no attempt; 0 when no run of its workflow started before)
};

// Which jobs to read: empty strings and 0 mean "any".
struct JobAttemptQuery {
  std::string workflow;
  std::string step;
  int64_t run = 0;  // jobs that this run planned (the latest run to plan each job)
};

// Every job matching `q` with each of its attempts (a job without attempts once), ordered
// by job id, then attempt number. Errors: no store under `root`, a store newer than this
// drover (its tables unknown), SQLite errors.
Result<std::vector<JobAttempt>> ReadJobAttempts(const std::string& root,
                                                const JobAttemptQuery& q);

}  // namespace drover
