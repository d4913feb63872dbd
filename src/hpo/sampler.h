// Sampler: proposes the params of the next trial.
//
// Contract: Suggest() returns params for every parameter active under the
// returned values (and only those), each inside its range. The Study calls
// OnAsk() once the new trial is recorded as running, and OnTell() once it
// finishes (complete, pruned or failed), so samplers can keep their state
// incrementally instead of re-reading the history. All randomness comes from
// the Rng argument, so a seed reproduces the suggestions. A sampler belongs
// to one study; not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "hpo/params.h"
#include "hpo/rng.h"
#include "hpo/space.h"
#include "hpo/trial.h"
#include "util/status.h"

namespace drover::hpo {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The next params. A sampler with nothing left to propose (a finished grid)
  // returns Code::kNotFound and Exhausted() becomes true.
  virtual Result<Params> Suggest(const Space& space, const TrialHistory& history, Rng& rng) = 0;
  virtual void OnAsk(const Space& space, const Trial& trial) {}
  virtual void OnTell(const Space& space, const TrialHistory& history, const Trial& trial) {}
  virtual bool Exhausted() const { return false; }
  virtual std::string name() const = 0;
};

// A value drawn uniformly: uniform in internal space for continuous params
// (so log-uniform for log params), uniform over the grid for step/int
// params, uniform over choices for categoricals.
ParamValue SampleUniform(const ParamSpec& p, Rng& rng);
// Uniform values for every active parameter, in the space's order.
Params SampleUniform(const Space& space, Rng& rng);

// Independent uniform sampling.
class RandomSampler : public Sampler {
 public:
  Result<Params> Suggest(const Space& space, const TrialHistory&, Rng& rng) override {
    return SampleUniform(space, rng);
  }
  std::string name() const override { return "random"; }
};

}  // namespace drover::hpo
