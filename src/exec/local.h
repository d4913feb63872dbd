// The local executor: attempts run as processes on this machine, each under the job
// wrapper.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "exec/executor.h"

namespace drover {

// True when `pid` is a process whose working directory is `job_dir`: the job wrapper
// of that job (it chdirs into its job directory), not a stranger that reuses its pid.
// For signalling a wrapper whose pid an earlier drover recorded.
bool IsWrapperOf(pid_t pid, const std::string& job_dir);

// Runs attempts as processes on this machine. `wrapper_path` is the drover-job
// binary. Blocks SIGCHLD for the calling thread (signals are taken inside Wait).
// Reaps only its own wrappers (other children of the process are left alone, at the
// cost of a slower reaping pass while one of them is an unreaped zombie). Cancel
// sends SIGTERM to the wrapper, KillAll job_wrapper::kKillSignal; the wrapper signals
// the job's process group, and still writes status.json. Adopted attempts are
// watched through command.sh's lock every 100 ms. Destroying the executor leaves running
// attempts running (a later drover adopts them).
std::unique_ptr<Executor> NewLocalExecutor(const std::string& wrapper_path);

}  // namespace drover
