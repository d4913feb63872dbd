// The engine: one thread, one event loop (like ninja). It decides which planned jobs
// are reused, starts the rest through an Executor as resources allow (ordered by
// priority, then by the longest path to the end of the graph in estimated seconds:
// engine/estimates.h), retries failures with backoff, requeues checkpointed jobs
// (exit 85), skips the dependents of failed jobs, and records everything in the
// Store, one transaction per loop iteration.
//
// Crash safety: an attempt's row is committed before its process is started, and the
// job wrapper's status.json (which carries the attempt number) is the record of how
// it ended. A later run adopts attempts still running and records those that ended
// while drover was away; nothing that finished runs again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "plan/plan.h"
#include "store/store.h"

namespace drover {

class Printer;

struct RunOptions {
  int max_jobs = 0;                   // -j; 0: number of CPUs
  double cpus = 0;                    // --cpus; 0: the larger of -j and the number of CPUs
  int64_t memory_bytes = 0;           // --memory; 0: the machine's memory
  std::vector<std::string> gpu_ids;   // --gpus; pinned with CUDA_VISIBLE_DEVICES
  bool fail_fast = false;
  std::vector<std::string> force_steps;  // rerun these steps and what depends on them
  std::string python_dir;             // put first on jobs' PYTHONPATH
  bool plan_only = false;             // record the jobs and reuse decisions; run nothing
};

struct RunSummary {
  int total = 0;
  int reused = 0;
  int succeeded = 0;                  // ran and succeeded in this run
  int failed = 0;
  int skipped = 0;                    // a dependency failed
  int cancelled = 0;                  // interrupted
  int adopted = 0;                    // found running or finished from an earlier run
  bool interrupted = false;
  double seconds = 0;
  std::vector<uint32_t> failed_jobs;  // plan indices
};

// Per step: how many jobs would run and how many would be reused (dry run).
struct StepForecast {
  std::string step;
  int run = 0;
  int reused = 0;
};

// `opts` with its defaults filled in from this machine: -j (the number of CPUs),
// --cpus (as make -j: the larger of -j and the number of CPUs, so that -j N runs N
// one-CPU jobs) and --memory (the machine's memory).
RunOptions WithMachineDefaults(const RunOptions& opts);

// The refusals a run makes before it starts anything (a local step asks for more CPUs,
// memory or GPUs than the run may use; a study step conflicts with the store's study).
// Reads the store only: call it before the run is recorded, so a refused run leaves
// no run behind.
Status CheckRunnable(const Plan& plan, Store* store, const RunOptions& opts);

// The store's records of the plan's jobs (same order).
std::vector<JobRecord> PlannedJobRecords(const Plan& plan);

// Per job of the plan: whether a run would reuse it (succeeded before, outputs intact,
// not forced, every job it consumes reused too), and what the store knew of it.
// Reads the store only; writes nothing.
Status WouldReuse(const Plan& plan, Store* store, const RunOptions& opts,
                  std::vector<KnownJob>* known, std::vector<bool>* reuse);

// Reads the store only; writes nothing.
Result<std::vector<StepForecast>> Forecast(const Plan& plan, Store* store,
                                           const RunOptions& opts);

// Runs the plan to completion (or interruption). `run_id` is the store's run.
Result<RunSummary> RunPlan(const Plan& plan, Store* store, Executor* exec, Printer* printer,
                           const RunOptions& opts, int64_t run_id);

}  // namespace drover
