// `drover study ...`: the ask-and-tell service over the store's studies, for
// systems that steer their own jobs. Each command is one transaction (BEGIN
// IMMEDIATE), so any number of processes may ask and tell on one study at once.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "report/table.h"
#include "spec/parser.h"
#include "store/store.h"
#include "store/study_store.h"
#include "study/definition.h"
#include "study/stored_study.h"
#include "util/fs.h"

namespace drover::cli {
namespace {

using json = nlohmann::json;

// Opens the store; only `create` may make a new one.
Result<std::unique_ptr<Store>> OpenStore(const GlobalOptions& g, bool create) {
  std::string root = StoreRoot(g);
  if (!create && !PathExists(root + "/.drover/drover.db"))
    return Status::NotFound("no drover store in " + root +
                            " or above: create a study first (`drover study create`), or pass "
                            "--store DIR");
  return OpenSqliteStore(root);
}

// Runs `body` inside one write transaction; rolls back on error.
template <typename Body>
Status InTransaction(Store* store, Body body) {
  Transaction tx(store);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  DROVER_RETURN_IF_ERROR(body());
  return tx.Commit();
}

Result<int64_t> ParseNumber(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || errno || n < 0)
    return Status::Invalid("trial number must be a whole number >= 0, got '" + text + "'");
  return static_cast<int64_t>(n);
}

// Columns as wide as their widest cell, two spaces apart; the columns in `left` are
// aligned left, the others (numbers) right.
void PrintAligned(const std::vector<std::vector<std::string>>& rows, const std::vector<size_t>& left) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const bool l = std::find(left.begin(), left.end(), c) != left.end();
      std::string pad(width[c] - row[c].size(), ' ');
      line += (c ? "  " : "") + (l ? row[c] + (c + 1 < row.size() ? pad : "") : pad + row[c]);
    }
    std::printf("%s\n", line.c_str());
  }
}

Result<double> ParseValue(const std::string& text, const char* what) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  // Decimal only: strtod also reads hex (0x10) and leading spaces.
  if (text.empty() || *end || !std::isfinite(v) || text.find_first_not_of("0123456789+-.eE") != std::string::npos)
    return Status::Invalid(fmt::format("{} must be a finite number such as 0.93, got '{}'{}", what,
                                       text,
                                       std::string(what) == "value"
                                           ? " (a trial that did not finish: --failed)"
                                           : ""));
  return v;
}

// Reads a search-space file (YAML or JSON); errors say file:line:col.
Result<json> ReadSpace(const std::string& path) {
  auto text = LoadSpaceFile(path);
  if (!text.ok()) return text.status();
  return json::parse(*text);
}

// The options flag's text as JSON (null when not given).
Result<json> ParseOptions(const std::string& options, const char* what) {
  if (options.empty()) return json(nullptr);
  try {
    return json::parse(options);
  } catch (const json::exception& e) {
    return Status::Invalid(std::string(what) + " options are not valid JSON: " + e.what());
  }
}

std::string Number(double v) { return fmt::format("{}", v); }

}  // namespace

int StudyCreate(const GlobalOptions& g, const StudyCreateArgs& a) {
  auto space = ReadSpace(a.space_file);
  if (!space.ok()) return Fail(space.status());
  study::CreateFields f;
  f.name = a.name;
  f.space = *space;
  f.sampler = a.sampler;
  f.pruner = a.pruner;
  f.direction = a.direction;
  f.seed = a.seed;
  auto sampler_options = ParseOptions(a.sampler_options, "sampler");
  if (!sampler_options.ok()) return Fail(sampler_options.status());
  auto pruner_options = ParseOptions(a.pruner_options, "pruner");
  if (!pruner_options.ok()) return Fail(pruner_options.status());
  f.sampler_options = *sampler_options;
  f.pruner_options = *pruner_options;
  if (hpo::ParseDirection(a.direction) == std::nullopt)
    return Fail(Status::Invalid("--direction must be minimize or maximize, got '" + a.direction + "'"));
  // Check the definition before touching (or creating) the store.
  auto built = study::BuildDefinition(f);
  if (!built.ok()) return Fail(built.status());
  const study::StudyDefinition& def = *built;
  auto rec = study::MakeRecord(def);
  if (!rec.ok()) return Fail(rec.status());
  auto store = OpenStore(g, true);
  if (!store.ok()) return Fail(store.status());
  Status st = InTransaction(store->get(), [&] {
    auto r = study::StoredStudy::Create((*store)->studies(), def);
    return r.ok() ? Status::Ok() : r.status();
  });
  if (!st.ok()) return Fail(st);
  std::printf("created study %s (sampler %s, pruner %s, %s)\n", a.name.c_str(),
              rec->sampler_json.c_str(), rec->pruner_json.c_str(), rec->direction.c_str());
  return 0;
}

int StudyAsk(const GlobalOptions& g, const std::string& name) {
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  json out;
  Status st = InTransaction(store->get(), [&] {
    auto s = study::StoredStudy::Load((*store)->studies(), name);
    if (!s.ok()) return s.status();
    if (!(*s)->record().origin.empty())  // its trials are a workflow's jobs
      return Status::Invalid("study '" + name + "' belongs to a workflow's study step, whose "
                             "jobs are its trials; ask a study of your own (drover study "
                             "create), or warm-start one from this (warm_start: " + name + ")");
    auto a = (*s)->Ask();
    if (!a.ok()) return a.status();
    out = {{"number", a->number}, {"params", hpo::ParamsToJson(a->params)}};
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

// A running trial of a study: step belongs to its job: drover reports its intermediate
// values from the job's metrics.jsonl and tells it when the job ends.
static Status NotAWorkflowTrial(const study::StoredStudy& s, int64_t number, bool tell) {
  const TrialRecord* row = s.row(number);
  if (!row || row->job_id == 0 || row->state != "running") return Status::Ok();
  return Status::Invalid(fmt::format(
      "study '{}': trial {} runs as a job of a workflow (job {}), and drover {} it from that "
      "job{}",
      s.record().name, number, row->job_id, tell ? "tells" : "reports for",
      tell ? "; to finish it by hand anyway (its drover run is gone for good), add --force" : ""));
}

int StudyTell(const GlobalOptions& g, const StudyTellArgs& a) {
  auto number = ParseNumber(a.number);
  if (!number.ok()) return Fail(number.status());
  if (a.pruned && a.failed) return Fail(Status::Invalid("give --pruned or --failed, not both"));
  std::optional<double> value;
  if (!a.pruned && !a.failed) {
    if (a.value.empty())
      return Fail(Status::Invalid("give the trial's value, or --pruned / --failed"));
    auto v = ParseValue(a.value, "value");
    if (!v.ok()) return Fail(v.status());
    value = *v;
  } else if (!a.value.empty()) {
    return Fail(Status::Invalid("a pruned or failed trial takes no value (got '" + a.value + "')"));
  }
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  Status st = InTransaction(store->get(), [&] {
    auto s = study::StoredStudy::Load((*store)->studies(), a.name);
    if (!s.ok()) return s.status();
    if (!a.force) DROVER_RETURN_IF_ERROR(NotAWorkflowTrial(**s, *number, true));
    if (value) return (*s)->Tell(*number, *value);
    return a.pruned ? (*s)->TellPruned(*number) : (*s)->TellFailed(*number);
  });
  return st.ok() ? 0 : Fail(st);
}

int StudyReport(const GlobalOptions& g, const std::string& name, const std::string& number_text,
                const std::string& step_text, const std::string& value_text) {
  auto number = ParseNumber(number_text);
  if (!number.ok()) return Fail(number.status());
  char* end = nullptr;
  long long step = std::strtoll(step_text.c_str(), &end, 10);
  if (step_text.empty() || *end || step < 0)
    return Fail(Status::Invalid("step must be a whole number >= 0, got '" + step_text + "'"));
  auto value = ParseValue(value_text, "intermediate value");
  if (!value.ok()) return Fail(value.status());
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  bool prune = false;
  Status st = InTransaction(store->get(), [&] {
    auto s = study::StoredStudy::Load((*store)->studies(), name);
    if (!s.ok()) return s.status();
    DROVER_RETURN_IF_ERROR(NotAWorkflowTrial(**s, *number, false));
    auto p = (*s)->Report(*number, step, *value);
    if (!p.ok()) return p.status();
    prune = *p;
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st);
  std::printf("%s\n", prune ? "prune" : "continue");
  return 0;
}

int StudyBest(const GlobalOptions& g, const std::string& name) {
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  auto s = study::StoredStudy::Load((*store)->studies(), name);
  if (!s.ok()) return Fail(s.status());
  const hpo::Trial* best = (*s)->study().Best();
  if (!best) {
    std::fprintf(stderr, "drover: study '%s' has no completed trial yet\n", name.c_str());
    return 1;
  }
  json out = {{"number", best->number}, {"value", *best->value},
              {"params", hpo::ParamsToJson(best->params)}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

int StudyTrials(const GlobalOptions& g, const std::string& name, const std::string& format) {
  if (format != "text" && format != "csv" && format != "json")
    return Fail(Status::Invalid("--format must be text, csv or json, got '" + format + "'"));
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  auto s = study::StoredStudy::Load((*store)->studies(), name);
  if (!s.ok()) return Fail(s.status());
  const hpo::Study& study = (*s)->study();
  if (format == "json") {
    json arr = json::array();
    for (const hpo::Trial& t : study.history().trials()) {
      json j = hpo::TrialToJson(t);
      if (const TrialRecord* r = (*s)->row(t.number); r && r->job_id) j["job_id"] = r->job_id;
      arr.push_back(j);
    }
    std::printf("%s\n", arr.dump(1).c_str());
    return 0;
  }
  std::vector<std::string> names;
  for (const auto& p : study.space().params()) names.push_back(p.name);
  const bool csv = format == "csv";
  std::vector<std::vector<std::string>> rows;
  // A pruned trial has no value: its last report (value and step) says how far it got.
  rows.push_back({"number", "state", "value", csv ? "last_step" : "last step",
                  csv ? "last_value" : "last value"});
  rows[0].insert(rows[0].end(), names.begin(), names.end());
  for (const hpo::Trial& t : study.history().trials()) {
    std::vector<std::string> row = {std::to_string(t.number), hpo::ToString(t.state),
                                    t.value ? Number(*t.value) : "",
                                    t.last_step() ? std::to_string(*t.last_step()) : "",
                                    t.last_step() ? Number(t.intermediate.rbegin()->second) : ""};
    for (const auto& n : names) {
      auto it = t.params.find(n);
      row.push_back(it == t.params.end() ? "" : hpo::ToString(it->second));
    }
    rows.push_back(std::move(row));
  }
  if (csv) {
    for (const auto& row : rows) {
      std::string line;
      for (size_t c = 0; c < row.size(); ++c) line += (c ? "," : "") + CsvField(row[c]);
      std::printf("%s\n", line.c_str());
    }
  } else {
    PrintAligned(rows, {1});
  }
  return 0;
}

int StudyList(const GlobalOptions& g) {
  auto store = OpenStore(g, false);
  if (!store.ok()) return Fail(store.status());
  auto all = (*store)->studies()->ListStudies();
  if (!all.ok()) return Fail(all.status());
  std::vector<std::vector<std::string>> rows = {{"study", "direction", "complete", "pruned", "failed", "running"}};
  for (const StudySummary& s : *all)
    rows.push_back({s.study.name, s.study.direction, std::to_string(s.complete), std::to_string(s.pruned),
                    std::to_string(s.failed), std::to_string(s.running)});
  PrintAligned(rows, {0, 1});
  return 0;
}

}  // namespace drover::cli
