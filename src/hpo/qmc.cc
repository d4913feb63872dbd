#include "hpo/qmc.h"

#include <cmath>
#include <numeric>

namespace drover::hpo {
namespace {

uint32_t NthPrime(size_t n) {
  uint32_t c = 1;
  for (size_t found = 0; found <= n;) {
    ++c;
    bool prime = c >= 2;
    for (uint32_t d = 2; d * d <= c && prime; ++d) prime = c % d != 0;
    found += prime;
  }
  return c;
}

}  // namespace

const QuasiRandomSampler::Base& QuasiRandomSampler::BaseFor(size_t dim) {
  while (bases_.size() <= dim) {
    Base b;
    b.prime = NthPrime(bases_.size());
    Rng rng(seed_ * 0x9e3779b97f4a7c15ULL + bases_.size());
    // Enough digits to resolve 2^-52.
    const int digits = static_cast<int>(std::ceil(52 * std::log(2.0) / std::log(b.prime)));
    for (int k = 0; k < digits; ++k) {
      std::vector<uint32_t> perm(b.prime);
      std::iota(perm.begin(), perm.end(), 0);
      for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[rng.Below(i)]);
      b.perms.push_back(std::move(perm));
    }
    bases_.push_back(std::move(b));
  }
  return bases_[dim];
}

double QuasiRandomSampler::Coordinate(size_t dim, uint64_t index) {
  const Base& b = BaseFor(dim);
  double scale = 1.0 / b.prime, u = 0;
  for (const auto& perm : b.perms) {
    u += perm[index % b.prime] * scale;
    index /= b.prime;
    scale /= b.prime;
  }
  return std::min(u, 1.0 - 0x1.0p-53);
}

Result<Params> QuasiRandomSampler::Suggest(const Space& space, const TrialHistory& history, Rng&) {
  const uint64_t index = history.size();
  Params out;
  for (size_t i = 0; i < space.size(); ++i) {
    if (!space.IsActive(i, out)) continue;
    const ParamSpec& p = space[i];
    const double u = Coordinate(i, index);
    if (p.type == ParamType::kCategorical) {
      out[p.name] = p.choices[static_cast<size_t>(u * p.choices.size())];
    } else if (p.discrete_internal()) {
      const auto n = std::llround((p.grid_high() - p.low) / p.step) + 1;
      out[p.name] = p.FromInternal(p.low + std::floor(u * n) * p.step);
    } else {
      out[p.name] = p.FromInternal(p.internal_low() + u * (p.internal_high() - p.internal_low()));
    }
  }
  return out;
}

}  // namespace drover::hpo
