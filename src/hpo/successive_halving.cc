#include "hpo/successive_halving.h"

#include <algorithm>
#include <cmath>

namespace drover::hpo {

bool SuccessiveHalvingPruner::ShouldPrune(Trial& trial, const TrialHistory& history) {
  return ShouldPruneAmong(trial, history, [](const Trial&) { return true; });
}

std::optional<int64_t> SuccessiveHalvingPruner::NextDecision(const Trial& trial) const {
  if (o_.min_resource <= 0) return std::nullopt;
  const double rung = o_.min_resource * std::pow(static_cast<double>(o_.reduction_factor),
                                                 o_.min_early_stopping_rate + trial.rungs.size());
  if (rung > 9.0e18) return std::nullopt;
  return static_cast<int64_t>(std::ceil(rung));
}

bool SuccessiveHalvingPruner::ShouldPruneAmong(Trial& trial, const TrialHistory& history,
                                               const std::function<bool(const Trial&)>& peer) {
  const auto step = trial.last_step();
  if (!step) return false;
  const double loss = history.Loss(trial.intermediate.rbegin()->second);
  if (o_.min_resource <= 0) {
    int64_t last = -1;
    for (const Trial& t : history.trials())
      if (t.state == TrialState::kComplete && t.last_step() && peer(t)) last = std::max(last, *t.last_step());
    if (last < 0) return false;
    o_.min_resource = std::max<int64_t>(1, last / 100);
  }
  for (size_t rung = trial.rungs.size();; ++rung) {
    const double promotion =
        o_.min_resource * std::pow(static_cast<double>(o_.reduction_factor), o_.min_early_stopping_rate + rung);
    if (*step < promotion) return false;
    if (std::isnan(loss)) return true;
    std::vector<double> competing;
    for (const Trial& t : history.trials())
      if (t.number != trial.number && t.rungs.size() > rung && peer(t)) competing.push_back(t.rungs[rung]);
    competing.push_back(loss);
    trial.rungs.push_back(loss);
    if (competing.size() <= o_.bootstrap_count) return true;
    int64_t idx = static_cast<int64_t>(competing.size()) / o_.reduction_factor - 1;
    if (idx < 0) idx = 0;
    std::nth_element(competing.begin(), competing.begin() + idx, competing.end());
    if (!(loss <= competing[idx])) return true;
  }
}

}  // namespace drover::hpo
