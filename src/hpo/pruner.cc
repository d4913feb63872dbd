#include "hpo/pruner.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace drover::hpo {

double Percentile(std::vector<double> xs, double p) {
  xs.erase(std::remove_if(xs.begin(), xs.end(), [](double x) { return std::isnan(x); }), xs.end());
  if (xs.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(xs.begin(), xs.end());
  const double rank = p / 100.0 * (xs.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, xs.size() - 1);
  return xs[lo] + (rank - lo) * (xs[hi] - xs[lo]);
}

std::optional<int64_t> PercentilePruner::NextDecision(const Trial& trial,
                                                      const TrialHistory& history) const {
  const size_t completed = history.count(TrialState::kComplete);
  if (completed == 0 || completed < o_.n_startup_trials) return std::nullopt;
  if (seen_trials_ != history.trials().size() || seen_complete_ != completed) {
    last_complete_step_ = -1;
    for (const Trial& t : history.trials())
      if (t.state == TrialState::kComplete && t.last_step())
        last_complete_step_ = std::max(last_complete_step_, *t.last_step());
    seen_trials_ = history.trials().size();
    seen_complete_ = completed;
  }
  const int64_t interval = std::max<int64_t>(1, o_.interval_steps);
  const int64_t after = trial.last_step() ? *trial.last_step() + 1 : 0;
  int64_t next = std::max(after, o_.n_warmup_steps);
  const int64_t into = (next - o_.n_warmup_steps) % interval;
  if (into != 0) next += interval - into;
  if (next > last_complete_step_) return std::nullopt;
  return next;
}

bool PercentilePruner::ShouldPrune(Trial& trial, const TrialHistory& history) {
  const size_t completed = history.count(TrialState::kComplete);
  if (completed == 0 || completed < o_.n_startup_trials) return false;
  const auto step = trial.last_step();
  if (!step || *step < o_.n_warmup_steps) return false;
  // Decide once per interval: only if no earlier report fell in this interval.
  const int64_t interval = std::max<int64_t>(1, o_.interval_steps);
  const int64_t boundary = (*step - o_.n_warmup_steps) / interval * interval + o_.n_warmup_steps;
  int64_t second_last = -1;
  for (const auto& [s, v] : trial.intermediate)
    if (s != *step) second_last = std::max(second_last, s);
  if (second_last >= boundary) return false;

  double best = std::numeric_limits<double>::quiet_NaN();
  for (const auto& [s, v] : trial.intermediate) {
    const double loss = history.Loss(v);
    if (!std::isnan(loss) && (std::isnan(best) || loss < best)) best = loss;
  }
  if (std::isnan(best)) return true;
  std::vector<double> others;
  for (const Trial& t : history.trials()) {
    if (t.state != TrialState::kComplete) continue;
    auto it = t.intermediate.find(*step);
    if (it != t.intermediate.end()) others.push_back(history.Loss(it->second));
  }
  if (others.size() < o_.n_min_trials) return false;
  const double p = Percentile(std::move(others), o_.percentile);
  return !std::isnan(p) && best > p;
}

}  // namespace drover::hpo
