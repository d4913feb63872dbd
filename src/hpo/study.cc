#include "hpo/study.h"

#include <cmath>

namespace drover::hpo {

Study::Study(Space space, std::unique_ptr<Sampler> sampler, std::unique_ptr<Pruner> pruner, Direction direction,
             uint64_t seed)
    : space_(std::move(space)),
      sampler_(std::move(sampler)),
      pruner_(pruner ? std::move(pruner) : std::make_unique<NopPruner>()),
      history_(direction),
      rng_(seed) {}

Result<Asked> Study::Ask() {
  auto params = sampler_->Suggest(space_, history_, rng_);
  if (!params.ok()) return params.status();
  Status valid = space_.Validate(*params);
  if (!valid.ok()) return Status::Internal("sampler " + sampler_->name() + " suggested bad params: " + valid.message());
  Trial t;
  t.params = std::move(*params);
  Trial& added = history_.Add(std::move(t));
  sampler_->OnAsk(space_, added);
  return Asked{added.number, added.params};
}

Result<int64_t> Study::Add(const Params& params, double value) {
  DROVER_RETURN_IF_ERROR(space_.Validate(params));
  if (std::isnan(value)) return Status::Invalid("value is NaN");
  Trial t;
  t.params = params;
  Trial& added = history_.Add(std::move(t));
  sampler_->OnAsk(space_, added);
  DROVER_RETURN_IF_ERROR(Finish(added, TrialState::kComplete, value));
  return added.number;
}

Result<Trial*> Study::Running(int64_t number, const char* what) {
  Trial* t = history_.Find(number);
  if (!t) return Status::NotFound(std::string(what) + ": no trial " + std::to_string(number));
  if (t->state != TrialState::kRunning)
    return Status::Invalid(std::string(what) + ": trial " + std::to_string(number) + " already " + ToString(t->state));
  return t;
}

Status Study::Finish(Trial& t, TrialState state, std::optional<double> value) {
  t.value = value;
  history_.SetState(t, state);
  if (state == TrialState::kComplete) {
    if (best_ < 0 || history_.Loss(*value) < history_.Loss(*history_[best_].value)) best_ = t.number;
  }
  sampler_->OnTell(space_, history_, t);
  return Status::Ok();
}

Status Study::Tell(int64_t number, double value) {
  auto t = Running(number, "tell");
  if (!t.ok()) return t.status();
  if (std::isnan(value)) return Status::Invalid("tell: trial " + std::to_string(number) + ": value is NaN (tell it failed)");
  return Finish(**t, TrialState::kComplete, value);
}

Status Study::TellPruned(int64_t number) {
  auto t = Running(number, "tell");
  if (!t.ok()) return t.status();
  return Finish(**t, TrialState::kPruned, std::nullopt);
}

Status Study::TellFailed(int64_t number) {
  auto t = Running(number, "tell");
  if (!t.ok()) return t.status();
  return Finish(**t, TrialState::kFailed, std::nullopt);
}

Result<bool> Study::Report(int64_t number, int64_t step, double value) {
  auto t = Running(number, "report");
  if (!t.ok()) return t.status();
  if (step < 0) return Status::Invalid("report: step must be >= 0");
  (*t)->intermediate.emplace(step, value);
  return pruner_->ShouldPrune(**t, history_);
}

nlohmann::json Study::ToJson() const {
  nlohmann::json j = history_.ToJson();
  j["space"] = space_.ToJson();
  return j;
}

Status Study::Load(const nlohmann::json& j) {
  if (history_.size() > 0) return Status::Invalid("load: study already has trials");
  if (j.contains("space") && j["space"] != space_.ToJson()) return Status::Invalid("load: search space differs");
  auto h = TrialHistory::FromJson(j);
  if (!h.ok()) return h.status();
  if (h->direction() != history_.direction()) return Status::Invalid("load: direction differs");
  for (const Trial& saved : h->trials()) DROVER_RETURN_IF_ERROR(Replay(saved));
  return Status::Ok();
}

Status Study::Replay(const Trial& saved) {
  if (saved.number != static_cast<int64_t>(history_.size()))
    return Status::Invalid("replay: trial " + std::to_string(saved.number) + " is not the next (" +
                           std::to_string(history_.size()) + ")");
  if (saved.state == TrialState::kComplete && (!saved.value || std::isnan(*saved.value)))
    return Status::Invalid("replay: complete trial " + std::to_string(saved.number) + " has no value");
  Trial t = saved;
  const TrialState state = t.state;
  t.state = TrialState::kRunning;
  Trial& added = history_.Add(std::move(t));
  sampler_->OnAsk(space_, added);
  if (state != TrialState::kRunning) DROVER_RETURN_IF_ERROR(Finish(added, state, saved.value));
  return Status::Ok();
}

}  // namespace drover::hpo
