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
#include "report/workflow_table.h"
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

}  // namespace

Result<std::string> WorkflowTable(const Plan& plan, Store* store, const TableSpec& spec,
                                  int64_t run_id) {
  auto t = BuildWorkflowTable(plan, store, spec, run_id);
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
  auto store = OpenStoreToRead(g);
  if (!store.ok()) return Fail(store.status());
  auto name = WorkflowName(store->get(), a);
  if (!name.ok()) return Fail(name.status());
  auto wf = LoadStoredWorkflow(store->get(), *name);
  if (!wf.ok()) return Fail(wf.status());
  auto spec = TableSettings(*wf, TableRequest{a.rows, a.cols, a.value, a.agg, a.format, a.step,
                                              a.spread, a.labels, a.precision});
  if (!spec.ok()) return Fail(spec.status());
  auto plan = BuildPlan(*wf, {(*store)->root()});
  if (!plan.ok()) return Fail(plan.status());
  auto text = WorkflowTable(*plan, store->get(), *spec, a.run);
  if (!text.ok()) return Fail(text.status());
  std::fputs(text->c_str(), stdout);
  return 0;
}

}  // namespace drover::cli
