// SuccessiveHalvingPruner: asynchronous successive halving (ASHA, Li et al.
// arXiv 1810.05934) in Optuna's stopping variant. Rung r sits at step
// min_resource * eta^(min_early_stopping_rate + r). When a trial reports at or
// past its next rung, its value is recorded in Trial::rungs and it continues
// only if it is within the best floor(|rung| / eta) of the values recorded at
// that rung by all trials (itself included), or is the best when fewer than
// eta trials reached it. min_resource 0 means "auto": max(1, the largest last
// step of completed trials / 100), fixed once known.
#pragma once

#include <functional>

#include "hpo/pruner.h"

namespace drover::hpo {

struct SuccessiveHalvingOptions {
  int64_t min_resource = 0;  // 0: auto
  int64_t reduction_factor = 4;
  int64_t min_early_stopping_rate = 0;
  size_t bootstrap_count = 0;  // prune until this many trials competed at a rung
};

class SuccessiveHalvingPruner : public Pruner {
 public:
  explicit SuccessiveHalvingPruner(SuccessiveHalvingOptions o = {}) : o_(o) {}
  bool ShouldPrune(Trial& trial, const TrialHistory& history) override;
  std::string name() const override { return "asha"; }
  // The trial's next rung once min_resource is known (after the first complete trial
  // when it is auto).
  std::optional<int64_t> NextDecision(const Trial& trial) const override;

  // As ShouldPrune, with only trials for which `peer` is true as competitors
  // (Hyperband's brackets).
  bool ShouldPruneAmong(Trial& trial, const TrialHistory& history,
                        const std::function<bool(const Trial&)>& peer);
  int64_t min_resource() const { return o_.min_resource; }

 private:
  SuccessiveHalvingOptions o_;
};

}  // namespace drover::hpo
