// Job folders that the store has no record of, and rebuilding those records.
//
// Every job folder is made for an attempt whose row was committed first, so a healthy
// store knows the job of every folder under .drover/jobs. A store that lost its latest
// changes (its -wal file deleted or damaged after a crash) does not, and would run those
// jobs again. CheckJobFolders finds them before a run; RecoverJobs (`drover recover`)
// rebuilds their rows from the folders: each folder is named by its job's key, which the
// workflow's plan maps to the job (step, parameters, command, declared outputs), and
// holds how its attempts ended (status.json, attempts/N.status.json), its metrics
// (metrics.jsonl) and its outputs. A derived job's folder (a partial gather, or a job
// after one) is named by a key no plan makes; its derived.json names the planned job
// it derives from, the jobs it ran without and its command.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "plan/plan.h"
#include "store/store.h"
#include "util/status.h"

namespace drover {

// What CheckJobFolders found.
struct FolderCheck {
  int finished = 0;     // planned jobs the store does not know whose folder records success
  std::string example;  // the folder of one of them, relative to the store's root
};

// Cheap when the store is healthy: it counts the folders under .drover/jobs (names only)
// against the jobs the store has attempts of, and stops there unless there are more
// folders. Only then does it read the status.json of the planned jobs that the store
// does not know (or knows without any attempt). Reads only.
Result<FolderCheck> CheckJobFolders(const Plan& plan, Store* store);

// What RecoverJobs recorded.
struct RecoverSummary {
  int succeeded = 0;  // recorded as succeeded, outputs and metrics with them: reused next
  int failed = 0;     // recorded with how they ended (failed, an output missing, ...)
  int trials = 0;     // trial jobs of study steps, not recovered: a study's trials are
                      // recorded in the store alone, so these run again
};

// Records, in one transaction under the run that `start_run` starts (called only when
// there is something to record; it returns the run's id), each planned job whose folder holds a status.json and that the store does
// not know or knows without any attempt: the job, its attempts, and for the last one
// that succeeded its outputs (hashed) and metrics. A job whose declared output is
// missing is recorded as failed. Jobs the store knows with attempts are left alone.
Result<RecoverSummary> RecoverJobs(const Plan& plan, Store* store,
                                   const std::function<Result<int64_t>()>& start_run);

}  // namespace drover
