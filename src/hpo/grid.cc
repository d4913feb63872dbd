#include "hpo/grid.h"

#include <algorithm>
#include <cmath>

namespace drover::hpo {
namespace {

std::string Key(const Params& p) { return ParamsToJson(p).dump(); }

std::vector<ParamValue> Values(const ParamSpec& p, int float_points) {
  std::vector<ParamValue> out;
  if (p.type == ParamType::kCategorical) {
    for (const auto& c : p.choices) out.emplace_back(c);
  } else if (p.step > 0 && !(p.log && p.type == ParamType::kFloat)) {
    const auto n = std::llround((p.grid_high() - p.low) / p.step) + 1;
    for (int64_t i = 0; i < n; ++i) out.push_back(p.FromInternal(p.ToInternal(p.low + i * p.step)));
  } else {
    const double lo = p.log ? std::log(p.low) : p.low, hi = p.log ? std::log(p.high) : p.high;
    const int n = std::max(float_points, 2);
    for (int i = 0; i < n; ++i) {
      ParamValue v = p.FromInternal(lo + (hi - lo) * i / (n - 1));
      if (p.type == ParamType::kFloat) v = std::clamp(OnGrid(std::get<double>(v)), p.low, p.high);
      out.push_back(v);
    }
  }
  return out;
}

// Depth-first over params in order; inactive params are skipped. Counts the points in
// *n and, given `out`, keeps them.
Status Expand(const Space& space, const std::vector<std::vector<ParamValue>>& values, size_t i,
              Params& cur, const GridOptions& o, size_t* n, std::vector<Params>* out) {
  if (i == space.size()) {
    if (*n >= o.max_points)
      return Status::Invalid("grid has more than " + std::to_string(o.max_points) + " points");
    ++*n;
    if (out) out->push_back(cur);
    return Status::Ok();
  }
  if (!space.IsActive(i, cur)) return Expand(space, values, i + 1, cur, o, n, out);
  for (const auto& v : values[i]) {
    cur[space[i].name] = v;
    DROVER_RETURN_IF_ERROR(Expand(space, values, i + 1, cur, o, n, out));
  }
  cur.erase(space[i].name);
  return Status::Ok();
}

// Every param's grid values, and the points (or only their number, without `out`).
Status Walk(const Space& space, const GridOptions& o, size_t* n, std::vector<Params>* out) {
  std::vector<std::vector<ParamValue>> values;
  for (const auto& p : space.params()) values.push_back(Values(p, o.float_points));
  Params cur;
  return Expand(space, values, 0, cur, o, n, out);
}

}  // namespace

Result<size_t> GridSampler::Count(const Space& space, const GridOptions& o) {
  size_t n = 0;
  DROVER_RETURN_IF_ERROR(Walk(space, o, &n, nullptr));
  return n;
}

Result<std::vector<Params>> GridSampler::Enumerate(const Space& space, const GridOptions& o) {
  std::vector<Params> out;
  size_t n = 0;
  DROVER_RETURN_IF_ERROR(Walk(space, o, &n, &out));
  if (o.shuffle) {
    Rng rng(o.shuffle_seed);
    for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.Below(i)]);
  }
  return out;
}

Result<Params> GridSampler::Suggest(const Space& space, const TrialHistory& history, Rng&) {
  if (!points_) {
    auto pts = Enumerate(space, options_);
    if (!pts.ok()) return pts.status();
    points_ = std::move(*pts);
    for (const auto& t : history.trials()) used_.insert(Key(t.params));
  }
  while (cursor_ < points_->size() && used_.count(Key((*points_)[cursor_]))) ++cursor_;
  if (cursor_ >= points_->size()) {
    exhausted_ = true;
    return Status::NotFound("grid exhausted: all " + std::to_string(points_->size()) + " points given out");
  }
  Params out = (*points_)[cursor_++];
  while (cursor_ < points_->size() && used_.count(Key((*points_)[cursor_]))) ++cursor_;
  exhausted_ = cursor_ >= points_->size();
  return out;
}

void GridSampler::OnAsk(const Space&, const Trial& trial) { used_.insert(Key(trial.params)); }

}  // namespace drover::hpo
