#include "study/settings.h"

#include <climits>
#include <cmath>
#include <functional>
#include <map>

#include "hpo/cmaes.h"
#include "hpo/grid.h"
#include "hpo/hyperband.h"
#include "hpo/qmc.h"
#include "hpo/successive_halving.h"
#include "hpo/tpe.h"

namespace drover::study {
namespace {

using json = nlohmann::json;

// kCount: a whole number 0 .. INT_MAX (options are ints); kSize: 0 .. kMaxSize, for what
// a sampler builds or evaluates at every ask (a population, candidates, grid points),
// where a larger number is hours and gigabytes per ask, not a better search.
enum class Kind { kBool, kCount, kSize, kNumber };
constexpr int64_t kMaxSize = 100000;

struct Option {
  const char* name;
  Kind kind;
};

const std::map<std::string, std::vector<Option>>& SamplerOptions() {
  static const std::map<std::string, std::vector<Option>> kOpts = {
      {"random", {}},
      {"qmc", {}},
      {"grid", {{"float_points", Kind::kSize}, {"shuffle", Kind::kBool}}},
      {"tpe",
       {{"multivariate", Kind::kBool}, {"constant_liar", Kind::kBool},
        {"n_startup_trials", Kind::kCount}, {"n_ei_candidates", Kind::kSize}}},
      {"cmaes",
       {{"separable", Kind::kBool}, {"sigma0", Kind::kNumber}, {"popsize", Kind::kSize}}},
  };
  return kOpts;
}

const std::map<std::string, std::vector<Option>>& PrunerOptions() {
  static const std::vector<Option> kPercentile = {
      {"n_startup_trials", Kind::kCount}, {"n_warmup_steps", Kind::kCount},
      {"interval_steps", Kind::kCount}, {"n_min_trials", Kind::kCount}};
  static const std::map<std::string, std::vector<Option>> kOpts = {
      {"none", {}},
      {"median", kPercentile},
      {"percentile",
       [] {
         auto v = kPercentile;
         v.push_back({"percentile", Kind::kNumber});
         return v;
       }()},
      {"asha",
       {{"min_resource", Kind::kCount}, {"reduction_factor", Kind::kCount},
        {"min_early_stopping_rate", Kind::kCount}, {"bootstrap_count", Kind::kCount}}},
      {"hyperband",
       {{"min_resource", Kind::kCount}, {"max_resource", Kind::kCount},
        {"reduction_factor", Kind::kCount}, {"bootstrap_count", Kind::kCount}}},
  };
  return kOpts;
}

std::string Names(const std::map<std::string, std::vector<Option>>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += (out.empty() ? "" : ", ") + k;
  return out;
}

Status CheckValue(const std::string& what, const Option& o, const json& v) {
  switch (o.kind) {
    case Kind::kBool:
      if (!v.is_boolean()) return Status::Invalid(what + " must be true or false");
      break;
    case Kind::kCount:
    case Kind::kSize: {
      const int64_t most = o.kind == Kind::kSize ? kMaxSize : INT_MAX;
      if (!v.is_number_integer() || v.get<int64_t>() < 0 ||
          (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(most) : v.get<int64_t>() > most))
        return Status::Invalid(what + " must be a whole number from 0 to " + std::to_string(most) +
                               ", got " + v.dump(-1, ' ', false, json::error_handler_t::replace));
      break;
    }
    case Kind::kNumber:
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        return Status::Invalid(what + " must be a number, got " + v.dump(-1, ' ', false, json::error_handler_t::replace));
      break;
  }
  return Status::Ok();
}

Result<json> Normalise(const json& setting, const std::map<std::string, std::vector<Option>>& all,
                       const char* kind) {
  json obj = setting.is_string() ? json{{"name", setting}} : setting;
  if (!obj.is_object() || !obj.contains("name") || !obj["name"].is_string())
    return Status::Invalid(std::string(kind) + " must be a name (" + Names(all) +
                           ") or an object with a \"name\"");
  std::string name = obj["name"];
  if (name == "tpe-multivariate" && all.count("tpe")) {
    name = "tpe";
    obj["name"] = name;
    obj["multivariate"] = true;
  }
  auto it = all.find(name);
  if (it == all.end())
    return Status::Invalid("unknown " + std::string(kind) + " '" + name + "'; use one of " +
                           Names(all));
  for (const auto& [key, value] : obj.items()) {
    if (key == "name") continue;
    const Option* opt = nullptr;
    for (const Option& o : it->second)
      if (key == o.name) opt = &o;
    std::string what = std::string(kind) + " '" + name + "': option '" + key + "'";
    if (!opt) {
      std::string known;
      for (const Option& o : it->second) known += (known.empty() ? "" : ", ") + std::string(o.name);
      return Status::Invalid(what + " is unknown" +
                             (known.empty() ? "; it takes no options" : "; known: " + known));
    }
    DROVER_RETURN_IF_ERROR(CheckValue(what, *opt, value));
  }
  return obj;
}

template <typename T>
void Get(const json& j, const char* key, T* out) {
  if (j.contains(key)) *out = j[key].get<T>();
}

}  // namespace

const char* SamplerNames() { return "tpe, random, grid, qmc, cmaes"; }
const char* PrunerNames() { return "none, median, percentile, asha, hyperband"; }

Result<json> NormaliseSampler(const json& setting) {
  return Normalise(setting, SamplerOptions(), "sampler");
}
Result<json> NormalisePruner(const json& setting) {
  return Normalise(setting, PrunerOptions(), "pruner");
}

namespace {
hpo::GridOptions GridOptionsOf(const json& normalised, uint64_t seed) {
  hpo::GridOptions o;
  Get(normalised, "float_points", &o.float_points);
  Get(normalised, "shuffle", &o.shuffle);
  o.shuffle_seed = seed;
  return o;
}
}  // namespace

Result<std::optional<size_t>> MaxTrials(const json& setting, const hpo::Space& space) {
  auto s = NormaliseSampler(setting);
  if (!s.ok()) return s.status();
  if ((*s)["name"] != "grid") return std::optional<size_t>();
  auto n = hpo::GridSampler::Count(space, GridOptionsOf(*s, 0));
  if (!n.ok()) return n.status();
  return std::optional<size_t>(*n);
}

Result<std::unique_ptr<hpo::Sampler>> MakeSampler(const json& setting, uint64_t seed) {
  auto s = NormaliseSampler(setting);
  if (!s.ok()) return s.status();
  const std::string name = (*s)["name"];
  if (name == "random") return std::unique_ptr<hpo::Sampler>(new hpo::RandomSampler());
  if (name == "qmc") return std::unique_ptr<hpo::Sampler>(new hpo::QuasiRandomSampler(seed));
  if (name == "grid") return std::unique_ptr<hpo::Sampler>(new hpo::GridSampler(GridOptionsOf(*s, seed)));
  if (name == "cmaes") {
    hpo::CmaEsOptions o;
    Get(*s, "separable", &o.separable);
    Get(*s, "sigma0", &o.sigma0);
    Get(*s, "popsize", &o.popsize);
    if (o.sigma0 <= 0) return Status::Invalid("sampler 'cmaes': sigma0 must be more than 0");
    return std::unique_ptr<hpo::Sampler>(new hpo::CmaEsSampler(o));
  }
  hpo::TpeOptions o;
  o.constant_liar = true;
  Get(*s, "multivariate", &o.multivariate);
  Get(*s, "constant_liar", &o.constant_liar);
  Get(*s, "n_startup_trials", &o.n_startup_trials);
  Get(*s, "n_ei_candidates", &o.n_ei_candidates);
  if (o.n_ei_candidates == 0) return Status::Invalid("sampler 'tpe': n_ei_candidates must be >= 1");
  return std::unique_ptr<hpo::Sampler>(new hpo::TpeSampler(o));
}

Result<std::unique_ptr<hpo::Pruner>> MakePruner(const json& setting,
                                                const std::string& study_name) {
  auto p = NormalisePruner(setting);
  if (!p.ok()) return p.status();
  const std::string name = (*p)["name"];
  if (name == "none") return std::unique_ptr<hpo::Pruner>(new hpo::NopPruner());
  if (name == "median" || name == "percentile") {
    hpo::PercentileOptions o;
    Get(*p, "percentile", &o.percentile);
    Get(*p, "n_startup_trials", &o.n_startup_trials);
    Get(*p, "n_warmup_steps", &o.n_warmup_steps);
    Get(*p, "interval_steps", &o.interval_steps);
    Get(*p, "n_min_trials", &o.n_min_trials);
    if (name == "median") o.percentile = 50;
    if (o.percentile < 0 || o.percentile > 100)
      return Status::Invalid("pruner 'percentile': percentile must be between 0 and 100");
    if (o.interval_steps < 1) return Status::Invalid("pruner '" + name + "': interval_steps must be >= 1");
    return std::unique_ptr<hpo::Pruner>(new hpo::PercentilePruner(o));
  }
  if (name == "asha") {
    hpo::SuccessiveHalvingOptions o;
    Get(*p, "min_resource", &o.min_resource);
    Get(*p, "reduction_factor", &o.reduction_factor);
    Get(*p, "min_early_stopping_rate", &o.min_early_stopping_rate);
    Get(*p, "bootstrap_count", &o.bootstrap_count);
    if (o.reduction_factor < 2) return Status::Invalid("pruner 'asha': reduction_factor must be >= 2");
    return std::unique_ptr<hpo::Pruner>(new hpo::SuccessiveHalvingPruner(o));
  }
  hpo::HyperbandOptions o;
  o.study_name = study_name;
  Get(*p, "min_resource", &o.min_resource);
  Get(*p, "max_resource", &o.max_resource);
  Get(*p, "reduction_factor", &o.reduction_factor);
  Get(*p, "bootstrap_count", &o.bootstrap_count);
  if (o.reduction_factor < 2) return Status::Invalid("pruner 'hyperband': reduction_factor must be >= 2");
  if (o.min_resource < 1) return Status::Invalid("pruner 'hyperband': min_resource must be >= 1");
  if (o.max_resource && o.max_resource < o.min_resource)
    return Status::Invalid("pruner 'hyperband': max_resource must be >= min_resource");
  return std::unique_ptr<hpo::Pruner>(new hpo::HyperbandPruner(o));
}

}  // namespace drover::study
