#include "engine/estimates.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <unordered_map>

namespace drover {
namespace {

// Passes over small graphs are nearly free: this many graph elements are always allowed.
constexpr int64_t kFreeVisits = 20'000'000;

struct Sum {
  double seconds = 0;
  int64_t count = 0;
};

}  // namespace

Estimates::Estimates(const Plan& plan, const std::vector<uint32_t>& dep_off,
                     const std::vector<uint32_t>& dep_list)
    : plan_(plan), dep_off_(dep_off), dep_list_(dep_list) {
  size_t n = plan.jobs().size();
  own_.assign(n, -1.0f);
  started_.assign(n, false);
  est_.assign(n, 0);
  path_.assign(n, 0);
  steps_.resize(plan.steps().size());
  // A job's consumers have a smaller depth (jobs left to the end): a counting sort
  // by depth puts every job after its consumers, in linear time.
  uint32_t max_depth = 0;
  for (const PlannedJob& pj : plan.jobs()) max_depth = std::max(max_depth, pj.depth);
  std::vector<uint32_t> start(max_depth + 2, 0);
  for (const PlannedJob& pj : plan.jobs()) ++start[pj.depth + 1];
  for (size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
  order_.resize(n);
  for (uint32_t j = 0; j < n; ++j) order_[start[plan.jobs()[j].depth]++] = j;
  for (uint32_t j = 0; j < n; ++j) ++steps_[plan.jobs()[j].step].waiting;
}

Status Estimates::Load(Store* store) {
  const Workflow& wf = plan_.workflow();
  std::unordered_map<std::string_view, uint32_t> step_index;
  for (uint32_t s = 0; s < wf.steps.size(); ++s) step_index.emplace(wf.steps[s].name, s);
  // By a 64-bit hash of the job's name: no string kept per row (a collision would
  // only blur one estimate). Trial slots of a study share their step's mean: the
  // slots' order is the study's.
  std::unordered_map<size_t, Sum> by_name;
  std::hash<std::string_view> hash;
  Status st = store->ForEachSucceededDuration(
      wf.name, [&](std::string_view step, std::string_view name, double seconds) {
        auto it = step_index.find(step);
        if (it == step_index.end()) return;
        StepStats& s = steps_[it->second];
        s.sum += seconds;
        ++s.count;
        if (wf.steps[it->second].study) return;
        Sum& own = by_name[hash(name)];
        own.seconds += seconds;
        ++own.count;
      });
  if (!st.ok()) return st;
  for (uint32_t s = 0; s < steps_.size() && !by_name.empty(); ++s) {
    if (steps_[s].count == 0 || wf.steps[s].study) continue;
    const PlanStep& ps = plan_.steps()[s];
    for (uint32_t j = ps.first; j < ps.first + ps.count; ++j) {
      auto it = by_name.find(hash(plan_.Name(j)));
      if (it == by_name.end()) continue;
      own_[j] = static_cast<float>(it->second.seconds / it->second.count);
      --steps_[s].waiting;  // uses its own history, not the step's mean
    }
  }
  Compute();
  return Status::Ok();
}

double Estimates::Estimate(uint32_t j) const {
  if (own_[j] >= 0) return own_[j];
  const StepStats& s = steps_[plan_.jobs()[j].step];
  if (s.count > 0) return s.sum / s.count;
  double walltime = plan_.workflow().steps[plan_.jobs()[j].step].resources.walltime_s;
  return walltime > 0 ? walltime : kDefaultEstimateS;
}

EstimateSource Estimates::source(uint32_t j) const {
  if (own_[j] >= 0) return EstimateSource::kSameJob;
  uint32_t step = plan_.jobs()[j].step;
  if (steps_[step].count > 0) return EstimateSource::kStepMean;
  return plan_.workflow().steps[step].resources.walltime_s > 0 ? EstimateSource::kWalltime
                                                               : EstimateSource::kDefault;
}

void Estimates::Compute() {
  for (uint32_t j = 0; j < est_.size(); ++j) est_[j] = Estimate(j);
  for (uint32_t j : order_) {
    double after = 0;
    for (uint32_t k = dep_off_[j]; k < dep_off_[j + 1]; ++k)
      after = std::max(after, path_[dep_list_[k]]);
    path_[j] = est_[j] + after;
  }
  for (StepStats& s : steps_) {
    s.used_count = s.count;
    s.used = s.count > 0 ? s.sum / s.count : 0;
  }
  spent_ += static_cast<int64_t>(est_.size() + dep_list_.size());
  dirty_ = false;
}

void Estimates::Started(uint32_t j) {
  if (started_[j]) return;
  started_[j] = true;
  if (own_[j] < 0) --steps_[plan_.jobs()[j].step].waiting;
}

void Estimates::Succeeded(uint32_t j, double seconds) {
  StepStats& s = steps_[plan_.jobs()[j].step];
  s.sum += seconds;
  ++s.count;
  if (s.waiting <= 0) return;  // no job's order depends on this mean any more
  if (s.used_count == 0) {     // the first mean: the step's estimate changes its source
    dirty_ = true;
    return;
  }
  double mean = s.sum / s.count;
  if (s.count >= 2 * s.used_count && std::abs(mean - s.used) > kRecomputeChange * s.used)
    dirty_ = true;
}

bool Estimates::Update() {
  if (!dirty_) return false;
  int64_t pass = static_cast<int64_t>(est_.size() + dep_list_.size());
  if (spent_ + pass > kFreeVisits + kRecomputePasses * pass) return false;
  Compute();
  return true;
}

}  // namespace drover
