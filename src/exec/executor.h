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

#include <cstdint>
#include <string>
#include <vector>

#include "exec/job_protocol.h"
#include "exec/status_file.h"
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

}  // namespace drover
