#include "study/definition.h"

#include <set>

namespace drover::study {

using json = nlohmann::json;

namespace {

// The setting `base` (a name or an object) with `options` (null or an object) merged in.
Result<json> MergeSetting(const json& base, const json& options, const char* what) {
  json s;
  if (base.is_string()) {
    s = {{"name", base}};
  } else if (base.is_object()) {
    s = base;
  } else {
    return Status::Invalid(std::string(what) + " must be a name such as \"" +
                           (std::string(what) == "sampler" ? "tpe" : "median") +
                           "\" or an object with a \"name\" and options");
  }
  if (options.is_null()) return s;
  if (!options.is_object()) return Status::Invalid(std::string(what) + " options must be a JSON object");
  for (const auto& [k, v] : options.items()) s[k] = v;
  return s;
}

}  // namespace

Result<StudyDefinition> BuildDefinition(const CreateFields& f) {
  if (f.name.empty()) return Status::Invalid("a study needs a name");
  StudyDefinition def;
  def.name = f.name;
  def.space = f.space;
  auto dir = hpo::ParseDirection(f.direction);
  if (!dir) return Status::Invalid("direction must be minimize or maximize, got '" + f.direction + "'");
  def.direction = *dir;
  def.seed = f.seed;
  auto sampler = MergeSetting(f.sampler, f.sampler_options, "sampler");
  if (!sampler.ok()) return sampler.status();
  auto pruner = MergeSetting(f.pruner, f.pruner_options, "pruner");
  if (!pruner.ok()) return pruner.status();
  def.sampler = *sampler;
  def.pruner = *pruner;
  auto rec = MakeRecord(def);  // checks space, sampler, pruner and their options
  if (!rec.ok()) return rec.status();
  return def;
}

Result<CreateFields> CreateFieldsFromJson(const json& body) {
  if (!body.is_object())
    return Status::Invalid("the body must be a JSON object such as {\"name\": \"s\", \"space\": {...}}");
  static const std::set<std::string> kKnown = {"name",           "space",     "sampler",
                                               "sampler_options", "pruner",   "pruner_options",
                                               "direction",      "seed"};
  for (const auto& [k, v] : body.items())
    if (!kKnown.count(k))
      return Status::Invalid("unknown field '" + k + "' (known: name, space, sampler, "
                             "sampler_options, pruner, pruner_options, direction, seed)");
  CreateFields f;
  if (!body.contains("name") || !body["name"].is_string() || body["name"].get<std::string>().empty())
    return Status::Invalid("field 'name' must be a non-empty string");
  f.name = body["name"].get<std::string>();
  if (!body.contains("space")) return Status::Invalid("field 'space' (the search space) is required");
  f.space = body["space"];
  if (body.contains("sampler")) f.sampler = body["sampler"];
  if (body.contains("sampler_options")) f.sampler_options = body["sampler_options"];
  if (body.contains("pruner")) f.pruner = body["pruner"];
  if (body.contains("pruner_options")) f.pruner_options = body["pruner_options"];
  if (body.contains("direction")) {
    if (!body["direction"].is_string())
      return Status::Invalid("field 'direction' must be \"minimize\" or \"maximize\"");
    f.direction = body["direction"].get<std::string>();
  }
  if (body.contains("seed")) {
    if (!body["seed"].is_number_integer())
      return Status::Invalid("field 'seed' must be a whole number");
    f.seed = body["seed"].get<int64_t>();
  }
  return f;
}

}  // namespace drover::study
