#include "hpo/grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace drover::hpo {
namespace {

std::string Key(const Params& p) {
  return ParamsToJson(p).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Whether the param's grid values are its steps (else `float_points` spaced points).
bool Stepped(const ParamSpec& p) { return p.step > 0 && !(p.log && p.type == ParamType::kFloat); }

// How many grid values Values() gives, without listing them: a double, since an int
// range may hold 2^54 of them.
double ValueCount(const ParamSpec& p, int float_points) {
  if (p.type == ParamType::kCategorical) return static_cast<double>(p.choices.size());
  if (Stepped(p)) return std::floor((p.grid_high() - p.low) / p.step + 0.5) + 1;
  return std::max(float_points, 2);
}

// Call only when ValueCount(p) is small enough to list.
std::vector<ParamValue> Values(const ParamSpec& p, int float_points) {
  std::vector<ParamValue> out;
  if (p.type == ParamType::kCategorical) {
    for (const auto& c : p.choices) out.emplace_back(c);
  } else if (Stepped(p)) {
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

// What to do about a grid past o.max_points.
std::string TooLargeHint(const GridOptions& o) {
  return "; a grid lists at most " + std::to_string(o.max_points) +
         " points: give a larger step or fewer choices, or use a sampler that does not list "
         "every point (tpe, random, qmc)";
}

// Depth-first over params in order; inactive params are skipped. Counts the points in
// *n and, given `out`, keeps them.
Status Expand(const Space& space, const std::vector<std::vector<ParamValue>>& values, size_t i,
              Params& cur, const GridOptions& o, size_t* n, std::vector<Params>* out) {
  if (i == space.size()) {
    if (*n >= o.max_points)
      return Status::Invalid("grid has more than " + std::to_string(o.max_points) + " points" +
                             TooLargeHint(o));
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

// 9000000000001 as "9000000000001"; past 10^15 as "1.2e+18" (a product of counts).
std::string FormatCount(double n) {
  char text[32];
  std::snprintf(text, sizeof text, n < 1e15 ? "%.0f" : "%.2g", n);
  return text;
}

// "x (0 .. 9000000000000, step 1)": a param and the range its grid values come from.
std::string Describe(const ParamSpec& p) {
  if (p.type == ParamType::kCategorical) return "'" + p.name + "'";
  char text[160];
  std::snprintf(text, sizeof text, "'%s' (%.17g .. %.17g, step %.17g)", p.name.c_str(), p.low,
                p.high, p.step);
  return text;
}

// An error when the grid has more than max_points points, found from the counts of
// each param's values before any is listed: a wide int range is billions of values.
Status CheckSize(const Space& space, const GridOptions& o) {
  const double most = static_cast<double>(o.max_points);
  const std::string hint = TooLargeHint(o);
  double product = 1;
  bool conditional = false;
  for (const auto& p : space.params()) {
    const double n = ValueCount(p, o.float_points);
    if (!(n <= most))
      return Status::Invalid("grid: parameter " + Describe(p) + " alone has " + FormatCount(n) +
                             " values" + hint);
    product *= n;
    conditional |= p.when.has_value();
  }
  if (!conditional && product > most)
    return Status::Invalid("grid has " + FormatCount(product) + " points" + hint);
  return Status::Ok();
}

// Every param's grid values, and the points (or only their number, without `out`).
Status Walk(const Space& space, const GridOptions& o, size_t* n, std::vector<Params>* out) {
  DROVER_RETURN_IF_ERROR(CheckSize(space, o));
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
