// Long-format exports: the rows' selection, their columns and CSV / JSON Lines.
#include "report/export.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

namespace drover {
namespace {

const char* const kFixedBefore[] = {"workflow", "run", "step"};
const char* const kFixedAfter[] = {"job",   "state",    "key",  "attempt",
                                   "start", "duration", "host", "slurm_id"};

bool IsFixed(const std::string& name) {
  for (const char* f : kFixedBefore)
    if (name == f) return true;
  for (const char* f : kFixedAfter)
    if (name == f) return true;
  return false;
}

// The axis values of a job, in the order its params JSON gives them.
std::vector<std::pair<std::string, std::string>> Axes(const std::string& params_json) {
  std::vector<std::pair<std::string, std::string>> out;
  auto j = nlohmann::ordered_json::parse(params_json, nullptr, false);
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it)
    out.emplace_back(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
  return out;
}

// An output's name: its path in the job's folder.
std::string OutputName(const ArtifactRecord& a, const std::string& job_dir) {
  const std::string prefix = job_dir + "/";
  if (a.path.compare(0, prefix.size(), prefix) == 0) return a.path.substr(prefix.size());
  return a.path;
}

// A number as the shortest text that reads back the same.
std::string Number(double v) { return fmt::format("{}", v); }

// The column names and, per row, each name's cell.
struct Columns {
  std::vector<std::string> axes, metrics, outputs;
};

Columns CollectColumns(const std::vector<ExportRow>& rows) {
  Columns c;
  std::set<std::string> seen_axes, metrics, outputs;
  for (const ExportRow& r : rows) {
    for (const auto& [name, value] : Axes(r.job.job.rec.params_json))
      if (seen_axes.insert(name).second) c.axes.push_back(name);
    for (const MetricRecord& m : r.metrics) metrics.insert(m.name);
    for (const ArtifactRecord& a : r.outputs) outputs.insert(OutputName(a, r.job.job.rec.dir));
  }
  c.metrics.assign(metrics.begin(), metrics.end());
  c.outputs.assign(outputs.begin(), outputs.end());
  return c;
}

using Cell = ExportTable::Cell;

Cell Text(std::string s) { return Cell{std::move(s), false}; }
Cell Num(std::string s) { return Cell{std::move(s), true}; }

// The fixed columns after the axes: job, state, key, attempt, start, duration, host, slurm_id.
void AppendJobCells(const JobAttempt& j, std::vector<Cell>* out) {
  out->push_back(Text(j.job.rec.name));
  out->push_back(Text(j.attempt ? AttemptStateName(j.attempt->state) : JobStateName(j.job.state)));
  out->push_back(Text(j.job.rec.key));
  if (!j.attempt) {
    out->insert(out->end(), 5, Cell{});
    return;
  }
  const AttemptRecord& a = *j.attempt;
  out->push_back(Num(std::to_string(a.number)));
  out->push_back(a.started > 0 ? Text(IsoTime(a.started)) : Cell{});
  out->push_back(a.started > 0 && a.ended >= a.started
                     ? Num(fmt::format("{:.3f}", a.ended - a.started))
                     : Cell{});
  out->push_back(a.host.empty() ? Cell{} : Text(a.host));
  const std::string slurm = "slurm:";
  out->push_back(a.handle.compare(0, slurm.size(), slurm) == 0 ? Text(a.handle.substr(slurm.size()))
                                                                : Cell{});
}

std::vector<Cell> RowCells(const ExportRow& r, const Columns& c, const std::string& root) {
  std::vector<Cell> out = {Text(r.job.workflow),
                           r.job.run > 0 ? Num(std::to_string(r.job.run)) : Cell{},
                           Text(r.job.job.rec.step)};
  std::map<std::string, std::string> axes;
  for (auto& [name, value] : Axes(r.job.job.rec.params_json)) axes[name] = value;
  for (const std::string& a : c.axes)
    out.push_back(axes.count(a) ? Text(axes[a]) : Cell{});
  AppendJobCells(r.job, &out);
  std::map<std::string, double> last;
  for (const MetricRecord& m : r.metrics) last[m.name] = m.value;
  for (const std::string& m : c.metrics)
    out.push_back(last.count(m) && std::isfinite(last[m]) ? Num(Number(last[m])) : Cell{});
  std::map<std::string, std::string> paths;
  for (const ArtifactRecord& a : r.outputs) paths[OutputName(a, r.job.job.rec.dir)] = a.path;
  for (const std::string& o : c.outputs)
    out.push_back(paths.count(o) ? Text(root + "/" + paths[o]) : Cell{});
  return out;
}

// A JSON value for a cell: null, a bare number, or a string (invalid UTF-8 replaced).
std::string JsonCell(const Cell& c) {
  if (!c.text) return "null";
  if (c.number) return *c.text;
  return nlohmann::json(*c.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string JsonKey(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ExportTable BuildExport(const std::vector<ExportRow>& rows, const std::string& root) {
  const Columns c = CollectColumns(rows);
  ExportTable t;
  for (const char* f : kFixedBefore) t.header.push_back(f);
  for (const std::string& a : c.axes) t.header.push_back(IsFixed(a) ? "axis." + a : a);
  for (const char* f : kFixedAfter) t.header.push_back(f);
  for (const std::string& m : c.metrics) t.header.push_back("metric." + m);
  for (const std::string& o : c.outputs) t.header.push_back("output." + o);
  for (const ExportRow& r : rows) t.rows.push_back(RowCells(r, c, root));
  return t;
}

Result<std::string> RenderExport(const ExportTable& t, const std::string& format) {
  std::string out;
  if (format == "csv") {
    for (size_t i = 0; i < t.header.size(); ++i) out += (i ? "," : "") + CsvQuote(t.header[i]);
    out += "\n";
    for (const auto& row : t.rows) {
      for (size_t i = 0; i < row.size(); ++i)
        out += (i ? "," : "") + (row[i].text ? CsvQuote(*row[i].text) : std::string());
      out += "\n";
    }
    return out;
  }
  if (format == "jsonl") {
    for (const auto& row : t.rows) {
      out += "{";
      for (size_t i = 0; i < row.size(); ++i)
        out += (i ? "," : "") + JsonKey(t.header[i]) + ":" + JsonCell(row[i]);
      out += "}\n";
    }
    return out;
  }
  return Status::Invalid("--format must be csv or jsonl, not '" + format + "'");
}

std::vector<JobAttempt> LatestSucceeded(const std::vector<JobAttempt>& attempts) {
  // Per (workflow, name): the first job id seen (its place), the best row so far.
  struct Pick {
    int64_t first_id = 0;
    const JobAttempt* best = nullptr;
  };
  std::map<std::pair<std::string, std::string>, Pick> picks;
  auto succeeded = [](const JobAttempt* r) {
    return r->attempt && r->attempt->state == AttemptState::kSucceeded;
  };
  for (const JobAttempt& r : attempts) {
    Pick& p = picks[{r.workflow, r.job.rec.name}];
    if (!p.best) {
      p = {r.job.id, &r};
      continue;
    }
    const bool ok = succeeded(&r), best_ok = succeeded(p.best);
    if (ok && (!best_ok || r.attempt->ended >= p.best->attempt->ended))
      p.best = &r;
    else if (!ok && !best_ok)
      p.best = &r;  // rows come in job and attempt order: the newest wins
  }
  std::vector<std::pair<int64_t, const JobAttempt*>> order;
  for (const auto& [name, p] : picks) order.emplace_back(p.first_id, p.best);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<JobAttempt> out;
  for (const auto& [id, r] : order) out.push_back(*r);
  return out;
}

std::vector<JobAttempt> LatestAttemptPerJob(const std::vector<JobAttempt>& attempts) {
  std::vector<JobAttempt> out;
  for (const JobAttempt& r : attempts) {
    if (!out.empty() && out.back().job.id == r.job.id)
      out.back() = r;
    else
      out.push_back(r);
  }
  return out;
}

std::string CsvQuote(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string IsoTime(double seconds) {
  if (seconds <= 0) return "";
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::string> RenderMetricSeries(const std::vector<MetricRecord>& series,
                                       const std::string& format) {
  std::string out;
  auto step = [](const MetricRecord& m) { return m.step ? std::to_string(*m.step) : ""; };
  if (format == "text") {
    size_t w = 4;
    for (const MetricRecord& m : series) w = std::max(w, m.name.size());
    out += fmt::format("{:<{}}  {:>6}  {:<22}  {}\n", "name", w, "step", "value", "time");
    for (const MetricRecord& m : series)
      out += fmt::format("{:<{}}  {:>6}  {:<22}  {}\n", m.name, w, step(m), Number(m.value),
                         IsoTime(m.time));
    return out;
  }
  if (format == "csv") {
    out = "name,step,value,time\n";
    for (const MetricRecord& m : series)
      out += fmt::format("{},{},{},{:.3f}\n", CsvQuote(m.name), step(m), Number(m.value), m.time);
    return out;
  }
  if (format == "jsonl") {
    for (const MetricRecord& m : series)
      out += fmt::format("{{\"name\":{},\"step\":{},\"value\":{},\"time\":{:.3f}}}\n",
                         JsonKey(m.name), m.step ? step(m) : "null", Number(m.value), m.time);
    return out;
  }
  return Status::Invalid("--format must be text, csv or jsonl, not '" + format + "'");
}

}  // namespace drover
