// Results of a workflow: each job of the plan of the workflow file as written, with the
// latest succeeded attempt the store holds for it (matched by workflow and job name,
// whichever run and key made it) and that attempt's metrics. Tables and exports read
// results through PlanResults, so that they agree on which attempt a job's result is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "store/store.h"
#include "util/status.h"

namespace drover {

// One job of a plan and what the store holds of it.
struct JobResult {
  uint32_t job = 0;                     // index into Plan::jobs()
  std::string step;                     // the job's step
  std::string name;                     // "train/model=mlp,seed=0"
  std::string params_json;              // {"model":"mlp","seed":"0"}
  std::optional<SucceededJob> result;   // its latest succeeded attempt; none: no result
  std::vector<MetricRecord> metrics;    // that job's metrics in the order logged
};

// The last value of metric `name` among `metrics`, if logged.
std::optional<double> LastMetric(const std::vector<MetricRecord>& metrics,
                                 const std::string& name);

// The jobs of `plan` in the order tables and exports show them: steps in the order of the
// workflow file and, within a step, by the axis values in the order of the file (first
// axis outermost).
std::vector<uint32_t> FileOrder(const Plan& plan);

// Records `plan`, the plan of a workflow's file as written (no --set), as that workflow's
// plan in the store (HistoryStore::RecordPlan), in FileOrder, inside a transaction of its
// own: what `drover export` and drover.results() list. Errors: the store's.
Status RecordFilePlan(const Plan& plan, Store* store);

// Every job of `plan`, steps in the order of the workflow file and, within a step, in
// the order of the axis values in the file (first axis outermost), each with the
// latest succeeded attempt of a job of the same workflow and name (any run, any key)
// and its metrics. run_id > 0 gives that run's view: only jobs that run planned count.
// Jobs without a result are included with `result` empty.
Result<std::vector<JobResult>> PlanResults(const Plan& plan, Store* store, int64_t run_id = 0);

}  // namespace drover
