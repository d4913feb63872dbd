// StudyStore: the HPO studies and trials of the store (schema version 2).
//
// A study is a name, a search space, sampler and pruner settings (JSON), a
// direction and a seed; its trials are numbered densely from 0 in ask order.
// The store knows nothing of samplers: settings, params and intermediate values
// are kept as the JSON text the caller gives (study/ turns them into objects).
//
// Transactions are the caller's, through the owning Store (Begin/Commit): a
// process that asks does Begin (BEGIN IMMEDIATE: the write lock, waiting for
// other writers), reads the trials, inserts the next number, Commit. Numbers are
// also protected by the table's primary key (study, number): a duplicate is an
// error, never a second row. Obtained from Store::studies(); same thread rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace drover {

struct StudyRecord {
  int64_t id = 0;
  std::string name;
  std::string space_json;    // hpo::Space JSON
  std::string sampler_json;  // {"name": "tpe", ...options}
  std::string pruner_json;   // {"name": "asha", ...options} or {"name": "none"}
  std::string direction;     // minimize | maximize
  int64_t seed = 0;
  double created = 0;
  std::string origin;        // a workflow's study: the key of its first trial slot ("": none)
};

struct TrialRecord {
  int64_t number = 0;
  std::string params_json;         // {"lr": 0.01, "opt": "adam"}
  std::string state;               // running | complete | pruned | failed
  std::optional<double> value;     // set when complete
  std::string intermediate_json = "[]";  // [[step, value], ...]
  std::string rungs_json = "[]";   // pruner bookkeeping (hpo::Trial::rungs)
  int64_t job_id = 0;              // the job running it (0: none, e.g. the service)
  int64_t attempt_id = 0;
  double started = 0;
  double ended = 0;                // 0 while running
};

// Per-state trial counts of a study, for listings.
struct StudySummary {
  StudyRecord study;
  int64_t running = 0, complete = 0, pruned = 0, failed = 0;
};

class StudyStore {
 public:
  virtual ~StudyStore() = default;

  // Inserts a new study; kInvalid when the name is taken. Returns its id.
  virtual Result<int64_t> CreateStudy(const StudyRecord& s) = 0;
  virtual Result<std::optional<StudyRecord>> FindStudy(const std::string& name) = 0;
  virtual Result<std::vector<StudySummary>> ListStudies() = 0;
  // Renames a study (kInvalid when the new name is taken) / sets its origin.
  virtual Status RenameStudy(int64_t study_id, const std::string& name) = 0;
  virtual Status SetStudyOrigin(int64_t study_id, const std::string& origin) = 0;

  // Trials of a study with number >= from, in number order.
  virtual Result<std::vector<TrialRecord>> Trials(int64_t study_id, int64_t from = 0) = 0;
  virtual Result<std::optional<TrialRecord>> FindTrial(int64_t study_id, int64_t number) = 0;
  // How many trials of a study are finished (complete, pruned or failed): a process that
  // keeps a study in memory compares it with its own count to see others' tells.
  virtual Result<int64_t> CountFinished(int64_t study_id) = 0;
  // A number that changes when another connection commits to the store (SQLite's
  // data_version; this connection's own commits leave it): while it stays, nothing that
  // a process keeping studies in memory loaded has changed underneath it.
  virtual Result<int64_t> DataVersion() = 0;
  // 1 + the largest trial number (0 for a study without trials).
  virtual Result<int64_t> NextNumber(int64_t study_id) = 0;
  // Inserts trial t.number; an existing number is an error (kInvalid).
  virtual Status InsertTrial(int64_t study_id, const TrialRecord& t) = 0;
  // Rewrites everything but the number of trial t.number.
  virtual Status UpdateTrial(int64_t study_id, const TrialRecord& t) = 0;
  // The newest trial (any state) a job ran, with its study's name; nullopt if none.
  virtual Result<std::optional<std::pair<std::string, TrialRecord>>> LatestTrialOfJob(
      int64_t job_id) = 0;
  // The running trial bound to a job, if any (the newest when several).
  virtual Result<std::optional<TrialRecord>> RunningTrialOfJob(int64_t study_id,
                                                               int64_t job_id) = 0;
};

}  // namespace drover
