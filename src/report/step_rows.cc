#include "report/step_rows.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace drover {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSeparator(char c) { return c == '_' || c == '-' || c == '.'; }

long long Total(const StepRow& r) { return std::accumulate(r.counts.begin(), r.counts.end(), 0LL); }

// Sums `rows` per family, in order of first appearance.
std::vector<StepRow> ByFamily(const std::vector<StepRow>& rows) {
  std::vector<StepRow> out;
  std::vector<std::string> families;
  std::unordered_map<std::string, size_t> index;
  for (const StepRow& r : rows) {
    std::string f = StepFamily(r.label);
    auto [it, fresh] = index.emplace(f, out.size());
    if (fresh) {
      out.push_back(r);
      families.push_back(f);
      continue;
    }
    StepRow& g = out[it->second];
    g.counts.resize(std::max(g.counts.size(), r.counts.size()), 0);
    for (size_t c = 0; c < r.counts.size(); ++c) g.counts[c] += r.counts[c];
    g.steps += r.steps;
  }
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].steps > 1) out[i].label = families[i] + "* (" + std::to_string(out[i].steps) + " steps)";
  return out;
}

// The kTopStepRows rows with the most jobs, in their order, and one row for the rest.
std::vector<StepRow> TopAndRest(const std::vector<StepRow>& rows) {
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return Total(rows[a]) > Total(rows[b]); });
  std::vector<bool> shown(rows.size(), false);
  for (size_t i = 0; i < kTopStepRows; ++i) shown[order[i]] = true;
  std::vector<StepRow> out;
  StepRow rest{"", {}, 0};
  for (size_t i = 0; i < rows.size(); ++i) {
    if (shown[i]) {
      out.push_back(rows[i]);
      continue;
    }
    rest.counts.resize(std::max(rest.counts.size(), rows[i].counts.size()), 0);
    for (size_t c = 0; c < rows[i].counts.size(); ++c) rest.counts[c] += rows[i].counts[c];
    rest.steps += rows[i].steps;
  }
  rest.label = "... " + std::to_string(rest.steps) + " more steps";
  out.push_back(std::move(rest));
  return out;
}

}  // namespace

std::string StepFamily(const std::string& name) {
  size_t end = name.size();
  while (end > 0 && IsDigit(name[end - 1])) --end;
  if (end < name.size()) {  // a trailing number: drop it and the separators before it
    while (end > 0 && IsSeparator(name[end - 1])) --end;
    return end == 0 ? name : name.substr(0, end);
  }
  size_t cut = name.find_last_of("_-");
  return cut == std::string::npos || cut == 0 ? name : name.substr(0, cut);
}

std::vector<StepRow> GroupStepRows(const std::vector<StepRow>& rows) {
  if (rows.size() <= kMaxStepRows) return rows;
  std::vector<StepRow> families = ByFamily(rows);
  if (families.size() <= kMaxStepRows) return families;
  return TopAndRest(families);
}

}  // namespace drover
