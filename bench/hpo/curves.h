// Synthetic learning curves for the pruning comparison of bench/hpo (prune_bench.cc and
// optuna_bench.py compute the same numbers): trial n of seed s has a final loss, a start
// and a rate drawn by splitmix64 from (s, n), and loss(e) = final + start * exp(-rate * (e + 1))
// plus a little noise per epoch, so that fast starters and good finishers differ.
#pragma once

#include <cmath>
#include <cstdint>

namespace drover::bench {

inline uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A uniform in [0, 1) from three integers.
inline double Uniform(uint64_t seed, uint64_t trial, uint64_t k) {
  const uint64_t h = SplitMix(SplitMix(SplitMix(seed) ^ trial) ^ k);
  return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

// The loss trial `trial` of `seed` reports at epoch `epoch` (0-based).
inline double CurveLoss(uint64_t seed, uint64_t trial, int64_t epoch) {
  const double final_loss = Uniform(seed, trial, 0);
  const double start = 0.5 + 2.0 * Uniform(seed, trial, 1);
  const double rate = 0.02 + 0.3 * Uniform(seed, trial, 2);
  const double noise = 0.02 * (Uniform(seed, trial, 1000 + static_cast<uint64_t>(epoch)) - 0.5);
  return final_loss + start * std::exp(-rate * static_cast<double>(epoch + 1)) + noise;
}

}  // namespace drover::bench
