// The executor interface: where attempts run. The engine (one thread) calls these;
// implementations are not thread-safe. `local` runs processes on this machine; later
// executors (Slurm, pilot workers) plug in behind the same calls, so nothing here
// assumes that an attempt is a child of this process.
//
// Every attempt runs under the job wrapper (tools/drover_job.cc) inside its job
// directory. The wrapper holds an exclusive flock on JOBDIR/command.sh while the attempt
// runs and, when the command ends, writes JOBDIR/status.json atomically (write to a
// temporary file, then rename). That file, not the executor's memory, is the record
// of how the attempt ended, so completions survive a crash of drover.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "spec/workflow.h"
#include "util/status.h"

namespace drover {

// One attempt to start. The job directory exists and holds `command.sh`.
struct LaunchRequest {
  int64_t attempt_id = 0;         // the engine's token; reported back in Completion
  std::string job_dir;            // absolute
  std::vector<std::string> env;   // "NAME=value", added to drover's own environment
  Resources resources;            // for executors that allocate (Slurm); local ignores
  double walltime_s = 0;          // 0: none. Then SIGTERM, grace_s, SIGKILL.
  double grace_s = 10;
  std::string executor = "local"; // which executor runs it (see NewRoutingExecutor)
  std::string step;               // the step's name (Slurm: the job's name)
  SlurmSettings slurm;            // for the Slurm executor
};

// What the wrapper recorded in status.json when the command ended.
struct JobStatus {
  int exit_code = -1;             // the command's exit code; -1 when killed by a signal
  int term_signal = 0;            // the signal that ended it, 0 if it exited
  bool walltime_exceeded = false; // the wrapper stopped it at its walltime
  bool cancelled = false;         // the wrapper stopped it because it was asked to
  double started = 0;             // unix time, seconds
  double ended = 0;
  double user_s = 0;
  double sys_s = 0;
  int64_t max_rss_kb = 0;
  std::string host;
  int attempt = 0;                // DROVER_ATTEMPT of the run it records; 0: not known
};

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

// Parses status.json. Missing file: NotFound. Truncated or malformed: Corrupt, with
// a message that names the file. Every key but exit_code may be absent (the default
// of JobStatus then); unknown keys are ignored. Never throws.
Result<JobStatus> ReadStatusFile(const std::string& path);
// Serialises in the format ReadStatusFile reads (used by the wrapper and tests).
std::string FormatStatus(const JobStatus& s);

// How an attempt ended, as the executor learned it.
struct Completion {
  int64_t attempt_id = 0;
  bool has_status = false;        // status.json was read
  JobStatus status;               // valid when has_status
  std::string error;              // when !has_status: why ("lost: ...", "corrupt ...")
};

// Fills *c from JOBDIR/status.json: its status, or the message saying why it is
// corrupt. False when there is no such file yet.
bool ReadStatusInto(const std::string& job_dir, Completion* c);

enum class AdoptResult {
  kRunning,    // still running; its completion will come from Wait()
  kFinished,   // ended while drover was away; *done is filled
  kGone,       // not running and left no status: the attempt is lost
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;

  // Starts an attempt; fills *handle (local: the wrapper's pid) for the engine to
  // record so that a later drover can adopt it. An error fails this attempt only.
  // Expects no JOBDIR/status.json: the engine removes an earlier attempt's before
  // submitting, since its presence is how an attempt's end is recognised.
  virtual Status Submit(const LaunchRequest& req, std::string* handle) = 0;

  // Starts several attempts at once (Slurm: one job array per step and resources).
  // Returns one Status per request and fills (*handles)[i] for each that started;
  // a failure fails that attempt only. The default calls Submit for each.
  virtual std::vector<Status> SubmitMany(const std::vector<LaunchRequest>& reqs,
                                         std::vector<std::string>* handles) {
    std::vector<Status> out;
    handles->assign(reqs.size(), "");
    for (size_t i = 0; i < reqs.size(); ++i) out.push_back(Submit(reqs[i], &(*handles)[i]));
    return out;
  }

  // Re-attaches to an attempt started by an earlier drover process.
  virtual AdoptResult Adopt(int64_t attempt_id, const std::string& job_dir,
                            const std::string& handle, Completion* done) = 0;

  // Waits up to timeout_ms (< 0: no limit, 0: just look) for completions and appends
  // them to *out. Returns early when something completed or a signal (SIGINT,
  // SIGTERM, SIGHUP) arrived; see util/signals.h for how the engine learns about the
  // latter.
  virtual void Wait(int timeout_ms, std::vector<Completion>* out) = 0;

  // Asks one attempt to stop (SIGTERM to its process group, SIGKILL after its grace
  // period, done by the wrapper). Its completion still arrives through Wait().
  virtual void Cancel(int64_t attempt_id) = 0;
  // Kills every attempt's process group at once with SIGKILL (second Ctrl-C). Does
  // not wait; the completions (local: cancelled) still arrive through Wait().
  virtual void KillAll() = 0;

  // Called once per run, before any Adopt, with the handles the store recorded for
  // the attempts it considers running (as Adopt receives them). Cancels whatever an
  // earlier drover started for this store that no recorded handle names (Slurm: an
  // array whose sbatch was accepted after that drover died, or before it recorded the
  // ids), so that no attempt runs that nobody owns. Default: nothing to do.
  virtual void CancelUnrecorded(const std::vector<std::string>& recorded) { (void)recorded; }

  // Attempts started or adopted and not yet reported complete.
  virtual size_t running() const = 0;
  // Of running(), those still waiting in a cluster's queue (Slurm: submitted, and not
  // yet seen started). Default: none.
  virtual size_t queued() const { return 0; }
};

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

// Sends each attempt to the executor its request names (LaunchRequest::executor; the
// names are the executors' name()). Handles of every executor but `local` are
// recorded as "NAME:HANDLE", so Adopt finds the executor again after a restart; bare
// handles are local's. Wait waits on all of them.
std::unique_ptr<Executor> NewRoutingExecutor(std::vector<std::unique_ptr<Executor>> executors);

}  // namespace drover
