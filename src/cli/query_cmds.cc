// The commands that read the store: status, jobs, show, logs (table: table_cmd.cc).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "exec/job_group.h"
#include "report/step_rows.h"
#include "report/table.h"
#include "report/workflow_table.h"
#include "store/store.h"
#include "store/study_store.h"
#include "util/escape.h"
#include "util/fs.h"

namespace drover::cli {
namespace {

// Opens the store and finds the latest run (of `workflow` if given).
Status Latest(const GlobalOptions& g, const std::string& workflow,
              std::unique_ptr<Store>* store, RunRecord* run) {
  auto s = OpenStoreToRead(g);
  if (!s.ok()) return s.status();
  auto r = (*s)->LatestRun(workflow);
  if (!r.ok()) return r.status();
  if (!*r)
    return Status::NotFound(workflow.empty() ? "no run recorded yet"
                                             : "no run of workflow '" + workflow + "'");
  *store = std::move(*s);
  *run = **r;
  return Status::Ok();
}

// The store, and the job `ref` names in (or before) the latest run of `workflow` (any
// workflow if empty). "WORKFLOW:step/axes" names the workflow in the reference itself.
Status LatestJob(const GlobalOptions& g, std::string ref, std::string workflow,
                 std::unique_ptr<Store>* store, JobRow* job) {
  const size_t colon = ref.find(':'), first_slash = ref.find('/');
  if (workflow.empty() && colon != std::string::npos && colon < first_slash) {
    workflow = ref.substr(0, colon);
    ref = ref.substr(colon + 1);
  }
  RunRecord run;
  DROVER_RETURN_IF_ERROR(Latest(g, workflow, store, &run));
  auto found = (*store)->FindJob(run.id, ref);
  if (found.ok()) {
    *job = std::move(*found);
    return Status::Ok();
  }
  // "train/seed=0,model=mlp" names the job "train/model=mlp,seed=0" too: the axes in
  // any order.
  const size_t slash = ref.find('/');
  if (found.status().code() != Code::kNotFound || slash == std::string::npos) return found.status();
  auto pairs = [](const std::string& name, size_t from) {
    std::vector<std::string> out = SplitCommas(name.substr(from));
    std::sort(out.begin(), out.end());
    return out;
  };
  const std::vector<std::string> want = pairs(ref, slash + 1);
  auto jobs = (*store)->JobsOfRun(run.id, ref.substr(0, slash), std::nullopt);
  if (!jobs.ok()) return found.status();
  for (JobRow& j : *jobs) {
    if (pairs(j.rec.name, j.rec.name.find('/') + 1) != want) continue;
    *job = std::move(j);
    return Status::Ok();
  }
  return found.status();
}

// Where an attempt ran: "local", or "slurm job 12345_7" (for sacct and seff).
std::string Where(const AttemptRecord& a) {
  const std::string prefix = "slurm:";
  if (a.handle.compare(0, prefix.size(), prefix) == 0)
    return a.executor + " job " + Escape(a.handle.substr(prefix.size()));
  return a.executor;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStoreToRead(const GlobalOptions& g) {
  std::string root = StoreRoot(g);
  if (!PathExists(root + "/.drover/drover.db"))
    return Status::NotFound("no drover store in " + root +
                            " or above: run `drover run` first, or pass --store DIR");
  return OpenSqliteStore(root, StoreAccess::kReadOnly);  // also a read-only store
}


int StatusCmd(const GlobalOptions& g, const std::string& workflow, bool all) {
  std::unique_ptr<Store> store;
  RunRecord run;
  Status st = Latest(g, workflow, &store, &run);
  if (!st.ok()) return Fail(st);
  auto jobs = store->JobsOfRun(run.id, "", std::nullopt);
  if (!jobs.ok()) return Fail(jobs.status());
  std::map<std::string, std::map<std::string, int>> by_step;
  std::vector<std::string> order;
  for (const JobRow& j : *jobs) {
    if (!by_step.count(j.rec.step)) order.push_back(j.rec.step);
    ++by_step[j.rec.step][JobStateName(j.state)];
  }
  std::printf("workflow %s, run %lld: %s\n", run.workflow.c_str(),
              static_cast<long long>(run.id), run.state.c_str());
  const char* cols[] = {"succeeded", "running", "pending", "failed", "skipped", "cancelled"};
  std::vector<StepRow> rows;
  for (const std::string& s : order) {
    rows.push_back({s, {}});
    for (const char* c : cols) rows.back().counts.push_back(by_step[s][c]);
  }
  std::vector<StepRow> shown = all ? rows : GroupStepRows(rows);
  std::printf("%-20s", "step");
  for (const char* c : cols) std::printf(" %10s", c);
  std::printf("\n");
  for (const StepRow& r : shown) {
    std::printf("%-20s", r.label.c_str());
    for (long long n : r.counts) std::printf(" %10lld", n);
    std::printf("\n");
  }
  if (shown.size() < rows.size())
    std::printf("(%zu steps in %zu rows; --all for one row per step)\n", rows.size(), shown.size());
  auto summary = nlohmann::json::parse(run.summary_json, nullptr, false);
  if (summary.is_object() && summary.contains("reused"))
    std::printf("last run: %d ran, %d reused, %d failed\n", summary.value("ran", 0),
                summary.value("reused", 0), summary.value("failed", 0));
  return 0;
}

int Jobs(const GlobalOptions& g, const std::string& step, const std::string& state,
         const std::string& workflow) {
  std::unique_ptr<Store> store;
  RunRecord run;
  Status st = Latest(g, workflow, &store, &run);
  if (!st.ok()) return Fail(st);
  std::optional<JobState> want;
  if (!state.empty()) {
    want = ParseJobState(state);
    if (!want) return Fail(Status::Invalid("--state " + state + ": use pending, running, "
                                           "succeeded, failed, skipped or cancelled"));
  }
  auto jobs = store->JobsOfRun(run.id, step, want);
  if (!jobs.ok()) return Fail(jobs.status());
  for (const JobRow& j : *jobs)
    std::printf("%-10s %-9s %d  %s\n", JobStateName(j.state), j.rec.key.substr(0, 9).c_str(),
                j.attempts, Escape(j.rec.name).c_str());
  return 0;
}

namespace {
// A trial job's parameters: its axis values (a segment's) with the trial's own on top,
// so that `drover show` prints what the command ran with, not the job's bare `{}`.
std::string TrialJobParams(const std::string& job_params, const std::string& trial_params) {
  auto merged = nlohmann::json::parse(job_params, nullptr, false);
  auto own = nlohmann::json::parse(trial_params, nullptr, false);
  if (!merged.is_object()) merged = nlohmann::json::object();
  if (own.is_object())
    for (const auto& [k, v] : own.items()) merged[k] = v;
  return merged.dump();
}
}  // namespace

int Show(const GlobalOptions& g, const std::string& ref, const std::string& workflow) {
  std::unique_ptr<Store> store;
  JobRow row;
  Status st = LatestJob(g, ref, workflow, &store, &row);
  if (!st.ok()) return Fail(st);
  const JobRow* job = &row;
  auto trial = store->studies()->LatestTrialOfJob(job->id);
  const bool is_trial = trial.ok() && *trial;
  std::printf("job      %s\nkey      %s\nstate    %s\nparams   %s\ndir      %s/%s\ncommand  %s\n",
              Escape(job->rec.name).c_str(), job->rec.key.c_str(), JobStateName(job->state),
              Escape(is_trial ? TrialJobParams(job->rec.params_json, (*trial)->second.params_json)
                              : job->rec.params_json).c_str(),
              store->root().c_str(), job->rec.dir.c_str(), EscapeKeepLines(job->rec.command).c_str());
  // What ran: command.sh, where a study's parameters or a best value filled the template.
  if (auto script = ReadFile(store->root() + "/" + job->rec.dir + "/command.sh"); script.ok()) {
    const std::string trap = "trap 'exit $?' TERM\n";
    std::string text = WithoutWrapperRecord(std::move(*script));
    size_t at = text.find(trap);
    if (at != std::string::npos) {
      std::string ran = text.substr(at + trap.size());
      while (!ran.empty() && ran.back() == '\n') ran.pop_back();
      if (ran != job->rec.command) std::printf("ran      %s\n", EscapeKeepLines(ran).c_str());
    }
  }
  if (is_trial) {
    const auto& [study, t] = **trial;
    std::printf("trial    %s #%lld %s%s\n", Escape(study).c_str(), static_cast<long long>(t.number),
                t.state.c_str(), t.value ? fmt::format(" value={}", *t.value).c_str() : "");
  }
  // A partial gather (partial: true) that ran without some of the jobs it gathers.
  if (auto missing = store->JobMissing(job->id); missing.ok() && *missing)
    std::printf("partial  ran without %s (they did not succeed)\n", Escape(**missing).c_str());
  auto atts = store->Attempts(job->id);
  if (atts.ok())
    for (const AttemptRecord& a : *atts)
      std::printf("attempt  %d %s %s exit=%d %.1fs rss=%lldkB %s\n", a.number,
                  AttemptStateName(a.state), Where(a).c_str(), a.exit_code,
                  a.ended > a.started ? a.ended - a.started : 0.0,
                  static_cast<long long>(a.max_rss_kb), Escape(a.reason).c_str());
  auto arts = store->Artifacts(job->id);
  if (arts.ok())
    for (const ArtifactRecord& a : *arts)
      std::printf("output   %s (%lld bytes, %s)\n", Escape(a.path).c_str(),
                  static_cast<long long>(a.size), a.hash.substr(0, 12).c_str());
  auto ms = store->Metrics(job->id);
  if (ms.ok()) {
    // Each metric's last value and how long its history is (`drover metrics` prints it).
    std::map<std::string, std::pair<MetricRecord, size_t>> last;
    for (const MetricRecord& m : *ms) last[m.name] = {m, last[m.name].second + 1};
    for (const auto& [name, mn] : last)
      std::printf("metric   %s = %g (%zu value%s%s)\n", Escape(name).c_str(), mn.first.value,
                  mn.second, mn.second == 1 ? "" : "s",
                  mn.first.step ? fmt::format(", last at step {}", *mn.first.step).c_str() : "");
  }
  return 0;
}

Status FindJobRef(const GlobalOptions& g, const std::string& ref, const std::string& workflow,
                  std::unique_ptr<Store>* store, JobRow* job) {
  return LatestJob(g, ref, workflow, store, job);
}

int Logs(const GlobalOptions& g, const std::string& ref, const std::string& workflow, bool only_err,
         bool only_out, int attempt) {
  std::unique_ptr<Store> store;
  JobRow row;
  Status st = LatestJob(g, ref, workflow, &store, &row);
  if (!st.ok()) return Fail(st);
  const JobRow* job = &row;
  std::string dir = store->root() + "/" + job->rec.dir;
  // The latest attempt's logs are in the job's folder; earlier ones in attempts/N.*.
  int latest = 0;
  if (auto atts = store->Attempts(job->id); atts.ok())
    for (const AttemptRecord& a : *atts) latest = std::max(latest, a.number);
  if (attempt < 0 || (attempt > 0 && attempt > latest))
    return Fail(Status::Invalid(fmt::format("job {} has {} attempt{}; --attempt takes 1 to {}",
                                            job->rec.name, latest, latest == 1 ? "" : "s",
                                            std::max(latest, 1))));
  const std::string prefix = attempt > 0 && attempt < latest
                                 ? dir + "/attempts/" + std::to_string(attempt) + "."
                                 : dir + "/";
  for (const char* f : {"stdout", "stderr"}) {
    if ((only_err && f[3] == 'o') || (only_out && f[3] == 'e')) continue;
    auto text = ReadFile(prefix + f);
    if (!only_err && !only_out) std::printf("==> %s%s <==\n", prefix.c_str(), f);
    if (text.ok()) std::fwrite(text->data(), 1, text->size(), stdout);
  }
  return 0;
}

}  // namespace drover::cli
