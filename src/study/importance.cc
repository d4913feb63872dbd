#include "study/importance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <variant>

namespace drover::study {
namespace {

constexpr size_t kMaxBins = 10;

// The parameter's value as a number on the scale bins are cut on (log for a log
// parameter); nullopt for a categorical.
std::optional<double> Numeric(const hpo::ParamSpec& p, const hpo::ParamValue& v) {
  double x = 0;
  if (const double* d = std::get_if<double>(&v)) x = *d;
  else if (const int64_t* i = std::get_if<int64_t>(&v)) x = static_cast<double>(*i);
  else return std::nullopt;
  return p.log && x > 0 ? std::log(x) : x;
}

// Bin of each trial (index into `ys`) for one parameter; trials without it get bin 0,
// the others 1.. (so that "inactive" is a bin of its own).
std::vector<size_t> Bins(const hpo::ParamSpec& p, const std::vector<const hpo::Trial*>& done) {
  std::vector<size_t> bin(done.size(), 0);
  if (p.type == hpo::ParamType::kCategorical) {
    std::map<std::string, size_t> ids;
    for (size_t i = 0; i < done.size(); ++i) {
      auto it = done[i]->params.find(p.name);
      if (it == done[i]->params.end()) continue;
      std::string key = hpo::ToString(it->second);
      auto [pos, _] = ids.emplace(key, ids.size() + 1);
      bin[i] = pos->second;
    }
    return bin;
  }
  std::vector<std::pair<double, size_t>> xs;  // value, trial index
  for (size_t i = 0; i < done.size(); ++i) {
    auto it = done[i]->params.find(p.name);
    if (it == done[i]->params.end()) continue;
    if (auto x = Numeric(p, it->second)) xs.push_back({*x, i});
  }
  std::sort(xs.begin(), xs.end());
  // Equal-count bins by rank; equal values always share a bin.
  const size_t n = xs.size();
  size_t b = 1;
  for (size_t r = 0; r < n; ++r) {
    if (r > 0 && xs[r].first != xs[r - 1].first) {
      size_t want = 1 + r * kMaxBins / n;
      if (want > b) b = want;
    }
    bin[xs[r].second] = b;
  }
  return bin;
}

}  // namespace

std::vector<ParamImportance> Importance(const hpo::Space& space, const std::vector<hpo::Trial>& trials) {
  std::vector<const hpo::Trial*> done;
  for (const hpo::Trial& t : trials)
    if (t.state == hpo::TrialState::kComplete && t.value && std::isfinite(*t.value)) done.push_back(&t);
  std::vector<ParamImportance> out;
  for (const auto& p : space.params()) out.push_back({p.name, 0, 0});
  const size_t n = done.size();
  double mean = 0, total = 0;
  for (const hpo::Trial* t : done) mean += *t->value;
  if (n) mean /= static_cast<double>(n);
  for (const hpo::Trial* t : done) total += (*t->value - mean) * (*t->value - mean);
  if (n >= 2 && total > 0) {
    double sum = 0;
    for (size_t k = 0; k < out.size(); ++k) {
      std::vector<size_t> bin = Bins(space[k], done);
      std::map<size_t, std::pair<double, size_t>> acc;  // bin -> (sum, count)
      for (size_t i = 0; i < n; ++i) {
        acc[bin[i]].first += *done[i]->value;
        acc[bin[i]].second += 1;
      }
      double between = 0;
      for (const auto& [_, sc] : acc) {
        double m = sc.first / static_cast<double>(sc.second);
        between += static_cast<double>(sc.second) * (m - mean) * (m - mean);
      }
      out[k].variance_share = std::clamp(between / total, 0.0, 1.0);
      sum += out[k].variance_share;
    }
    for (auto& o : out) o.importance = sum > 0 ? o.variance_share / sum : 0;
  }
  std::sort(out.begin(), out.end(), [](const ParamImportance& a, const ParamImportance& b) {
    return a.importance != b.importance ? a.importance > b.importance : a.name < b.name;
  });
  return out;
}

}  // namespace drover::study
