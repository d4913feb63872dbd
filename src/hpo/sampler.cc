#include "hpo/sampler.h"

#include <cmath>

namespace drover::hpo {

ParamValue SampleUniform(const ParamSpec& p, Rng& rng) {
  if (p.type == ParamType::kCategorical) return p.choices[rng.Below(p.choices.size())];
  if (p.discrete_internal()) {
    const auto n = static_cast<uint64_t>(std::llround((p.grid_high() - p.low) / p.step)) + 1;
    return p.FromInternal(p.low + static_cast<double>(rng.Below(n)) * p.step);
  }
  const double lo = p.internal_low(), hi = p.internal_high();
  return p.FromInternal(lo + rng.Uniform() * (hi - lo));
}

Params SampleUniform(const Space& space, Rng& rng) {
  Params out;
  for (size_t i = 0; i < space.size(); ++i)
    if (space.IsActive(i, out)) out[space[i].name] = SampleUniform(space[i], rng);
  return out;
}

}  // namespace drover::hpo
