// Pruner: decides, from intermediate values, whether a running trial should
// stop early. ShouldPrune() is called by Study::Report() after the trial's
// newest intermediate value was recorded; it may write pruner bookkeeping
// into the trial (Trial::rungs) so that the decision survives a restart.
// Pruners compare losses (Direction-adjusted values, smaller is better) and
// only look at completed trials as references unless stated otherwise.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <cstddef>
#include <climits>
#include <optional>
#include <string>

#include "hpo/trial.h"

namespace drover::hpo {

class Pruner {
 public:
  virtual ~Pruner() = default;
  virtual bool ShouldPrune(Trial& trial, const TrialHistory& history) = 0;
  virtual std::string name() const = 0;
  // The step at which this pruner next decides for `trial` (its next rung), or nullopt
  // when it may decide at any step or does not know yet. drover tells a running trial
  // this step, and the trial waits there until drover has read its report, so that a
  // rung's decision is taken at the rung however fast the trial's epochs are.
  virtual std::optional<int64_t> NextDecision(const Trial&) const { return std::nullopt; }
  // The same, for pruners whose next decision depends on the other trials (the
  // percentile pruners: none before their startup trials completed). Study calls this.
  virtual std::optional<int64_t> NextDecision(const Trial& trial, const TrialHistory&) const {
    return NextDecision(trial);
  }
};

// Never prunes.
class NopPruner : public Pruner {
 public:
  bool ShouldPrune(Trial&, const TrialHistory&) override { return false; }
  std::string name() const override { return "none"; }
};

struct PercentileOptions {
  double percentile = 50;      // 50: the median pruner
  size_t n_startup_trials = 5;  // no pruning until this many trials completed
  int64_t n_warmup_steps = 0;   // no pruning before this step
  int64_t interval_steps = 1;   // decide only at warmup + k * interval
  size_t n_min_trials = 1;      // completed trials that reported the step
};

// Prunes at step s when the trial's best value so far is worse than the given
// percentile (linear interpolation) of the values that completed trials
// reported at step s (Optuna's PercentilePruner / MedianPruner).
class PercentilePruner : public Pruner {
 public:
  explicit PercentilePruner(PercentileOptions o = {}) : o_(o) {}
  bool ShouldPrune(Trial& trial, const TrialHistory& history) override;
  std::string name() const override { return o_.percentile == 50 ? "median" : "percentile"; }
  // The next step past the trial's last report at which ShouldPrune may prune it: a
  // step warmup + k * interval, once the startup trials completed, and not beyond the
  // last step a completed trial reported (with none to compare, it never prunes).
  using Pruner::NextDecision;
  std::optional<int64_t> NextDecision(const Trial& trial,
                                      const TrialHistory& history) const override;

 private:
  PercentileOptions o_;
  // The last step any completed trial reported, for NextDecision; recomputed when the
  // number of trials changes (a poll asks for every running trial).
  mutable size_t seen_trials_ = SIZE_MAX, seen_complete_ = 0;
  mutable int64_t last_complete_step_ = -1;
};

inline PercentilePruner MakeMedianPruner(size_t n_startup_trials = 5, int64_t n_warmup_steps = 0) {
  return PercentilePruner({50, n_startup_trials, n_warmup_steps, 1, 1});
}

// The p-th percentile of xs with linear interpolation (numpy's default);
// NaNs are ignored; NaN when none are left.
double Percentile(std::vector<double> xs, double p);

}  // namespace drover::hpo
