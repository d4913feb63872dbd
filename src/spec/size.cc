// How many jobs a workflow expands to, counted before anything is built: a cross
// product of a few large axes is billions of jobs, which no plan can hold.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "spec/parser.h"

namespace drover {
namespace {

// a * b, or UINT64_MAX when that does not fit.
uint64_t SaturatingMul(uint64_t a, uint64_t b) {
  uint64_t out;
  return __builtin_mul_overflow(a, b, &out) ? std::numeric_limits<uint64_t>::max() : out;
}

// 1234567 -> "1,234,567"; UINT64_MAX (a saturated count) -> "more than 18 billion billion".
std::string Count(uint64_t n) {
  if (n == std::numeric_limits<uint64_t>::max()) return "more than 18 billion billion";
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// "task 1,000 x seed 1,000 x 3 trials", the factors of a step's count.
std::string Factors(const Workflow& wf, const Step& step) {
  std::string out;
  for (const std::string& name : step.over) {
    const Axis* ax = wf.FindAxis(name);
    out += (out.empty() ? "" : " x ") + name + " " + Count(ax ? ax->values.size() : 0);
  }
  if (step.study) out += (out.empty() ? "" : " x ") + Count(static_cast<uint64_t>(std::max(step.study->trials, 0))) + " trials";
  return out;
}

}  // namespace

uint64_t StepJobCount(const Workflow& wf, const Step& step) {
  uint64_t n = 1;
  for (const std::string& name : step.over)
    if (const Axis* ax = wf.FindAxis(name)) n = SaturatingMul(n, ax->values.size());
  if (step.study) n = SaturatingMul(n, static_cast<uint64_t>(std::max(step.study->trials, 0)));
  return n;
}

Status CheckJobCount(const Workflow& wf, const Step** at) {
  uint64_t total = 0;
  for (const Step& step : wf.steps) {
    const uint64_t n = StepJobCount(wf, step);
    if (n <= kMaxJobs && total + n <= kMaxJobs) {
      total += n;
      continue;
    }
    if (at != nullptr) *at = &step;
    const std::string hint = fmt::format(
        "; drover plans at most {} jobs: give an axis fewer values (--set AXIS=v1,v2 does "
        "too) or split the sweep into several workflows",
        Count(kMaxJobs));
    if (n > kMaxJobs)
      return Status::Invalid(fmt::format("step '{}' expands to {} jobs ({}){}", step.name,
                                         Count(n), Factors(wf, step), hint));
    return Status::Invalid(fmt::format("step '{}' ({} jobs) brings the workflow to {} jobs{}",
                                       step.name, Count(n), Count(total + n), hint));
  }
  return Status::Ok();
}

}  // namespace drover
