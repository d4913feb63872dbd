// GET /api/v1/table: the results tables of `drover table` (report/workflow_table.h), as
// JSON: labels and formatted cells, plus the same table as CSV for a download.
#include <nlohmann/json.hpp>

#include "plan/plan.h"
#include "report/workflow_table.h"
#include "server/api.h"
#include "server/http_util.h"

namespace drover::server {
namespace {

using nlohmann::json;

// The workflow the request names, else the latest run's.
Result<std::string> WorkflowName(Store* store, const httplib::Request& req) {
  if (req.has_param("workflow")) return req.get_param_value("workflow");
  auto run = store->LatestRun("");
  if (!run.ok()) return run.status();
  if (!*run) return Status::NotFound("no run recorded yet: the store has no table");
  return (*run)->workflow;
}

void GetTable(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto precision = IntParam(req, "precision", -1, 0, kMaxPrecision);
  auto run = IntParam(req, "run", 0, 0, INT64_MAX);
  if (!precision.ok()) return SendStatus(res, precision.status());
  if (!run.ok()) return SendStatus(res, run.status());
  auto store = ThreadStore(ctx);
  if (!store.ok()) return SendStatus(res, store.status());
  auto name = WorkflowName(*store, req);
  if (!name.ok()) return SendStatus(res, name.status());
  auto wf = LoadStoredWorkflow(*store, *name);
  if (!wf.ok()) return SendStatus(res, wf.status());
  TableRequest r;
  r.rows = req.get_param_value("rows");
  r.cols = req.get_param_value("cols");
  r.value = req.get_param_value("value");
  r.agg = req.get_param_value("agg");
  r.spread = req.get_param_value("spread");
  r.step = req.get_param_value("step");
  r.precision = static_cast<int>(*precision);
  auto spec = TableSettings(*wf, r);
  if (!spec.ok()) return SendStatus(res, spec.status());
  auto plan = BuildPlan(*wf, {ctx.store_root});
  if (!plan.ok()) return SendStatus(res, plan.status());
  auto t = BuildWorkflowTable(*plan, *store, *spec, *run);
  if (!t.ok()) return SendStatus(res, t.status());
  json axes = json::array();
  for (const auto& a : wf->axes) axes.push_back(a.name);
  SendJson(res, 200, {{"workflow", *name}, {"value", spec->value}, {"agg", spec->agg},
                      {"rows", spec->rows}, {"cols", spec->cols}, {"axes", axes},
                      {"corner", t->corner}, {"row_labels", t->row_labels},
                      {"col_labels", t->col_labels}, {"cells", t->cells},
                      {"footnotes", t->footnotes}, {"csv", RenderTable(*t, "csv")}});
}

}  // namespace

void RegisterTableRoutes(httplib::Server& srv, const ServeContext& ctx) {
  srv.Get("/api/v1/table", [ctx](const httplib::Request& q, httplib::Response& r) { GetTable(ctx, q, r); });
}

}  // namespace drover::server
