// The commands that get results out of the store: metrics (one job's series) and export
// (a long table of jobs for pandas, R or a spreadsheet).
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "report/export.h"
#include "store/history.h"
#include "store/results_reader.h"
#include "store/store.h"
#include "util/escape.h"
#include "util/fs.h"

namespace drover::cli {

int MetricsCmd(const GlobalOptions& g, const std::string& ref, const std::string& workflow,
               const std::string& name, const std::string& format) {
  if (format != "text" && format != "csv" && format != "jsonl")
    return Fail(Status::Invalid("--format must be text, csv or jsonl, not '" + format + "'"));
  std::unique_ptr<Store> store;
  JobRow job;
  Status st = FindJobRef(g, ref, workflow, &store, &job);
  if (!st.ok()) return Fail(st);
  auto all = store->Metrics(job.id);
  if (!all.ok()) return Fail(all.status());
  std::vector<MetricRecord> series;
  for (const MetricRecord& m : *all)
    if (name.empty() || m.name == name) series.push_back(m);
  if (series.empty()) {
    std::string logged;  // the names it did log, to pick from
    for (const MetricRecord& m : *all)
      if (logged.find(" " + m.name + ",") == std::string::npos) logged += " " + m.name + ",";
    if (!logged.empty()) logged = " (it logged" + logged.substr(0, logged.size() - 1) + ")";
    std::fprintf(stderr, "drover: job %s logged no metric%s%s\n", Escape(job.rec.name).c_str(),
                 name.empty() ? "" : (" named '" + Escape(name) + "'").c_str(),
                 Escape(logged).c_str());
    return 1;
  }
  auto text = RenderMetricSeries(series, format);
  if (!text.ok()) return Fail(text.status());
  std::fputs(format == "text" ? EscapeKeepLines(*text).c_str() : text->c_str(), stdout);
  return 0;
}

namespace {

// `picked` (one workflow's rows) in the order of the plan of the workflow's file as written,
// as the last `drover run` or `drover plan` recorded it (HistoryStore::RecordedPlan; the
// order tables show): each job of that plan once (of `step` alone when given), one the
// store has no row for as pending; rows the plan no longer makes are left out.
// drover.results() (python/drover/results.py) reads the same record. With no record (a
// workflow last run by an older drover), `picked` as it is.
Result<std::vector<JobAttempt>> InPlanOrder(Store* store, const std::string& workflow,
                                            const std::string& step,
                                            std::vector<JobAttempt> picked) {
  auto plan = store->history()->RecordedPlan(workflow, step);
  if (!plan.ok()) return plan.status();
  if (!*plan) return picked;
  std::map<std::string, const JobAttempt*> by_name;
  for (const JobAttempt& j : picked) by_name[j.job.rec.name] = &j;
  std::vector<JobAttempt> out;
  for (const PlanJobRow& r : **plan) {
    if (auto it = by_name.find(r.name); it != by_name.end()) {
      out.push_back(*it->second);
      continue;
    }
    JobAttempt j;
    j.workflow = workflow;
    j.job.rec.step = r.step;
    j.job.rec.name = r.name;
    j.job.rec.params_json = r.params_json;
    out.push_back(std::move(j));
  }
  return out;
}

// LatestSucceeded's rows, each workflow's in the order of its plan (InPlanOrder).
Result<std::vector<JobAttempt>> LatestInPlanOrder(Store* store, const std::string& step,
                                                  const std::vector<JobAttempt>& all) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<JobAttempt>> by_workflow;
  for (JobAttempt& j : LatestSucceeded(all)) {
    if (!by_workflow.count(j.workflow)) order.push_back(j.workflow);
    by_workflow[j.workflow].push_back(std::move(j));
  }
  std::vector<JobAttempt> out;
  for (const std::string& w : order) {
    auto rows = InPlanOrder(store, w, step, std::move(by_workflow[w]));
    if (!rows.ok()) return rows.status();
    for (JobAttempt& j : *rows) out.push_back(std::move(j));
  }
  return out;
}

// The rows `a` asks for: --all-runs every attempt, --run N that run's jobs with their
// latest attempts, else per job name the latest succeeded attempt (report/export.h).
Result<std::vector<ExportRow>> SelectRows(Store* store, const ExportArgs& a) {
  auto all = ReadJobAttempts(store->root(), {a.workflow, a.step, a.run});
  if (!all.ok()) return all.status();
  std::vector<JobAttempt> picked;
  if (a.all_runs) {
    picked = std::move(*all);
  } else if (a.run > 0) {
    picked = LatestAttemptPerJob(*all);
  } else {
    auto in_order = LatestInPlanOrder(store, a.step, *all);
    if (!in_order.ok()) return in_order.status();
    picked = std::move(*in_order);
  }
  std::vector<ExportRow> rows;
  for (JobAttempt& j : picked) {
    ExportRow r{std::move(j), {}, {}};
    // A job's metrics and outputs are its latest attempt's: none for an earlier one.
    const bool latest = !r.job.attempt || r.job.attempt->number == r.job.job.attempts;
    if (latest) {
      auto m = store->Metrics(r.job.job.id);
      if (!m.ok()) return m.status();
      r.metrics = std::move(*m);
      auto o = store->Artifacts(r.job.job.id);
      if (!o.ok()) return o.status();
      r.outputs = std::move(*o);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

int ExportCmd(const GlobalOptions& g, const ExportArgs& a) {
  if (a.format != "csv" && a.format != "jsonl")
    return Fail(Status::Invalid("--format must be csv or jsonl, not '" + a.format + "'"));
  if (a.all_runs && a.run > 0)
    return Fail(Status::Invalid("--run and --all-runs exclude each other: --run N exports one "
                                "run's jobs, --all-runs every attempt of every run"));
  auto store = OpenStoreToRead(g);
  if (!store.ok()) return Fail(store.status());
  auto rows = SelectRows(store->get(), a);
  if (!rows.ok()) return Fail(rows.status());
  if (rows->empty()) {
    std::string what = a.workflow.empty() ? "" : " of workflow '" + a.workflow + "'";
    if (!a.step.empty()) what += " of step '" + a.step + "'";
    if (a.run > 0) what += " planned by run " + std::to_string(a.run);
    return Fail(Status::NotFound("no job" + what + " in the store (drover runs lists the runs)"));
  }
  auto text = RenderExport(BuildExport(*rows, (*store)->root()), a.format);
  if (!text.ok()) return Fail(text.status());
  if (a.output.empty()) {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return 0;
  }
  Status st = WriteFileAtomic(a.output, *text);
  if (!st.ok()) return Fail(st);
  std::fprintf(stderr, "drover: wrote %zu rows to %s\n", rows->size(), Escape(a.output).c_str());
  return 0;
}

}  // namespace drover::cli
