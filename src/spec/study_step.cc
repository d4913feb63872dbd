// Reading the study: section of an HPO step:
//
//   tune:
//     study:
//       space:                      # one key per parameter (see hpo/space.h)
//         lr: {type: float, low: 1e-4, high: 0.1, log: true}
//         act: {type: categorical, choices: [relu, tanh]}
//       sampler: tpe                # or {name: tpe, multivariate: true}
//       pruner: {name: asha, reduction_factor: 3}
//       metric: val_accuracy        # default: objective (drover.report)
//       direction: maximize
//       trials: 50                  # per segment
//       parallel: 2
//       segments: [dataset]         # one independent study per dataset
//       seed: 0
//       name: mlp-{dataset}         # the store's study name
//       warm_start: tune0           # a study step here, or a study in the store
//     run: python3 train.py --lr {lr} --act {act}
#include <cmath>
#include <climits>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>

#include "hpo/space.h"
#include "spec/document.h"
#include "spec/parser.h"
#include "util/escape.h"
#include "util/fs.h"
#include "spec/sections.h"
#include "study/settings.h"

namespace drover::spec {
namespace {

using json = nlohmann::json;

// A YAML scalar as JSON: integers, numbers, booleans, else a string.
json ScalarToJson(const YAML::Node& n, bool as_string) {
  const std::string& s = n.Scalar();
  if (as_string || n.Tag() == "!") return s;
  if (s == "true" || s == "True") return true;
  if (s == "false" || s == "False") return false;
  if (!s.empty()) {
    char* end = nullptr;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (*end == 0) return static_cast<int64_t>(i);
    double d = std::strtod(s.c_str(), &end);
    if (*end == 0 && std::isfinite(d)) return d;
  }
  return s;
}

// How far the YAML -> JSON step below may go. A real space or setting has tens of values
// a few levels deep; an alias bomb (&a [x, x], &b [*a, *a], ... each alias expanded at
// every use) has billions, and an anchor used inside itself has no end.
constexpr size_t kMaxJsonValues = 100000;
constexpr int kMaxJsonDepth = 32;

// Where a conversion stands: what it converts (errors point there, not into an alias's
// anchor) and the values it may still produce.
struct JsonBudget {
  YAML::Node root;
  size_t values_left = kMaxJsonValues;
};

// Text that JSON can carry: valid UTF-8, or an error at the first bad byte.
Status CheckUtf8(const Reader& r, const YAML::Node& n, const std::string& what) {
  const size_t bad = InvalidUtf8At(n.Scalar());
  if (bad == std::string::npos) return Status::Ok();
  return r.src().Error(r.src().InScalar(n, bad),
                       fmt::format("{} holds the byte 0x{:02x}, which is not UTF-8 text; save "
                                   "the file as UTF-8",
                                   what, static_cast<unsigned char>(n.Scalar()[bad])));
}

// YAML -> JSON; items of a "choices" list stay strings (categorical values).
Status Convert(const Reader& r, const YAML::Node& n, const std::string& what, bool strings,
               int depth, JsonBudget* budget, json* out) {
  if (budget->values_left == 0 || depth > kMaxJsonDepth)
    return r.Error(budget->root, fmt::format("{} is too large: more than {} values or {} levels deep (a "
                                  "YAML alias counts at each use); write it out plainly",
                                  what, kMaxJsonValues, kMaxJsonDepth));
  --budget->values_left;
  if (n.IsScalar()) {
    DROVER_RETURN_IF_ERROR(CheckUtf8(r, n, what));
    *out = ScalarToJson(n, strings);
    return Status::Ok();
  }
  if (n.IsSequence()) {
    *out = json::array();
    for (const auto& item : n) {
      json v;
      DROVER_RETURN_IF_ERROR(Convert(r, item, what, strings, depth + 1, budget, &v));
      out->push_back(std::move(v));
    }
    return Status::Ok();
  }
  if (n.IsMap()) {
    *out = json::object();
    for (const auto& kv : n) {
      json v;
      if (kv.first.IsScalar()) DROVER_RETURN_IF_ERROR(CheckUtf8(r, kv.first, what));
      std::string key = kv.first.Scalar();
      DROVER_RETURN_IF_ERROR(Convert(r, kv.second, what, key == "choices", depth + 1, budget, &v));
      (*out)[key] = std::move(v);
    }
    return Status::Ok();
  }
  return r.Error(n, what + " has an empty value");
}

// The whole of `n` as JSON, within the limits above.
Status ToJson(const Reader& r, const YAML::Node& n, const std::string& what, bool strings,
              json* out) {
  JsonBudget budget{n};
  return Convert(r, n, what, strings, 0, &budget, out);
}

// The node of parameter `name` in the space map, for locating errors.
YAML::Node ParamNode(const YAML::Node& space, const std::string& message) {
  size_t q = message.find("parameter '");
  if (q == std::string::npos) return space;
  size_t e = message.find('\'', q + 11);
  std::string name = message.substr(q + 11, e - q - 11);
  for (const auto& kv : space)
    if (kv.first.Scalar() == name) return kv.first;
  return space;
}

Status ReadSpace(const Reader& r, const YAML::Node& v, const std::string& what, StudySpec* s) {
  if (!v.IsMap() || v.size() == 0)
    return r.Error(v, what + " must map each parameter to its range, such as lr: {type: float, "
                             "low: 0.0001, high: 0.1, log: true}");
  DROVER_RETURN_IF_ERROR(r.CheckOpenMap(v, what));
  json j;
  DROVER_RETURN_IF_ERROR(ToJson(r, v, what, false, &j));
  auto space = hpo::Space::FromJson(j);
  if (!space.ok()) return r.Error(ParamNode(v, space.status().message()), space.status().message());
  s->space_json = space->ToJson().dump();
  s->params.clear();
  for (const auto& kv : v) s->params.push_back(kv.first.Scalar());
  return Status::Ok();
}

using F = Field<StudySpec>;

template <Result<json> (*Normalise)(const json&)>
Status ReadSetting(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
                   std::string* out) {
  json j;
  DROVER_RETURN_IF_ERROR(ToJson(r, v, what, false, &j));
  auto n = Normalise(j);
  if (!n.ok()) return r.Error(v, n.status().message());
  *out = n->dump();
  return Status::Ok();
}

const std::vector<F>& StudyFields() {
  static const std::vector<F> kFields = {
      {"space", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return ReadSpace(r, v, what, s); }},
      {"sampler", false,
       [](const Reader& r, const YAML::Node& k, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return ReadSetting<study::NormaliseSampler>(r, k, v, what, &s->sampler_json); }},
      {"pruner", false,
       [](const Reader& r, const YAML::Node& k, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return ReadSetting<study::NormalisePruner>(r, k, v, what, &s->pruner_json); }},
      {"metric", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.String(v, what, &s->metric); }},
      {"direction", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) {
         DROVER_RETURN_IF_ERROR(r.String(v, what, &s->direction));
         if (s->direction == "minimise") s->direction = "minimize";
         if (s->direction == "maximise") s->direction = "maximize";
         if (s->direction != "minimize" && s->direction != "maximize")
           return r.Error(v, what + " must be minimize or maximize, got '" + s->direction + "'");
         return Status::Ok();
       }},
      {"trials", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.Int(v, what, 1, &s->trials); }},
      {"parallel", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.Int(v, what, 1, &s->parallel); }},
      {"seed", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.Integer(v, what, &s->seed); }},
      {"name", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.String(v, what, &s->name); }},
      {"warm_start", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          StudySpec* s) { return r.String(v, what, &s->warm_start); }},
      // segments: is read by ParseStudy into the step's over:.
      {"segments", true,
       [](const Reader&, const YAML::Node&, const YAML::Node&, const std::string&,
          StudySpec*) { return Status::Ok(); }},
  };
  return kFields;
}

}  // namespace

Status ParseStudy(const Reader& r, const YAML::Node& key, const YAML::Node& v,
                  const std::string& what, Step* step) {
  if (!v.IsMap())
    return r.Error(v, what + " must be a map with space:, trials: and the objective's metric:");
  StudySpec s;
  s.loc = r.src().At(key);
  DROVER_RETURN_IF_ERROR(ReadFields(r, v, StudyFields(), what, &s));
  if (!FindKey(v, "space"))
    return r.Error(key, what + " has no space:; give each parameter a range, such as space: "
                               "{lr: {type: float, low: 0.0001, high: 0.1, log: true}}");
  // A grid runs out: trials: may be left out (the whole grid), and no more than its points.
  std::optional<size_t> most;
  {
    auto space = hpo::Space::FromJson(json::parse(s.space_json));
    if (!space.ok()) return r.Error(*FindKey(v, "space"), what + ": " + space.status().message());
    auto m = study::MaxTrials(json::parse(s.sampler_json), *space);
    auto at = FindKey(v, "sampler");
    if (!m.ok()) return r.Error(at ? *at : key, what + ": " + m.status().message());
    most = *m;
  }
  auto trials = FindKey(v, "trials");
  if (!trials && !most)
    return r.Error(key, what + " has no trials:; say how many trials to run, such as trials: 50");
  if (!trials) {
    if (*most > static_cast<size_t>(INT_MAX))
      return r.Error(key, what + ": the grid has too many points; give trials:");
    s.trials = static_cast<int>(*most);
  } else if (most && static_cast<size_t>(s.trials) > *most) {
    return r.Error(*trials, fmt::format("{}: trials: {} is more than the grid's {} point{}; set "
                                        "trials: {} or fewer, or leave trials: out to run the "
                                        "whole grid",
                                        what, s.trials, *most, *most == 1 ? "" : "s", *most));
  }
  if (auto seg = FindKey(v, "segments")) {
    DROVER_RETURN_IF_ERROR(r.NameList(*seg, "segments: of " + what, &step->over, nullptr));
  }
  step->study = std::move(s);
  return Status::Ok();
}

}  // namespace drover::spec

namespace drover {

Result<std::string> LoadSpaceFile(const std::string& path) {
  auto text = ReadRegularFile(path, kMaxSpecFileBytes);
  if (!text.ok()) return text.status().With("search space");
  spec::SourceText src(path, *text);
  try {
    YAML::Node root;
    auto found = spec::ReadOneDocument(src, *text, "a search-space file", &root);
    if (!found.ok()) return found.status();
    if (!*found || !root.IsDefined() || root.IsNull())
      return src.Error(SourceLoc{path, 1, 1},
                       "the search-space file is empty; map each parameter to its range, such "
                       "as lr: {type: float, low: 0.0001, high: 0.1, log: true}");
    spec::Reader r(src);
    StudySpec s;
    // A file that holds {"space": {...}} (the study step's key) is read the same way.
    YAML::Node space = root.IsMap() && root["space"] && root.size() == 1 ? root["space"] : root;
    DROVER_RETURN_IF_ERROR(spec::ReadSpace(r, space, "the search space", &s));
    return s.space_json;
  } catch (const YAML::ParserException& e) {
    return src.Error(src.At(e.mark), "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    return src.Error(src.At(e.mark), "reading the search space failed: " + e.msg);
  }
}

}  // namespace drover
