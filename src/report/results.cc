#include "report/results.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "store/history.h"

namespace drover {

std::optional<double> LastMetric(const std::vector<MetricRecord>& metrics,
                                 const std::string& name) {
  for (auto it = metrics.rbegin(); it != metrics.rend(); ++it)
    if (it->name == name) return it->value;
  return std::nullopt;
}

Result<std::vector<JobResult>> PlanResults(const Plan& plan, Store* store, int64_t run_id) {
  auto found = store->SucceededJobs(plan.workflow().name, run_id);
  if (!found.ok()) return found.status();
  // Ordered by name and end: the last row of each name is its latest success.
  std::unordered_map<std::string, size_t> latest;
  for (size_t i = 0; i < found->size(); ++i) latest[(*found)[i].job.rec.name] = i;
  std::vector<JobResult> out;
  out.reserve(plan.jobs().size());
  for (uint32_t j : FileOrder(plan)) {
    JobResult r;
    r.job = j;
    r.step = plan.workflow().steps[plan.jobs()[j].step].name;
    r.name = plan.Name(j);
    r.params_json = plan.ParamsJson(j);
    if (auto it = latest.find(r.name); it != latest.end()) {
      r.result = (*found)[it->second];
      auto m = store->Metrics(r.result->job.id);
      if (!m.ok()) return m.status();
      r.metrics = std::move(*m);
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<uint32_t> FileOrder(const Plan& plan) {
  std::vector<uint32_t> out;
  out.reserve(plan.jobs().size());
  for (const PlanStep& ps : plan.steps()) {
    const size_t from = out.size();
    for (uint32_t j = ps.first; j < ps.first + ps.count; ++j) out.push_back(j);
    std::stable_sort(out.begin() + from, out.end(), [&](uint32_t a, uint32_t b) {
      return plan.jobs()[a].values < plan.jobs()[b].values;
    });
  }
  return out;
}

Status RecordFilePlan(const Plan& plan, Store* store) {
  std::vector<PlanJobRow> rows;
  rows.reserve(plan.jobs().size());
  for (uint32_t j : FileOrder(plan))
    rows.push_back({plan.workflow().steps[plan.jobs()[j].step].name, plan.Name(j),
                    plan.ParamsJson(j), plan.jobs()[j].key});
  Transaction tx(store);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  DROVER_RETURN_IF_ERROR(store->history()->RecordPlan(plan.workflow().name, rows));
  return tx.Commit();
}

}  // namespace drover
