// The mutations of drover_fuzz: deterministic for a given seed, so that a failure found
// in CI is found again with the same --seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace drover::fuzz {

// Makes new inputs from a pool of inputs. Not thread-safe.
class Mutator {
 public:
  explicit Mutator(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}

  // A pool entry (or a splice of two) with 1 to 4 mutations applied. `pool` is non-empty.
  std::string Mutate(const std::vector<std::string>& pool);
  // Adds an input that loaded to the pool: appended while the pool is small, else in
  // place of a random entry after the first `keep_first` (the seeds).
  void Keep(std::vector<std::string>* pool, std::string input, size_t keep_first);

 private:
  uint64_t Next();                 // splitmix64
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }
  void MutateOnce(std::string* s, const std::vector<std::string>& pool);
  std::string Splice(const std::string& a, const std::string& b);

  uint64_t state_;
};

}  // namespace drover::fuzz
