// `drover run` and `drover plan`.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_guard.h"
#include "engine/engine.h"
#include "engine/printer.h"
#include "engine/study_driver.h"
#include "exec/local.h"
#include "exec/routing.h"
#include "exec/slurm.h"
#include "plan/plan.h"
#include "report/results.h"
#include "report/step_rows.h"
#include "report/table.h"
#include "spec/parser.h"
#include "spec/reader.h"
#include "util/clock.h"
#include "util/escape.h"
#include "util/fs.h"
#include "util/signals.h"
#include "util/trace.h"

namespace drover::cli {
namespace {

// "2" (ids 0 and 1) or "0,3" (those ids): each id a whole number, no id twice.
Status ParseGpus(const std::string& text, std::vector<std::string>* ids) {
  if (text.empty()) return Status::Ok();
  auto bad = [&](const std::string& why) {
    return Status::Invalid("--gpus " + text + ": " + why +
                           "; give a count (--gpus 2: ids 0 and 1) or ids (--gpus 0,3)");
  };
  auto number = [](const std::string& s) {
    return !s.empty() && s.size() <= 6 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (number(text)) {
    for (int i = 0; i < std::stoi(text); ++i) ids->push_back(std::to_string(i));
    return Status::Ok();
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string id = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!number(id)) return bad(id.empty() ? "an empty id" : "'" + id + "' is not a GPU id");
    if (std::find(ids->begin(), ids->end(), std::to_string(std::stoi(id))) != ids->end())
      return bad("id " + id + " appears twice");
    ids->push_back(std::to_string(std::stoi(id)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return Status::Ok();
}

std::string PythonDir() {
  std::string src = std::string(DROVER_SOURCE_DIR) + "/python";
  if (PathExists(src + "/drover/__init__.py")) return src;
  return SelfExeDir() + "/../python";
}

Result<RunOptions> Options(const RunArgs& a) {
  if (a.jobs < 0) return Status::Invalid(fmt::format("-j {}: give a number of jobs >= 1 (0 or none: one per CPU)", a.jobs));
  if (a.cpus < 0 || std::isnan(a.cpus))
    return Status::Invalid(fmt::format("--cpus {}: give a number of CPUs > 0 (none: all of them)", a.cpus));
  RunOptions o;
  o.max_jobs = a.jobs;
  o.cpus = a.cpus;
  o.fail_fast = a.fail_fast;
  o.force_steps = a.force;
  o.python_dir = PythonDir();
  if (!a.memory.empty()) {
    auto m = ParseMemory(a.memory);
    if (!m.ok()) return m.status().With("--memory");
    if (*m < (int64_t{1} << 20))
      return Status::Invalid("--memory " + a.memory + ": less than a megabyte; give a size such as 512M or 16G");
    o.memory_bytes = *m;
  }
  DROVER_RETURN_IF_ERROR(ParseGpus(a.gpus, &o.gpu_ids));
  return o;
}

// `all`: one row per step; otherwise grouped past 30 steps (report/step_rows.h).
// `explain`: then why each job would run (history_cmds.cc).
int DryRun(const Plan& plan, Store* store, const RunOptions& opts, bool all, bool explain) {
  if (Status st = StudyDriver::Check(plan, store); !st.ok()) return Fail(st);  // as run would
  auto f = Forecast(plan, store, opts);
  if (!f.ok()) return Fail(f.status());
  long long run = 0, reused = 0;
  std::vector<StepRow> rows;
  for (const StepForecast& s : *f) {
    rows.push_back({s.step, {s.run, s.reused}});
    run += s.run;
    reused += s.reused;
  }
  std::vector<StepRow> shown = all ? rows : GroupStepRows(rows);
  std::printf("%-24s %8s %8s\n", "step", "run", "reused");
  for (const StepRow& r : shown)
    std::printf("%-24s %8lld %8lld\n", r.label.c_str(), r.counts[0], r.counts[1]);
  std::printf("%-24s %8lld %8lld\n", "total", run, reused);
  if (shown.size() < rows.size())
    std::printf("(%zu steps in %zu rows; --all for one row per step)\n", rows.size(), shown.size());
  return explain ? PrintExplanations(plan, store, opts) : 0;
}

std::string Summary(const RunSummary& s) {
  std::string out = fmt::format("drover: {} jobs: {} ran, {} reused", s.total, s.succeeded,
                                s.reused);
  if (s.failed) out += fmt::format(", {} FAILED", s.failed);
  if (s.skipped) out += fmt::format(", {} skipped (a dependency failed)", s.skipped);
  if (s.cancelled) out += fmt::format(", {} cancelled", s.cancelled);
  if (s.adopted) out += fmt::format(", {} adopted from an earlier run", s.adopted);
  return out + fmt::format(", in {:.1f}s", s.seconds);
}

// Every executor a run may need: local, and Slurm (also to adopt Slurm jobs of an
// earlier run). Slurm's files go under .drover/slurm.
std::unique_ptr<Executor> Executors(const Workflow& wf, const std::string& root) {
  std::string wrapper = SelfExeDir() + "/drover-job";
  std::vector<std::unique_ptr<Executor>> all;
  all.push_back(NewLocalExecutor(wrapper));
  SlurmExecutorOptions so;
  so.wrapper = wrapper;
  so.state_dir = root + "/.drover/slurm";
  so.poll_s = wf.slurm_poll_s;
  all.push_back(NewSlurmExecutor(so, NewSlurmCommands()));
  return NewRoutingExecutor(std::move(all));
}

// .drover/drover.pid names the running `drover run`, for `drover cancel`.
class PidFile {
 public:
  explicit PidFile(std::string path) : path_(std::move(path)) {
    (void)WriteFileAtomic(path_, std::to_string(getpid()) + "\n");
  }
  ~PidFile() { ::unlink(path_.c_str()); }
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

 private:
  std::string path_;
};

// Records the plan of the workflow's file as written in the store (report/results.h
// RecordFilePlan), for exports and drover.results(): `plan` itself, or, for a run with
// --set, the file's plan without them. A file that plans only with its --set values
// leaves the earlier record as it is.
Status RecordPlanAsWritten(const Plan& plan, const std::string& path,
                           const std::vector<std::string>& sets, Store* store) {
  TracePhase t("record the plan as written");
  if (sets.empty()) return RecordFilePlan(plan, store);
  auto wf = LoadWorkflow(path);
  if (!wf.ok()) return Status::Ok();
  auto whole = BuildPlan(*wf, {store->root()});
  if (!whole.ok()) return Status::Ok();
  return RecordFilePlan(*whole, store);
}

}  // namespace

int Fail(const Status& st) {
  std::fprintf(stderr, "drover: %s\n", EscapeKeepLines(st.message()).c_str());  // values may hold control bytes
  return st.code() == Code::kInvalid || st.code() == Code::kNotFound ? 2 : 1;
}

std::string StoreRoot(const GlobalOptions& g) {
  if (!g.store_dir.empty()) return std::filesystem::absolute(g.store_dir).string();
  std::filesystem::path here = std::filesystem::current_path();
  for (auto p = here; !p.empty(); p = p.parent_path()) {
    if (PathExists((p / ".drover").string())) return p.string();
    if (p == p.root_path()) break;
  }
  return here.string();
}

int Run(const GlobalOptions& g, const RunArgs& a) {
  const double started = MonotonicSeconds();  // the time printed counts loading and planning
  // "./x/../drover.yaml" -> "drover.yaml": keeps messages short and paths clean.
  std::string path = std::filesystem::path(a.workflow).lexically_normal().string();
  Result<Workflow> wf = [&] {
    TracePhase t("load workflow");
    return LoadWorkflow(path, a.sets);
  }();
  if (!wf.ok()) return Fail(wf.status());
  if (!a.executor.empty()) {  // --executor: every step runs there
    if (a.executor != "local" && a.executor != "slurm")
      return Fail(Status::Invalid("--executor " + a.executor + ": use local or slurm"));
    wf->executor = a.executor;
    for (Step& s : wf->steps) s.executor = a.executor;
  }
  auto opts = Options(a);
  if (!opts.ok()) return Fail(opts.status());
  for (const std::string& f : a.force) {
    if (wf->FindStep(f)) continue;
    std::vector<std::string> names;
    for (const Step& st : wf->steps) names.push_back(st.name);
    return Fail(Status::Invalid("--force " + f + ": the workflow has no step '" + f + "'" +
                                spec::Suggest(f, names)));
  }
  std::string root = StoreRoot(g);
  Result<Plan> plan = [&] {
    TracePhase t("build plan");
    return BuildPlan(*wf, {root});
  }();
  if (!plan.ok()) return Fail(plan.status());
  if (a.dry_run && !PathExists(root + "/.drover/drover.db")) {
    // Nothing is stored yet, so everything would run; a dry run leaves no store behind,
    // so it forecasts against an empty one in a temporary folder.
    char tmpl[] = "/tmp/drover-dry-run.XXXXXX";
    if (!mkdtemp(tmpl)) return Fail(Status::FromErrno("creating a temporary folder", errno));
    int rc = 0;
    {
      auto empty = OpenSqliteStore(tmpl);
      rc = empty.ok() ? DryRun(*plan, empty->get(), *opts, a.all_steps, a.explain) : Fail(empty.status());
    }
    std::error_code ec;
    std::filesystem::remove_all(tmpl, ec);
    return rc;
  }
  auto store = OpenSqliteStore(root);
  if (!store.ok()) return Fail(store.status());
  if (a.dry_run) return DryRun(*plan, store->get(), *opts, a.all_steps, a.explain);
  auto lock = RunLock::Take(root);
  if (!lock.ok()) return Fail(lock.status());
  (void)(*store)->Checkpoint();  // what a killed drover left in the WAL, into drover.db
  if (Status st = CheckStoreKnowsFolders(*plan, store->get(), path, a.sets); !st.ok())
    return Fail(st);
  // Refusals come before the run is recorded: a refused run is not the latest run.
  if (Status st = CheckRunnable(*plan, store->get(), *opts); !st.ok()) return Fail(st);
  nlohmann::json argv = {{"workflow", wf->path}, {"set", a.sets}, {"force", a.force},
                         {"executor", a.executor}};
  auto run_id = (*store)->StartRun(wf->name, wf->path,  // bytes that are not UTF-8: U+FFFD
                                   argv.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (!run_id.ok()) return Fail(run_id.status());
  if (Status st = RecordPlanAsWritten(*plan, path, a.sets, store->get()); !st.ok()) {
    (void)(*store)->FinishRun(*run_id, "crashed", "{}");
    return Fail(st);
  }
  InstallSignalHandlers();
  auto exec = Executors(*wf, root);
  PidFile pid_file(root + "/.drover/drover.pid");
  Printer printer = Printer::ForStdout(a.quiet);
  RunOptions o = *opts;
  o.plan_only = a.plan_only;
  auto sum = RunPlan(*plan, store->get(), exec.get(), &printer, o, *run_id);
  if (!sum.ok()) {
    (void)(*store)->FinishRun(*run_id, "crashed", "{}");
    (void)(*store)->Checkpoint();
    return Fail(sum.status());
  }
  RunSummary s = *sum;
  s.seconds = MonotonicSeconds() - started;
  std::string state = s.interrupted ? "interrupted"
                      : s.failed      ? "failed"
                      : a.plan_only   ? "planned"
                                      : "succeeded";
  nlohmann::json summary = {{"total", s.total}, {"ran", s.succeeded}, {"reused", s.reused},
                            {"failed", s.failed}, {"skipped", s.skipped},
                            {"cancelled", s.cancelled}, {"seconds", s.seconds}};
  Status fin = (*store)->FinishRun(*run_id, state, summary.dump());
  if (!fin.ok()) return Fail(fin);
  (void)(*store)->Checkpoint();  // drover.db alone holds the run (busy readers: later)
  if (a.plan_only) {
    std::printf("drover: planned %d jobs (%d reusable) in %.1fs\n", s.total, s.reused, s.seconds);
    return 0;
  }
  std::printf("%s\n", Summary(s).c_str());
  if (s.interrupted) return 130;
  if (Status st = WriteReport(*wf, a.sets.empty() ? &*plan : nullptr, store->get()); !st.ok()) {
    Fail(st);
    return s.failed ? 1 : 2;
  }
  return s.failed ? 1 : 0;
}

}  // namespace drover::cli
