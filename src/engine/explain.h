// Why a job runs again: compares each job of a plan that a run would not reuse with
// what the store knows (its own key's attempts and outputs; else the latest attempted
// job of the same workflow and name, whose key's ingredients were recorded when it was
// planned, plan/ingredients.h). Reads the store only.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "plan/ingredients.h"
#include "plan/plan.h"
#include "store/store.h"

namespace drover {

// One reason a job would run.
struct RunReason {
  // The same words for every job it applies to, so that jobs group under it:
  // "code file train.py changed (1a2b… -> 3c4d…)", "upstream step train reruns".
  std::string text;
  // This job's particulars ("" when none): the upstream jobs that rerun.
  std::string detail;
};

// Explains the jobs of one plan. Borrows the plan and the store, which must outlive it.
class Explainer {
 public:
  Explainer(const Plan& plan, Store* store, const RunOptions& opts)
      : plan_(plan), store_(store), opts_(opts), maker_(plan) {}
  // Reads what the store knows of the plan's jobs and decides reuse as a run would.
  Status Init();
  // Whether a run would reuse job `j` (an index into plan.jobs()).
  bool reused(uint32_t j) const { return reuse_[j]; }
  // The store's id of job `j`'s key (0 when it has never been planned).
  int64_t known_id(uint32_t j) const { return known_[j].id; }
  // Why job `j` would run (at least one reason); empty when it would be reused.
  Result<std::vector<RunReason>> Why(uint32_t j);

 private:
  Status OwnKey(uint32_t j, std::vector<RunReason>* out);
  Status NewKey(uint32_t j, std::vector<RunReason>* out);
  void Upstream(uint32_t j, std::vector<RunReason>* out) const;
  // "new axis value seed=2" for each of job j's values that no attempted job of its
  // step had; "no earlier attempt" when all were seen (a new combination).
  Status NewValues(uint32_t j, std::vector<RunReason>* out);

  const Plan& plan_;
  Store* store_;
  RunOptions opts_;
  IngredientsMaker maker_;
  std::vector<KnownJob> known_;
  std::vector<bool> reuse_;
  // Per step (loaded when first needed): "axis=value" of its attempted jobs.
  std::map<uint32_t, std::set<std::string>> seen_;
};

}  // namespace drover
