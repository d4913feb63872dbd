// Trials and the history of a study.
//
// A Trial is one evaluation of the objective at some Params: its number (dense,
// from 0, in ask order), state, intermediate values reported per step, and
// final value. Values are stored as the user gave them; `Direction` says
// whether smaller or larger is better, and Loss() maps both to "smaller is
// better", which is what samplers and pruners use internally.
//
// TrialHistory owns the trials of one study (index == number). It is a plain
// value: not thread-safe; the Study serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hpo/params.h"
#include "util/status.h"

namespace drover::hpo {

enum class TrialState { kRunning, kComplete, kPruned, kFailed };
enum class Direction { kMinimize, kMaximize };

const char* ToString(TrialState s);
const char* ToString(Direction d);
std::optional<TrialState> ParseTrialState(const std::string& s);
std::optional<Direction> ParseDirection(const std::string& s);

struct Trial {
  int64_t number = 0;
  Params params;
  TrialState state = TrialState::kRunning;
  std::map<int64_t, double> intermediate;  // step -> value
  std::optional<double> value;             // set when complete
  // Pruner bookkeeping persisted with the trial: the values this trial had
  // when it reached successive-halving rungs 0, 1, ... (see successive_halving.h).
  std::vector<double> rungs;

  bool finished() const { return state == TrialState::kComplete || state == TrialState::kPruned; }
  std::optional<int64_t> last_step() const {
    if (intermediate.empty()) return std::nullopt;
    return intermediate.rbegin()->first;
  }
};

nlohmann::json TrialToJson(const Trial& t);
Result<Trial> TrialFromJson(const nlohmann::json& j);

class TrialHistory {
 public:
  explicit TrialHistory(Direction d = Direction::kMinimize) : direction_(d) {}

  Direction direction() const { return direction_; }
  // +1 when minimising, -1 when maximising: Loss(x) = sign * x.
  double sign() const { return direction_ == Direction::kMinimize ? 1.0 : -1.0; }
  double Loss(double user_value) const { return sign() * user_value; }

  size_t size() const { return trials_.size(); }
  const std::vector<Trial>& trials() const { return trials_; }
  const Trial& operator[](size_t number) const { return trials_[number]; }
  Trial* Find(int64_t number) {
    return number >= 0 && static_cast<size_t>(number) < trials_.size() ? &trials_[number] : nullptr;
  }
  const Trial* Find(int64_t number) const {
    return const_cast<TrialHistory*>(this)->Find(number);
  }
  // Appends a trial; its number becomes size() - 1.
  Trial& Add(Trial t) {
    t.number = static_cast<int64_t>(trials_.size());
    ++counts_[static_cast<int>(t.state)];
    trials_.push_back(std::move(t));
    return trials_.back();
  }
  // Changes a trial's state, keeping the per-state counts.
  void SetState(Trial& t, TrialState s) {
    --counts_[static_cast<int>(t.state)];
    ++counts_[static_cast<int>(s)];
    t.state = s;
  }
  // Number of trials in each state.
  size_t count(TrialState s) const { return counts_[static_cast<int>(s)]; }
  void Recount();

  nlohmann::json ToJson() const;
  static Result<TrialHistory> FromJson(const nlohmann::json& j);

 private:
  Direction direction_;
  std::vector<Trial> trials_;
  size_t counts_[4] = {0, 0, 0, 0};
};

}  // namespace drover::hpo
