// The store's run history: the runs as a list, and what each job's key was made of
// (its "ingredients"), so that `drover explain` and `drover run --dry-run --explain`
// can say why a job runs again. Same connection and transactions as the Store that
// owns it (Store::history()); not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace drover {

namespace sql {
class Db;
}

// The latest job with attempts that has a given workflow and name (step and axis
// values), whatever its key: what a job of a new plan is compared with.
struct EarlierJob {
  int64_t id = 0;
  std::string key;
  JobState state = JobState::kPending;
  std::string ingredients;   // the JSON recorded for its key; "" when none was
};

// One job of the plan of a workflow's file as written (all its axis values, no --set),
// as recorded at each `drover run` and `drover plan`: what exports and drover.results()
// list, pending jobs included.
struct PlanJobRow {
  std::string step;
  std::string name;         // "train/seed=0"
  std::string params_json;  // {"seed":"0"}, axis values in file order
  std::string key;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // Records the ingredients (a compact JSON object, plan/ingredients.h) of jobs by id;
  // a job that has some keeps them (a key's ingredients never change). Call inside a
  // transaction.
  virtual Status RecordIngredients(const std::vector<std::pair<int64_t, std::string>>& jobs) = 0;
  // The ingredients recorded for a job, "" when none were.
  virtual Result<std::string> Ingredients(int64_t job_id) = 0;
  // The latest job (by its latest attempt) of `workflow` named `name` that has at least
  // one attempt; id 0 when there is none.
  virtual Result<EarlierJob> LatestAttempted(const std::string& workflow,
                                             const std::string& name) = 0;
  // The distinct parameter objects ({"seed":"0"}, as stored) of the jobs of `workflow`'s
  // step `step` that have at least one attempt.
  virtual Result<std::vector<std::string>> AttemptedParams(const std::string& workflow,
                                                           const std::string& step) = 0;
  // Records `jobs` (in the order tables show them, report/results.h FileOrder) as the plan
  // of `workflow`'s file as written, replacing the earlier record. A record with the same
  // digest (steps, names, values and keys in the same order) is kept without a write, so a
  // rerun with nothing changed costs one hash. Call inside a transaction. Errors: a
  // workflow the store does not know (StartRun records it), SQLite errors.
  virtual Status RecordPlan(const std::string& workflow, const std::vector<PlanJobRow>& jobs) = 0;
  // The plan recorded for `workflow`, in its order (only jobs of `step` when not empty);
  // std::nullopt when none was recorded (a store from before the plan record, or a workflow
  // only ever run by an older drover).
  virtual Result<std::optional<std::vector<PlanJobRow>>> RecordedPlan(
      const std::string& workflow, const std::string& step) = 0;
  // The `limit` latest runs (of every workflow), oldest first.
  virtual Result<std::vector<RunRecord>> Runs(int limit) = 0;
};

// The SQLite HistoryStore over an open connection (which must outlive it).
std::unique_ptr<HistoryStore> NewSqliteHistoryStore(const sql::Db& db);

}  // namespace drover
