// GET /api/v1/runs, GET /api/v1/runs/{id}: runs with their jobs' counts per step and state.
#include <nlohmann/json.hpp>

#include <set>

#include "engine/cancel.h"
#include "server/api.h"
#include "server/http_util.h"
#include "spec/parser.h"
#include "spec/template.h"

namespace drover::server {
namespace {

using nlohmann::json;

// A time, or null when unset (0).
json Time(double t) { return t > 0 ? json(t) : json(nullptr); }

// A run as the API shows it; counts as ApiReader::Counts reads them.
json RunJson(const RunRecord& r,
             const std::vector<std::pair<std::string, std::map<std::string, int64_t>>>& counts) {
  json j = {{"id", r.id}, {"workflow", r.workflow}, {"started", Time(r.started)},
            {"ended", Time(r.ended)}, {"state", r.state}};
  json by_step = json::object(), steps = json::array();
  for (const auto& [step, states] : counts) {
    by_step[step] = states;
    steps.push_back(step);
  }
  j["counts"] = by_step;
  j["steps"] = steps;  // the steps in plan order (counts is an object)
  const json summary = json::parse(r.summary_json, nullptr, false);
  for (const char* k : {"ran", "reused", "failed"})
    j[k] = summary.is_object() && summary.contains(k) && summary[k].is_number() ? summary[k]
                                                                               : json(nullptr);
  return j;
}

// Each step's upstream steps (those its run: references, its after: list, its study's
// warm start), read from the workflow file at `path` as it is now. Empty when the
// file is gone or no longer loads: the graph is then drawn without edges.
std::map<std::string, std::vector<std::string>> StepEdges(const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  if (path.empty()) return out;
  auto wf = LoadWorkflow(path);
  if (!wf.ok()) return out;
  for (const Step& step : wf->steps) {
    std::vector<std::string>& up = out[step.name];
    std::set<std::string> seen;
    auto add = [&](const std::string& name) {
      if (name != step.name && wf->FindStep(name) && seen.insert(name).second) up.push_back(name);
    };
    auto parts = ParseTemplate(step.run, nullptr);
    if (parts.ok())
      for (const TemplatePart& p : *parts)
        if (p.kind == TemplatePart::Kind::kRef) add(p.step);
    for (const std::string& a : step.after) add(a);
    if (step.study && !step.study->warm_start.empty()) add(step.study->warm_start);
  }
  return out;
}

// The run's steps as a graph: [{name, after: [upstream steps of this run], counts}], in
// plan order.
json GraphJson(const std::map<std::string, std::vector<std::string>>& edges,
               const std::vector<std::pair<std::string, std::map<std::string, int64_t>>>& counts) {
  std::set<std::string> in_run;
  for (const auto& c : counts) in_run.insert(c.first);
  json graph = json::array();
  for (const auto& [step, states] : counts) {
    json after = json::array();
    auto it = edges.find(step);
    if (it != edges.end())
      for (const std::string& u : it->second)
        if (in_run.count(u)) after.push_back(u);
    graph.push_back({{"name", step}, {"after", after}, {"counts", states}});
  }
  return graph;
}

void GetRuns(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto limit = IntParam(req, "limit", 50, 1, 1000);
  if (!limit.ok()) return SendStatus(res, limit.status());
  auto reader = ThreadReader(ctx);
  if (!reader.ok()) return SendStatus(res, reader.status());
  auto runs = (*reader)->Runs(req.get_param_value("workflow"), *limit);
  if (!runs.ok()) return SendStatus(res, runs.status());
  json out = json::array();
  for (const RunRecord& r : *runs) {
    auto counts = (*reader)->Counts(r.id);
    if (!counts.ok()) return SendStatus(res, counts.status());
    out.push_back(RunJson(r, *counts));
  }
  SendJson(res, 200, {{"runs", out}});
}

void GetRun(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string id_text = req.matches[1];
  auto store = ThreadStore(ctx);
  if (!store.ok()) return SendStatus(res, store.status());
  auto run = (*store)->RunById(std::stoll(id_text));
  if (!run.ok()) return SendStatus(res, run.status());
  if (!*run) return SendError(res, 404, "no run " + id_text + " (GET /api/v1/runs lists them)");
  auto reader = ThreadReader(ctx);
  if (!reader.ok()) return SendStatus(res, reader.status());
  auto counts = (*reader)->Counts((*run)->id);
  if (!counts.ok()) return SendStatus(res, counts.status());
  auto path = (*store)->WorkflowPath((*run)->workflow);
  if (!path.ok()) return SendStatus(res, path.status());
  json out = RunJson(**run, *counts);
  out["graph"] = GraphJson(StepEdges(*path), *counts);
  SendJson(res, 200, out);
}

// POST /api/v1/runs/{id}/cancel: what `drover cancel` does, for the store's latest run
// only (409 for an older run or one that is not running).
void CancelRun(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const int64_t id = std::stoll(std::string(req.matches[1]));
  auto store = ThreadStore(ctx);
  if (!store.ok()) return SendStatus(res, store.status());
  auto run = (*store)->RunById(id);
  if (!run.ok()) return SendStatus(res, run.status());
  if (!*run) return SendError(res, 404, "no run " + std::to_string(id));
  auto latest = (*store)->LatestRun("");
  if (!latest.ok()) return SendStatus(res, latest.status());
  if ((*latest)->id != id)
    return SendError(res, 409, "run " + std::to_string(id) + " is not the store's latest run (" +
                                   std::to_string((*latest)->id) + "): only the latest can be "
                                   "cancelled, as with `drover cancel`");
  if ((*run)->state != "running")
    return SendError(res, 409, "run " + std::to_string(id) + " is not running (it " +
                                   (*run)->state + "); nothing to cancel");
  json said = json::array();
  auto r = CancelLatestRun(ctx.store_root, [&](const std::string& line) { said.push_back(line); });
  if (!r.ok()) return SendStatus(res, r.status());
  SendJson(res, 200, {{"run", r->run_id}, {"cancelled", r->cancelled}, {"slurm", r->slurm},
                      {"local", r->local}, {"messages", said}});
}

}  // namespace

void RegisterRunRoutes(httplib::Server& srv, const ServeContext& ctx) {
  srv.Get("/api/v1/runs", [ctx](const httplib::Request& q, httplib::Response& r) { GetRuns(ctx, q, r); });
  srv.Get(R"(/api/v1/runs/(\d{1,18}))",
          [ctx](const httplib::Request& q, httplib::Response& r) { GetRun(ctx, q, r); });
  srv.Post(R"(/api/v1/runs/(\d{1,18})/cancel)",
           [ctx](const httplib::Request& q, httplib::Response& r) { CancelRun(ctx, q, r); });
}

}  // namespace drover::server
