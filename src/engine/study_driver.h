// StudyDriver: the engine's side of study steps (private to engine/).
//
// The plan gives a study step `trials` slots per segment; each slot is a job.
// When the loop starts a slot it asks the segment's study for a trial (or takes
// back the running trial already bound to that job: a retry, or a run that was
// interrupted), in the same transaction as the attempt's row, so a crash never
// leaves a trial without its job or a job without its trial. The driver renders
// the late parts of commands ({param} of a trial, {study.best.param} of a later
// step), reads each running trial's metrics.jsonl a bounded chunk per loop
// iteration, reports intermediate values to the pruner, and asks a pruned trial
// to stop (`prune` in its control file, then a cancel after the step's grace).
// When a trial's job ends it tells the study: complete (last value of the
// objective metric), pruned, or — when the job finally fails — failed.
//
// Studies are loaded from the store once per run, and created on first use.
// Not thread-safe; every call runs on the loop's thread inside its transaction
// unless said otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "exec/executor.h"
#include "plan/plan.h"
#include "store/store.h"
#include "study/stored_study.h"

namespace drover {

// Whether a trial asked to stop at prune_at (0: never) is pruned when its job ends with c:
// yes, unless the job had exited 0 before the decision was written (drover read its last
// metrics after it ended, so it never saw the prune): then it is complete.
bool EndsPruned(double prune_at, const Completion& c);

class StudyDriver {
 public:
  // Null when the plan has no study step.
  static std::unique_ptr<StudyDriver> ForPlan(const Plan& plan, Store* store);
  StudyDriver(const Plan& plan, Store* store) : plan_(plan), store_(store) {}
  StudyDriver(const StudyDriver&) = delete;
  StudyDriver& operator=(const StudyDriver&) = delete;

  // Loads or creates every segment's study (own transaction). A stored study of
  // the same name with another definition is an error that says what to do. A stored
  // study whose trials measured another objective (the step's command, code,
  // environment or inputs changed: its first slot has another key) is kept under
  // NAME@N and a new study starts; notes() then says so.
  Status Init(const std::vector<int64_t>& job_ids);
  const std::vector<std::string>& notes() const { return notes_; }
  // The definition check of Init, reading only: for `drover run --dry-run`.
  static Status Check(const Plan& plan, Store* store);

  bool IsTrial(uint32_t j) const;
  // Whether a trial slot may start now (the study's parallel: limit).
  bool CanStart(uint32_t j) const;
  // Binds slot j's new attempt to a trial. A study that cannot give one (a grid
  // used up) is not an error here: Command() then fails the attempt with why.
  Status Bind(uint32_t j, int64_t attempt_id);
  // An attempt found running (or finished) after a restart.
  Status Adopt(uint32_t j, int64_t attempt_id);
  // The command to run, late parts filled in; errors fail the attempt.
  Status Command(uint32_t j, std::string* out) const;
  // Adds DROVER_PARAMS (axis values and the trial's params), DROVER_TRIAL, DROVER_STUDY.
  void Env(uint32_t j, std::vector<std::string>* env) const;
  // Reads new metrics of running trials; attempts to cancel go to *cancel.
  Status Poll(double now, std::vector<int64_t>* cancel);
  // How soon the next Poll should come, in ms: soon while a running trial has been told
  // a decision step (it may be waiting there for drover to read it), slower the more
  // trials there are to read; 500 (the loop's own pace) when none waits.
  int PollDelayMs() const;

  enum class Outcome { kNone, kComplete, kPruned, kFailed };
  // A trial's attempt ended. kComplete/kPruned: the job succeeded (the study was
  // told); kFailed: the job failed (*reason); kNone: handle it as any job.
  Result<Outcome> Ended(uint32_t j, const Completion& c, const std::vector<MetricRecord>& metrics,
                        std::string* reason);
  // The job failed for good (no retry left): the trial is told failed.
  Status Failed(uint32_t j);

 private:
  struct Segment {
    std::string name;
    std::string origin;  // the key of its first trial slot
    std::string values;  // the segment's axis values ("dataset=wine"); empty: no segments
    uint32_t step = 0;
    uint32_t index = 0;  // segment within the step
    std::unique_ptr<study::StoredStudy> study;
    int running = 0;
    bool warm = false;   // warm start done (or not needed)
  };
  struct Live {                       // a trial slot bound in this run
    int64_t number = -1;              // -1: no trial (Bind failed: see error)
    int64_t attempt_id = 0;
    std::string error;
    int64_t offset = 0;               // bytes of metrics.jsonl already read
    bool skipping = false;            // inside a line too long to read, up to its '\n'
    double prune_at = 0;              // when `prune` was written (0: not pruned)
    bool cancelled = false;
    std::string told;                 // the rung line last written to its control file
    mutable bool env_rung = false;    // started with $DROVER_NEXT_RUNG (Env)
  };

  Segment& SegmentOf(uint32_t j);
  const Segment& SegmentOf(uint32_t j) const;
  Status WarmStart(Segment& seg);
  Status ReadNew(uint32_t j, Live& live, size_t budget, bool decide);
  Status ReportLines(uint32_t j, Live& live, std::string_view lines, bool decide);
  Status TellRung(uint32_t j, Live& live);
  std::string Dir(uint32_t j) const;
  Result<std::string> Best(uint32_t j, const std::string& ref) const;

  const Plan& plan_;
  Store* store_;
  std::vector<int64_t> job_ids_;
  std::vector<uint32_t> seg_base_;    // per plan step: index of its first segment
  std::vector<Segment> segments_;
  std::vector<std::string> notes_;
  // The segments of every study step (name, values, origin), without their studies.
  static std::vector<Segment> Segments(const Plan& plan, std::vector<uint32_t>* seg_base);
  std::map<uint32_t, Live> live_;     // by job
};

}  // namespace drover
