// The event loop behind RunPlan (private to engine/). One object per run.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/estimates.h"
#include "engine/job_files.h"
#include "engine/printer.h"
#include "engine/study_driver.h"

namespace drover {

enum class Slot : uint8_t {
  kBlocked,    // waiting for dependencies
  kReady,      // in the ready queue
  kRetryWait,  // failed; waiting for its backoff to pass
  kRunning,
  kSucceeded,  // ran in this run
  kReused,
  kFailed,
  kSkipped,
  kCancelled,
};

class Loop {
 public:
  Loop(const Plan& plan, Store* store, Executor* exec, Printer* printer, const RunOptions& opts,
       int64_t run_id);
  Result<RunSummary> Run();

 private:
  struct Running {
    uint32_t job;
    AttemptRecord rec;
    std::vector<int> gpus;  // indices into opts.gpu_ids
    bool handle_dirty = false;
  };
  static constexpr double kNoDeadline = 1e300;  // a job without a deadline
  // The ready queue's order: step priority, then the earliest deadline (none: last),
  // then the longest path to the end of the graph in estimated seconds
  // (engine/estimates.h), then file order.
  struct ReadyEntry {
    int priority;
    double path;
    uint32_t job;
    double deadline = kNoDeadline;  // Unix time
    bool operator<(const ReadyEntry& o) const {
      if (priority != o.priority) return priority < o.priority;
      if (deadline != o.deadline) return deadline > o.deadline;
      if (path != o.path) return path < o.path;
      return job > o.job;
    }
  };

  Status Sync();
  // Policies (engine/policies.cc; README, "Policies"). Sets up the limit groups (a
  // step's limit:, the categories of limits:) and the deadlines; call once t0_ is set.
  void InitPolicies();
  // Some limit group of job `j` has as many running jobs as it allows.
  bool Held(uint32_t j) const;
  // Sets ready job `e` aside until a job of its full group ends (it then does not hold
  // up the ready jobs behind it).
  void Park(const ReadyEntry& e);
  // A job of `j`'s step starts (+1) or ends (-1); an end gives the group's best parked
  // job back to the ready queue.
  void CountGroups(uint32_t j, int delta);
  // Puts back every parked job (when nothing runs, nothing would free their groups).
  void UnparkAll();
  // Job `j`'s deadline as a Unix time (its step's, else the workflow's), or kNoDeadline.
  double DeadlineOf(uint32_t j) const { return deadline_at_[plan_.jobs()[j].step]; }
  // A final step's job is kept back (true) until every other job has ended.
  bool HoldFinal(uint32_t j);
  // When nothing else is left to run: makes the final steps' jobs ready, once, unless
  // the run is stopping (Ctrl-C, --fail-fast). Returns whether it made any ready.
  bool ReleaseFinals();
  // Unfinished jobs whose estimated end (engine/estimates.h) is past their deadline.
  // Computed at most once a second.
  int Late() const;
  // At the end of an attempt: notes job `j` when it ended after its deadline.
  void NoteLate(uint32_t j);
  // At the run's end: names the jobs that ended after their deadline.
  void TellLate();
  // Adopts the attempts an earlier drover left running: those of planned jobs now, those
  // of derived jobs (partial gathers and what follows them) into orphans_, for Derive.
  Status AdoptRunning();
  // Takes attempt `a` (left running by an earlier drover) as job `j`'s running attempt,
  // appending its completion to *finished when it already ended; *adopted is false when
  // the attempt never started (it is then recorded as cancelled).
  Status AdoptAttempt(uint32_t j, const AttemptRecord& a, std::vector<Completion>* finished,
                      bool* adopted);
  // Adopts the orphan attempt of job `j`'s (derived) store id, if there is one; its
  // completion, when it already ended, is handled by the next iteration.
  Status AdoptDerived(uint32_t j, bool* adopted);
  // At the run's end: an orphan attempt of a job this run settled under another key (its
  // inputs changed while drover was away) is cancelled, recorded so and named.
  Status Supersede();
  // Records attempts for ready jobs that fit (inside the caller's transaction, which
  // must commit before they are launched) and appends their ids to *started.
  Status StartReady(std::vector<int64_t>* started);
  bool CanStart() const;
  // Says once per run (stderr) that the CPU or memory limit, not -j, keeps local job
  // `j` waiting while fewer than -j local jobs run.
  void TellLimit(uint32_t j);
  bool Fits(uint32_t j) const;
  void Allocate(Running* r);
  void Release(const Running& r);
  std::vector<std::string> JobEnv(uint32_t j, const Running& r) const;
  Status Launch(const std::vector<int64_t>& attempt_ids);
  void NotStarted(Running& r, const Status& st);
  // Runs on an executor that allocates for itself (Slurm): outside the local limits.
  bool Remote(uint32_t j) const { return StepOf(j).executor != "local"; }
  Status Handle(const Completion& c);
  Status Succeed(Running& r, const JobStatus& st, bool collect = true);
  Status HandleTrial(Running& r, const Completion& c, const std::vector<MetricRecord>& metrics,
                     bool* handled);
  // Job `j` is done (succeeded or reused): each dependent with nothing left to wait
  // for becomes ready (derived first when it must be: Derive).
  Status ReleaseDependents(uint32_t j);
  // A job whose dependencies have all ended, ready to run: as planned, or derived when
  // it gathers partially (missing_) or consumes a derived job (key_).
  Status Ready(uint32_t j);
  // Runs job `j` under a key of its own: its command cut to the gathered jobs that
  // succeeded and pointed at its upstream jobs' derived folders, its key the planned
  // key with the keys it used and the jobs it misses. Reused when that key succeeded
  // before; skipped when a gather would be left with nothing.
  Status Derive(uint32_t j);
  // What derived job `j`'s folder records of it (derived.json, for drover recover).
  DerivedRecord DerivedOf(uint32_t j) const;
  // A partial step's job `d` gathers upstream job `x`.
  bool Gathers(uint32_t d, uint32_t x) const;
  const std::string& KeyOf(uint32_t j) const;
  // Records the attempt's end; retries the job (within its step's retries:) when
  // `may_retry`, otherwise fails it for good and skips its dependents.
  Status Fail(Running& r, AttemptState state, const std::string& reason, bool may_retry = true);
  // Skips what depends on `j` (but for partial gathers of it), recording `why` (default:
  // "<j> failed") for the run's end.
  Status SkipDependents(uint32_t j, const std::string& why = "");
  Status Requeue(Running& r);
  void MakeReady(uint32_t j);
  ReadyEntry PopReady();
  // Recomputes the paths when the estimates moved enough, and reorders the ready jobs.
  void Reorder();
  // Seconds left by the estimates: the work left over the slots, at least the longest
  // path left. Computed at most once a second (a pass over the jobs).
  double Eta() const;
  void PromoteRetries(double now);
  void Interrupts();
  Progress Prog() const;
  std::string Dir(uint32_t j) const;
  const Step& StepOf(uint32_t j) const { return plan_.workflow().steps[plan_.jobs()[j].step]; }

  const Plan& plan_;
  Store* store_;
  Executor* exec_;
  Printer* printer_;
  RunOptions opts_;
  int64_t run_id_;
  double t0_ = 0;

  std::vector<Slot> slot_;
  std::vector<uint32_t> waiting_;      // unfinished dependencies
  std::vector<int64_t> job_id_;        // store ids
  std::vector<uint8_t> failures_;      // in this run
  std::vector<uint16_t> requeues_;     // in this run
  std::vector<uint32_t> dep_off_, dep_list_;  // dependents, CSR
  std::vector<std::pair<double, uint32_t>> retry_;  // (when, job)
  std::vector<ReadyEntry> ready_;  // a max-heap (std::push_heap)
  std::unique_ptr<Estimates> est_;
  mutable double eta_at_ = -1, eta_ = -1;  // Eta()'s cache: when, what
  std::unordered_map<int64_t, Running> running_;  // by attempt id
  std::vector<Completion> pending_failures_;          // attempts that could not start
  std::vector<bool> gpu_busy_;
  bool remote_steps_ = false;           // some step runs on a remote executor (Slurm)
  size_t remote_running_ = 0;          // of running_, those on remote executors
  double cpus_used_ = 0;
  int64_t mem_used_ = 0;
  bool stopping_ = false;
  bool limit_told_ = false;             // TellLimit has spoken
  bool killed_ = false;
  int seen_interrupts_ = 0;
  RunSummary sum_;
  std::string base_pythonpath_;
  std::unique_ptr<StudyDriver> studies_;  // null without study steps
  // Partial gathers (README, "Partial gathers"): the gathered jobs each partial job
  // lost (failed or skipped), and the key and command of jobs run under a derived key.
  std::unordered_map<uint32_t, std::vector<uint32_t>> missing_;
  std::unordered_map<uint32_t, std::string> key_, command_;
  // Attempts an earlier drover left running whose jobs this run did not plan (a derived
  // job is known by its id only once derived), by job id.
  std::unordered_map<int64_t, AttemptRecord> orphans_;
  // Policies: each step's limit groups (-1: none), each group's limit and running jobs,
  // the ready jobs set aside per full group (heaps), the deadline of each step's jobs.
  std::vector<std::array<int, 2>> step_groups_;
  std::vector<int> group_limit_, group_running_;
  std::vector<std::vector<ReadyEntry>> parked_;
  size_t parked_count_ = 0;
  std::vector<double> deadline_at_;
  std::vector<uint32_t> finals_;       // final jobs kept back until the others end
  bool finals_released_ = false;
  std::vector<bool> ended_late_;       // an attempt of the job ended past its deadline
  mutable double late_at_ = -1;        // Late()'s cache: when, what
  mutable int late_ = 0;
  // Jobs skipped because a job they need failed, with why: the run's end names them.
  std::vector<std::pair<uint32_t, std::string>> skip_because_;
  void TellSkipped();
};

}  // namespace drover
