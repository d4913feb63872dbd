#include "fuzz/mutator.h"

#include <algorithm>

namespace drover::fuzz {
namespace {

// Inputs grow no larger than this (a mutation that would is skipped).
constexpr size_t kMaxInput = 64 * 1024;
constexpr size_t kMaxPool = 4096;

// Tokens that mean something to YAML, to drover's templates or to the space format,
// and values at the edges: huge numbers, bytes that are not UTF-8, control bytes.
const char* const kTokens[] = {
    "&a ", "*a", "&b [*a, *a, *a, *a, *a, *a, *a, *a]", "<<: *a", "{", "}", "[", "]", ":", ": ",
    "- ", "\"", "'", "\n", "  ", "    ", "#", "|", ">-", "!!str ", "!!int ", "? ", ",", "~",
    "null", "true", "---\n", "...\n", "%YAML 1.2\n", "{x}", "{seed}", "{train.model.pkl}",
    "{train.model.pkl...}", "{tune.best.lr}", "{{", "}}", "${HOME}",
    "99999999999999999999999999999999", "-9223372036854775809", "9007199254740993", "1e308",
    "-1e308", "1e-320", "-1", "0", "0x10", ".nan", ".inf", "-.inf", "\xff", "\xc3", "\xed\xa0\x80",
    "\xc2\x9b", "" /* a NUL byte */, "\t", "\r", "\x1b[2J", "type: int", "type: float",
    "type: categorical", "low: 0", "high: 9000000000000", "step: 1e-300", "log: true",
    "choices: [a, b]", "when: {c: [a]}", "sampler: grid", "sampler: {name: grid, float_points: 1000000000}",
    "sampler: cmaes", "sampler: {name: tpe, multivariate: true}", "pruner: {name: hyperband}",
    "trials: 3", "trials: 2147483647", "parallel: 0", "segments: [", "over: [", "study:", "space:",
    "outputs: [", "inputs: [", "after: [", "retries: 99999999999", "walltime: 1e300s",
    "memory: 99999999999999T", "cpus: 1e-300", "priority: -2147483649", "grace: -1s",
    "executor: slurm", "array_throttle: -1", "report:\n  table: {rows: [a], value: x, precision: 99}\n",
};

// A very long run of digits, a number no parser can hold.
std::string LongNumber(size_t n) { return std::string(n, '9'); }

}  // namespace

uint64_t Mutator::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::string Mutator::Splice(const std::string& a, const std::string& b) {
  const size_t cut_a = Below(a.size() + 1), cut_b = Below(b.size() + 1);
  // Cut at line starts when there are lines: splices stay YAML-like more often.
  const size_t la = a.rfind('\n', cut_a), lb = b.rfind('\n', cut_b);
  return a.substr(0, la == std::string::npos ? cut_a : la + 1) +
         b.substr(lb == std::string::npos ? cut_b : lb + 1);
}

void Mutator::MutateOnce(std::string* s, const std::vector<std::string>& pool) {
  const size_t at = Below(s->size() + 1);
  switch (Below(9)) {
    case 0:  // flip a byte
      if (!s->empty()) (*s)[Below(s->size())] = static_cast<char>(Next());
      break;
    case 1:
    case 2: {  // insert a token
      const char* t = kTokens[Below(std::size(kTokens))];
      s->insert(at, t[0] == 0 ? std::string("\0", 1) : std::string(t));
      break;
    }
    case 3:  // delete a range
      if (!s->empty()) s->erase(at, 1 + Below(std::min<size_t>(64, s->size())));
      break;
    case 4: {  // duplicate a chunk elsewhere
      if (s->empty()) break;
      const size_t from = Below(s->size());
      const std::string chunk = s->substr(from, 1 + Below(128));
      s->insert(Below(s->size() + 1), chunk);
      break;
    }
    case 5:  // a very long number
      s->insert(at, LongNumber(1 + Below(400)));
      break;
    case 6: {  // replace a digit run's digit by another, or a value by a token
      size_t d = s->find_first_of("0123456789", at);
      if (d != std::string::npos) (*s)[d] = static_cast<char>('0' + Below(10));
      break;
    }
    case 7: {  // a line from another input
      const std::string& other = pool[Below(pool.size())];
      const size_t start = other.rfind('\n', Below(other.size() + 1));
      const size_t from = start == std::string::npos ? 0 : start + 1;
      const size_t end = other.find('\n', from);
      const size_t line_at = s->rfind('\n', at);
      s->insert(line_at == std::string::npos ? 0 : line_at + 1,
                other.substr(from, end == std::string::npos ? end : end - from + 1));
      break;
    }
    default: {  // change a line's indentation
      const size_t line_at = s->rfind('\n', at);
      const size_t p = line_at == std::string::npos ? 0 : line_at + 1;
      if (Below(2)) s->insert(p, std::string(1 + Below(4), ' '));
      else if (p < s->size() && (*s)[p] == ' ') s->erase(p, 1 + Below(2));
      break;
    }
  }
}

std::string Mutator::Mutate(const std::vector<std::string>& pool) {
  std::string s = pool[Below(pool.size())];
  if (Below(8) == 0) s = Splice(s, pool[Below(pool.size())]);
  const size_t n = 1 + Below(4);
  for (size_t i = 0; i < n; ++i) {
    std::string before = s;
    MutateOnce(&s, pool);
    if (s.size() > kMaxInput) s = std::move(before);
  }
  return s;
}

void Mutator::Keep(std::vector<std::string>* pool, std::string input, size_t keep_first) {
  if (pool->size() < kMaxPool) {
    pool->push_back(std::move(input));
  } else if (pool->size() > keep_first) {
    (*pool)[keep_first + Below(pool->size() - keep_first)] = std::move(input);
  }
}

}  // namespace drover::fuzz
