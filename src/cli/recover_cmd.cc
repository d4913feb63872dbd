// `drover recover`, and the check before a run that sends users to it: a store that lost
// its latest records (engine/recover.h) is rebuilt from the job folders, never run over.
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/run_guard.h"
#include "engine/recover.h"
#include "spec/parser.h"
#include "util/shell.h"

namespace drover::cli {
namespace {

// `drover recover WORKFLOW --set ...`, as a user would type it.
std::string RecoverCommand(const std::string& workflow, const std::vector<std::string>& sets) {
  std::string out = "drover recover " + ShellQuote(workflow);
  for (const std::string& s : sets) out += " --set " + ShellQuote(s);
  return out;
}

}  // namespace

Status CheckStoreKnowsFolders(const Plan& plan, Store* store, const std::string& workflow,
                              const std::vector<std::string>& sets) {
  auto check = CheckJobFolders(plan, store);
  if (!check.ok()) return check.status();
  if (check->finished == 0) return Status::Ok();
  const bool one = check->finished == 1;
  return Status::Invalid(fmt::format(
      "the store {0}/.drover/drover.db has no record of {1} finished job{2} of this workflow, "
      "whose folder{2} ({3}{4}) still hold{5} {6} results: the store has lost its latest "
      "records (its drover.db-wal deleted or damaged after a crash?). Nothing was run or "
      "changed. To keep those results, run `{7}`, then run again; to run everything "
      "afresh instead, remove {0}/.drover/jobs first",
      store->root(), check->finished, one ? "" : "s", one ? "" : "such as ",
      store->root() + "/" + check->example,
      one ? "s" : "", one ? "its" : "their", RecoverCommand(workflow, sets)));
}

int Recover(const GlobalOptions& g, const RunArgs& a) {
  std::string path = std::filesystem::path(a.workflow).lexically_normal().string();
  Result<Workflow> wf = LoadWorkflow(path, a.sets);
  if (!wf.ok()) return Fail(wf.status());
  const std::string root = StoreRoot(g);
  Result<Plan> plan = BuildPlan(*wf, {root});
  if (!plan.ok()) return Fail(plan.status());
  auto store = OpenSqliteStore(root);
  if (!store.ok()) return Fail(store.status());
  auto lock = RunLock::Take(root);
  if (!lock.ok()) return Fail(lock.status());
  (void)(*store)->Checkpoint();
  int64_t run_id = 0;
  auto start = [&]() -> Result<int64_t> {
    nlohmann::json argv = {{"recover", wf->path}, {"set", a.sets}};
    auto id = (*store)->StartRun(wf->name, wf->path,
                                 argv.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    if (id.ok()) run_id = *id;
    return id;
  };
  auto sum = RecoverJobs(*plan, store->get(), start);
  if (!sum.ok()) {
    if (run_id) (void)(*store)->FinishRun(run_id, "crashed", "{}");
    return Fail(sum.status().With("recovering the store from the job folders"));
  }
  if (run_id) {
    nlohmann::json summary = {{"recovered", sum->succeeded}, {"failed", sum->failed}};
    if (Status st = (*store)->FinishRun(run_id, "recovered", summary.dump()); !st.ok())
      return Fail(st);
  }
  (void)(*store)->Checkpoint();
  if (sum->succeeded + sum->failed == 0)
    std::printf("drover: the store knows every job of %s that has a folder; nothing to recover\n",
                wf->name.c_str());
  else
    std::printf("drover: recovered %d jobs of %s from their folders: %d succeeded (the next "
                "`drover run` reuses them), %d did not\n",
                sum->succeeded + sum->failed, wf->name.c_str(), sum->succeeded, sum->failed);
  if (sum->trials)
    std::printf("drover: %d trial jobs of study steps were not recovered (a study's trials are "
                "recorded in the store alone): they run again\n",
                sum->trials);
  return 0;
}

}  // namespace drover::cli
