#include "hpo/params.h"

#include <charconv>

namespace drover::hpo {

nlohmann::json ParamsToJson(const Params& params) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, v] : params) {
    std::visit([&](const auto& x) { j[name] = x; }, v);
  }
  return j;
}

Result<Params> ParamsFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::Invalid("params must be a JSON object");
  Params out;
  for (const auto& [name, v] : j.items()) {
    if (v.is_number_integer()) {
      out[name] = v.get<int64_t>();
    } else if (v.is_number()) {
      out[name] = v.get<double>();
    } else if (v.is_string()) {
      out[name] = v.get<std::string>();
    } else {
      return Status::Invalid("param '" + name + "' must be a number or a string");
    }
  }
  return out;
}

std::string ToString(const ParamValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  // The shortest text that reads back as the same double (as the JSON of params has it).
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(v));
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

}  // namespace drover::hpo
