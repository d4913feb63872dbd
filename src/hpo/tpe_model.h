// AboveModel: TPE's "bad group" density g(x) for one numeric parameter, kept
// incrementally as trials are told, so that an ask costs O(candidates) instead
// of O(trials).
//
// Below kGridMin observations it evaluates the exact mixture (parzen.h) each
// time. From kGridMin on it keeps the observations sorted by value with their
// bandwidths (an insertion updates the bandwidths of its neighbours only),
// and the kernels tabulated on a fixed grid of the parameter's range: the
// newest 25 (weight 1) in one table, the older ones in two (sum of K and of
// rank * K), so the linear weight ramp of the older kernels stays exact as
// the group grows. The running trials (constant liar) and the prior are
// evaluated exactly; the tables are interpolated linearly between grid
// points spaced a tenth of the smallest bandwidth apart (exact for discrete
// params with up to kMaxValues values).
//
// Known difference from Optuna, after kGridMin only: a trial that leaves the
// good group joins the ramp as the newest kernel rather than at its trial
// number's place. Removing an observation rebuilds the table.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "hpo/parzen.h"

namespace drover::hpo {

class AboveModel {
 public:
  static constexpr size_t kGridMin = 100;  // >= 98: the magic clip's floor no longer moves
  static constexpr size_t kGridPoints = 1024;
  static constexpr size_t kMaxValues = 4096;

  explicit AboveModel(const NumericDomain& d, const KdeOptions& o = {});

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
    int64_t number;        // -1: the prior's centre (takes part in the gaps only)
    mutable double sigma;  // not part of the order
    int64_t q;             // insertion rank (weights), contiguous from q_next_ - size()
    bool operator<(const Entry& o) const { return mu < o.mu || (mu == o.mu && number < o.number); }
  };
  using Iter = std::set<Entry>::iterator;
  void Rebuild();
  double SigmaAt(Iter it) const;
  void Resigma(Iter it);
  // Adds sign * K_e to the table of e's group (newest or older).
  void Accumulate(const Entry& e, double sign);
  double LogNorm(double mu, double sigma) const;
  double Kernel(double mu, double sigma, double lognorm, double x) const;  // density / mass at x
  bool Newest(const Entry& e) const { return e.q >= q_next_ - 25; }
  std::pair<size_t, size_t> Window(const Entry& e) const;

  NumericDomain d_;
  KdeOptions o_;
  std::vector<std::pair<int64_t, double>> by_number_;  // sorted by number
  bool grid_ready_ = false;
  std::set<Entry> entries_;  // sorted by (mu, number), includes the prior's centre
  std::deque<Iter> newest_;  // insertion order, <= 25
  int64_t q_next_ = 0;
  // Tables: node j is at x0_ + j * h_ (continuous, or values of a discrete param).
  bool by_value_ = false;
  double x0_ = 0, h_ = 0;
  std::vector<double> g0_, g1_, g2_;  // older: sum K, sum q*K; newest: sum K
};

}  // namespace drover::hpo
