// The loop's policies (README, "Policies"): limits on running jobs per step and per
// category, deadlines (the ready queue's order, the status line's late count, the
// run's end), and final steps, which run once every other job has ended.
#include <algorithm>
#include <fmt/format.h>

#include "engine/loop.h"
#include "util/clock.h"

namespace drover {
namespace {

// A deadline as a Unix time, for a run that started at `t0`.
double DeadlineAt(const Deadline& d, double t0) {
  switch (d.kind) {
    case Deadline::Kind::kFromStart: return t0 + d.seconds;
    case Deadline::Kind::kAt: return d.seconds;
    case Deadline::Kind::kNone: break;
  }
  return 1e300;
}

}  // namespace

void Loop::InitPolicies() {
  const Workflow& wf = plan_.workflow();
  step_groups_.assign(wf.steps.size(), {-1, -1});
  deadline_at_.assign(wf.steps.size(), kNoDeadline);
  std::vector<int> category_group(wf.limits.size(), -1);
  for (size_t s = 0; s < wf.steps.size(); ++s) {
    const Step& step = wf.steps[s];
    if (step.limit > 0) {
      step_groups_[s][0] = static_cast<int>(group_limit_.size());
      group_limit_.push_back(step.limit);
    }
    for (size_t c = 0; c < wf.limits.size(); ++c) {
      if (wf.limits[c].first != step.category) continue;
      if (category_group[c] < 0) {
        category_group[c] = static_cast<int>(group_limit_.size());
        group_limit_.push_back(wf.limits[c].second);
      }
      step_groups_[s][1] = category_group[c];
    }
    const Deadline& d = step.deadline.kind != Deadline::Kind::kNone ? step.deadline : wf.deadline;
    deadline_at_[s] = DeadlineAt(d, t0_);
  }
  group_running_.assign(group_limit_.size(), 0);
  parked_.assign(group_limit_.size(), {});
  ended_late_.assign(plan_.jobs().size(), false);
}

bool Loop::Held(uint32_t j) const {
  for (int g : step_groups_[plan_.jobs()[j].step])
    if (g >= 0 && group_running_[g] >= group_limit_[g]) return true;
  return false;
}

void Loop::Park(const ReadyEntry& e) {
  for (int g : step_groups_[plan_.jobs()[e.job].step]) {
    if (g < 0 || group_running_[g] < group_limit_[g]) continue;
    parked_[g].push_back(e);
    std::push_heap(parked_[g].begin(), parked_[g].end());
    ++parked_count_;
    return;
  }
}

void Loop::CountGroups(uint32_t j, int delta) {
  for (int g : step_groups_[plan_.jobs()[j].step]) {
    if (g < 0) continue;
    group_running_[g] += delta;
    if (delta > 0 || parked_[g].empty()) continue;
    std::pop_heap(parked_[g].begin(), parked_[g].end());
    ReadyEntry e = parked_[g].back();
    parked_[g].pop_back();
    --parked_count_;
    e.path = est_ ? est_->path(e.job) : e.path;  // the estimates may have moved meanwhile
    ready_.push_back(e);
    std::push_heap(ready_.begin(), ready_.end());
  }
}

void Loop::UnparkAll() {
  for (auto& heap : parked_) {
    for (const ReadyEntry& e : heap) ready_.push_back(e);
    heap.clear();
  }
  parked_count_ = 0;
  std::make_heap(ready_.begin(), ready_.end());
}

bool Loop::HoldFinal(uint32_t j) {
  if (finals_released_ || !StepOf(j).final) return false;
  finals_.push_back(j);
  return true;
}

bool Loop::ReleaseFinals() {
  if (finals_released_ || stopping_ || finals_.empty()) return false;
  finals_released_ = true;
  for (uint32_t j : finals_)
    if (slot_[j] == Slot::kBlocked) MakeReady(j);
  return true;
}

int Loop::Late() const {
  double now = NowSeconds();
  if (!est_ || (late_at_ >= 0 && now - late_at_ < 1)) return late_;
  int late = 0;
  for (uint32_t j = 0; j < slot_.size(); ++j) {
    Slot s = slot_[j];
    if (s != Slot::kBlocked && s != Slot::kReady && s != Slot::kRetryWait) continue;
    double deadline = DeadlineOf(j);
    if (deadline < kNoDeadline && now + est_->estimate(j) > deadline) ++late;
  }
  for (const auto& [id, r] : running_) {
    double deadline = DeadlineOf(r.job);
    if (deadline < kNoDeadline && std::max(now, r.rec.started + est_->estimate(r.job)) > deadline)
      ++late;
  }
  late_at_ = now;
  late_ = late;
  return late_;
}

void Loop::NoteLate(uint32_t j) {
  if (DeadlineOf(j) < kNoDeadline && NowSeconds() > DeadlineOf(j)) ended_late_[j] = true;
}

void Loop::TellLate() {
  std::vector<std::string> names;
  for (uint32_t j = 0; j < slot_.size(); ++j)
    if (ended_late_[j] && (slot_[j] == Slot::kSucceeded || slot_[j] == Slot::kFailed))
      names.push_back(plan_.Name(j));
  if (names.empty()) return;
  constexpr size_t kShown = 20;
  std::string list;
  for (size_t i = 0; i < names.size() && i < kShown; ++i) list += (i ? ", " : "") + names[i];
  if (names.size() > kShown) list += fmt::format(" and {} more", names.size() - kShown);
  printer_->Line(fmt::format("drover: {} job{} missed {} deadline: {}", names.size(),
                             names.size() == 1 ? "" : "s", names.size() == 1 ? "its" : "their",
                             list));
}

}  // namespace drover
