// HyperbandPruner: several successive-halving brackets (Li et al. 2018) as in
// Optuna: floor(log_eta(max_resource / min_resource)) + 1 brackets, bracket b
// a SuccessiveHalvingPruner with min_early_stopping_rate b, competing only
// with trials of the same bracket. A trial's bracket is fixed by a hash of
// "<study_name>_<number>" (CRC-32) modulo the total trial budget, split over
// brackets in proportion ceil(n * eta^s / (s + 1)), s = n - 1 - b. With
// max_resource 0 ("auto") it prunes nothing until a trial completed, then
// uses that trial's last step + 1.
#pragma once

#include <string>
#include <vector>

#include "hpo/successive_halving.h"

namespace drover::hpo {

struct HyperbandOptions {
  int64_t min_resource = 1;
  int64_t max_resource = 0;  // 0: auto
  int64_t reduction_factor = 3;
  size_t bootstrap_count = 0;
  std::string study_name;
};

class HyperbandPruner : public Pruner {
 public:
  explicit HyperbandPruner(HyperbandOptions o = {}) : o_(std::move(o)) {}
  bool ShouldPrune(Trial& trial, const TrialHistory& history) override;
  std::string name() const override { return "hyperband"; }
  // The next rung of the trial's bracket, once the brackets are known.
  std::optional<int64_t> NextDecision(const Trial& trial) const override;

  // The trial's bracket; -1 until the brackets are known.
  int Bracket(int64_t number) const;
  size_t n_brackets() const { return pruners_.size(); }
  const std::vector<int64_t>& budgets() const { return budgets_; }
  // Sets max_resource and builds the brackets (done lazily when auto).
  void Initialise(int64_t max_resource);

 private:
  HyperbandOptions o_;
  std::vector<SuccessiveHalvingPruner> pruners_;
  std::vector<int64_t> budgets_;
  int64_t total_budget_ = 0;
};

// CRC-32 (IEEE 802.3), as zlib's crc32.
uint32_t Crc32(const std::string& s);

}  // namespace drover::hpo
