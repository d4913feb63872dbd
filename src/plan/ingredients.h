// What a planned job's key is made of, as a compact JSON object, recorded in the store
// once per key (store/history.h) and compared by `drover explain`:
//   {"run":H,"code":{"train.py":H},"in":{"data/a.csv":H},"env":{"SEED":"0"},
//    "out":["model.pkl"],"study":H,"dep":H}
// H: the first 16 hex digits of a content hash. "run" is the step's command as written,
// "dep" a hash over the keys of the jobs it consumes; axis values are the job's name.
// Members without content ("code", "in", "env", "out", "study") are left out.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "plan/plan.h"
#include "util/status.h"

namespace drover {

// Computes ingredients of a plan's jobs, hashing each code and input file once. Borrows
// the plan, which must outlive it. Not thread-safe.
class IngredientsMaker {
 public:
  explicit IngredientsMaker(const Plan& plan) : plan_(plan) {}
  // The ingredients of job `j` (an index into plan.jobs()). Errors: a code or input file
  // that cannot be read (as planning would report).
  Result<std::string> Of(uint32_t j);

 private:
  Result<std::string> FileHash(const std::string& abs);
  Result<std::string> StepPart(uint32_t step);  // "run", "code", "out", "study"
  Status Inputs(uint32_t j, std::string* out);
  // The "path":hash members of the files an input pattern matches (globbed once).
  Result<std::string> InputPart(const std::string& pattern);

  const Plan& plan_;
  std::unordered_map<std::string, std::string> files_;  // absolute path -> short hash
  std::unordered_map<uint32_t, std::string> steps_;     // step -> its part of the JSON
  std::unordered_map<std::string, std::string> patterns_;  // input pattern -> its members
};

}  // namespace drover
