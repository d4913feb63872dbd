// A workflow's results table as `drover table` and `drover serve`'s /api/v1/table make it:
// the file last run under the workflow's name, planned as written, its report: table's
// settings with the request's on top, each job filled with its latest result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "report/table.h"
#include "spec/workflow.h"
#include "store/store.h"
#include "util/status.h"

namespace drover {

// What a table request may set; "" (and precision -1) keeps the workflow's report.table,
// else the defaults (mean, text, 4 digits). rows, cols and step are comma-separated.
struct TableRequest {
  std::string rows, cols, value, agg, format, step, spread;
  std::vector<std::string> labels;  // what=shown
  int precision = -1;
};

// "a,b,,c" -> a, b, c: a comma-separated value, empty parts dropped.
std::vector<std::string> SplitCommas(const std::string& s);

// The workflow file last run as `name`, as written (no --set). NotFound when the store
// never ran it or the file is gone.
Result<Workflow> LoadStoredWorkflow(Store* store, const std::string& name);

// The table's settings: wf's report.table with `r` on top. Invalid for bad settings.
Result<TableSpec> TableSettings(const Workflow& wf, const TableRequest& r);

// The table of `plan` (the workflow's file as written) with each job's latest result (of
// run `run_id` only, when > 0). NotFound when no job has a value of spec.value.
Result<Table> BuildWorkflowTable(const Plan& plan, Store* store, const TableSpec& spec,
                                 int64_t run_id);

}  // namespace drover
