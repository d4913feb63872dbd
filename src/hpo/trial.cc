#include "hpo/trial.h"

namespace drover::hpo {

const char* ToString(TrialState s) {
  switch (s) {
    case TrialState::kRunning: return "running";
    case TrialState::kComplete: return "complete";
    case TrialState::kPruned: return "pruned";
    case TrialState::kFailed: return "failed";
  }
  return "?";
}

const char* ToString(Direction d) { return d == Direction::kMinimize ? "minimize" : "maximize"; }

std::optional<TrialState> ParseTrialState(const std::string& s) {
  for (TrialState t : {TrialState::kRunning, TrialState::kComplete, TrialState::kPruned, TrialState::kFailed})
    if (s == ToString(t)) return t;
  return std::nullopt;
}

std::optional<Direction> ParseDirection(const std::string& s) {
  if (s == "minimize" || s == "minimise") return Direction::kMinimize;
  if (s == "maximize" || s == "maximise") return Direction::kMaximize;
  return std::nullopt;
}

nlohmann::json TrialToJson(const Trial& t) {
  nlohmann::json j;
  j["number"] = t.number;
  j["state"] = ToString(t.state);
  j["params"] = ParamsToJson(t.params);
  if (t.value) j["value"] = *t.value;
  nlohmann::json inter = nlohmann::json::array();
  for (const auto& [step, v] : t.intermediate) inter.push_back({step, v});
  j["intermediate"] = inter;
  if (!t.rungs.empty()) j["rungs"] = t.rungs;
  return j;
}

Result<Trial> TrialFromJson(const nlohmann::json& j) {
  try {
    Trial t;
    t.number = j.at("number").get<int64_t>();
    auto state = ParseTrialState(j.at("state").get<std::string>());
    if (!state) return Status::Corrupt("trial " + std::to_string(t.number) + ": unknown state");
    t.state = *state;
    auto params = ParamsFromJson(j.at("params"));
    if (!params.ok()) return params.status().With("trial " + std::to_string(t.number));
    t.params = std::move(*params);
    if (j.contains("value") && !j["value"].is_null()) t.value = j["value"].get<double>();
    for (const auto& e : j.value("intermediate", nlohmann::json::array()))
      t.intermediate[e.at(0).get<int64_t>()] = e.at(1).get<double>();
    if (j.contains("rungs")) t.rungs = j["rungs"].get<std::vector<double>>();
    if (t.state == TrialState::kComplete && !t.value)
      return Status::Corrupt("trial " + std::to_string(t.number) + ": complete without a value");
    return t;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corrupt(std::string("trial: ") + e.what());
  }
}

void TrialHistory::Recount() {
  for (auto& c : counts_) c = 0;
  for (const auto& t : trials_) ++counts_[static_cast<int>(t.state)];
}

nlohmann::json TrialHistory::ToJson() const {
  nlohmann::json j;
  j["direction"] = ToString(direction_);
  j["trials"] = nlohmann::json::array();
  for (const auto& t : trials_) j["trials"].push_back(TrialToJson(t));
  return j;
}

Result<TrialHistory> TrialHistory::FromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("trials") || !j["trials"].is_array())
    return Status::Corrupt("trial history: needs {\"direction\", \"trials\": [...]}");
  auto dir = ParseDirection(j.value("direction", "minimize"));
  if (!dir) return Status::Corrupt("trial history: unknown direction");
  TrialHistory h(*dir);
  for (const auto& tj : j["trials"]) {
    auto t = TrialFromJson(tj);
    if (!t.ok()) return t.status();
    if (t->number != static_cast<int64_t>(h.size()))
      return Status::Corrupt("trial history: trial numbers must be 0, 1, 2, ... in order");
    h.trials_.push_back(std::move(*t));
  }
  h.Recount();
  return h;
}

}  // namespace drover::hpo
