// The job wrapper's protocol: how drover-job (tools/drover_job.cc) is invoked, what it
// leaves in the job directory, its exit codes and signals, and the keys of the
// status.json it writes. Shared by the wrapper, which includes nothing else of drover
// (it is built without libc), and the executors.
//
// Every attempt runs under the job wrapper (tools/drover_job.cc) inside its job
// directory. The wrapper holds an exclusive flock on JOBDIR/command.sh while the attempt
// runs and, when the command ends, writes JOBDIR/status.json atomically (write to a
// temporary file, then rename). That file, not the executor's memory, is the record
// of how the attempt ended, so completions survive a crash of drover.
#pragma once

#include <csignal>

namespace drover {

// The wrapper's protocol, shared by tools/drover_job.cc and the executors.
//   drover-job JOBDIR WALLTIME_S GRACE_S    (WALLTIME_S 0: no walltime)
// The wrapper runs `/bin/sh command.sh` in JOBDIR, in a process group of its own (the
// job's group, distinct from the wrapper's), and exits with the command's exit code
// (128+N when signal N ended it).
namespace job_wrapper {
// The wrapper flocks JOBDIR/command.sh (opened read-write) while it runs, and appends
// its record of the attempt to it, so that what a killed wrapper left behind can be
// found (ReadWrapperRecord). Both are comment lines at the end of the script:
//   kRecordMarker "ATTEMPT group PGID" (ATTEMPT: DROVER_ATTEMPT, 0 if unset; PGID: the
//     job's process group, the command's pid), written by the command's process before
//     it runs command.sh, so every command that ran has its record;
//   kProblemMarker "PGID why", only when status.json could not be written (e.g. "4242
//     cannot write status.json: no space left on device (errno 28)").
// drover rewrites command.sh in place (same file, so the lock stays one) before each
// attempt, which clears an earlier attempt's record.
// The command's shell is also killed (PR_SET_PDEATHSIG) when its wrapper dies.
inline constexpr char kRecordMarker[] = "# drover-job: attempt ";
inline constexpr char kProblemMarker[] = "# drover-job: problem ";
inline constexpr char kStatusFile[] = "status.json";   // written (renamed) at the end
inline constexpr char kStatusTmpFile[] = ".status.json.tmp";
inline constexpr char kCommandFile[] = "command.sh";
// Exit code when the wrapper could not prepare the attempt (enter JOBDIR, lock, fork)
// or could not write status.json after the command ran (then the record's problem
// line says why).
inline constexpr int kExitIoError = 74;  // EX_IOERR
// Exit code when another wrapper holds command.sh's lock; nothing was touched then.
inline constexpr int kExitLockHeld = 75;
// command.sh names the attempt it was written for on its second line, as
// kAttemptMarker followed by the number. The wrapper's own attempt is DROVER_ATTEMPT
// in its environment, which the executor takes from the submission itself (local: the
// request's environment; Slurm: the array's manifest line, set after slurm-env.sh is
// sourced), never from a file a later attempt rewrites. A wrapper whose attempt differs
// from command.sh's, or whose JOBDIR/status.json already records its attempt or a
// later one (`"attempt":N`, N >= its own), exits with kExitStaleAttempt at once (under
// the lock), running nothing and writing nothing: a Slurm job submitted by a drover
// that died before recording its id, starting after a later attempt took over, or an
// attempt that already ran (a requeued or duplicated task). Without DROVER_ATTEMPT
// neither check is made.
inline constexpr char kAttemptMarker[] = "# drover attempt ";
inline constexpr int kExitStaleAttempt = 76;
// Sent to the wrapper: SIGTERM (also SIGINT, SIGHUP) stops the job gracefully (SIGTERM
// to the job's group, SIGKILL after the grace period); kKillSignal SIGKILLs the job's
// group at once. Either way the wrapper still writes status.json with cancelled=true.
inline constexpr int kStopSignal = SIGTERM;
inline constexpr int kKillSignal = SIGUSR1;
}  // namespace job_wrapper

// The keys of status.json, one JSON object; FormatStatus and the wrapper (which writes
// it by hand, without a JSON library) both write them, ReadStatusFile reads them.
namespace status_key {
inline constexpr char kExitCode[] = "exit_code";        // int; required
inline constexpr char kSignal[] = "signal";             // int
inline constexpr char kWalltimeExceeded[] = "walltime_exceeded";  // bool
inline constexpr char kCancelled[] = "cancelled";       // bool
inline constexpr char kStarted[] = "started";           // unix seconds, fractional
inline constexpr char kEnded[] = "ended";
inline constexpr char kUserS[] = "user_s";              // seconds
inline constexpr char kSysS[] = "sys_s";
inline constexpr char kMaxRssKb[] = "max_rss_kb";       // int
inline constexpr char kHost[] = "host";                 // string
inline constexpr char kAttempt[] = "attempt";           // int: DROVER_ATTEMPT, when set
}  // namespace status_key

}  // namespace drover
