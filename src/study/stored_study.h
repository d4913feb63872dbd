// StoredStudy: an hpo::Study kept in the store. Loading replays the stored
// trials into a fresh sampler (once per process); every change is written back
// as it happens. The caller holds the store's transaction around each call
// (Store::Begin ... Commit), which is what makes many processes safe on one
// study: BEGIN IMMEDIATE serialises them, and each Ask first catches up with the
// trials others added, so numbers stay dense and unique.
//
// Trials told by other processes after this one loaded keep the state it saw,
// with one exception: a running trial that another process finished (`drover study
// tell --force` on a workflow's trial) is taken over by TakeOutsideTell, which the
// engine calls before it tells or reports, so that it never writes over that result.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hpo/study.h"
#include "store/study_store.h"
#include "util/status.h"

namespace drover::study {

// What makes a study; everything but the name is checked by Create.
struct StudyDefinition {
  std::string name;
  nlohmann::json space;                   // hpo::Space JSON
  nlohmann::json sampler = "tpe";         // see settings.h
  nlohmann::json pruner = "none";
  hpo::Direction direction = hpo::Direction::kMinimize;
  int64_t seed = 0;
  std::string origin;                     // a workflow's study: what it measures (StudyRecord)
};

// The record a definition is stored as (normalised settings); kInvalid on a bad
// space, sampler or pruner.
Result<StudyRecord> MakeRecord(const StudyDefinition& def);
// Whether two records define the same study (space, settings, direction, seed).
bool SameDefinition(const StudyRecord& a, const StudyRecord& b);
// What differs between two definitions: "search space", "sampler", "pruner", "direction", "seed".
std::vector<std::string> DefinitionDifferences(const StudyRecord& a, const StudyRecord& b);

class StoredStudy {
 public:
  StoredStudy(const StoredStudy&) = delete;
  StoredStudy& operator=(const StoredStudy&) = delete;

  // Creates the study (kInvalid when the name is taken or the definition is bad).
  static Result<StudyRecord> Create(StudyStore* store, const StudyDefinition& def);
  // Loads a study by name: kNotFound names the studies that exist.
  static Result<std::unique_ptr<StoredStudy>> Load(StudyStore* store, const std::string& name);

  // A new running trial (job_id/attempt_id 0 when none runs it).
  Result<hpo::Asked> Ask(int64_t job_id = 0, int64_t attempt_id = 0);
  Status Tell(int64_t number, double value);
  Status TellPruned(int64_t number);
  Status TellFailed(int64_t number);
  // Records an intermediate value; true when the pruner says stop.
  Result<bool> Report(int64_t number, int64_t step, double value);
  // A finished trial from elsewhere (warm start); returns its number.
  Result<int64_t> Add(const hpo::Params& params, double value);
  // Records which job attempt runs a trial.
  Status Bind(int64_t number, int64_t job_id, int64_t attempt_id);
  // Replays trials other processes added since the last load.
  Status CatchUp();
  // If trial `number` runs here but the store has it finished (told by another
  // process), takes that outcome into this study without writing, and returns true.
  Result<bool> TakeOutsideTell(int64_t number);

  const StudyRecord& record() const { return rec_; }
  const hpo::Study& study() const { return *study_; }
  const TrialRecord* row(int64_t number) const;

 private:
  StoredStudy(StudyStore* store, StudyRecord rec) : store_(store), rec_(std::move(rec)) {}
  Status Write(int64_t number, bool insert);

  StudyStore* store_;
  StudyRecord rec_;
  std::unique_ptr<hpo::Study> study_;
  std::map<int64_t, TrialRecord> rows_;  // job/attempt/time columns by number
};

// The trial as stored (params, state, value, intermediate values, rungs).
TrialRecord ToRecord(const hpo::Trial& t);
Result<hpo::Trial> FromRecord(const TrialRecord& r);

}  // namespace drover::study
