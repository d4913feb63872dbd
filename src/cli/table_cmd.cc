// `drover table` and the report a run writes: the workflow's table, built from the plan
// of its file as written and filled with each job's latest result (report/results.h).
#include <cstdio>
#include <filesystem>
#include <optional>
#include <fmt/format.h>

#include "cli/commands.h"
#include "plan/plan.h"
#include "report/results.h"
#include "report/table.h"
#include "spec/parser.h"
#include "store/store.h"
#include "util/fs.h"

namespace drover::cli {
namespace {

// The workflow's name `drover table` shows: that of --run, else --workflow, else of
// ./drover.yaml when the store knows it, else of the latest run.
Result<std::string> WorkflowName(Store* store, const TableArgs& a) {
  if (a.run > 0) {
    auto run = store->RunById(a.run);
    if (!run.ok()) return run.status();
    if (!*run) return Status::NotFound(fmt::format("no run {} in the store; `drover runs` lists them", a.run));
    if (!a.workflow.empty() && (*run)->workflow != a.workflow)
      return Status::Invalid(fmt::format("run {} is of workflow '{}', not '{}'", a.run,
                                         (*run)->workflow, a.workflow));
    return (*run)->workflow;
  }
  if (!a.workflow.empty()) return a.workflow;
  if (PathExists("drover.yaml"))
    if (auto here = LoadWorkflow("drover.yaml"); here.ok())
      if (auto path = store->WorkflowPath(here->name); path.ok() && !path->empty())
        return here->name;
  auto run = store->LatestRun("");
  if (!run.ok()) return run.status();
  if (!*run) return Status::NotFound("no run recorded yet");
  return (*run)->workflow;
}

// The workflow file last run as `name`, as written (no --set).
Result<Workflow> LoadNamed(Store* store, const std::string& name) {
  auto path = store->WorkflowPath(name);
  if (!path.ok()) return path.status();
  if (path->empty()) return Status::NotFound("no run of workflow '" + name + "'");
  if (!PathExists(*path))
    return Status::NotFound("the table of workflow '" + name + "' is built from its file " +
                            *path + ", which is gone; run the workflow from its new place first");
  return LoadWorkflow(*path);
}

// The table's settings: the workflow's report.table, with what the command line gives on top.
Result<TableSpec> Settings(const Workflow& wf, const TableArgs& a) {
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

// Rows and columns name axes of the workflow.
Status CheckAxes(const Workflow& wf, const TableSpec& spec) {
  for (const auto& axes : {spec.rows, spec.cols})
    for (const std::string& axis : axes)
      if (!wf.FindAxis(axis))
        return Status::Invalid("workflow '" + wf.name + "' has no axis '" + axis + "' (" + wf.path + ")");
  return Status::Ok();
}

}  // namespace

Result<std::string> WorkflowTable(const Plan& plan, Store* store, const TableSpec& spec,
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
  auto t = BuildTable(entries, spec, &plan.workflow());
  if (!t.ok()) return t.status();
  return RenderTable(*t, spec.format);
}

Status WriteReport(const Workflow& wf, const Plan* as_written, Store* store) {
  if (!wf.report) return Status::Ok();
  // A run with --set plans a part of the workflow; the table is the whole file's.
  std::optional<Workflow> whole;
  std::optional<Plan> plan;
  if (as_written == nullptr) {
    auto w = LoadWorkflow(wf.path);
    if (!w.ok()) return w.status();
    whole.emplace(std::move(*w));
    auto p = BuildPlan(*whole, {store->root()});
    if (!p.ok()) return p.status();
    plan.emplace(std::move(*p));
    as_written = &*plan;
  }
  auto text = WorkflowTable(*as_written, store, *wf.report, 0);
  if (!text.ok())
    return Status::Invalid("report: " + text.status().message() +
                           "; check report: table: value: in " + wf.path);
  std::printf("\n%s", text->c_str());
  if (wf.report->path.empty()) return Status::Ok();
  std::string path = wf.dir + "/" + wf.report->path;
  DROVER_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(path).parent_path().string()));
  DROVER_RETURN_IF_ERROR(WriteFileAtomic(path, *text));
  std::printf("table written to %s\n", path.c_str());
  return Status::Ok();
}

int TableCmd(const GlobalOptions& g, const TableArgs& a) {
  std::string root = StoreRoot(g);
  if (!PathExists(root + "/.drover/drover.db"))
    return Fail(Status::NotFound("no drover store in " + root +
                                 " or above: run `drover run` first, or pass --store DIR"));
  auto store = OpenSqliteStore(root, StoreAccess::kReadOnly);
  if (!store.ok()) return Fail(store.status());
  auto name = WorkflowName(store->get(), a);
  if (!name.ok()) return Fail(name.status());
  auto wf = LoadNamed(store->get(), *name);
  if (!wf.ok()) return Fail(wf.status());
  auto spec = Settings(*wf, a);
  if (!spec.ok()) return Fail(spec.status());
  auto plan = BuildPlan(*wf, {root});
  if (!plan.ok()) return Fail(plan.status());
  auto text = WorkflowTable(*plan, store->get(), *spec, a.run);
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return 0;
}

}  // namespace drover::cli
