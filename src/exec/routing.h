// The routing executor: one Executor in front of several (local and Slurm in the same
// workflow).
#pragma once

#include <memory>
#include <vector>

#include "exec/executor.h"

namespace drover {

// Sends each attempt to the executor its request names (LaunchRequest::executor; the
// names are the executors' name()). Handles of every executor but `local` are
// recorded as "NAME:HANDLE", so Adopt finds the executor again after a restart; bare
// handles are local's. Wait waits on all of them.
std::unique_ptr<Executor> NewRoutingExecutor(std::vector<std::unique_ptr<Executor>> executors);

}  // namespace drover
