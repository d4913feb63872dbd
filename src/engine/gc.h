// `drover gc`: removes the job folders that no plan of the store reaches any more, and
// the Slurm batch scripts and logs of arrays that have ended.
//
// A job (a row of the store: one key) is *reached*, and its folder kept, when any of:
//   - it is the latest job of its workflow, step and axis values (its name): of the
//     jobs with that name, the one the most recent run planned (then the highest id);
//     this is what `drover run` of that workflow would plan again if nothing changed;
//   - it is the latest *succeeded* job of its name (the newest good result, when the
//     newest key failed or never ran);
//   - an HPO study's trial names it (a study's history keeps its trials' folders);
//   - it may be running: its state or one of its attempts is `running`, or a job
//     wrapper holds its command.sh's lock.
// Every other job's folder is removed; its records (attempts, metrics, outputs) stay in
// the store, and a later run that plans that key again finds its outputs gone and runs
// it anew. Folders the store does not know (a store that lost records; see
// engine/recover.h) are never touched.
//
// Slurm (STORE/.drover/slurm): an array that ended leaves ARRAY.sh and ARRAY.log there
// (exec/slurm.h). Those of arrays with no running attempt in the store are removed;
// the files of submissions still in flight (BASE.jobs, BASE.sh, BASE.id) are the next
// run's to sweep and are never touched.
//
// The caller holds the store's run lock (no run is using the store).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace drover {

struct GcOptions {
  bool dry_run = false;  // count what would go; remove nothing
};

// What gc removed (or, with dry_run, would remove). Bytes are disk usage (blocks).
struct GcSummary {
  int64_t folders = 0;        // job folders removed
  int64_t folder_bytes = 0;
  int64_t kept = 0;           // job folders kept (reached, and present)
  int64_t slurm_files = 0;    // ARRAY.sh / ARRAY.log removed
  int64_t slurm_bytes = 0;
  std::vector<std::string> errors;  // folders or files that could not be removed, and why
};

// Which of `jobs` are reached (see above), by index. `running_jobs` are the job ids
// with an attempt the store marks running. Pure: touches no file.
std::vector<bool> ReachedJobs(const std::vector<JobFolderRow>& jobs,
                              const std::vector<int64_t>& running_jobs);

// Removes (or counts) the unreached job folders and the ended arrays' Slurm files of
// the store. An error only when the store cannot be read; a folder that cannot be
// removed is listed in GcSummary::errors.
Result<GcSummary> CollectGarbage(Store* store, const GcOptions& opts);

}  // namespace drover
