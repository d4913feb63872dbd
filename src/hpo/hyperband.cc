#include "hpo/hyperband.h"

#include <algorithm>
#include <cmath>

namespace drover::hpo {

uint32_t Crc32(const std::string& s) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : s) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void HyperbandPruner::Initialise(int64_t max_resource) {
  o_.max_resource = max_resource;
  const double ratio = static_cast<double>(max_resource) / static_cast<double>(o_.min_resource);
  // floor(log_eta(ratio)) with a guard against 3^k being computed as 2.999...
  const int n = static_cast<int>(std::floor(std::log(ratio) / std::log(o_.reduction_factor) + 1e-9)) + 1;
  pruners_.clear();
  budgets_.clear();
  total_budget_ = 0;
  for (int b = 0; b < std::max(n, 1); ++b) {
    pruners_.emplace_back(SuccessiveHalvingOptions{o_.min_resource, o_.reduction_factor, b, o_.bootstrap_count});
    const int s = std::max(n, 1) - 1 - b;
    const auto budget = static_cast<int64_t>(
        std::ceil(std::max(n, 1) * std::pow(static_cast<double>(o_.reduction_factor), s) / (s + 1)));
    budgets_.push_back(budget);
    total_budget_ += budget;
  }
}

int HyperbandPruner::Bracket(int64_t number) const {
  if (pruners_.empty()) return -1;
  int64_t n = Crc32(o_.study_name + "_" + std::to_string(number)) % total_budget_;
  for (size_t b = 0; b < budgets_.size(); ++b) {
    n -= budgets_[b];
    if (n < 0) return static_cast<int>(b);
  }
  return static_cast<int>(budgets_.size()) - 1;
}

std::optional<int64_t> HyperbandPruner::NextDecision(const Trial& trial) const {
  if (pruners_.empty()) return std::nullopt;
  return pruners_[Bracket(trial.number)].NextDecision(trial);
}

bool HyperbandPruner::ShouldPrune(Trial& trial, const TrialHistory& history) {
  if (pruners_.empty()) {
    int64_t max_resource = o_.max_resource;
    if (max_resource <= 0) {
      for (const Trial& t : history.trials())
        if (t.state == TrialState::kComplete && t.last_step()) max_resource = std::max(max_resource, *t.last_step() + 1);
      if (max_resource <= 0) return false;
    }
    Initialise(max_resource);
  }
  const int bracket = Bracket(trial.number);
  return pruners_[bracket].ShouldPruneAmong(
      trial, history, [&](const Trial& t) { return Bracket(t.number) == bracket; });
}

}  // namespace drover::hpo
