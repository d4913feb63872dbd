// Parzen estimators of TPE (Optuna's defaults, see /work/shared/HPO.md):
// mixtures of truncated normals (numeric) or smoothed histograms
// (categorical), with a prior kernel, built from observations in trial
// number order (the order the weights follow). These build from scratch:
// TPE uses them for the small "good" group and, below a size threshold, for
// the "bad" group too; tpe_model.h keeps the large "bad" group incrementally.
// All values are in a parameter's internal representation (space.h).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "hpo/rng.h"
#include "hpo/space.h"

namespace drover::hpo {

// Size of the good group for n finished trials: min(ceil(0.1 n), 25).
size_t TpeGamma(size_t n);
// Kernel weights for k observations in trial order: 1 for all when k < 25;
// otherwise the older k-25 rise linearly from 1/k to 1 and the newest 25 get 1.
std::vector<double> TpeWeights(size_t k);
// Optuna's univariate bandwidths: sort the centres with the prior's (the
// middle of [lo, hi]), pad with the bounds, sigma = larger neighbour gap
// (the outermost centres use their inner gap), clipped to
// [range / min(100, k + 2), range]. Returns one sigma per mu, in mus' order.
std::vector<double> TpeSigmas(std::span<const double> mus, double lo, double hi);

// The geometry of one numeric parameter in internal space.
struct NumericDomain {
  double lo = 0, hi = 1;  // truncation bounds (widened by step/2 when discrete)
  double step = 0;        // > 0: values are lo + step/2 + j*step, masses of [x +- step/2]
  double range() const { return hi - lo; }
  static NumericDomain Of(const ParamSpec& p) { return {p.internal_low(), p.internal_high(), p.internal_step()}; }
  // Rounds x to the nearest admissible value (identity when continuous).
  double Round(double x) const;
};

// A univariate mixture: kernels (mu, sigma, log weight), the last one the prior.
class NumericMixture {
 public:
  // obs in trial-number order; weights default to TpeWeights(obs.size()).
  // bandwidth_weighted: see TpeOptions.
  static NumericMixture Build(std::span<const double> obs, const NumericDomain& d, bool bandwidth_weighted = false);
  double LogPdf(double x) const;
  double Sample(Rng& rng) const;
  size_t size() const { return mu_.size(); }

 private:
  NumericDomain d_;
  std::vector<double> mu_, sigma_, logw_, lognorm_;  // lognorm: -log(sigma Z sqrt(2pi)) or -log Z
  std::vector<double> cumw_;
  std::vector<double> scale_;  // w * normaliser (continuous)
};

// A categorical distribution over C choices from obs (choice indices) in
// trial order: each observation puts prior/(k+1) on every choice and 1 on its
// own (normalised), plus a uniform prior kernel; the mixture collapses to one
// distribution.
class CategoricalMixture {
 public:
  static CategoricalMixture Build(std::span<const double> obs, size_t choices);
  // From per-choice weight sums: total = sum of all kernel weights (without
  // the prior), per_choice[c] = sum of weights of kernels that chose c.
  static CategoricalMixture FromSums(double total, std::span<const double> per_choice, size_t k);
  double LogPdf(double x) const { return logp_[static_cast<size_t>(x)]; }
  double Sample(Rng& rng) const;

 private:
  std::vector<double> logp_, cum_;
};

// A product-kernel mixture over several parameters (multivariate TPE): one
// kernel per observation with the same bandwidth per dimension,
// sigma = 0.2 * k^(-1/(d+4)) * range clipped as in TpeSigmas, plus the prior
// kernel. Rows are observations in trial order, d values each (internal).
// Discrete dimensions whose bandwidth exceeds two steps use density * step
// for the mass of a value (within 1% of the exact mass, far cheaper).
class ProductMixture {
 public:
  struct Dim {
    bool categorical = false;
    NumericDomain domain;  // numeric
    size_t choices = 0;    // categorical
  };
  static ProductMixture Build(std::vector<Dim> dims, std::span<const double> rows, bool bandwidth_weighted = false);
  double LogPdf(std::span<const double> x) const;
  void Sample(Rng& rng, std::span<double> out) const;

 private:
  std::vector<Dim> dims_;
  size_t k_ = 0;                // observations; kernel k_ is the prior
  std::vector<double> mu_;      // (k_ + 1) x d
  std::vector<double> sigma_;   // per dim, for observation kernels
  std::vector<double> lognorm_; // (k_ + 1) x d: numeric normalisers
  std::vector<double> logw_, cumw_;
  std::vector<double> catown_, catother_;  // per dim: log prob of own / other choice
  bool simple_ = true;          // every dim continuous (or density * step): the fast path
  std::vector<double> kconst_;  // per kernel: log w + sum of log normalisers (fast path)
  mutable std::vector<double> scratch_;
};

// Draws an index with probability proportional to w (cumulative sums given).
size_t DrawIndex(std::span<const double> cumulative, Rng& rng);

}  // namespace drover::hpo
