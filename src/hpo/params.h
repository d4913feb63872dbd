// Parameter values: what a sampler suggests and a trial runs with.
// A value is a double (float params), an int64 (int params) or a string
// (categorical choices). Params maps a parameter name to its value; an
// inactive conditional parameter is simply absent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace drover::hpo {

using ParamValue = std::variant<double, int64_t, std::string>;
using Params = std::map<std::string, ParamValue>;

// JSON: numbers and strings, e.g. {"lr": 0.01, "layers": 3, "opt": "adam"}.
// Integral JSON numbers become int64, others double.
nlohmann::json ParamsToJson(const Params& params);
Result<Params> ParamsFromJson(const nlohmann::json& j);
std::string ToString(const ParamValue& v);

}  // namespace drover::hpo
