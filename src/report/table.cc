#include "report/table.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

namespace drover {
namespace {

std::string Label(const nlohmann::json& params, const std::vector<std::string>& axes,
                  const std::string& step) {
  std::string out;
  for (const std::string& a : axes) {
    auto it = params.find(a);
    std::string v = it != params.end() && it->is_string() ? it->get<std::string>() : step;
    out += (out.empty() ? "" : ", ") + v;
  }
  return out;
}

size_t IndexOf(std::vector<std::string>* labels, const std::string& l) {
  auto it = std::find(labels->begin(), labels->end(), l);
  if (it != labels->end()) return it - labels->begin();
  labels->push_back(l);
  return labels->size() - 1;
}

double Aggregate(const std::vector<double>& v, const std::string& agg) {
  if (agg == "max") return *std::max_element(v.begin(), v.end());
  if (agg == "min") return *std::min_element(v.begin(), v.end());
  if (agg == "last") return v.back();
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

}  // namespace

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Result<Table> BuildTable(const std::vector<MetricPoint>& points, const TableSpec& spec) {
  if (spec.agg != "mean" && spec.agg != "max" && spec.agg != "min" && spec.agg != "last")
    return Status::Invalid("--agg must be mean, max, min or last, not '" + spec.agg + "'");
  if (spec.precision < 0 || spec.precision > kMaxPrecision)
    return Status::Invalid("precision must be 0 to " + std::to_string(kMaxPrecision) +
                           " digits after the point, not " + std::to_string(spec.precision));
  Table t;
  std::map<std::pair<size_t, size_t>, std::vector<double>> vals;
  for (const MetricPoint& p : points) {
    if (!spec.step.empty() && p.step != spec.step) continue;
    auto params = nlohmann::json::parse(p.params_json, nullptr, false);
    if (!params.is_object()) continue;
    size_t r = IndexOf(&t.row_labels, Label(params, spec.rows, p.step));
    size_t c = IndexOf(&t.col_labels, spec.cols.empty() ? spec.value
                                                        : Label(params, spec.cols, p.step));
    vals[{r, c}].push_back(p.value);
  }
  t.cells.assign(t.row_labels.size(), std::vector<std::string>(t.col_labels.size(), "-"));
  for (const auto& [rc, v] : vals)
    t.cells[rc.first][rc.second] = fmt::format("{:.{}f}", Aggregate(v, spec.agg), spec.precision);
  std::string rows, cols;
  for (const auto& r : spec.rows) rows += (rows.empty() ? "" : ", ") + r;
  for (const auto& c : spec.cols) cols += (cols.empty() ? "" : ", ") + c;
  t.corner = cols.empty() ? rows : rows + " \\ " + cols;
  return t;
}

std::string RenderTable(const Table& t, const std::string& format) {
  std::string out;
  if (format == "csv") {
    out += CsvField(t.corner);
    for (const auto& c : t.col_labels) out += "," + CsvField(c);
    out += "\n";
    for (size_t r = 0; r < t.row_labels.size(); ++r) {
      out += CsvField(t.row_labels[r]);
      for (const auto& cell : t.cells[r]) out += "," + cell;
      out += "\n";
    }
    return out;
  }
  std::vector<size_t> w(t.col_labels.size() + 1, 0);
  w[0] = t.corner.size();
  for (const auto& r : t.row_labels) w[0] = std::max(w[0], r.size());
  for (size_t c = 0; c < t.col_labels.size(); ++c) {
    w[c + 1] = t.col_labels[c].size();
    for (const auto& row : t.cells) w[c + 1] = std::max(w[c + 1], row[c].size());
  }
  bool md = format == "markdown";
  auto line = [&](const std::string& first, const std::vector<std::string>& rest) {
    std::string l = md ? "| " : "";
    l += fmt::format("{:<{}}", first, w[0]);
    for (size_t c = 0; c < rest.size(); ++c)
      l += (md ? " | " : "  ") + fmt::format("{:>{}}", rest[c], w[c + 1]);
    return l + (md ? " |\n" : "\n");
  };
  out += line(t.corner, t.col_labels);
  if (md) {
    out += "|" + std::string(w[0] + 2, '-');
    for (size_t c = 1; c < w.size(); ++c) out += "|" + std::string(w[c] + 1, '-') + ":";
    out += "|\n";
  } else {
    out += std::string(w[0], '-');
    for (size_t c = 1; c < w.size(); ++c) out += "  " + std::string(w[c], '-');
    out += "\n";
  }
  for (size_t r = 0; r < t.row_labels.size(); ++r) out += line(t.row_labels[r], t.cells[r]);
  return out;
}

}  // namespace drover
