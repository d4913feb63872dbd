// QuasiRandomSampler: a scrambled Halton sequence (one prime base per
// parameter, a seeded random digit permutation per base and digit position).
// Point i of the sequence goes to the i-th trial of the study (i = number of
// trials so far), so a resumed study continues the sequence. Fills the space
// more evenly than random sampling for the same number of points.
#pragma once

#include <cstdint>
#include <vector>

#include "hpo/sampler.h"

namespace drover::hpo {

class QuasiRandomSampler : public Sampler {
 public:
  explicit QuasiRandomSampler(uint64_t seed = 0) : seed_(seed) {}
  Result<Params> Suggest(const Space& space, const TrialHistory& history, Rng& rng) override;
  std::string name() const override { return "qmc"; }

  // Coordinate `dim` of point `index`, in [0, 1).
  double Coordinate(size_t dim, uint64_t index);

 private:
  struct Base {
    uint32_t prime;
    std::vector<std::vector<uint32_t>> perms;  // per digit position
  };
  const Base& BaseFor(size_t dim);

  uint64_t seed_;
  std::vector<Base> bases_;
};

}  // namespace drover::hpo
