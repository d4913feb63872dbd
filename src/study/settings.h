// Sampler and pruner settings: the JSON a study stores, and the objects built
// from it. A setting is a name or an object with a "name" and options:
//
//   "tpe"    {"name": "tpe", "multivariate": true, "constant_liar": true,
//             "n_startup_trials": 10, "n_ei_candidates": 24}
//   "random" "qmc"   {"name": "grid", "float_points": 5, "shuffle": false}
//   {"name": "cmaes", "separable": false, "sigma0": 0.1667, "popsize": 0}
//   "none"   {"name": "median", "n_startup_trials": 5, "n_warmup_steps": 0,
//             "interval_steps": 1}   ("percentile" adds "percentile": 25)
//   {"name": "asha", "min_resource": 1, "reduction_factor": 4,
//    "min_early_stopping_rate": 0, "bootstrap_count": 0}
//   {"name": "hyperband", "min_resource": 1, "max_resource": 0,
//    "reduction_factor": 3, "bootstrap_count": 0}
//
// drover's TPE turns the constant liar on by default: a study's trials run in
// parallel as jobs. Unknown names and options are errors that list the known ones.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hpo/pruner.h"
#include "hpo/sampler.h"
#include "util/status.h"

namespace drover::study {

// The canonical object form of a sampler setting ("tpe" -> {"name": "tpe"}),
// checked: kInvalid names what is wrong.
Result<nlohmann::json> NormaliseSampler(const nlohmann::json& setting);
Result<nlohmann::json> NormalisePruner(const nlohmann::json& setting);

Result<std::unique_ptr<hpo::Sampler>> MakeSampler(const nlohmann::json& setting, uint64_t seed);
// How many trials the sampler can give at most in `space`: the grid's points for
// "grid", nullopt for the others (they never run out).
Result<std::optional<size_t>> MaxTrials(const nlohmann::json& setting, const hpo::Space& space);
// `study_name` seeds Hyperband's bracket assignment.
Result<std::unique_ptr<hpo::Pruner>> MakePruner(const nlohmann::json& setting,
                                                const std::string& study_name);

// "tpe, random, grid, qmc, cmaes" and "none, median, percentile, asha, hyperband".
const char* SamplerNames();
const char* PrunerNames();

}  // namespace drover::study
