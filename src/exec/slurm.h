// The Slurm executor: attempts run as Slurm batch jobs under the same job wrapper
// (tools/drover_job.cc) as local ones, in job folders on a file system that the
// cluster's nodes share with drover.
//
// Submission: the requests of one SubmitMany call that share a step, resources and
// Slurm settings go out as ONE job array (`sbatch --parsable --array=0-N%T`), whose
// tasks find their attempt number and job folder in a manifest file (line i+1 for
// SLURM_ARRAY_TASK_ID i: "ATTEMPT JOBDIR") and their environment in JOBDIR/slurm-env.sh.
// The attempt comes from the manifest, whose name no later submission reuses, never
// from a file a later attempt rewrites: an array that Slurm accepts after drover died
// (or moved on) thus carries its own attempt, and the wrapper refuses to run it in a
// folder that a later attempt owns. When sbatch returns, the array's id is written
// beside its manifest (BASE.id). A refusal that Slurm calls temporary (busy
// controller, timeouts, submit limits) is retried with backoff; any other fails those
// attempts with Slurm's own message.
//
// Strays: at the start of a run (CancelUnrecorded), every submission in state_dir
// whose array id is not among the recorded handles (no BASE.id: drover died while
// sbatch was blocked; an id never recorded: it died before recording it) loses its
// manifest, so that none of its tasks can start a job, and if there was any, ONE
// squeue call lists this user's drover-named jobs whose batch script lies in state_dir;
// those of unrecorded arrays are cancelled with one scancel.
//
// Completion: JOBDIR/status.json (written by the wrapper) is the record of how an
// attempt ended. Besides reading those files, the executor makes ONE `squeue` call
// per polling interval for all of its jobs (between two, status files are looked at
// more often, which costs the controller nothing); a job that has left the queue without a
// status.json (two polls in a row) is reported lost. sacct is never used.
//
// Walltime: the wrapper enforces the step's walltime itself (SIGTERM, grace, SIGKILL,
// as locally). Slurm's `--time` is set above it (walltime + grace + 2 minutes) and
// `--signal=B:TERM@(grace+30)` warns the wrapper (which stops the job gracefully) if
// Slurm's limit ever comes first.
//
// Cancel and KillAll are sent with `scancel`, one call per loop iteration, naming
// whole arrays where every unreported task of the array is cancelled. Slurm signals
// every process of the job and kills what is left after its KillWait, which thus
// bounds the step's grace. An attempt drover cancelled that ends unsuccessfully, or
// that Slurm killed before its wrapper wrote status.json, is reported cancelled.
//
// Handles are Slurm job ids ("1234_7" for array tasks). Adopt registers an attempt
// by its handle; the next squeue call tells whether it is still there. A status.json
// that records another attempt than the one submitted (a stray's) is not its end.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "exec/executor.h"

namespace drover {

// What a command printed and how it ended. exit_code -1: it could not be started or
// ran past its time limit (then `err` says which).
struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The Slurm commands (sbatch, squeue, scancel), looked up on PATH, and the clock the
// executor sleeps on between retries: an interface, so that tests can fake them.
class SlurmCommands {
 public:
  virtual ~SlurmCommands() = default;
  virtual CommandOutput Run(const std::vector<std::string>& argv) = 0;
  virtual void Sleep(double seconds) = 0;
};

// Runs commands with posix_spawnp; each is killed after timeout_s.
std::unique_ptr<SlurmCommands> NewSlurmCommands(double timeout_s = 120);

struct SlurmExecutorOptions {
  std::string wrapper;        // the drover-job binary, as the nodes see it
  std::string state_dir;      // batch scripts, manifests and Slurm's logs (.drover/slurm)
  double poll_s = 5;          // one squeue call per this many seconds
  double file_poll_s = 0.25;  // status.json of running jobs is looked at this often
                              // (of jobs last seen pending, 4 times less often)
  int max_array_size = 1000;  // larger groups are split (Slurm's MaxArraySize)
  int submit_tries = 6;       // sbatch attempts on a temporary refusal
  double backoff_s = 0.5;     // before the second try; doubles each time
};

std::unique_ptr<Executor> NewSlurmExecutor(const SlurmExecutorOptions& opts,
                                           std::unique_ptr<SlurmCommands> commands);

// The executor's pure parts, for tests.
namespace slurm {

// sbatch's arguments, before the script's path, for `count` requests alike to `first`:
// always an array, --array=0-(count-1)[%throttle].
std::vector<std::string> SbatchArgs(const LaunchRequest& first, size_t count,
                                    const std::string& log_path);
// Slurm's --time for a walltime and grace, in whole minutes ("" for no walltime).
std::string TimeLimit(double walltime_s, double grace_s);
// The job id from `sbatch --parsable` ("1234" or "1234;cluster"), or why there is none:
// Busy when trying again may help, Invalid otherwise ("Slurm refused the job: <its
// message>", or sbatch could not be started).
Result<std::string> ParseSbatch(const CommandOutput& c);
// True when a refusal may pass if tried again later.
bool IsTransient(const std::string& message);
// Slurm's message without its "sbatch: error: " prefixes, lines joined with "; ".
std::string Message(const std::string& err);
// `squeue -h -r -o '%i %T'` output: job id ("1234" or "1234_7") -> state.
std::unordered_map<std::string, std::string> ParseSqueue(const std::string& out);
// Requests with the same key go out as one array.
std::string GroupKey(const LaunchRequest& req);
// "1234_7" -> "1234"; "1234" -> "1234".
std::string ArrayOf(const std::string& job_id);
// What to pass to scancel: whole arrays (their id) where every task still tracked
// (`tracked`: array id -> its tracked task ids) is in `cancel`, task ids otherwise.
std::vector<std::string> CancelTargets(const std::map<std::string, std::set<std::string>>& tracked,
                                       const std::set<std::string>& cancel);
// The batch script of an array whose task i runs line i+1 of `manifest` ("ATTEMPT
// JOBDIR", see ManifestLine): it sources JOBDIR/slurm-env.sh, then sets DROVER_ATTEMPT
// from the manifest (so that the env file cannot change it) and execs the wrapper.
std::string BatchScript(const std::string& wrapper, const std::string& manifest, double walltime_s,
                        double grace_s);
// One manifest line: "ATTEMPT JOBDIR\n" (ATTEMPT 0: not known, the wrapper checks none).
std::string ManifestLine(int attempt, const std::string& job_dir);
// The value of DROVER_ATTEMPT in "NAME=value" lines, or 0.
int AttemptOf(const std::vector<std::string>& env);
// A job in `squeue -h -r -o '%i|%j|%o'` output: id, name, command (the batch script).
struct QueuedJob {
  std::string id;
  std::string name;
  std::string command;
};
std::vector<QueuedJob> ParseSqueueJobs(const std::string& out);
// The arrays to cancel as strays: drover-named jobs whose batch script lies in one of
// `state_dirs` (as absolute paths) and whose array is not in `recorded`. Sorted.
std::vector<std::string> StrayArrays(const std::vector<QueuedJob>& jobs,
                                     const std::set<std::string>& recorded,
                                     const std::vector<std::string>& state_dirs);
// "NAME=value" lines as `export NAME='value'` lines for /bin/sh.
std::string EnvFile(const std::vector<std::string>& env);

}  // namespace slurm
}  // namespace drover
