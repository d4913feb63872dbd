#include "server/study_service.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <variant>

#include "store/sqlite.h"
#include "study/definition.h"
#include "study/importance.h"
#include "util/fs.h"

namespace drover::server {

using json = nlohmann::json;

void TicketLock::lock() {
  std::unique_lock<std::mutex> l(mu_);
  const uint64_t mine = next_++;
  cv_.wait(l, [&] { return serving_ == mine; });
}

void TicketLock::unlock() {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++serving_;
  }
  cv_.notify_all();
}

int HttpStatus(const Status& st) {
  switch (st.code()) {
    case Code::kOk: return 200;
    case Code::kInvalid: return 400;
    case Code::kNotFound: return 404;
    case Code::kBusy: return 503;
    default: return 500;
  }
}

namespace {

Reply Error(int status, const std::string& message) { return {status, json{{"error", message}}}; }
Reply Error(const Status& st) {
  const int code = HttpStatus(st);
  return Error(code, code >= 500 ? "the store failed: " + st.message() : st.message());
}

// The body as JSON: an object, or (when `empty_ok`) nothing at all.
Result<json> ParseBody(const std::string& body, bool empty_ok) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (empty_ok) return json::object();
    return Status::Invalid("the request needs a JSON object as its body");
  }
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return Status::Invalid("the body is not valid JSON");
  if (!j.is_object()) return Status::Invalid("the body must be a JSON object");
  return j;
}

// kInvalid naming the first field of `j` not in `known`.
Status OnlyFields(const json& j, const std::set<std::string>& known) {
  for (const auto& [k, _] : j.items())
    if (!known.count(k)) {
      std::string list;
      for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
      return Status::Invalid("unknown field '" + k + "'" +
                             (list.empty() ? " (this request takes none)" : " (known: " + list + ")"));
    }
  return Status::Ok();
}

// A finite JSON number (not a boolean) in field `name`.
Result<double> FiniteNumber(const json& j, const std::string& name) {
  const json& v = j.at(name);
  if (!v.is_number()) return Status::Invalid("field '" + name + "' must be a number");
  double x = v.get<double>();
  if (!std::isfinite(x)) return Status::Invalid("field '" + name + "' must be a finite number");
  return x;
}

json ParseOr(const std::string& text, json fallback) {
  json j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

json StudyJson(const StudyRecord& r) {
  return {{"name", r.name},
          {"direction", r.direction},
          {"space", ParseOr(r.space_json, json::object())},
          {"sampler", ParseOr(r.sampler_json, r.sampler_json)},
          {"pruner", ParseOr(r.pruner_json, r.pruner_json)},
          {"seed", r.seed},
          {"created", r.created},
          {"origin", r.origin}};
}

// The keys of the jobs with these ids in the store at `db_path` (ids it lacks are left
// out). Opened read-only per call: the trials that a page shows run as jobs rarely.
Result<std::map<int64_t, std::string>> JobKeys(const std::string& db_path,
                                               const std::set<int64_t>& ids) {
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  sql::Db db;
  if (Status st = db.Open(db_path, sql::OpenMode::kReadOnly); !st.ok()) return st;
  sql::Stmt q(db, "SELECT key FROM jobs WHERE id=?");
  if (!q.status().ok()) return q.status();
  for (int64_t id : ids) {
    q.Reset();
    q.Bind(1, id);
    Status st;
    if (q.Step(&st)) out[id] = q.Text(0);
    if (!st.ok()) return st;
  }
  return out;
}

// A trial as the API shows it; `job_key` is the key of the job running it ("" when none).
json TrialJson(const hpo::Trial& t, const TrialRecord* row, const std::string& job_key = "") {
  json inter = json::array();
  for (const auto& [step, v] : t.intermediate) inter.push_back({step, v});
  const double started = row ? row->started : 0;
  const double ended = row && t.state != hpo::TrialState::kRunning ? row->ended : 0;
  json j = {{"number", t.number},
            {"state", hpo::ToString(t.state)},
            {"value", t.value ? json(*t.value) : json(nullptr)},
            {"params", hpo::ParamsToJson(t.params)},
            {"intermediate", inter},
            {"started", started > 0 ? json(started) : json(nullptr)},
            {"ended", ended > 0 ? json(ended) : json(nullptr)},
            {"duration", started > 0 && ended > 0 ? json(ended - started) : json(nullptr)}};
  if (row && row->job_id) j["job_id"] = row->job_id;
  if (!job_key.empty()) j["job_key"] = job_key;
  return j;
}

// A whole number >= 0 from a query value; kInvalid names the key.
Result<int64_t> QueryInt(const std::string& key, const std::string& text) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || errno || n < 0)
    return Status::Invalid("query '" + key + "' must be a whole number >= 0, got '" + text + "'");
  return static_cast<int64_t>(n);
}

// A sort key: nullopt sorts last whatever the order; numbers before text.
using SortKey = std::optional<std::variant<double, std::string>>;

std::function<SortKey(const hpo::Trial&, const TrialRecord*)> SortBy(const std::string& by) {
  using K = SortKey;
  if (by == "number") return [](const hpo::Trial& t, const TrialRecord*) -> K { return double(t.number); };
  if (by == "value")
    return [](const hpo::Trial& t, const TrialRecord*) -> K { return t.value ? K(*t.value) : K(); };
  if (by == "state")
    return [](const hpo::Trial& t, const TrialRecord*) -> K { return std::string(hpo::ToString(t.state)); };
  if (by == "started")
    return [](const hpo::Trial&, const TrialRecord* r) -> K { return r && r->started ? K(r->started) : K(); };
  if (by == "ended")
    return [](const hpo::Trial&, const TrialRecord* r) -> K { return r && r->ended ? K(r->ended) : K(); };
  if (by == "duration")
    return [](const hpo::Trial&, const TrialRecord* r) -> K {
      return r && r->ended && r->started ? K(r->ended - r->started) : K();
    };
  if (by.rfind("params.", 0) == 0) {
    std::string name = by.substr(7);
    return [name](const hpo::Trial& t, const TrialRecord*) -> K {
      auto it = t.params.find(name);
      if (it == t.params.end()) return K();
      if (const double* d = std::get_if<double>(&it->second)) return *d;
      if (const int64_t* i = std::get_if<int64_t>(&it->second)) return double(*i);
      return std::get<std::string>(it->second);
    };
  }
  return nullptr;
}

}  // namespace

Result<Store*> StudyService::Open(bool create) {
  if (store_) return store_.get();
  if (!create && !PathExists(root_ + "/.drover/drover.db"))
    return Status::NotFound("no drover store in " + root_ + " yet: create a study first");
  auto s = OpenSqliteStore(root_);
  if (!s.ok()) return s.status();
  store_ = std::move(*s);
  return store_.get();
}

Result<study::StoredStudy*> StudyService::Fresh(const std::string& name) {
  StudyStore* studies = store_->studies();
  // Read first: a commit by another process after this point changes it again.
  auto version = studies->DataVersion();
  if (!version.ok()) return version.status();
  if (auto it = warm_.find(name); it != warm_.end() && it->second.data_version == *version)
    return it->second.study.get();  // nobody else wrote since: nothing to catch up
  auto found = studies->FindStudy(name);
  if (!found.ok()) return found.status();
  auto it = warm_.find(name);
  if (!*found) {
    if (it != warm_.end()) warm_.erase(it);
    auto load = study::StoredStudy::Load(studies, name);  // its message names the studies there are
    return load.ok() ? Status::NotFound("no study '" + name + "'") : load.status();
  }
  if (it != warm_.end()) {
    study::StoredStudy& s = *it->second.study;
    const StudyRecord& mine = s.record();
    if (mine.id == (*found)->id && mine.origin == (*found)->origin && study::SameDefinition(mine, **found)) {
      Status st = s.CatchUp();
      auto finished = st.ok() ? studies->CountFinished(mine.id) : Result<int64_t>(st);
      if (!finished.ok()) {
        warm_.erase(it);
        return finished.status();
      }
      const hpo::TrialHistory& h = s.study().history();
      if (static_cast<size_t>(*finished) == h.size() - h.count(hpo::TrialState::kRunning)) {
        it->second.data_version = *version;
        return &s;
      }
    }
    warm_.erase(it);  // another process told trials, or the study changed: load it again
  }
  auto load = study::StoredStudy::Load(studies, name);
  if (!load.ok()) return load.status();
  study::StoredStudy* s = load->get();
  warm_[name] = Warm{std::move(*load), *version, {}};
  return s;
}

Reply StudyService::Write(const std::string& name,
                          const std::function<Reply(study::StoredStudy&)>& body) {
  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(false);
  if (!store.ok()) return Error(store.status());
  Transaction tx(*store);
  if (Status st = tx.Begin(); !st.ok()) return Error(st);
  auto s = Fresh(name);
  if (!s.ok()) return Error(s.status());
  Reply r = body(**s);
  if (r.status >= 300) {
    tx.Rollback();
    if (r.status >= 500) warm_.erase(name);
    return r;
  }
  if (Status st = tx.Commit(); !st.ok()) {
    warm_.erase(name);
    return Error(st);
  }
  return r;
}

Reply StudyService::List() {
  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(false);
  if (!store.ok()) return {200, json{{"studies", json::array()}}};
  auto all = (*store)->studies()->ListStudies();
  if (!all.ok()) return Error(all.status());
  json out = json::array();
  for (const StudySummary& s : *all) {
    json j = StudyJson(s.study);
    j.erase("space");
    j["counts"] = {{"running", s.running}, {"complete", s.complete}, {"pruned", s.pruned}, {"failed", s.failed}};
    j["trials"] = s.running + s.complete + s.pruned + s.failed;
    out.push_back(std::move(j));
  }
  return {200, json{{"studies", out}}};
}

Reply StudyService::Get(const std::string& name) {
  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(false);
  if (!store.ok()) return Error(store.status());
  auto s = Fresh(name);
  if (!s.ok()) return Error(s.status());
  const hpo::Study& study = (*s)->study();
  const hpo::TrialHistory& h = study.history();
  json j = StudyJson((*s)->record());
  j["counts"] = {{"running", h.count(hpo::TrialState::kRunning)},
                 {"complete", h.count(hpo::TrialState::kComplete)},
                 {"pruned", h.count(hpo::TrialState::kPruned)},
                 {"failed", h.count(hpo::TrialState::kFailed)}};
  j["trials"] = h.size();
  json names = json::array();
  for (const auto& p : study.space().params()) names.push_back(p.name);
  j["params"] = names;
  const hpo::Trial* best = study.Best();
  j["best"] = best ? TrialJson(*best, (*s)->row(best->number)) : json(nullptr);
  return {200, j};
}

Reply StudyService::Trials(const std::string& name, const std::map<std::string, std::string>& query) {
  static const std::set<std::string> kKnown = {"state", "sort", "order", "offset", "limit"};
  for (const auto& [k, _] : query)
    if (!kKnown.count(k))
      return Error(400, "unknown query '" + k + "' (known: state, sort, order, offset, limit)");
  auto get = [&](const std::string& k, const std::string& dflt) {
    auto it = query.find(k);
    return it == query.end() ? dflt : it->second;
  };
  std::optional<hpo::TrialState> state;
  if (std::string st = get("state", ""); !st.empty()) {
    state = hpo::ParseTrialState(st);
    if (!state) return Error(400, "query 'state' must be running, complete, pruned or failed, got '" + st + "'");
  }
  const std::string by = get("sort", "number");
  auto key = SortBy(by);
  if (!key)
    return Error(400, "query 'sort' must be number, value, state, started, ended, duration or "
                      "params.NAME, got '" + by + "'");
  const std::string order = get("order", "asc");
  if (order != "asc" && order != "desc") return Error(400, "query 'order' must be asc or desc, got '" + order + "'");
  auto offset = QueryInt("offset", get("offset", "0"));
  if (!offset.ok()) return Error(offset.status());
  auto limit = QueryInt("limit", get("limit", "100"));
  if (!limit.ok()) return Error(limit.status());
  if (*limit < 1 || *limit > 100000) return Error(400, "query 'limit' must be from 1 to 100000");

  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(false);
  if (!store.ok()) return Error(store.status());
  auto s = Fresh(name);
  if (!s.ok()) return Error(s.status());
  const std::vector<hpo::Trial>& all = (*s)->study().history().trials();
  std::vector<std::pair<SortKey, size_t>> picked;
  picked.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i)
    if (!state || all[i].state == *state) picked.push_back({key(all[i], (*s)->row(all[i].number)), i});
  const bool desc = order == "desc";
  std::stable_sort(picked.begin(), picked.end(), [desc](const auto& a, const auto& b) {
    if (!a.first || !b.first) return a.first.has_value() && !b.first.has_value();  // missing last
    if (*a.first == *b.first) return false;
    return desc ? *b.first < *a.first : *a.first < *b.first;
  });
  // Built as text: a finished trial's JSON is made once and kept with the warm study.
  std::map<int64_t, std::string>& cache = warm_[name].finished_json;
  const size_t from = std::min(picked.size(), static_cast<size_t>(*offset));
  const size_t to = std::min(picked.size(), from + static_cast<size_t>(*limit));
  // The keys of the jobs that run the trials whose JSON is made now.
  std::set<int64_t> job_ids;
  for (size_t i = from; i < to; ++i) {
    const hpo::Trial& t = all[picked[i].second];
    const TrialRecord* row = (*s)->row(t.number);
    if (row && row->job_id && (t.state == hpo::TrialState::kRunning || !cache.count(t.number)))
      job_ids.insert(row->job_id);
  }
  auto keys = JobKeys(root_ + "/.drover/drover.db", job_ids);
  if (!keys.ok()) return Error(keys.status());
  auto json_of = [&](const hpo::Trial& t) {
    const TrialRecord* row = (*s)->row(t.number);
    auto k = row ? keys->find(row->job_id) : keys->end();
    return TrialJson(t, row, k == keys->end() ? "" : k->second).dump();
  };
  std::string text = "{\"trials\":[";
  for (size_t i = from; i < to; ++i) {
    const hpo::Trial& t = all[picked[i].second];
    if (i > from) text += ',';
    if (t.state == hpo::TrialState::kRunning) {
      text += json_of(t);
      continue;
    }
    auto it = cache.find(t.number);
    if (it == cache.end()) it = cache.emplace(t.number, json_of(t)).first;
    text += it->second;
  }
  text += "],\"total\":" + std::to_string(picked.size()) + ",\"offset\":" + std::to_string(*offset) +
          ",\"limit\":" + std::to_string(*limit) + "}";
  Reply r;
  r.text = std::move(text);
  return r;
}

Reply StudyService::Importance(const std::string& name) {
  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(false);
  if (!store.ok()) return Error(store.status());
  auto s = Fresh(name);
  if (!s.ok()) return Error(s.status());
  const hpo::Study& study = (*s)->study();
  json params = json::array();
  for (const auto& p : study::Importance(study.space(), study.history().trials()))
    params.push_back({{"name", p.name}, {"importance", p.importance}, {"variance_share", p.variance_share}});
  return {200, json{{"method", study::kImportanceMethod},
                    {"description",
                     "the share of the objective's variance over completed trials explained by each "
                     "parameter alone (variance of the mean objective per bin of its values, up to 10 "
                     "bins, over the total variance; fANOVA-style first-order), normalised to sum to 1"},
                    {"trials", study.history().count(hpo::TrialState::kComplete)},
                    {"params", params}}};
}

Reply StudyService::Create(const std::string& body) {
  auto j = ParseBody(body, false);
  if (!j.ok()) return Error(j.status());
  auto fields = study::CreateFieldsFromJson(*j);
  if (!fields.ok()) return Error(fields.status());
  auto def = study::BuildDefinition(*fields);
  if (!def.ok()) return Error(def.status());
  std::lock_guard<TicketLock> l(lock_);
  auto store = Open(true);
  if (!store.ok()) return Error(store.status());
  Transaction tx(*store);
  if (Status st = tx.Begin(); !st.ok()) return Error(st);
  auto found = (*store)->studies()->FindStudy(def->name);
  if (!found.ok()) return Error(found.status());
  if (*found) return Error(409, "study '" + def->name + "' already exists: pick another name");
  auto rec = study::StoredStudy::Create((*store)->studies(), *def);
  if (!rec.ok()) return Error(rec.status());
  if (Status st = tx.Commit(); !st.ok()) return Error(st);
  warm_.erase(def->name);
  return {201, StudyJson(*rec)};
}

// A trial that is running in `s` and may be told or reported here; otherwise the
// reply that says why not (404 unknown, 409 finished or run by a workflow's job).
static std::optional<Reply> NotTellable(study::StoredStudy& s, int64_t number, const char* verb) {
  const std::string& name = s.record().name;
  const hpo::Trial* t = s.study().history().Find(number);
  if (!t)
    return Error(404, "study '" + name + "' has no trial " + std::to_string(number) + " (it has " +
                          std::to_string(s.study().history().size()) + "; ask for one first)");
  auto outside = s.TakeOutsideTell(number);
  if (!outside.ok()) return Error(outside.status());
  if (t->state != hpo::TrialState::kRunning)
    return Error(409, "study '" + name + "': trial " + std::to_string(number) + " is already " +
                          hpo::ToString(t->state) + (*outside ? " (told by another process)" : "") +
                          "; a trial is told once, so it cannot be " + verb);
  if (const TrialRecord* row = s.row(number); row && row->job_id != 0)
    return Error(409, "study '" + name + "': trial " + std::to_string(number) + " runs as job " +
                          std::to_string(row->job_id) + " of a workflow, and drover " +
                          (std::string(verb) == "told" ? "tells it" : "reports for it") + " from that job");
  return std::nullopt;
}

Reply StudyService::Ask(const std::string& name, const std::string& body) {
  auto j = ParseBody(body, true);
  if (!j.ok()) return Error(j.status());
  if (Status st = OnlyFields(*j, {}); !st.ok()) return Error(st);
  return Write(name, [&](study::StoredStudy& s) -> Reply {
    if (!s.record().origin.empty())
      return Error(409, "study '" + name + "' belongs to a workflow's study step, whose jobs are its "
                        "trials; ask a study of your own (POST /api/v1/studies), or warm-start one "
                        "from this (warm_start: " + name + ")");
    auto a = s.Ask();
    if (!a.ok()) {
      if (a.status().code() == Code::kNotFound) return Error(409, a.status().message());
      return Error(a.status());
    }
    return {200, json{{"number", a->number}, {"params", hpo::ParamsToJson(a->params)}}};
  });
}

Reply StudyService::Tell(const std::string& name, int64_t number, const std::string& body) {
  auto j = ParseBody(body, false);
  if (!j.ok()) return Error(j.status());
  if (Status st = OnlyFields(*j, {"value", "state"}); !st.ok()) return Error(st);
  std::string state = "complete";
  if (j->contains("state")) {
    if (!(*j)["state"].is_string()) return Error(400, "field 'state' must be \"pruned\" or \"failed\"");
    state = (*j)["state"].get<std::string>();
    if (state != "complete" && state != "pruned" && state != "failed")
      return Error(400, "field 'state' must be \"pruned\" or \"failed\" (or \"complete\" with a value), got '" +
                            state + "'");
  }
  std::optional<double> value;
  if (j->contains("value")) {
    auto v = FiniteNumber(*j, "value");
    if (!v.ok()) return Error(v.status());
    value = *v;
  }
  if (state == "complete" && !value)
    return Error(400, "give the trial's value {\"value\": x}, or {\"state\": \"pruned\"} / {\"state\": \"failed\"}");
  if (state != "complete" && value) return Error(400, "a " + state + " trial takes no value");
  return Write(name, [&](study::StoredStudy& s) -> Reply {
    if (auto no = NotTellable(s, number, "told")) return *no;
    Status st = state == "complete" ? s.Tell(number, *value)
                : state == "pruned" ? s.TellPruned(number)
                                    : s.TellFailed(number);
    if (!st.ok()) return Error(HttpStatus(st) == 400 ? 500 : HttpStatus(st), st.message());
    return {200, json{{"number", number}, {"state", state}, {"value", value ? json(*value) : json(nullptr)}}};
  });
}

Reply StudyService::Report(const std::string& name, int64_t number, const std::string& body) {
  auto j = ParseBody(body, false);
  if (!j.ok()) return Error(j.status());
  if (Status st = OnlyFields(*j, {"step", "value"}); !st.ok()) return Error(st);
  if (!j->contains("step") || !(*j)["step"].is_number_integer() || (*j)["step"].get<int64_t>() < 0)
    return Error(400, "field 'step' must be a whole number >= 0");
  if (!j->contains("value")) return Error(400, "field 'value' (the intermediate value) is required");
  auto v = FiniteNumber(*j, "value");
  if (!v.ok()) return Error(v.status());
  const int64_t step = (*j)["step"].get<int64_t>();
  return Write(name, [&](study::StoredStudy& s) -> Reply {
    if (auto no = NotTellable(s, number, "reported for")) return *no;
    auto prune = s.Report(number, step, *v);
    if (!prune.ok()) return Error(500, prune.status().message());
    return {200, json{{"prune", *prune}}};
  });
}

}  // namespace drover::server
