#include "engine/explain.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/job_files.h"
#include "store/history.h"
#include "util/fs.h"

namespace drover {
namespace {

using Json = nlohmann::json;

// "1a2b3c4d5e6f7a8b -> 9c0d1e2f3a4b5c6d" for a changed member's two values.
std::string Change(const Json& before, const Json& now) {
  auto text = [](const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  return "(" + text(before) + " -> " + text(now) + ")";
}

// Reasons from one object member of the ingredients ("code", "in", "env"): each name
// added, removed or with another value. `what`: "code file", "input", "env".
void CompareMap(const Json& before, const Json& now, const char* member, const std::string& what,
                std::vector<RunReason>* out) {
  Json b = before.value(member, Json::object()), n = now.value(member, Json::object());
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!b.contains(it.key()))
      out->push_back({what + " " + it.key() + " added (" + it.value().dump() + ")", ""});
    else if (b[it.key()] != it.value())
      out->push_back({what + " " + it.key() + " changed " + Change(b[it.key()], it.value()), ""});
  }
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!n.contains(it.key())) out->push_back({what + " " + it.key() + " removed", ""});
}

// Reasons from the ingredients of the earlier key (`before`) and of the new one.
void CompareIngredients(const std::string& step, const Json& before, const Json& now,
                        std::vector<RunReason>* out) {
  if (before.value("run", "") != now.value("run", ""))
    out->push_back({"step " + step + "'s run: command changed", ""});
  CompareMap(before, now, "code", "code file", out);
  CompareMap(before, now, "in", "input", out);
  CompareMap(before, now, "env", "env", out);
  if (before.value("out", Json::array()) != now.value("out", Json::array()))
    out->push_back({"step " + step + "'s outputs changed", ""});
  if (before.value("study", "") != now.value("study", ""))
    out->push_back({"step " + step + "'s study changed", ""});
}

}  // namespace

Status Explainer::Init() { return WouldReuse(plan_, store_, opts_, &known_, &reuse_); }

Result<std::vector<RunReason>> Explainer::Why(uint32_t j) {
  std::vector<RunReason> out;
  if (reuse_[j]) return out;
  const std::string& step = plan_.workflow().steps[plan_.jobs()[j].step].name;
  if (std::find(opts_.force_steps.begin(), opts_.force_steps.end(), step) !=
      opts_.force_steps.end())
    out.push_back({"--force " + step, ""});
  Status st = known_[j].is_new ? NewKey(j, &out) : OwnKey(j, &out);
  if (!st.ok()) return st;
  Upstream(j, &out);
  if (out.empty()) out.push_back({"its key changed (an upstream job's key changed)", ""});
  return out;
}

// The key is known: it failed, never ran, or succeeded with an output gone since.
Status Explainer::OwnKey(uint32_t j, std::vector<RunReason>* out) {
  auto last = store_->LatestAttempt(known_[j].id);
  if (!last.ok()) return last.status();
  if (!*last) {
    out->push_back({std::string("not run yet (") + JobStateName(known_[j].state) + ")", ""});
    return Status::Ok();
  }
  const AttemptRecord& a = **last;
  if (known_[j].state != JobState::kSucceeded) {
    std::string how = a.state == AttemptState::kFailed && a.exit_code >= 0
                          ? "failed (exit " + std::to_string(a.exit_code) + ")"
                          : std::string("ended ") + AttemptStateName(a.state);
    out->push_back({"its latest attempt " + how, ""});
    return Status::Ok();
  }
  auto arts = store_->Artifacts(known_[j].id);
  if (!arts.ok()) return arts.status();
  const std::string dir = Plan::RelDir(plan_.jobs()[j].key) + "/";
  for (const ArtifactRecord& art : *arts) {
    if (ArtifactsIntact(store_->root(), {art})) continue;
    std::string name = art.path.rfind(dir, 0) == 0 ? art.path.substr(dir.size()) : art.path;
    bool gone = !PathExists(store_->root() + "/" + art.path);
    out->push_back({"output " + name + (gone ? " missing" : " changed since the job made it"), ""});
  }
  return Status::Ok();
}

// A key the store has never seen: compared with the latest attempted job of the name.
Status Explainer::NewKey(uint32_t j, std::vector<RunReason>* out) {
  const std::string name = plan_.Name(j);
  auto earlier = store_->history()->LatestAttempted(plan_.workflow().name, name);
  if (!earlier.ok()) return earlier.status();
  if (earlier->id == 0) return NewValues(j, out);
  if (earlier->ingredients.empty()) {
    out->push_back({"its key changed (the store has no record of what the earlier key was "
                    "made of)", ""});
    return Status::Ok();
  }
  auto now = maker_.Of(j);
  if (!now.ok()) return now.status();
  Json before = Json::parse(earlier->ingredients, nullptr, false);
  Json current = Json::parse(*now, nullptr, false);
  if (before.is_discarded() || current.is_discarded()) return Status::Ok();
  const std::string& step = plan_.workflow().steps[plan_.jobs()[j].step].name;
  CompareIngredients(step, before, current, out);
  if (out->empty() && before.value("dep", "") == current.value("dep", "")) {
    // Nothing recorded differs: the difference is in what the key alone holds.
    out->push_back({"its key changed", ""});
  }
  return Status::Ok();
}

Status Explainer::NewValues(uint32_t j, std::vector<RunReason>* out) {
  const uint32_t s = plan_.jobs()[j].step;
  const Workflow& wf = plan_.workflow();
  if (!seen_.count(s)) {
    auto params = store_->history()->AttemptedParams(wf.name, wf.steps[s].name);
    if (!params.ok()) return params.status();
    std::set<std::string>& seen = seen_[s];
    for (const std::string& p : *params) {
      Json o = Json::parse(p, nullptr, false);
      if (!o.is_object()) continue;
      for (auto it = o.begin(); it != o.end(); ++it)
        if (it.value().is_string()) seen.insert(it.key() + "=" + it.value().get<std::string>());
    }
  }
  const std::set<std::string>& seen = seen_[s];
  const PlanStep& ps = plan_.steps()[s];
  size_t before = out->size();
  for (size_t a = 0; a < ps.axes.size() && !seen.empty(); ++a) {
    const Axis& axis = wf.axes[ps.axes[a]];
    std::string v = axis.name + "=" + axis.values[plan_.jobs()[j].values[a]];
    if (!seen.count(v)) out->push_back({"no earlier attempt: new axis value " + v, ""});
  }
  if (out->size() == before) out->push_back({"no earlier attempt", ""});
  return Status::Ok();
}

// The jobs it consumes that will run: one reason per upstream step.
void Explainer::Upstream(uint32_t j, std::vector<RunReason>* out) const {
  std::map<uint32_t, std::string> by_step;  // step -> names of its jobs that rerun
  for (uint32_t d : plan_.jobs()[j].deps) {
    if (reuse_[d]) continue;
    std::string& names = by_step[plan_.jobs()[d].step];
    names += (names.empty() ? "" : ", ") + plan_.Name(d);
  }
  for (const auto& [s, names] : by_step)
    out->push_back({"upstream step " + plan_.workflow().steps[s].name + " reruns", names});
}

}  // namespace drover
