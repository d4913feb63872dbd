// BuildWorkflowTable and what it needs, shared by `drover table` and drover serve.
#include "report/workflow_table.h"

#include <fmt/format.h>

#include "report/results.h"
#include "spec/parser.h"
#include "util/fs.h"

namespace drover {
namespace {

// Rows and columns name axes of the workflow.
Status CheckAxes(const Workflow& wf, const TableSpec& spec) {
  for (const auto& axes : {spec.rows, spec.cols})
    for (const std::string& axis : axes)
      if (!wf.FindAxis(axis))
        return Status::Invalid("workflow '" + wf.name + "' has no axis '" + axis + "' (" + wf.path + ")");
  return Status::Ok();
}


}  // namespace

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (!s.empty() && start <= s.size()) {
    size_t c = s.find(',', start);
    std::string part = s.substr(start, c == std::string::npos ? c : c - start);
    if (!part.empty()) out.push_back(part);
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

// The workflow file last run as `name`, as written (no --set).
Result<Workflow> LoadStoredWorkflow(Store* store, const std::string& name) {
  auto path = store->WorkflowPath(name);
  if (!path.ok()) return path.status();
  if (path->empty()) return Status::NotFound("no run of workflow '" + name + "'");
  if (!PathExists(*path))
    return Status::NotFound("the table of workflow '" + name + "' is built from its file " +
                            *path + ", which is gone; run the workflow from its new place first");
  return LoadWorkflow(*path);
}

// The table's settings: the workflow's report.table, with what the command line gives on top.
Result<TableSpec> TableSettings(const Workflow& wf, const TableRequest& a) {
  TableSpec spec = wf.report.value_or(TableSpec{});
  if (!a.rows.empty()) spec.cols.clear();  // --rows lays out the table: cols only from --cols
  if (!a.rows.empty()) spec.rows = SplitCommas(a.rows);
  if (!a.cols.empty()) spec.cols = SplitCommas(a.cols);
  if (!a.value.empty()) spec.value = a.value;
  if (!a.agg.empty()) spec.agg = a.agg;
  if (!a.spread.empty()) spec.spread = a.spread == "none" ? "" : a.spread;
  if (!a.step.empty()) spec.steps = SplitCommas(a.step);
  if (a.precision >= 0) spec.precision = a.precision;
  spec.format = a.format.empty() ? "text" : a.format;
  for (const std::string& l : a.labels) {
    size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0)
      return Status::Invalid("--label " + l + ": give what=shown, such as --label ensemble='Ensemble All'");
    spec.labels.insert(spec.labels.begin(), {l.substr(0, eq), l.substr(eq + 1)});
  }
  if (spec.rows.empty() || spec.value.empty())
    return Status::Invalid("give --rows and --value, or a report: table: in " + wf.path +
                           " (such as {rows: [model], cols: [task], value: accuracy})");
  if (!IsTableFormat(spec.format))
    return Status::Invalid(std::string("--format must be ") + kTableFormats + ", not '" +
                           spec.format + "'");
  for (const std::string& step : spec.steps)
    if (!wf.FindStep(step))
      return Status::Invalid("--step " + step + ": workflow '" + wf.name + "' has no step '" + step + "'");
  return spec;
}

Result<Table> BuildWorkflowTable(const Plan& plan, Store* store, const TableSpec& spec,
                                 int64_t run_id) {
  auto results = PlanResults(plan, store, run_id);
  if (!results.ok()) return results.status();
  std::vector<TableEntry> entries = TableEntries(*results, spec.value);
  // A partial gather's result (partial: true, some upstream jobs failed) is marked.
  auto partial = store->PartialJobs();
  if (!partial.ok()) return partial.status();
  for (size_t i = 0; i < entries.size(); ++i)
    entries[i].partial = (*results)[i].result && partial->count((*results)[i].result->job.id);
  bool any = false;
  for (const TableEntry& e : entries) any = any || e.value;
  if (!any)
    return Status::NotFound(
        "no succeeded job of workflow '" + plan.workflow().name + "'" +
        (run_id > 0 ? fmt::format(" in run {}", run_id) : std::string()) +
        " logged a metric named '" + spec.value + "'");
  DROVER_RETURN_IF_ERROR(CheckAxes(plan.workflow(), spec));
  return BuildTable(entries, spec, &plan.workflow());
}

}  // namespace drover
