// Study: one HPO study in memory — a search space, a sampler, a pruner, a
// direction and the trials so far. The ask/tell interface:
//
//   Study s(space, std::make_unique<TpeSampler>(), std::make_unique<MedianPruner>(...));
//   auto t = s.Ask();                       // number + params, trial running
//   if (*s.Report(t->number, step, v)) ...  // true: the trial should stop
//   s.Tell(t->number, value);               // or TellPruned / TellFailed
//
// Every mistake is a Status: an unknown trial number (kNotFound), telling or
// reporting a trial that already finished (kInvalid), a NaN value (kInvalid).
// A seed makes the whole sequence of suggestions reproducible given the same
// sequence of calls. The state (space, direction, trials) serialises to JSON
// and loads back, replaying the trials into the sampler. The study owns its
// sampler and pruner. Not thread-safe: one caller at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "hpo/pruner.h"
#include "hpo/rng.h"
#include "hpo/sampler.h"
#include "hpo/space.h"
#include "hpo/trial.h"
#include "util/status.h"

namespace drover::hpo {

struct Asked {
  int64_t number;
  Params params;
};

class Study {
 public:
  // A null pruner never prunes.
  Study(Space space, std::unique_ptr<Sampler> sampler, std::unique_ptr<Pruner> pruner = nullptr,
        Direction direction = Direction::kMinimize, uint64_t seed = 0);
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  // A new running trial with the sampler's params; kNotFound when the
  // sampler is exhausted (grid).
  Result<Asked> Ask();
  // Records a finished trial run elsewhere (warm start); returns its number.
  Result<int64_t> Add(const Params& params, double value);

  Status Tell(int64_t number, double value);
  Status TellPruned(int64_t number);
  Status TellFailed(int64_t number);
  // Records an intermediate value (a step already reported keeps its first
  // value) and returns the pruner's decision.
  Result<bool> Report(int64_t number, int64_t step, double value);

  // The best completed trial (lowest loss, then lowest number), if any.
  const Trial* Best() const { return best_ < 0 ? nullptr : &history_[best_]; }
  const TrialHistory& history() const { return history_; }
  const Space& space() const { return space_; }
  const Sampler& sampler() const { return *sampler_; }
  // The pruner's next decision step for a trial (see Pruner::NextDecision).
  std::optional<int64_t> NextDecision(const Trial& t) const {
    return pruner_ ? pruner_->NextDecision(t, history_) : std::nullopt;
  }
  Direction direction() const { return history_.direction(); }

  // {"space": ..., "direction": ..., "trials": [...]}
  nlohmann::json ToJson() const;
  // Loads trials saved by ToJson into this (empty) study, replaying them to
  // the sampler; the space in the JSON must equal this study's.
  Status Load(const nlohmann::json& j);
  // Appends one trial recorded elsewhere (a store shared by several processes),
  // in its state, replaying it to the sampler. Its number must be the next one.
  Status Replay(const Trial& saved);

 private:
  Result<Trial*> Running(int64_t number, const char* what);
  Status Finish(Trial& t, TrialState state, std::optional<double> value);

  Space space_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<Pruner> pruner_;
  TrialHistory history_;
  Rng rng_;
  int64_t best_ = -1;
};

}  // namespace drover::hpo
