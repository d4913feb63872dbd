// Planning: Workflow -> job graph. Expands each step over its axes, joins steps on
// their shared axes (DESIGN.md, "Steps and axes"), renders command templates with
// shell-quoted values, and computes each job's key.
//
// A job's key is an XXH3-128 over everything that determines its result: the step
// name, the command with references left symbolic and code paths relative to the
// workflow folder (so moving the project keeps its keys), the environment, the
// parameters, the declared outputs, the keys of the jobs it consumes, and the content
// of its external inputs and of the code files its command names.
//
// A Plan owns its jobs; it borrows the Workflow, which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "spec/workflow.h"
#include "util/status.h"

namespace drover {

// Parts of a command known only when the job starts, written as kLateOpen + name +
// kLateClose: a trial's {param} (study steps) and {study.best.param} (steps after a
// study). The engine's study driver fills them in, shell-quoted.
inline constexpr char kLateOpen = '\x01';
inline constexpr char kLateClose = '\x02';

struct PlannedJob {
  uint32_t step = 0;               // index into Workflow::steps
  std::vector<uint32_t> values;    // per axis of the step (order of Step::over)
  std::string key;                 // 32 hex digits
  std::string command;             // runnable: absolute paths, quoted values
  std::vector<uint32_t> deps;      // indices of the jobs this one consumes, sorted
  std::vector<std::string> env;    // "NAME=value" from the workflow's and step's env
  uint32_t depth = 0;              // longest path (in jobs) to the end of the graph
  uint32_t slot = 0;               // study steps: the trial slot (0 .. trials-1)
};

// A study step has `trials` slots per segment (point of its axes), laid out slot by
// slot: job first + slot * segments + segment, so that the ready queue, which
// prefers lower indices, takes the segments in turn.
struct PlanStep {
  uint32_t first = 0;              // jobs [first, first + count) belong to this step
  uint32_t count = 0;
  uint32_t segments = 0;           // points of the step's axes (count / trials for studies)
  std::vector<uint32_t> axes;      // indices into Workflow::axes
};

// Where a gathering reference ({step.out...}) of a `partial: true` step's job sits in
// its command: [begin, end) holds the quoted paths of `jobs`' output, space separated.
struct GatherSpan {
  size_t begin = 0, end = 0;
  std::string output;
  std::vector<uint32_t> jobs;      // plan indices, in the order rendered
};

struct PlanOptions {
  // Where job directories go: <root>/.drover/jobs/<key[0:2]>/<key>.
  std::string root;
};

class Plan {
 public:
  const Workflow& workflow() const { return *wf_; }
  const std::vector<PlannedJob>& jobs() const { return jobs_; }
  const std::vector<PlanStep>& steps() const { return steps_; }  // same order as Workflow

  // "train/task=digits,seed=0" ("train" for a step without axes).
  std::string Name(uint32_t job) const;
  // {"task":"digits","seed":"0"} (axis values as strings).
  std::string ParamsJson(uint32_t job) const;
  // The command with late parts shown as {name}, for people.
  static std::string Readable(const std::string& command);
  // The job's directory relative to the root, e.g. ".drover/jobs/ab/abcdef...".
  static std::string RelDir(const std::string& key);
  // The value of an axis for a job, or nullptr when the job's step lacks that axis.
  const std::string* Value(uint32_t job, const std::string& axis) const;
  // A partial step's job: its gathering references (empty for other jobs).
  const std::vector<GatherSpan>& Gathers(uint32_t job) const;
  // The job's command with each gathering reference cut down to the jobs `keep` accepts
  // (partial gathers: the upstream jobs that succeeded).
  std::string GatheredCommand(uint32_t job, const std::function<bool(uint32_t)>& keep) const;

 private:
  friend class Planner;
  const Workflow* wf_ = nullptr;
  std::vector<PlannedJob> jobs_;   // grouped by step, steps in dependency order
  std::vector<PlanStep> steps_;
  std::string root_;               // PlanOptions::root
  std::unordered_map<uint32_t, std::vector<GatherSpan>> gathers_;  // partial steps' jobs
};

// Builds the plan. Errors: a glob input that matches nothing, an unreadable input or
// code file, a one-to-one reference that finds no job.
Result<Plan> BuildPlan(const Workflow& wf, const PlanOptions& opts);

}  // namespace drover
