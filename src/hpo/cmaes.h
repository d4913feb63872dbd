// CmaEsSampler: CMA-ES (Hansen's (mu/mu_w, lambda) rank-one + rank-mu
// update) over the continuous parameters: float and int params without a
// condition, each mapped to [0, 1] over its internal (log) range; ints are
// rounded. Full covariance, or diagonal with `separable` (sep-CMA-ES,
// larger learning rates). Categorical and conditional params are sampled
// uniformly. Asynchronous ask/tell: every ask draws from the current
// distribution; once lambda trials drawn in the current generation have
// completed, the distribution is updated. Pruned and failed trials are
// ignored. Not thread-safe.
#pragma once

#include <map>
#include <vector>

#include "hpo/sampler.h"

namespace drover::hpo {

struct CmaEsOptions {
  bool separable = false;
  double sigma0 = 1.0 / 6;  // in the [0, 1]-normalised space
  size_t popsize = 0;       // 0: 4 + floor(3 ln d)
};

class CmaEsSampler : public Sampler {
 public:
  explicit CmaEsSampler(CmaEsOptions options = {}) : options_(options) {}

  Result<Params> Suggest(const Space& space, const TrialHistory& history, Rng& rng) override;
  void OnAsk(const Space& space, const Trial& trial) override;
  void OnTell(const Space& space, const TrialHistory& history, const Trial& trial) override;
  std::string name() const override { return options_.separable ? "cmaes-separable" : "cmaes"; }

  double sigma() const { return sigma_; }
  int generation() const { return generation_; }

 private:
  void Init(const Space& space);
  void Update();
  void Decompose();

  CmaEsOptions options_;
  bool ready_ = false;
  std::vector<size_t> dims_;  // indices of the CMA params in the space
  size_t n_ = 0, lambda_ = 0, mu_ = 0;
  double mueff_ = 0, cs_ = 0, ds_ = 0, cc_ = 0, c1_ = 0, cmu_ = 0, chin_ = 0;
  std::vector<double> weights_;
  std::vector<double> mean_, pc_, ps_;
  std::vector<double> c_, b_, d_;  // covariance (n x n), eigenvectors (columns), sqrt eigenvalues
  double sigma_ = 0;
  int generation_ = 0;
  std::map<int64_t, std::pair<int, std::vector<double>>> asked_;  // number -> (generation, x)
  std::vector<std::pair<double, std::vector<double>>> solutions_;  // (loss, x) of this generation
};

}  // namespace drover::hpo
