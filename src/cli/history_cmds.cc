// The commands about the store's history: runs, explain (and run --dry-run --explain).
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "engine/explain.h"
#include "spec/parser.h"
#include "store/history.h"
#include "util/escape.h"
#include "util/fs.h"

namespace drover::cli {
namespace {

// "2026-12-03 14:58:10" in local time.
std::string When(double epoch_s) {
  time_t t = static_cast<time_t>(epoch_s);
  struct tm tm {};
  localtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// A count from a run's summary JSON, "-" when it has none (a run still going, crashed).
std::string Count(const nlohmann::json& summary, const char* name) {
  if (!summary.is_object() || !summary.contains(name) || !summary[name].is_number()) return "-";
  return std::to_string(summary[name].get<long long>());
}

// Names of jobs, at most `shown`, then how many more.
std::string Names(const std::vector<std::string>& names, size_t shown = 6) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

// The plan of the workflow file as `drover run` would make it.
struct Planned {
  Workflow wf;
  Plan plan;
};

Result<std::unique_ptr<Planned>> PlanFile(const std::string& root, const std::string& file,
                                          const std::vector<std::string>& sets) {
  std::string path = std::filesystem::path(file).lexically_normal().string();
  auto wf = LoadWorkflow(path, sets);
  if (!wf.ok()) return wf.status();
  auto out = std::make_unique<Planned>(Planned{std::move(*wf), Plan()});
  auto plan = BuildPlan(out->wf, {root});
  if (!plan.ok()) return plan.status();
  out->plan = std::move(*plan);
  return out;
}

}  // namespace

int PrintExplanations(const Plan& plan, Store* store, const RunOptions& opts) {
  Explainer ex(plan, store, opts);
  if (Status st = ex.Init(); !st.ok()) return Fail(st);
  std::vector<std::string> order;                      // reasons, first seen first
  std::map<std::string, std::vector<std::string>> jobs;  // reason -> job names
  for (uint32_t j = 0; j < plan.jobs().size(); ++j) {
    auto why = ex.Why(j);
    if (!why.ok()) return Fail(why.status());
    for (const RunReason& r : *why) {
      auto& names = jobs[r.text];
      if (names.empty()) order.push_back(r.text);
      names.push_back(plan.Name(j));
    }
  }
  if (order.empty()) {
    std::printf("\nnothing would run: every job is reused\n");
    return 0;
  }
  std::printf("\nwhy jobs would run:\n");
  for (const std::string& r : order) {
    const auto& names = jobs[r];
    std::printf("  %zu job%s: %s\n    %s\n", names.size(), names.size() == 1 ? "" : "s",
                Escape(r).c_str(), Escape(Names(names)).c_str());
  }
  return 0;
}

int RunsCmd(const GlobalOptions& g, int limit) {
  if (limit < 1) return Fail(Status::Invalid(fmt::format("--limit {}: give a number >= 1", limit)));
  auto store = OpenStoreToRead(g);
  if (!store.ok()) return Fail(store.status());
  auto runs = (*store)->history()->Runs(limit);
  if (!runs.ok()) return Fail(runs.status());
  if (runs->empty()) {
    std::printf("no run recorded yet\n");
    return 0;
  }
  std::printf("%5s  %-20s %-19s %9s  %-11s %6s %6s %6s\n", "run", "workflow", "started",
              "duration", "state", "ran", "reused", "failed");
  for (const RunRecord& r : *runs) {
    auto summary = nlohmann::json::parse(r.summary_json, nullptr, false);
    std::string took = r.ended > 0 ? fmt::format("{:.1f}s", r.ended - r.started) : "-";
    std::printf("%5lld  %-20s %-19s %9s  %-11s %6s %6s %6s\n", static_cast<long long>(r.id),
                Escape(r.workflow).c_str(), When(r.started).c_str(), took.c_str(),
                r.state.c_str(), Count(summary, "ran").c_str(), Count(summary, "reused").c_str(),
                Count(summary, "failed").c_str());
  }
  return 0;
}

int ExplainCmd(const GlobalOptions& g, const ExplainArgs& a) {
  std::string root = StoreRoot(g);
  auto planned = PlanFile(root, a.workflow, a.sets);
  if (!planned.ok()) return Fail(planned.status());
  const Plan& plan = (*planned)->plan;
  for (const std::string& f : a.force)
    if (!plan.workflow().FindStep(f))
      return Fail(Status::Invalid("--force " + f + ": the workflow has no step '" + f + "'"));
  uint32_t j = 0;
  while (j < plan.jobs().size() && plan.Name(j) != a.job &&
         !(a.job.size() >= 6 && plan.jobs()[j].key.rfind(a.job, 0) == 0))
    ++j;
  if (j == plan.jobs().size())
    return Fail(Status::NotFound("the plan of " + a.workflow + " has no job '" + a.job +
                                 "' (a name such as " + plan.Name(0) +
                                 ", or a key; `drover run --dry-run --explain` lists them all)"));
  if (!PathExists(root + "/.drover/drover.db")) {
    std::printf("%s would run:\n  no earlier attempt (no drover store in %s yet)\n",
                Escape(plan.Name(j)).c_str(), root.c_str());
    return 0;
  }
  auto store = OpenSqliteStore(root, StoreAccess::kReadOnly);
  if (!store.ok()) return Fail(store.status());
  RunOptions opts;
  opts.force_steps = a.force;
  Explainer ex(plan, store->get(), opts);
  if (Status st = ex.Init(); !st.ok()) return Fail(st);
  auto why = ex.Why(j);
  if (!why.ok()) return Fail(why.status());
  if (why->empty()) {
    std::printf("%s would be reused: its key %s succeeded and its outputs are intact\n",
                Escape(plan.Name(j)).c_str(), plan.jobs()[j].key.substr(0, 12).c_str());
    return 0;
  }
  std::printf("%s would run:\n", Escape(plan.Name(j)).c_str());
  for (const RunReason& r : *why)
    std::printf("  %s%s\n", Escape(r.text).c_str(),
                r.detail.empty() ? "" : (": " + Escape(r.detail)).c_str());
  return 0;
}

}  // namespace drover::cli
