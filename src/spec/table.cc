// Reading report: table: (the format is in parser.cc; axis checks are in validate.cc).
#include <string>

#include "spec/sections.h"

namespace drover::spec {
namespace {

using TableField = Field<TableSpec>;

// A string that must be one of `allowed`.
Status OneOf(const Reader& r, const YAML::Node& v, const std::string& what,
             const std::vector<std::string>& allowed, std::string* out) {
  DROVER_RETURN_IF_ERROR(r.String(v, what, out));
  for (const auto& a : allowed)
    if (*out == a) return Status::Ok();
  return r.Error(v, what + " must be one of " + Join(allowed) + ", got '" + *out + "'" +
                        Suggest(*out, allowed));
}

// labels: {value or name: shown name, ...}, each value a scalar.
Status ReadLabels(const Reader& r, const YAML::Node& v, const std::string& what,
                  std::vector<std::pair<std::string, std::string>>* out) {
  DROVER_RETURN_IF_ERROR(r.CheckOpenMap(v, what));
  for (const auto& kv : v) {
    std::string shown;
    DROVER_RETURN_IF_ERROR(r.String(kv.second, what + " '" + kv.first.Scalar() + "'", &shown));
    out->emplace_back(kv.first.Scalar(), shown);
  }
  return Status::Ok();
}

const std::vector<TableField>& TableFields() {
  static const std::vector<TableField> kFields = {
      {"rows", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) { return r.NameList(v, what, &t->rows, nullptr); }},
      {"cols", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) { return r.NameList(v, what, &t->cols, nullptr); }},
      {"value", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) {
         DROVER_RETURN_IF_ERROR(r.String(v, what, &t->value));
         if (t->value.empty()) return r.Error(v, what + " must name a metric, such as accuracy");
         return Status::Ok();
       }},
      {"agg", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) {
         return OneOf(r, v, what, {"mean", "median", "max", "min", "last", "std", "count"},
                      &t->agg);
       }},
      {"format", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) {
         return OneOf(r, v, what, {"text", "markdown", "csv", "latex", "html"}, &t->format);
       }},
      {"step", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) {
         if (v.IsSequence()) return r.NameList(v, what, &t->steps, nullptr);
         return r.String(v, what, &t->steps.emplace_back());
       }},
      {"spread", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) { return OneOf(r, v, what, {"std", "sem", "minmax"}, &t->spread); }},
      {"labels", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) { return ReadLabels(r, v, what, &t->labels); }},
      {"path", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) { return r.String(v, what, &t->path); }},
      {"precision", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          TableSpec* t) {
         DROVER_RETURN_IF_ERROR(r.Int(v, what, 0, &t->precision));
         if (t->precision > 17) return r.Error(v, what + " must be at most 17");
         return Status::Ok();
       }},
  };
  return kFields;
}

}  // namespace

Status ParseTable(const Reader& r, const YAML::Node& key, const YAML::Node& value, TableSpec* out) {
  DROVER_RETURN_IF_ERROR(ReadFields(r, value, TableFields(), "report.table", out));
  for (const char* required : {"rows", "cols", "value"})
    if (!FindKey(value, required))
      return r.Error(key, std::string("report.table has no ") + required +
                              ":; a table needs rows:, cols: and value:, such as " +
                              "{rows: [model], cols: [task], value: accuracy}");
  return Status::Ok();
}

}  // namespace drover::spec
