#include "report/table.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>

namespace drover {
namespace {

// Where a row or column sits along one axis: (0, index of the value) for a job that has
// the axis, (1, index of its step) for one that does not; sorted, these give the file's
// order with step-labelled rows last.
using Coord = std::pair<int, int>;
using Key = std::vector<Coord>;

// Positions of axis values and step names: the workflow's order, else first appearance.
class Order {
 public:
  explicit Order(const Workflow* wf) : wf_(wf) {}
  int Value(const std::string& axis, const std::string& v) {
    if (wf_)
      if (const Axis* a = wf_->FindAxis(axis)) {
        auto it = std::find(a->values.begin(), a->values.end(), v);
        if (it != a->values.end()) return static_cast<int>(it - a->values.begin());
      }
    return Seen(&seen_[axis], v);
  }
  int Step(const std::string& s) {
    if (wf_)
      for (size_t i = 0; i < wf_->steps.size(); ++i)
        if (wf_->steps[i].name == s) return static_cast<int>(i);
    return Seen(&steps_, s);
  }

 private:
  static int Seen(std::vector<std::string>* seen, const std::string& v) {
    auto it = std::find(seen->begin(), seen->end(), v);
    if (it == seen->end()) it = seen->insert(seen->end(), v);
    return 1000000 + static_cast<int>(it - seen->begin());
  }
  const Workflow* wf_;
  std::map<std::string, std::vector<std::string>> seen_;
  std::vector<std::string> steps_;
};

const std::string* Param(const TableEntry& e, const std::string& axis) {
  for (const auto& [k, v] : e.params)
    if (k == axis) return &v;
  return nullptr;
}

// The shown name of `s` under the table's labels.
std::string Shown(const TableSpec& spec, const std::string& s) {
  for (const auto& [from, to] : spec.labels)
    if (from == s) return to;
  return s;
}

// A row's or column's key and label along `axes`: present values, and the step name
// once in place of the missing axes.
std::pair<Key, std::string> Place(const TableEntry& e, const std::vector<std::string>& axes,
                                  const TableSpec& spec, Order* order) {
  Key key;
  std::string label;
  bool step_named = false;
  for (const std::string& a : axes) {
    const std::string* v = Param(e, a);
    key.push_back(v ? Coord{0, order->Value(a, *v)} : Coord{1, order->Step(e.step)});
    if (!v && step_named) continue;
    step_named = step_named || !v;
    label += (label.empty() ? "" : ", ") + Shown(spec, v ? *v : e.step);
  }
  return {key, label};
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

double Std(const std::vector<double>& v) {  // the sample standard deviation; 0 for one value
  if (v.size() < 2) return 0;
  double m = Mean(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (v.size() - 1));
}

double Aggregate(std::vector<double> v, const std::string& agg) {
  if (agg == "max") return *std::max_element(v.begin(), v.end());
  if (agg == "min") return *std::min_element(v.begin(), v.end());
  if (agg == "last") return v.back();
  if (agg == "count") return static_cast<double>(v.size());
  if (agg == "std") return Std(v);
  if (agg == "median") {
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  return Mean(v);
}

struct Cell {
  std::vector<double> values;
  int planned = 0;
  bool partial = false;
};

std::string FormatCell(const Cell& c, const TableSpec& spec) {
  if (c.values.empty()) return "-";
  const int p = spec.precision;
  std::string out = spec.agg == "count" ? std::to_string(c.values.size())
                                        : fmt::format("{:.{}f}", Aggregate(c.values, spec.agg), p);
  // One value has no spread: "± 0.0000" would read as "the seeds agree", so the cell
  // shows the value alone (the "(n=1 of N)" note says why).
  if ((spec.spread == "std" || spec.spread == "sem") && c.values.size() >= 2) {
    double s = Std(c.values);
    if (spec.spread == "sem") s /= std::sqrt(static_cast<double>(c.values.size()));
    out += fmt::format(" ± {:.{}f}", s, p);
  } else if (spec.spread == "minmax") {
    out += fmt::format(" [{:.{}f}, {:.{}f}]", *std::min_element(c.values.begin(), c.values.end()),
                       p, *std::max_element(c.values.begin(), c.values.end()), p);
  }
  if (static_cast<int>(c.values.size()) < c.planned)
    out += fmt::format(" (n={} of {})", c.values.size(), c.planned);
  if (c.partial) out += "*";
  return out;
}

bool Agrees(const Key& col, const Key& entry) {
  for (size_t i = 0; i < col.size(); ++i)
    if (entry[i].first == 0 && entry[i] != col[i]) return false;
  return true;
}

}  // namespace

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<TableEntry> TableEntries(const std::vector<JobResult>& results,
                                     const std::string& metric) {
  std::vector<TableEntry> out;
  out.reserve(results.size());
  for (const JobResult& r : results) {
    TableEntry e;
    e.step = r.step;
    auto params = nlohmann::json::parse(r.params_json, nullptr, false);
    if (params.is_object())
      for (const auto& [k, v] : params.items())
        if (v.is_string()) e.params.emplace_back(k, v.get<std::string>());
    if (r.result) e.value = LastMetric(r.metrics, metric);
    out.push_back(std::move(e));
  }
  return out;
}

Result<Table> BuildTable(const std::vector<TableEntry>& entries, const TableSpec& spec,
                         const Workflow* wf) {
  static const std::vector<std::string> kAggs = {"mean", "median", "max", "min",
                                                 "last", "std",    "count"};
  if (std::find(kAggs.begin(), kAggs.end(), spec.agg) == kAggs.end())
    return Status::Invalid("--agg must be mean, median, max, min, last, std or count, not '" +
                           spec.agg + "'");
  if (!spec.spread.empty() && spec.spread != "std" && spec.spread != "sem" &&
      spec.spread != "minmax")
    return Status::Invalid("--spread must be std, sem or minmax, not '" + spec.spread + "'");
  if (spec.precision < 0 || spec.precision > kMaxPrecision)
    return Status::Invalid("precision must be 0 to " + std::to_string(kMaxPrecision) +
                           " digits after the point, not " + std::to_string(spec.precision));
  // The steps shown: those named, else those of which some job has a value.
  std::vector<std::string> steps = spec.steps;
  if (steps.empty())
    for (const TableEntry& e : entries)
      if (e.value && std::find(steps.begin(), steps.end(), e.step) == steps.end())
        steps.push_back(e.step);
  Order order(wf);
  struct Placed {
    const TableEntry* e;
    Key row, col;
  };
  std::map<Key, std::string> rows, cols;  // ordered by key: the file's order
  std::vector<Placed> placed;
  for (const TableEntry& e : entries) {
    if (std::find(steps.begin(), steps.end(), e.step) == steps.end()) continue;
    auto [rk, rl] = Place(e, spec.rows, spec, &order);
    auto [ck, cl] = Place(e, spec.cols, spec, &order);
    rows.emplace(rk, rl);
    bool whole = std::all_of(ck.begin(), ck.end(), [](const Coord& c) { return c.first == 0; });
    if (whole) cols.emplace(ck, cl);
    placed.push_back({&e, rk, ck});
  }
  // A job lacking a column axis fills the columns that agree with it; with none, its own.
  for (const Placed& p : placed) {
    bool any = false;
    for (const auto& [ck, cl] : cols) any = any || Agrees(ck, p.col);
    if (!any) cols.emplace(p.col, Place(*p.e, spec.cols, spec, &order).second);
  }
  Table t;
  std::map<Key, size_t> row_index, col_index;
  for (const auto& [k, l] : rows) {
    row_index[k] = t.row_labels.size();
    t.row_labels.push_back(l);
  }
  for (const auto& [k, l] : cols) {
    col_index[k] = t.col_labels.size();
    t.col_labels.push_back(spec.cols.empty() ? Shown(spec, spec.value) : l);
  }
  std::vector<std::vector<Cell>> cells(rows.size(), std::vector<Cell>(cols.size()));
  for (const Placed& p : placed) {
    for (const auto& [ck, c] : col_index) {
      if (!Agrees(ck, p.col)) continue;
      Cell& cell = cells[row_index[p.row]][c];
      ++cell.planned;
      if (p.e->value) cell.values.push_back(*p.e->value);
      cell.partial = cell.partial || (p.e->value && p.e->partial);
    }
  }
  bool partial = false;
  t.cells.assign(rows.size(), std::vector<std::string>(cols.size()));
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c) {
      t.cells[r][c] = FormatCell(cells[r][c], spec);
      partial = partial || (cells[r][c].partial && !cells[r][c].values.empty());
    }
  if (partial) t.footnotes.push_back("* a partial gather: some of its upstream jobs failed");
  std::string rs, cs;
  for (const auto& r : spec.rows) rs += (rs.empty() ? "" : ", ") + Shown(spec, r);
  for (const auto& c : spec.cols) cs += (cs.empty() ? "" : ", ") + Shown(spec, c);
  t.corner = cs.empty() ? rs : rs + " \\ " + cs;
  return t;
}

bool IsTableFormat(const std::string& f) {
  return f == "text" || f == "markdown" || f == "csv" || f == "latex" || f == "html";
}

namespace {

std::string Csv(const Table& t) {
  std::string out = CsvField(t.corner);
  for (const auto& c : t.col_labels) out += "," + CsvField(c);
  out += "\n";
  for (size_t r = 0; r < t.row_labels.size(); ++r) {
    out += CsvField(t.row_labels[r]);
    for (const auto& cell : t.cells[r]) out += "," + CsvField(cell);
    out += "\n";
  }
  return out;
}

std::string LatexEscape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "±") == 0) {
      out += "$\\pm$";
      ++i;
      continue;
    }
    switch (s[i]) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        out += std::string("\\") + s[i];
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default: out += s[i];
    }
  }
  return out;
}

// A booktabs tabular: \toprule, \midrule, \bottomrule; footnotes below it.
std::string Latex(const Table& t) {
  std::string out = "\\begin{tabular}{l" + std::string(t.col_labels.size(), 'r') + "}\n\\toprule\n";
  auto line = [&](const std::string& first, const std::vector<std::string>& rest) {
    std::string l = LatexEscape(first);
    for (const auto& c : rest) l += " & " + LatexEscape(c);
    return l + " \\\\\n";
  };
  out += line(t.corner, t.col_labels) + "\\midrule\n";
  for (size_t r = 0; r < t.row_labels.size(); ++r) out += line(t.row_labels[r], t.cells[r]);
  out += "\\bottomrule\n\\end{tabular}\n";
  for (const auto& f : t.footnotes) out += "\\\\{\\footnotesize " + LatexEscape(f) + "}\n";
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string Html(const Table& t) {
  std::string out = "<table>\n<thead>\n<tr><th>" + HtmlEscape(t.corner) + "</th>";
  for (const auto& c : t.col_labels) out += "<th>" + HtmlEscape(c) + "</th>";
  out += "</tr>\n</thead>\n<tbody>\n";
  for (size_t r = 0; r < t.row_labels.size(); ++r) {
    out += "<tr><th>" + HtmlEscape(t.row_labels[r]) + "</th>";
    for (const auto& c : t.cells[r]) out += "<td>" + HtmlEscape(c) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  for (const auto& f : t.footnotes) out += "<p>" + HtmlEscape(f) + "</p>\n";
  return out;
}

// Display width: UTF-8 continuation bytes take no column.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Pad(const std::string& s, size_t w, bool left) {
  std::string fill(w > Width(s) ? w - Width(s) : 0, ' ');
  return left ? s + fill : fill + s;
}

}  // namespace

std::string RenderTable(const Table& t, const std::string& format) {
  if (format == "csv") return Csv(t);
  if (format == "latex") return Latex(t);
  if (format == "html") return Html(t);
  std::vector<size_t> w(t.col_labels.size() + 1, 0);
  w[0] = Width(t.corner);
  for (const auto& r : t.row_labels) w[0] = std::max(w[0], Width(r));
  for (size_t c = 0; c < t.col_labels.size(); ++c) {
    w[c + 1] = Width(t.col_labels[c]);
    for (const auto& row : t.cells) w[c + 1] = std::max(w[c + 1], Width(row[c]));
  }
  bool md = format == "markdown";
  auto line = [&](const std::string& first, const std::vector<std::string>& rest) {
    std::string l = md ? "| " : "";
    l += Pad(first, w[0], true);
    for (size_t c = 0; c < rest.size(); ++c) l += (md ? " | " : "  ") + Pad(rest[c], w[c + 1], false);
    return l + (md ? " |\n" : "\n");
  };
  std::string out = line(t.corner, t.col_labels);
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
  if (!t.footnotes.empty()) out += "\n";
  for (const auto& f : t.footnotes) out += f + "\n";
  return out;
}

}  // namespace drover
