// GridSampler: every combination of grid values, each exactly once.
//
// Grid values: all choices of a categorical; every step of an int or stepped
// float; `float_points` evenly spaced points (log-spaced when "log") for a
// continuous float. Conditional params enter only the combinations where they
// are active, so no two points differ only in an inactive param. Order is
// lexicographic in the space's order, or a seeded shuffle of it. Points
// already present in the history (a resumed study) are skipped. When every
// point has been handed out Suggest returns kNotFound and Exhausted() is true.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hpo/sampler.h"

namespace drover::hpo {

struct GridOptions {
  int float_points = 5;
  bool shuffle = false;
  uint64_t shuffle_seed = 0;
  size_t max_points = 1'000'000;  // larger grids are an error
};

class GridSampler : public Sampler {
 public:
  explicit GridSampler(GridOptions options = {}) : options_(options) {}

  Result<Params> Suggest(const Space& space, const TrialHistory& history, Rng& rng) override;
  void OnAsk(const Space& space, const Trial& trial) override;
  bool Exhausted() const override { return exhausted_; }
  std::string name() const override { return "grid"; }

  // The full grid in hand-out order (built on first use).
  static Result<std::vector<Params>> Enumerate(const Space& space, const GridOptions& options);
  // How many points the grid has (without building them); an error past max_points.
  static Result<size_t> Count(const Space& space, const GridOptions& options);

 private:
  GridOptions options_;
  std::optional<std::vector<Params>> points_;
  size_t cursor_ = 0;
  std::set<std::string> used_;
  bool exhausted_ = false;
};

}  // namespace drover::hpo
