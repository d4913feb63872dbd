// Parzen estimators of TPE (Optuna's defaults, see /work/shared/HPO.md):
// mixtures of truncated normals (numeric) or smoothed histograms
// (categorical), with a prior kernel, built from observations in trial
// number order (the order the weights follow). These build from scratch:
// TPE uses them for the small "good" group and, below a size threshold, for
// the "bad" group too; tpe_model.h keeps the large "bad" group incrementally.
// All values are in a parameter's internal representation (space.h).
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "hpo/rng.h"
#include "hpo/space.h"

namespace drover::hpo {

// How TPE builds its kernel density estimators. The defaults are Optuna's
// TPESampler defaults (consider_prior, prior_weight=1, consider_magic_clip,
// consider_endpoints=False, default_weights, default_gamma).
struct KdeOptions {
  // Weight of the prior kernel (centred in the range, sigma = range; uniform
  // for categorical params), relative to 1 for an observation. Must be > 0.
  double prior_weight = 1.0;
  // Outermost kernels' bandwidth: false: their inner gap (Optuna's default);
  // true: the larger of the gaps to the neighbour and to the bound.
  bool consider_endpoints = false;
  // Bandwidth floor: range / min(100, k + 2) for k observations ("magic
  // clip"); otherwise min_bandwidth * range.
  bool magic_clip = true;
  double min_bandwidth = 0.0;
  // Old observations weigh less (TpeWeights); false: all weigh 1.
  bool weight_ramp = true;
  // Weigh each continuous kernel's density by its bandwidth (log pdf without
  // the -log sigma term), as Optuna 3.1's truncated normal does: wide kernels
  // (isolated observations, the prior) count for more, which explores more.
  bool bandwidth_weighted = true;
  // Multivariate bandwidth: sigma0 * k^(-1/(d+4)) * range (Scott's rule).
  double sigma0 = 0.2;
  // With bandwidth_weighted: each continuous kernel's density is weighed by
  // sigma^bandwidth_power (1: Optuna 3.1; 0: the textbook density).
  double bandwidth_power = 1.0;
  // > 0: univariate observation kernels share one bandwidth from Scott's rule,
  // scott * min(std, IQR / 1.34) * k^(-1/5), clipped as in TpeSigmas, instead of the gaps.
  double scott = 0.0;
  // The log sigma subtracted from a continuous kernel's log density.
  double LogSigmaTerm(double sigma) const { return (bandwidth_weighted ? 1.0 - bandwidth_power : 1.0) * std::log(sigma); }
};

// Size of the good group for n finished trials: min(ceil(fraction * n), 25).
size_t TpeGamma(size_t n, double fraction = 0.1);
// Hyperopt's rule, growing like the square root: min(ceil(beta * sqrt(n)), 25).
size_t TpeGammaSqrt(size_t n, double beta);
// Kernel weights for k observations in trial order: 1 for all when k < 25;
// otherwise the older k-25 rise linearly from 1/k to 1 and the newest 25 get 1.
// ramp = false: 1 for all.
std::vector<double> TpeWeights(size_t k, bool ramp = true);
// The bandwidth floor for k observations (plus the prior) on a range.
double TpeMinSigma(size_t k, double range, const KdeOptions& o);
// Optuna's univariate bandwidths: sort the centres with the prior's (the
// middle of [lo, hi]), pad with the bounds, sigma = larger neighbour gap
// (the outermost centres use their inner gap unless consider_endpoints),
// clipped to [TpeMinSigma, range]. Returns one sigma per mu, in mus' order.
std::vector<double> TpeSigmas(std::span<const double> mus, double lo, double hi, const KdeOptions& o = {});

// Draws an index with probability proportional to w (cumulative sums given).
size_t DrawIndex(std::span<const double> cumulative, Rng& rng);

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
  // obs in trial-number order, weighted by TpeWeights.
  static NumericMixture Build(std::span<const double> obs, const NumericDomain& d, const KdeOptions& o = {});
  double LogPdf(double x) const;
  double Sample(Rng& rng) const;
  // A draw from kernel i alone (i = size() - 1: the prior).
  double SampleKernel(Rng& rng, size_t i) const;
  // Kernel index of a draw (as Sample, which draws the index and then SampleKernel).
  size_t DrawKernel(Rng& rng) const { return DrawIndex(cumw_, rng); }
  double sigma(size_t i) const { return sigma_[i]; }
  size_t size() const { return mu_.size(); }

 private:
  NumericDomain d_;
  std::vector<double> mu_, sigma_, logw_, lognorm_;  // lognorm: -log(sigma Z sqrt(2pi)) or -log Z
  std::vector<double> cumw_;
  std::vector<double> scale_;  // w * normaliser (continuous)
};

// A categorical distribution over C choices from obs (choice indices) in
// trial order: each observation puts prior_weight/(k+1) on every choice and 1
// on its own (normalised), plus a uniform prior kernel of weight
// prior_weight; the mixture collapses to one distribution.
class CategoricalMixture {
 public:
  static CategoricalMixture Build(std::span<const double> obs, size_t choices, const KdeOptions& o = {});
  // From per-choice weight sums: total = sum of all kernel weights (without
  // the prior), per_choice[c] = sum of weights of kernels that chose c.
  static CategoricalMixture FromSums(double total, std::span<const double> per_choice, size_t k,
                                     double prior_weight = 1.0);
  double LogPdf(double x) const { return logp_[static_cast<size_t>(x)]; }
  double Sample(Rng& rng) const;

 private:
  std::vector<double> logp_, cum_;
};

// A product-kernel mixture over several parameters (multivariate TPE): one
// kernel per observation with the same bandwidth per dimension,
// sigma = sigma0 * k^(-1/(d+4)) * range clipped as in TpeSigmas, plus the
// prior kernel. A candidate is drawn from one kernel (all dimensions). Rows are observations in trial order, d values each (internal).
// Discrete dimensions whose bandwidth exceeds two steps use density * step
// for the mass of a value (within 1% of the exact mass, far cheaper).
class ProductMixture {
 public:
  struct Dim {
    bool categorical = false;
    NumericDomain domain;  // numeric
    size_t choices = 0;    // categorical
  };
  static ProductMixture Build(std::vector<Dim> dims, std::span<const double> rows, const KdeOptions& o = {});
  // As Build, reusing this mixture's memory (for the large bad group, rebuilt every ask).
  void Assign(std::vector<Dim> dims, std::span<const double> rows, const KdeOptions& o = {});
  double LogPdf(std::span<const double> x) const;
  void Sample(Rng& rng, std::span<double> out) const;
  // A draw from kernel i alone (i = size() - 1: the prior); returns i.
  size_t SampleKernel(Rng& rng, size_t i, std::span<double> out) const;
  // Dim j of a draw from kernel i.
  double SampleDim(Rng& rng, size_t i, size_t j) const;
  size_t DrawKernel(Rng& rng) const { return DrawIndex(cumw_, rng); }
  // Bandwidth of kernel i in dim j (the prior's: the range; 0 for categorical dims).
  double sigma(size_t i, size_t j) const { return dims_[j].categorical ? 0.0 : i == k_ ? dims_[j].domain.range() : sigma_[j]; }
  size_t size() const { return k_ + 1; }

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
  std::vector<double> mut_;     // d x k_: observation centres by dim (fast path)
  mutable std::vector<double> scratch_;
};

}  // namespace drover::hpo
