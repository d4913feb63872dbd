// How long each planned job will take, and how much work waits behind it: the ready
// queue's order after step priority (engine/loop.h), and the status line's ETA.
//
// A job's estimate, best source first:
//   1. the mean of its own earlier succeeded attempts: the same workflow, step and axis
//      values (the same job name), whatever its key;
//   2. the mean of its step's succeeded attempts, earlier runs and this one;
//   3. its step's walltime;
//   4. kDefaultEstimateS.
// Its path is its estimate plus the longest path among the jobs that consume it: the
// seconds from its start to the end of the graph with unlimited slots. Computing every
// path is one pass over the job graph (linear). As jobs succeed, the step means move;
// Update() recomputes when some step's estimate changed its source or by more than
// kRecomputeChange, at most about log2(jobs of that step) times per step, and within a
// total budget of kRecomputePasses passes on large plans.
//
// Owned by the loop; engine thread only. Borrows the plan and the dependents' lists,
// which must outlive it.
#pragma once

#include <cstdint>
#include <vector>

#include "plan/plan.h"
#include "store/store.h"

namespace drover {

// The estimate of a job that has no history and no walltime.
inline constexpr double kDefaultEstimateS = 60;
// A step's mean that moved by more than this fraction makes the paths stale.
inline constexpr double kRecomputeChange = 0.2;
// Passes over the whole graph allowed beyond a fixed small allowance.
inline constexpr int64_t kRecomputePasses = 32;

// Where a job's estimate came from (best first).
enum class EstimateSource : uint8_t { kSameJob, kStepMean, kWalltime, kDefault };

class Estimates {
 public:
  // `dep_off`/`dep_list`: each job's dependents as CSR (job j's are
  // dep_list[dep_off[j] .. dep_off[j + 1])).
  Estimates(const Plan& plan, const std::vector<uint32_t>& dep_off,
            const std::vector<uint32_t>& dep_list);
  Estimates(const Estimates&) = delete;
  Estimates& operator=(const Estimates&) = delete;

  // Reads the workflow's succeeded attempts from the store (one query) and computes
  // every estimate and path. Without it, Compute() uses walltimes and the default.
  Status Load(Store* store);
  // (Re)computes every estimate and path from what is known now.
  void Compute();

  double estimate(uint32_t j) const { return est_[j]; }
  double path(uint32_t j) const { return path_[j]; }
  EstimateSource source(uint32_t j) const;

  // Job j started: it no longer waits for an order.
  void Started(uint32_t j);
  // An attempt of job j succeeded after `seconds`: its step's mean moves.
  void Succeeded(uint32_t j, double seconds);
  // Recomputes when a step's estimate moved enough for jobs that still wait (see the
  // file comment). Returns whether it did: then the caller reorders its ready jobs.
  bool Update();

 private:
  // A step's succeeded attempts, and what the last Compute() used of them.
  struct StepStats {
    double sum = 0;
    int64_t count = 0;
    double used = 0;          // the mean at the last Compute()
    int64_t used_count = 0;   // count at the last Compute() (0: no mean was used)
    int64_t waiting = 0;      // jobs that use the mean and have not started
  };
  double Estimate(uint32_t j) const;

  const Plan& plan_;
  const std::vector<uint32_t>& dep_off_;
  const std::vector<uint32_t>& dep_list_;
  std::vector<uint32_t> order_;   // jobs, each after every job that consumes it
  std::vector<float> own_;        // mean of the job's own history; < 0: none
  std::vector<StepStats> steps_;
  std::vector<bool> started_;
  std::vector<double> est_, path_;
  bool dirty_ = false;
  int64_t spent_ = 0;             // graph elements visited by Compute() so far
};

}  // namespace drover
