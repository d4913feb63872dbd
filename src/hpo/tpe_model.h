// AboveModel: TPE's "bad group" density g(x) for one numeric parameter, kept
// incrementally as trials are told, so that an ask costs O(candidates) instead
// of O(trials).
//
// Below kGridMin observations it evaluates the exact mixture (parzen.h) each
// time. From kGridMin on it keeps the observations sorted by value with their
// bandwidths (an insertion updates the bandwidths of its neighbours only),
// and the sum of the older kernels (all but the newest 25) tabulated on a
// fixed grid of the parameter's range in two accumulators, so the linear
// weight ramp of the older kernels stays exact as the group grows. The
// newest 25 kernels, the running trials (constant liar) and the prior are
// evaluated exactly; the tabulated part is interpolated linearly between
// grid points spaced a tenth of the smallest bandwidth apart (exact for
// discrete params with up to kMaxValues values).
//
// Known difference from Optuna, after kGridMin only: a trial that leaves the
// good group joins the ramp as the newest kernel rather than at its trial
// number's place. Removing an observation rebuilds the table.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <utility>
#include <vector>

#include "hpo/parzen.h"

namespace drover::hpo {

class AboveModel {
 public:
  static constexpr size_t kGridMin = 256;
  static constexpr size_t kGridPoints = 1024;
  static constexpr size_t kMaxValues = 4096;

  explicit AboveModel(const NumericDomain& d);

  void Insert(int64_t number, double x);
  void Remove(int64_t number, double x);
  size_t size() const { return by_number_.size(); }

  // log g(x) for each x in xs; `running` are the values of running trials
  // (counted as extra observations, newest).
  void LogPdf(std::span<const double> xs, std::span<const std::pair<int64_t, double>> running,
              std::span<double> out);

 private:
  struct Entry {
    double mu;
    int64_t number;  // -1: the prior's centre (takes part in the gaps only)
    double sigma;
    int64_t q;  // insertion rank (weights), contiguous from q_next_ - size()
  };
  void Rebuild();
  double SigmaAt(size_t i) const;
  void Resigma(size_t i);
  void Accumulate(const Entry& e, double sign);
  double LogNorm(double mu, double sigma) const;
  double Kernel(double mu, double sigma, double lognorm, double x) const;  // density / mass at x
  size_t Locate(double mu, int64_t number) const;
  bool InGrid(const Entry& e) const { return e.number >= 0 && e.q < q_next_ - 25; }

  NumericDomain d_;
  std::vector<std::pair<int64_t, double>> by_number_;  // sorted by number
  bool grid_ready_ = false;
  std::vector<Entry> entries_;  // sorted by (mu, number), includes the prior's centre
  std::deque<std::pair<double, int64_t>> newest_;  // (mu, number), insertion order, <= 25
  int64_t q_next_ = 0;
  // Table: node j is at x0_ + j * h_ (continuous or values of a discrete param).
  bool by_value_ = false;
  double x0_ = 0, h_ = 0;
  std::vector<double> g0_, g1_;  // sum of K, sum of q*K over grid kernels
};

}  // namespace drover::hpo
