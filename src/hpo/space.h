// Space: the search space of a study — named float, int and categorical
// parameters, some active only when a parent categorical takes given values.
//
// JSON form (one object, a key per parameter):
//   {"lr":  {"type":"float","low":1e-4,"high":1e-1,"log":true},
//    "layers": {"type":"int","low":1,"high":4},
//    "opt": {"type":"categorical","choices":["adam","sgd"]},
//    "momentum": {"type":"float","low":0,"high":0.99,"when":{"opt":["sgd"]}}}
// Float/int take optional "log" (low > 0) and "step" (> 0; a step that does
// not divide the range is fine: the top of the range is the last grid point).
// Log and step do not combine (except int's implicit step 1).
//
// Samplers work in an *internal* representation: numbers in log space when
// "log", categorical choices as their index. The helpers below convert.
// A Space is an immutable value once built; safe to share between threads.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hpo/params.h"
#include "util/status.h"

namespace drover::hpo {

enum class ParamType { kFloat, kInt, kCategorical };

// A parameter is active only when `parent` (a categorical) has one of `values`
// and is itself active.
struct Condition {
  std::string parent;
  std::vector<std::string> values;
};

// A grid point as a user writes it (12 significant digits): 0 + 3 * 0.3 is
// 0.8999999999999999 in binary, and the point is 0.9; exp(log(0.0001)) is 0.0001.
double OnGrid(double v);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  double low = 0, high = 1;  // Inclusive; for int, integral values.
  bool log = false;
  double step = 0;  // 0: continuous (float) / 1 (int default).
  std::vector<std::string> choices;
  std::optional<Condition> when;

  static ParamSpec Float(std::string name, double low, double high, bool log = false, double step = 0) {
    ParamSpec p;
    p.name = std::move(name), p.low = low, p.high = high, p.log = log, p.step = step;
    return p;
  }
  static ParamSpec Int(std::string name, int64_t low, int64_t high, bool log = false, int64_t step = 1) {
    ParamSpec p = Float(std::move(name), static_cast<double>(low), static_cast<double>(high), log,
                        static_cast<double>(step));
    p.type = ParamType::kInt;
    return p;
  }
  static ParamSpec Categorical(std::string name, std::vector<std::string> choices) {
    ParamSpec p;
    p.name = std::move(name), p.type = ParamType::kCategorical, p.choices = std::move(choices);
    return p;
  }

  bool numeric() const { return type != ParamType::kCategorical; }
  // True when values lie on a grid the sampler must respect in internal space
  // (step floats, non-log ints). Log ints are continuous in log space, then rounded.
  bool discrete_internal() const { return numeric() && step > 0 && !log; }
  // The largest value on the step grid (== high when there is no step).
  double grid_high() const;
  // Internal bounds: log-transformed; widened by step/2 for discrete values.
  double internal_low() const;
  double internal_high() const;
  // Internal step (0 when continuous in internal space).
  double internal_step() const { return discrete_internal() ? step : 0.0; }

  // Value <-> internal double. FromInternal rounds to the grid and clamps.
  double ToInternal(const ParamValue& v) const;
  ParamValue FromInternal(double x) const;
  // Whether v has the right type and lies in range (and on the grid).
  bool Contains(const ParamValue& v) const;
};

class Space {
 public:
  Space() = default;
  // Builds and validates a space; errors name the parameter and the problem. Names,
  // choices and conditions must be UTF-8 text (JSON holds nothing else).
  static Result<Space> FromJson(const nlohmann::json& j);
  static Result<Space> Parse(const std::string& text);
  static Result<Space> Make(std::vector<ParamSpec> params);
  nlohmann::json ToJson() const;

  // Parameters ordered so that every parent comes before its children.
  const std::vector<ParamSpec>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  const ParamSpec& operator[](size_t i) const { return params_[i]; }
  std::optional<size_t> Find(const std::string& name) const;
  // Index of param i's parent, if conditional.
  std::optional<size_t> parent(size_t i) const { return parents_[i]; }

  // Whether param i is active given the values already chosen for its
  // ancestors (earlier params in order).
  bool IsActive(size_t i, const Params& chosen) const;
  // Checks that params holds exactly the active parameters, each in range.
  Status Validate(const Params& params) const;

 private:
  std::vector<ParamSpec> params_;
  std::vector<std::optional<size_t>> parents_;
};

}  // namespace drover::hpo
