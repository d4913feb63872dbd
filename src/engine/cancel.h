// Cancelling the latest run of a store, shared by `drover cancel` and drover serve's
// POST /api/v1/runs/{id}/cancel: stops the `drover run` working on the store (it cancels
// its own jobs, as on Ctrl-C), then cancels what the latest run still has recorded as
// running (jobs left by a drover that was killed): one scancel for the Slurm jobs, naming
// whole arrays, and SIGTERM for local job wrappers. Those attempts are then recorded as
// cancelled, in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "util/status.h"

namespace drover {

// What a cancel did.
struct CancelReport {
  int64_t run_id = 0;    // the run cancelled (the store's latest)
  int cancelled = 0;     // running attempts cancelled, by the stopped drover or here
  int slurm = 0;         // of which on Slurm (arrays scancelled count once each)
  int local = 0;         // of which local
};

// Cancels the latest run of the store under `root`; `say` gets progress lines (the
// drover being stopped, the scancel command). Errors: no store or no run (NotFound), a
// drover that does not stop within minutes (Busy), a failed scancel (nothing recorded),
// the store's.
Result<CancelReport> CancelLatestRun(const std::string& root,
                                     const std::function<void(const std::string&)>& say);

}  // namespace drover
