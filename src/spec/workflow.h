// The validated in-memory form of a workflow file. Produced by spec::Load (parser.h);
// consumed by plan/. Plain values, no behaviour; every element keeps the location it
// came from so later stages can report errors as file:line:col.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace drover {

// A place in a workflow file, 1-based. line == 0 means "unknown".
struct SourceLoc {
  std::string file;
  int line = 0;
  int col = 0;
};

// A named list of values; a step runs once per combination of the axes it names.
// Values are kept as the strings the user wrote (YAML scalars): 0.1 stays "0.1".
struct Axis {
  std::string name;
  std::vector<std::string> values;
  SourceLoc loc;
};

struct Resources {
  double cpus = 1;            // > 0; fractions allowed
  int64_t memory_bytes = 0;   // 0: not declared
  int gpus = 0;               // >= 0
  double walltime_s = 0;      // 0: no limit
};

// Settings of the Slurm executor: the workflow's `slurm:` section, which a step's own
// `slurm:` overrides key by key. After loading, each Step holds the merged result.
struct SlurmSettings {
  std::string partition;                 // "": the cluster's default
  std::string account;
  std::string qos;
  std::vector<std::string> sbatch_args;  // passed to sbatch as written
  int array_throttle = 100;              // at most this many tasks of one array run at once; 0: no limit
};

struct RetryPolicy {
  int retries = 0;           // extra attempts after a failure
  double backoff_s = 0;      // delay before the first retry
  double factor = 2.0;       // each further retry waits factor times longer
  int max_requeues = 100;    // exit 85 ("checkpointed, run me again") at most this often
  std::vector<int> unless_exit;  // exit codes that fail the job at once (not retried)
};

// The study: of an HPO step (see README, "Studies"). Settings are checked JSON text.
struct StudySpec {
  std::string space_json;                 // hpo::Space JSON
  std::vector<std::string> params;        // the space's parameter names
  std::string sampler_json = R"({"name":"tpe"})";
  std::string pruner_json = R"({"name":"none"})";
  std::string metric = "objective";       // the trial's objective: this metric's last value
  std::string direction = "minimize";     // minimize | maximize
  int trials = 0;                         // trial slots per segment
  int parallel = 0;                       // running trials per segment at most (0: no limit)
  int64_t seed = 0;
  std::string name;                       // the store's study name; may use {axis}
  std::string warm_start;                 // a study step of this workflow, or a stored study
  SourceLoc loc;                          // of the study: key
};

// deadline: on a step or the workflow: a time ("2026-12-04T09:00", local time) or a
// duration from the start of the run ("2h"). A policy, not an ingredient: keys ignore it.
struct Deadline {
  enum class Kind : uint8_t { kNone, kFromStart, kAt };
  Kind kind = Kind::kNone;
  double seconds = 0;  // kFromStart: seconds after the run's start; kAt: Unix time
};

// One step of the workflow: a command template run once per point of its axes.
struct Step {
  std::string name;
  SourceLoc loc;                      // of the step's key
  std::vector<std::string> over;      // axis names, in the order written
  std::string run;                    // the command template (see spec/template.h)
  SourceLoc run_loc;                  // where the template's first character is
  bool run_is_block = false;          // written as a YAML block scalar (| or >)
  std::vector<std::string> outputs;   // paths relative to the job's directory
  std::vector<std::string> inputs;    // external files or globs, relative to Workflow::dir
  std::vector<std::string> after;     // explicit dependencies on other steps
  Resources resources;
  RetryPolicy retry;
  std::vector<std::pair<std::string, std::string>> env;  // values may use {axis}
  int priority = 0;                   // higher runs first
  double grace_s = 10;                // SIGTERM -> SIGKILL delay on walltime/cancel
  std::string executor = "local";     // local | slurm
  SlurmSettings slurm;                // used when executor is slurm
  std::optional<StudySpec> study;     // an HPO step: over: holds its segments
  // partial: true: its gathering references ({step.out...}) take the upstream jobs that
  // succeeded once all have ended, instead of the job being skipped when one failed.
  bool partial = false;
  // Policies (README, "Policies"); none of them is part of a job's key.
  int limit = 0;                      // at most this many of its jobs running at once; 0: none
  std::string category;               // a name in Workflow::limits, shared with other steps
  Deadline deadline;                  // its own, else the workflow's
  bool final = false;                 // runs once every other job of the run has ended
};

// The report: section; also the arguments of `drover table`.
struct TableSpec {
  std::vector<std::string> rows;
  std::vector<std::string> cols;
  std::string value;                  // metric name
  std::string agg = "mean";           // mean | median | max | min | last | std | count
  std::string format = "markdown";    // text | markdown | csv | latex | html
  std::vector<std::string> steps;     // only jobs of these steps (none = all)
  std::string spread;                 // "" | std | sem | minmax: "mean ± spread"
  // Shown names of axis names, axis values and step names, e.g. {ensemble, Ensemble All}.
  std::vector<std::pair<std::string, std::string>> labels;
  std::string path;                   // file to write, relative to Workflow::dir ("" = none)
  int precision = 4;
};

struct Workflow {
  std::string name;
  std::string path;                   // absolute path of the YAML file
  std::string dir;                    // absolute folder of the YAML file
  std::vector<Axis> axes;             // in the order written
  std::vector<Step> steps;            // in the order written
  std::vector<std::pair<std::string, std::string>> env;  // for every step
  std::optional<TableSpec> report;
  std::string executor = "local";     // the steps' default (a step's own executor: wins)
  SlurmSettings slurm;                // the steps' defaults
  double slurm_poll_s = 5;            // one squeue call per this many seconds
  // limits: {gpu-heavy: 2}: at most that many running jobs of the steps in each category.
  std::vector<std::pair<std::string, int>> limits;
  Deadline deadline;                  // of every step without its own

  const Axis* FindAxis(const std::string& n) const {
    for (const auto& a : axes)
      if (a.name == n) return &a;
    return nullptr;
  }
  // The step named `n`, or nullptr. O(1) through step_index once IndexSteps() has run
  // (the loader runs it); a Workflow whose step count changed since is scanned instead.
  const Step* FindStep(const std::string& n) const;
  // Builds step_index from steps. Call again after renaming or adding steps.
  void IndexSteps();

  std::unordered_map<std::string, uint32_t> step_index;  // step name -> index in steps
};

// Test probe: the step names FindStep has compared in this process (an index hit counts
// one). Tests read it to check that planning makes O(steps + references) lookups.
inline std::atomic<uint64_t> g_step_name_compares{0};

inline const Step* Workflow::FindStep(const std::string& n) const {
  if (step_index.size() == steps.size()) {
    g_step_name_compares.fetch_add(1, std::memory_order_relaxed);
    auto it = step_index.find(n);
    if (it == step_index.end()) return nullptr;
    if (it->second < steps.size() && steps[it->second].name == n) return &steps[it->second];
  }
  for (const auto& s : steps) {  // no index, or a stale one
    g_step_name_compares.fetch_add(1, std::memory_order_relaxed);
    if (s.name == n) return &s;
  }
  return nullptr;
}

inline void Workflow::IndexSteps() {
  step_index.clear();
  step_index.reserve(steps.size());
  for (uint32_t i = 0; i < steps.size(); ++i) step_index.emplace(steps[i].name, i);
}

}  // namespace drover
