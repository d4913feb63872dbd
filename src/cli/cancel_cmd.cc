// `drover cancel`: stops the `drover run` working on this store (it cancels its own
// jobs, as on Ctrl-C), then cancels what the latest run still has recorded as
// running (jobs left by a drover that was killed): one scancel for the Slurm jobs,
// naming whole arrays, and SIGTERM for local job wrappers. Those attempts are then
// recorded as cancelled (engine/cancel.h, which drover serve's cancel shares).
#include <cstdio>

#include "cli/commands.h"
#include "engine/cancel.h"

namespace drover::cli {

int CancelCmd(const GlobalOptions& g) {
  auto r = CancelLatestRun(StoreRoot(g), [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  });
  if (!r.ok()) return Fail(r.status());
  std::printf("drover: cancelled %d running attempts (%d on Slurm, %d local)\n", r->cancelled,
              r->slurm, r->local);
  return 0;
}

}  // namespace drover::cli
