// What a job wrapper that died without writing status.json (killed by the OOM killer
// or an admin, or unable to write) leaves behind: its record at the end of
// JOBDIR/command.sh (see job_wrapper::kRecordMarker in exec/job_protocol.h) and, possibly,
// processes of the job's
// process group still running in the job folder. drover kills those before the
// attempt is retried in the same folder, so a ghost cannot overwrite the retry's
// outputs after they were hashed.
#pragma once

#include <sys/types.h>

#include <string>

#include "util/status.h"

namespace drover {

// The wrapper's record of the last attempt it started in a job folder.
struct WrapperRecord {
  int attempt = 0;       // DROVER_ATTEMPT of that attempt; 0 when it was not set
  pid_t pgid = 0;        // the job's process group (the command's pid)
  std::string problem;   // why status.json could not be written; empty when not known
};

// Reads the wrapper's record from JOBDIR/command.sh. False when there is none (no
// wrapper started a command of the attempt command.sh was last written for).
bool ReadWrapperRecord(const std::string& job_dir, WrapperRecord* out);

// True while some job wrapper holds JOBDIR/command.sh's lock (an attempt runs there).
// Probing takes the lock for an instant. The probe opens the file for writing as the
// wrapper does: on NFS, flock is a POSIX lock underneath, and an exclusive one on a
// read-only descriptor fails (EBADF), which would read as "not held" and have a running
// job taken for lost.
bool JobLockHeld(const std::string& job_dir);

// `script` (command.sh's text) without the record lines the wrapper appended to it:
// what drover wrote.
std::string WithoutWrapperRecord(std::string script);

// Kills what is left of process group `pgid` if it is still the job's: only when at
// least one of its live members works in `job_dir` (its cwd is the folder or below)
// or has DROVER_JOB_DIR=job_dir in its environment, so a group id that a stranger
// reuses is never signalled. SIGKILLs the group until no live (non-zombie) member is
// left, for at most timeout_ms. Returns how many live members there were (0: nothing
// to kill, or not the job's), or an error when some were still alive at the timeout.
Result<int> KillJobGroup(const std::string& job_dir, pid_t pgid, int timeout_ms);

}  // namespace drover
