#include "hpo/space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "util/escape.h"

namespace drover::hpo {
namespace {

Status Bad(const std::string& name, const std::string& what) {
  return Status::Invalid("search space: parameter '" + name + "': " + what);
}

// An error when `text` is not UTF-8 (JSON, and so the store, cannot hold it).
Status CheckUtf8(const ParamSpec& p, const std::string& text, const std::string& what) {
  const size_t bad = InvalidUtf8At(text);
  if (bad == std::string::npos) return Status::Ok();
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(text[bad]));
  return Bad(Escape(p.name), what + " '" + Escape(text) + "' holds the byte " + byte +
                                 ", which is not UTF-8 text");
}

Status CheckText(const ParamSpec& p) {
  DROVER_RETURN_IF_ERROR(CheckUtf8(p, p.name, "the name"));
  for (const auto& c : p.choices) DROVER_RETURN_IF_ERROR(CheckUtf8(p, c, "the choice"));
  if (p.when) {
    DROVER_RETURN_IF_ERROR(CheckUtf8(p, p.when->parent, "the parent"));
    for (const auto& v : p.when->values) DROVER_RETURN_IF_ERROR(CheckUtf8(p, v, "the value"));
  }
  return Status::Ok();
}

Status CheckSpec(const ParamSpec& p) {
  if (p.name.empty()) return Status::Invalid("search space: empty parameter name");
  DROVER_RETURN_IF_ERROR(CheckText(p));
  if (p.type == ParamType::kCategorical) {
    if (p.choices.empty()) return Bad(p.name, "empty choices");
    std::set<std::string> seen(p.choices.begin(), p.choices.end());
    if (seen.size() != p.choices.size()) return Bad(p.name, "duplicate choices");
    return Status::Ok();
  }
  if (!std::isfinite(p.low) || !std::isfinite(p.high)) return Bad(p.name, "low and high must be finite");
  if (p.low >= p.high) return Bad(p.name, "low must be < high");
  if (p.log && p.low <= 0) return Bad(p.name, "log needs low > 0");
  if (p.step < 0 || (p.step == 0 && p.type == ParamType::kInt)) return Bad(p.name, "step must be > 0");
  if (p.type == ParamType::kInt) {
    if (p.low != std::floor(p.low) || p.high != std::floor(p.high) || p.step != std::floor(p.step))
      return Bad(p.name, "int low, high and step must be integers");
    constexpr double kExact = 9007199254740992.0;  // 2^53: every whole number up to it is a double
    if (std::fabs(p.low) > kExact || std::fabs(p.high) > kExact || p.step > kExact)
      return Bad(p.name, "int low, high and step must lie within -2^53 .. 2^53 (9007199254740992); "
                         "for a wider range use a float with log: true");
    if (p.log && p.step != 1) return Bad(p.name, "log and step cannot be combined");
  } else if (p.log && p.step > 0) {
    return Bad(p.name, "log and step cannot be combined");
  }
  return Status::Ok();
}

Result<ParamSpec> SpecFromJson(const std::string& name, const nlohmann::json& j) {
  ParamSpec p;
  p.name = name;
  if (!j.is_object()) return Bad(name, "must be an object");
  if (!j.contains("type")) return Bad(name, "needs a type: float, int or categorical");
  if (!j["type"].is_string()) return Bad(name, "type must be float, int or categorical, got " + j["type"].dump());
  const std::string type = j["type"].get<std::string>();
  if (type == "float") p.type = ParamType::kFloat;
  else if (type == "int") p.type = ParamType::kInt, p.step = 1;
  else if (type == "categorical") p.type = ParamType::kCategorical;
  else return Bad(name, "unknown type '" + type + "' (float, int or categorical)");
  // A misspelt key would otherwise be dropped without a word (a "condtion" that makes a
  // conditional parameter unconditional): each type has its keys, and no others.
  static const char* const kNumericKeys[] = {"type", "low", "high", "log", "step", "when"};
  static const char* const kCategoricalKeys[] = {"type", "choices", "when"};
  for (const auto& [key, value] : j.items()) {
    const bool known = p.numeric()
        ? std::find(std::begin(kNumericKeys), std::end(kNumericKeys), key) != std::end(kNumericKeys)
        : std::find(std::begin(kCategoricalKeys), std::end(kCategoricalKeys), key) != std::end(kCategoricalKeys);
    if (!known)
      return Bad(name, "unknown key '" + key + "' for " + (type == "int" ? "an " : "a ") + type + " parameter (" +
                           (p.numeric() ? "type, low, high, log, step, when" : "type, choices, when") +
                           (key == "condition" || key == "if" || key == "parent" ? "; a conditional parameter says when: {parent: [values]}" : "") + ")");
  }
  if (p.numeric()) {
    if (!j.contains("low") || !j["low"].is_number() || !j.contains("high") || !j["high"].is_number())
      return Bad(name, "needs numeric low and high");
    p.low = j["low"].get<double>();
    p.high = j["high"].get<double>();
    if (j.contains("log")) {
      if (!j["log"].is_boolean()) return Bad(name, "log must be true or false");
      p.log = j["log"].get<bool>();
    }
    if (j.contains("step")) {
      if (!j["step"].is_number()) return Bad(name, "step must be a number");
      p.step = j["step"].get<double>();
      if (p.step <= 0) return Bad(name, "step must be > 0");
    }
  } else {
    if (!j.contains("choices") || !j["choices"].is_array()) return Bad(name, "needs a choices array");
    for (const auto& c : j["choices"]) {
      if (!c.is_string()) return Bad(name, "choices must be strings");
      p.choices.push_back(c.get<std::string>());
    }
  }
  if (j.contains("when")) {
    const auto& w = j["when"];
    if (!w.is_object() || w.size() != 1) return Bad(name, "when must be {\"parent\": [values]}");
    Condition c;
    c.parent = w.begin().key();
    const auto& vals = w.begin().value();
    if (!vals.is_array() || vals.empty()) return Bad(name, "when needs a non-empty list of values");
    // A number or a boolean is kept as written, so that Space::Make can say what is wrong
    // (a numeric parent, or a value that is not one of the parent's choices).
    for (const auto& v : vals) {
      if (v.is_string()) c.values.push_back(v.get<std::string>());
      else if (v.is_number() || v.is_boolean()) c.values.push_back(v.dump());
      else return Bad(name, "when values must be the parent's choices (strings)");
    }
    p.when = std::move(c);
  }
  return p;
}

}  // namespace

double OnGrid(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.12g", v);
  return std::strtod(text, nullptr);
}

double ParamSpec::grid_high() const {
  if (!numeric() || step <= 0) return high;
  const double top = low + std::floor((high - low) / step + 1e-9) * step;
  return type == ParamType::kFloat ? std::min(OnGrid(top), high) : top;
}

double ParamSpec::internal_low() const {
  if (log) return std::log(type == ParamType::kInt ? low - 0.5 : low);
  return discrete_internal() ? low - step / 2 : low;
}

double ParamSpec::internal_high() const {
  if (log) return std::log(type == ParamType::kInt ? high + 0.5 : high);
  return discrete_internal() ? grid_high() + step / 2 : high;
}

double ParamSpec::ToInternal(const ParamValue& v) const {
  if (type == ParamType::kCategorical) {
    const auto& s = std::get<std::string>(v);
    return static_cast<double>(std::find(choices.begin(), choices.end(), s) - choices.begin());
  }
  const double x = std::holds_alternative<int64_t>(v) ? static_cast<double>(std::get<int64_t>(v))
                                                      : std::get<double>(v);
  return log ? std::log(x) : x;
}

ParamValue ParamSpec::FromInternal(double x) const {
  if (type == ParamType::kCategorical) {
    const auto i = std::clamp<int64_t>(static_cast<int64_t>(x), 0, choices.size() - 1);
    return choices[i];
  }
  double v = log ? std::exp(x) : x;
  if (step > 0) {
    v = low + std::round((v - low) / step) * step;
    if (type == ParamType::kFloat) v = OnGrid(v);
  }
  v = std::clamp(v, low, grid_high());
  if (type == ParamType::kInt) return static_cast<int64_t>(std::llround(v));
  return v;
}

bool ParamSpec::Contains(const ParamValue& v) const {
  if (type == ParamType::kCategorical) {
    const auto* s = std::get_if<std::string>(&v);
    return s && std::find(choices.begin(), choices.end(), *s) != choices.end();
  }
  double x;
  if (type == ParamType::kInt) {
    const auto* i = std::get_if<int64_t>(&v);
    if (!i) return false;
    x = static_cast<double>(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {
    x = *d;
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    x = static_cast<double>(*i);
  } else {
    return false;
  }
  if (!(x >= low && x <= high)) return false;
  if (step > 0) {
    const double k = (x - low) / step;
    if (std::abs(k - std::round(k)) > 1e-6) return false;
  }
  return true;
}

Result<Space> Space::FromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Invalid("search space must be a JSON object");
  if (j.empty()) return Status::Invalid("search space is empty");
  std::vector<ParamSpec> specs;
  try {  // SpecFromJson checks each value's type first; a value it missed is still an error, not an abort
    for (const auto& [name, v] : j.items()) {
      auto spec = SpecFromJson(name, v);
      if (!spec.ok()) return spec.status();
      specs.push_back(std::move(*spec));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("search space: ") + e.what());
  }
  return Make(std::move(specs));
}

Result<Space> Space::Parse(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return Status::Invalid(std::string("search space: bad JSON: ") + e.what());
  }
  return FromJson(j);
}

Result<Space> Space::Make(std::vector<ParamSpec> specs) {
  std::set<std::string> names;
  for (const auto& p : specs) {
    DROVER_RETURN_IF_ERROR(CheckSpec(p));
    if (!names.insert(p.name).second) return Bad(p.name, "defined twice");
  }
  for (const auto& p : specs) {
    if (!p.when) continue;
    auto it = std::find_if(specs.begin(), specs.end(), [&](const ParamSpec& q) { return q.name == p.when->parent; });
    if (it == specs.end()) return Bad(p.name, "unknown parent '" + p.when->parent + "'");
    if (it->type != ParamType::kCategorical)
      return Bad(p.name, "when: needs a categorical parent, and '" + it->name + "' is " +
                             (it->type == ParamType::kInt ? "an int" : "a float") +
                             "; make '" + it->name + "' {type: categorical, choices: [...]} "
                             "listing the values that switch '" + p.name + "' on");
    for (const auto& v : p.when->values)
      if (std::find(it->choices.begin(), it->choices.end(), v) == it->choices.end())
        return Bad(p.name, "'" + v + "' is not a choice of '" + it->name + "'");
  }
  // Order parents before children (stable otherwise); a cycle is an error.
  Space s;
  std::vector<bool> placed(specs.size(), false);
  while (s.params_.size() < specs.size()) {
    bool progress = false;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (placed[i]) continue;
      std::optional<size_t> parent;
      if (specs[i].when) {
        parent = s.Find(specs[i].when->parent);
        if (!parent) continue;
      }
      s.params_.push_back(specs[i]);
      s.parents_.push_back(parent);
      placed[i] = progress = true;
    }
    if (!progress) return Status::Invalid("search space: conditions form a cycle");
  }
  return s;
}

nlohmann::json Space::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& p : params_) {
    nlohmann::json o;
    if (p.type == ParamType::kCategorical) {
      o["type"] = "categorical";
      o["choices"] = p.choices;
    } else if (p.type == ParamType::kInt) {
      o["type"] = "int";
      o["low"] = static_cast<int64_t>(p.low);
      o["high"] = static_cast<int64_t>(p.high);
      if (p.step != 1) o["step"] = static_cast<int64_t>(p.step);
    } else {
      o["type"] = "float";
      o["low"] = p.low;
      o["high"] = p.high;
      if (p.step > 0) o["step"] = p.step;
    }
    if (p.log) o["log"] = true;
    if (p.when) o["when"] = {{p.when->parent, p.when->values}};
    j[p.name] = o;
  }
  return j;
}

std::optional<size_t> Space::Find(const std::string& name) const {
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return i;
  return std::nullopt;
}

bool Space::IsActive(size_t i, const Params& chosen) const {
  const auto& p = params_[i];
  if (!p.when) return true;
  auto it = chosen.find(p.when->parent);
  if (it == chosen.end()) return false;
  const auto* s = std::get_if<std::string>(&it->second);
  return s && std::find(p.when->values.begin(), p.when->values.end(), *s) != p.when->values.end();
}

Status Space::Validate(const Params& params) const {
  size_t active = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& p = params_[i];
    const bool on = IsActive(i, params);
    auto it = params.find(p.name);
    if (on && it == params.end()) return Bad(p.name, "missing");
    if (!on && it != params.end()) return Bad(p.name, "given but inactive");
    if (on && !p.Contains(it->second)) return Bad(p.name, "value " + ToString(it->second) + " out of range");
    active += on;
  }
  if (active != params.size()) return Status::Invalid("params name an unknown parameter");
  return Status::Ok();
}

}  // namespace drover::hpo
