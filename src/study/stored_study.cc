#include "study/stored_study.h"

#include <cmath>

#include "study/settings.h"
#include "util/clock.h"

namespace drover::study {

using json = nlohmann::json;

Result<StudyRecord> MakeRecord(const StudyDefinition& def) {
  auto space = hpo::Space::FromJson(def.space);
  if (!space.ok()) return space.status();
  auto sampler = NormaliseSampler(def.sampler);
  if (!sampler.ok()) return sampler.status();
  auto pruner = NormalisePruner(def.pruner);
  if (!pruner.ok()) return pruner.status();
  // Build once so that option values the constructors refuse are caught now.
  auto s = MakeSampler(*sampler, static_cast<uint64_t>(def.seed));
  if (!s.ok()) return s.status();
  // A grid is counted now, so that one too large to list is refused here, not at ask.
  if (auto most = MaxTrials(*sampler, *space); !most.ok()) return most.status();
  auto p = MakePruner(*pruner, def.name);
  if (!p.ok()) return p.status();
  StudyRecord rec;
  rec.name = def.name;
  rec.space_json = space->ToJson().dump();
  rec.sampler_json = sampler->dump();
  rec.pruner_json = pruner->dump();
  rec.direction = hpo::ToString(def.direction);
  rec.seed = def.seed;
  rec.created = NowSeconds();
  rec.origin = def.origin;
  return rec;
}

std::vector<std::string> DefinitionDifferences(const StudyRecord& a, const StudyRecord& b) {
  std::vector<std::string> out;
  if (json::parse(a.space_json) != json::parse(b.space_json)) out.push_back("search space");
  if (json::parse(a.sampler_json) != json::parse(b.sampler_json)) out.push_back("sampler");
  if (json::parse(a.pruner_json) != json::parse(b.pruner_json)) out.push_back("pruner");
  if (a.direction != b.direction) out.push_back("direction");
  if (a.seed != b.seed) out.push_back("seed");
  return out;
}

bool SameDefinition(const StudyRecord& a, const StudyRecord& b) { return DefinitionDifferences(a, b).empty(); }

TrialRecord ToRecord(const hpo::Trial& t) {
  json j = hpo::TrialToJson(t);
  TrialRecord r;
  r.number = t.number;
  r.params_json = j["params"].dump();
  r.state = hpo::ToString(t.state);
  r.value = t.value;
  r.intermediate_json = j["intermediate"].dump();
  r.rungs_json = json(t.rungs).dump();
  return r;
}

Result<hpo::Trial> FromRecord(const TrialRecord& r) {
  try {
    json j = {{"number", r.number},
              {"state", r.state},
              {"params", json::parse(r.params_json)},
              {"intermediate", json::parse(r.intermediate_json)},
              {"rungs", json::parse(r.rungs_json)}};
    if (r.value) j["value"] = *r.value;
    return hpo::TrialFromJson(j);
  } catch (const json::exception& e) {
    return Status::Corrupt("trial " + std::to_string(r.number) + ": " + e.what());
  }
}

Result<StudyRecord> StoredStudy::Create(StudyStore* store, const StudyDefinition& def) {
  if (def.name.empty()) return Status::Invalid("a study needs a name");
  auto rec = MakeRecord(def);
  if (!rec.ok()) return rec.status();
  auto id = store->CreateStudy(*rec);
  if (!id.ok()) return id.status();
  rec->id = *id;
  return rec;
}

Result<std::unique_ptr<StoredStudy>> StoredStudy::Load(StudyStore* store,
                                                       const std::string& name) {
  auto found = store->FindStudy(name);
  if (!found.ok()) return found.status();
  if (!*found) {
    auto all = store->ListStudies();
    std::string known;
    if (all.ok())
      for (const auto& s : *all) known += (known.empty() ? "" : ", ") + s.study.name;
    return Status::NotFound("no study '" + name + "' in the store (" +
                            (known.empty() ? "it has none; create one with `drover study create`"
                                           : "studies: " + known) +
                            ")");
  }
  std::unique_ptr<StoredStudy> s(new StoredStudy(store, **found));
  const StudyRecord& r = s->rec_;
  try {
    auto space = hpo::Space::FromJson(json::parse(r.space_json));
    if (!space.ok()) return space.status().With("study '" + name + "'");
    auto n = store->NextNumber(r.id);
    if (!n.ok()) return n.status();
    // The seed moves with the study's size so that processes asking one after
    // another do not draw the same random numbers.
    uint64_t seed = static_cast<uint64_t>(r.seed) ^ (static_cast<uint64_t>(*n) * 0x9E3779B97F4A7C15ull);
    auto sampler = MakeSampler(json::parse(r.sampler_json), seed);
    if (!sampler.ok()) return sampler.status().With("study '" + name + "'");
    auto pruner = MakePruner(json::parse(r.pruner_json), name);
    if (!pruner.ok()) return pruner.status().With("study '" + name + "'");
    auto dir = hpo::ParseDirection(r.direction);
    if (!dir) return Status::Corrupt("study '" + name + "': unknown direction " + r.direction);
    s->study_ = std::make_unique<hpo::Study>(std::move(*space), std::move(*sampler),
                                             std::move(*pruner), *dir, seed);
  } catch (const json::exception& e) {
    return Status::Corrupt("study '" + name + "': " + e.what());
  }
  DROVER_RETURN_IF_ERROR(s->CatchUp());
  return s;
}

Status StoredStudy::CatchUp() {
  auto rows = store_->Trials(rec_.id, static_cast<int64_t>(study_->history().size()));
  if (!rows.ok()) return rows.status();
  for (TrialRecord& r : *rows) {
    auto t = FromRecord(r);
    if (!t.ok()) return t.status();
    DROVER_RETURN_IF_ERROR(study_->Replay(*t).With("study '" + rec_.name + "'"));
    rows_[r.number] = std::move(r);
  }
  return Status::Ok();
}

const TrialRecord* StoredStudy::row(int64_t number) const {
  auto it = rows_.find(number);
  return it == rows_.end() ? nullptr : &it->second;
}

Status StoredStudy::Write(int64_t number, bool insert) {
  const hpo::Trial* t = study_->history().Find(number);
  if (!t) return Status::Internal("no trial " + std::to_string(number));
  TrialRecord& row = rows_[number];
  TrialRecord fresh = ToRecord(*t);
  fresh.job_id = row.job_id;
  fresh.attempt_id = row.attempt_id;
  fresh.started = insert ? NowSeconds() : row.started;
  fresh.ended = t->state == hpo::TrialState::kRunning ? 0 : (row.ended ? row.ended : NowSeconds());
  row = fresh;
  return insert ? store_->InsertTrial(rec_.id, row) : store_->UpdateTrial(rec_.id, row);
}

Result<hpo::Asked> StoredStudy::Ask(int64_t job_id, int64_t attempt_id) {
  DROVER_RETURN_IF_ERROR(CatchUp());
  auto asked = study_->Ask();
  if (!asked.ok()) {
    if (asked.status().code() == Code::kNotFound)
      return Status::NotFound("study '" + rec_.name + "': the sampler has no point left (" +
                              asked.status().message() + ")");
    return asked.status();
  }
  rows_[asked->number].job_id = job_id;
  rows_[asked->number].attempt_id = attempt_id;
  DROVER_RETURN_IF_ERROR(Write(asked->number, true));
  return asked;
}

static Status InStudy(const Status& st, const std::string& name) {
  return st.ok() ? st : st.With("study '" + name + "'");
}

Status StoredStudy::Tell(int64_t number, double value) {
  if (!std::isfinite(value))
    return Status::Invalid("study '" + rec_.name + "': trial " + std::to_string(number) +
                           ": value must be a finite number (tell it failed instead)");
  DROVER_RETURN_IF_ERROR(InStudy(study_->Tell(number, value), rec_.name));
  return Write(number, false);
}

Status StoredStudy::TellPruned(int64_t number) {
  DROVER_RETURN_IF_ERROR(InStudy(study_->TellPruned(number), rec_.name));
  return Write(number, false);
}

Status StoredStudy::TellFailed(int64_t number) {
  DROVER_RETURN_IF_ERROR(InStudy(study_->TellFailed(number), rec_.name));
  return Write(number, false);
}

Result<bool> StoredStudy::Report(int64_t number, int64_t step, double value) {
  if (!std::isfinite(value))
    return Status::Invalid("study '" + rec_.name + "': trial " + std::to_string(number) +
                           ": intermediate value must be a finite number");
  auto prune = study_->Report(number, step, value);
  if (!prune.ok()) return InStudy(prune.status(), rec_.name);
  DROVER_RETURN_IF_ERROR(Write(number, false));
  return *prune;
}

Result<int64_t> StoredStudy::Add(const hpo::Params& params, double value) {
  DROVER_RETURN_IF_ERROR(CatchUp());
  auto n = study_->Add(params, value);
  if (!n.ok()) return InStudy(n.status(), rec_.name);
  DROVER_RETURN_IF_ERROR(Write(*n, true));
  return n;
}

Result<bool> StoredStudy::TakeOutsideTell(int64_t number) {
  const hpo::Trial* t = study_->history().Find(number);
  if (!t || t->state != hpo::TrialState::kRunning) return false;
  auto stored = store_->FindTrial(rec_.id, number);
  if (!stored.ok()) return stored.status();
  if (!*stored || (*stored)->state == "running") return false;
  const TrialRecord& r = **stored;
  Status st = r.state == "complete" && r.value ? study_->Tell(number, *r.value)
              : r.state == "pruned"            ? study_->TellPruned(number)
                                               : study_->TellFailed(number);
  DROVER_RETURN_IF_ERROR(InStudy(st, rec_.name));
  rows_[number] = r;
  return true;
}

Status StoredStudy::Bind(int64_t number, int64_t job_id, int64_t attempt_id) {
  if (!study_->history().Find(number)) return Status::NotFound("no trial " + std::to_string(number));
  rows_[number].job_id = job_id;
  rows_[number].attempt_id = attempt_id;
  return Write(number, false);
}

}  // namespace drover::study
