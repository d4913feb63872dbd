// The store: drover's single source of truth (workflows, runs, jobs, attempts,
// metrics, artifacts, events). SQLite in WAL mode at .drover/drover.db is the
// embedded implementation; a team server could implement the same interface over
// PostgreSQL. Nothing outside store/ writes SQL.
//
// One writer (the engine thread) and many readers (status, table, ...). Writes are
// grouped by the caller into transactions (a Transaction guard below), one per
// event-loop iteration. A Store object is not thread-safe.
//
// The WAL is checkpointed into drover.db when it passes a few MiB (and its file cut
// back to kWalSizeLimit) and by Checkpoint(), which `drover run` calls when it starts and
// ends: so a lost -wal file after a crash loses at most the latest changes, which
// `drover recover` rebuilds from the job folders.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace drover {

enum class JobState { kPending, kRunning, kSucceeded, kFailed, kSkipped, kCancelled };
enum class AttemptState { kRunning, kSucceeded, kFailed, kRequeued, kCancelled, kLost };

const char* JobStateName(JobState s);
const char* AttemptStateName(AttemptState s);
std::optional<JobState> ParseJobState(const std::string& s);
std::optional<AttemptState> ParseAttemptState(const std::string& s);

// A planned job as the store keeps it.
struct JobRecord {
  std::string key;
  std::string step;
  std::string name;         // "train/task=digits,seed=0"
  std::string params_json;  // {"task":"digits","seed":"0"}
  std::string command;
  std::string dir;          // the job directory, relative to the store's root
};

// What the store already knew about a planned job when a run started.
struct KnownJob {
  int64_t id = 0;
  JobState state = JobState::kPending;
  bool is_new = false;      // LookupJobs only: the store has never seen this key
};

struct AttemptRecord {
  int64_t id = 0;
  int64_t job_id = 0;
  int number = 0;           // 1-based, per job
  std::string executor;
  std::string handle;       // local: the wrapper's pid
  AttemptState state = AttemptState::kRunning;
  int exit_code = -1;
  int term_signal = 0;
  double started = 0;
  double ended = 0;
  double user_s = 0;
  double sys_s = 0;
  int64_t max_rss_kb = 0;
  std::string host;
  std::string reason;       // why it failed / was requeued, in words
};

struct MetricRecord {
  std::string name;
  double value = 0;
  std::optional<int64_t> step;
  double time = 0;
};

struct ArtifactRecord {
  std::string path;         // relative to the store's root
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;
};

struct RunRecord {
  int64_t id = 0;
  std::string workflow;
  double started = 0;
  double ended = 0;
  std::string state;        // running | succeeded | failed | interrupted | crashed | planned | cancelled
  std::string summary_json;
};

// A job joined with what the reports need.
struct JobRow {
  int64_t id = 0;
  JobRecord rec;
  JobState state = JobState::kPending;
  int attempts = 0;
  int64_t run_id = 0;
};

// One metric value of one job, for tables.
struct MetricPoint {
  int64_t job_id = 0;
  std::string step;         // the job's step
  std::string params_json;
  double value = 0;
};

// One job as `drover gc` weighs its folder (engine/gc.h).
struct JobFolderRow {
  int64_t id = 0;
  int64_t workflow_id = 0;
  std::string name;         // step and axis values: "train/seed=0"
  std::string dir;          // relative to the store's root
  JobState state = JobState::kPending;
  int64_t run_id = 0;       // the latest run that planned it
  bool trial = false;       // an HPO study's trial names it
};

// A job whose latest attempt succeeded, with that attempt (report/results.h).
struct SucceededJob {
  JobRow job;               // run_id: the latest run that planned it
  AttemptRecord attempt;    // the job's latest attempt
};

class StudyStore;
class HistoryStore;

class Store {
 public:
  virtual ~Store() = default;

  // Prefer a Transaction guard to calling these by hand.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
  // Copies the WAL into drover.db and empties it (waiting a while for readers). Not in a
  // transaction.
  virtual Status Checkpoint() = 0;

  // --- runs and jobs -------------------------------------------------------
  // Creates (or finds) the workflow and starts a run. Own transaction.
  virtual Result<int64_t> StartRun(const std::string& workflow, const std::string& path,
                                   const std::string& argv_json) = 0;
  virtual Status FinishRun(int64_t run_id, const std::string& state,
                           const std::string& summary_json) = 0;
  // Inserts the jobs not yet known, marks all as planned by `run_id`, and returns
  // what was known of each (same order). Call inside a transaction.
  virtual Status SyncJobs(int64_t run_id, const std::vector<JobRecord>& jobs,
                          std::vector<KnownJob>* known) = 0;
  // Read-only variant for dry runs: state of jobs by key (is_new when unknown).
  virtual Status LookupJobs(const std::vector<JobRecord>& jobs,
                            std::vector<KnownJob>* known) = 0;
  virtual Status SetJobState(int64_t job_id, JobState state) = 0;
  // A job the engine derived at run time from planned job `planned_id` (a partial
  // gather, or a job downstream of one: engine/loop.h): inserts `rec` unless its key is
  // known, makes it the run's job of that name in place of the planned one, and returns
  // what was known of it. Call inside a transaction.
  virtual Status PlanDerivedJob(int64_t run_id, int64_t planned_id, const JobRecord& rec,
                                KnownJob* known) = 0;
  // A partial gather's job records the upstream jobs it ran without as a "partial"
  // event (detail: their names, space separated). JobMissing: those of one job, or
  // nullopt when it had all it gathers (drover show). PartialJobs: every such job of
  // the store, by job id, in one pass (tables mark the cells of these jobs).
  virtual Result<std::optional<std::string>> JobMissing(int64_t job_id) = 0;
  virtual Result<std::unordered_map<int64_t, std::string>> PartialJobs() = 0;

  // --- attempts ------------------------------------------------------------
  virtual Result<int64_t> InsertAttempt(const AttemptRecord& a) = 0;
  virtual Status UpdateAttempt(const AttemptRecord& a) = 0;  // by a.id
  // The latest attempt of a job, if any.
  virtual Result<std::optional<AttemptRecord>> LatestAttempt(int64_t job_id) = 0;
  virtual Result<std::vector<AttemptRecord>> Attempts(int64_t job_id) = 0;
  // Every attempt still marked running (to adopt after a restart).
  virtual Result<std::vector<AttemptRecord>> RunningAttempts() = 0;
  // Counts of a job's attempts by kind, for retry and requeue budgets.
  virtual Status CountAttempts(int64_t job_id, int* failures, int* requeues) = 0;

  // Calls fn(step, name, seconds) for every succeeded attempt of the workflow's jobs,
  // of all runs and keys (the scheduler's duration estimates). One query over the
  // attempts; the views are valid during the call only.
  using DurationFn =
      std::function<void(std::string_view step, std::string_view name, double seconds)>;
  virtual Status ForEachSucceededDuration(const std::string& workflow, const DurationFn& fn) = 0;

  // --- outputs, metrics, events ----------------------------------------------
  virtual Status ReplaceArtifacts(int64_t job_id, const std::vector<ArtifactRecord>& a) = 0;
  virtual Result<std::vector<ArtifactRecord>> Artifacts(int64_t job_id) = 0;
  virtual Status ReplaceMetrics(int64_t job_id, int64_t attempt_id,
                                const std::vector<MetricRecord>& m) = 0;
  virtual Result<std::vector<MetricRecord>> Metrics(int64_t job_id) = 0;
  virtual Status AddEvent(int64_t run_id, int64_t job_id, const std::string& kind,
                          const std::string& detail) = 0;

  // --- reading -------------------------------------------------------------
  // The latest run (of `workflow`, or of any workflow when empty).
  virtual Result<std::optional<RunRecord>> LatestRun(const std::string& workflow) = 0;
  // Jobs planned by a run, optionally filtered by step and state.
  virtual Result<std::vector<JobRow>> JobsOfRun(int64_t run_id, const std::string& step,
                                                std::optional<JobState> state) = 0;
  // Finds a job by id, key (or a unique key prefix of 6+ digits) or exact name, in
  // the given run first.
  virtual Result<JobRow> FindJob(int64_t run_id, const std::string& ref) = 0;
  // The last value of `metric` of every succeeded job of a run.
  virtual Result<std::vector<MetricPoint>> LastMetricValues(int64_t run_id,
                                                            const std::string& metric) = 0;
  // Every succeeded job of `workflow` (every key, every run) whose latest attempt
  // succeeded, with that attempt, ordered by name and then by the attempt's end; with
  // run_id > 0, only the jobs that run planned (the latest run to plan each job).
  virtual Result<std::vector<SucceededJob>> SucceededJobs(const std::string& workflow,
                                                          int64_t run_id) = 0;
  // The run with this id (of any workflow), if recorded.
  virtual Result<std::optional<RunRecord>> RunById(int64_t id) = 0;
  // The absolute path of the file last run as `workflow` ("" when none was).
  virtual Result<std::string> WorkflowPath(const std::string& workflow) = 0;
  // How many jobs have at least one attempt (each has had a job folder made).
  virtual Result<int64_t> CountJobsWithAttempts() = 0;
  // Every job the store knows, in id order, for `drover gc`.
  virtual Result<std::vector<JobFolderRow>> JobFolders() = 0;
  // HPO studies and trials, on the same connection and in the same transactions
  // (store/study_store.h). Owned by the store.
  virtual StudyStore* studies() = 0;
  // Runs and key ingredients (store/history.h), on the same connection. Owned by the store.
  virtual HistoryStore* history() = 0;
  // The folder holding .drover (jobs' dirs are relative to it).
  virtual const std::string& root() const = 0;
};

// A write transaction, begun by Begin() and ended by Commit(). One still open when the
// guard goes away (an early return on an error, a failed commit) is rolled back. The
// store must outlive the guard.
class Transaction {
 public:
  explicit Transaction(Store* store) : store_(store) {}
  ~Transaction() { Rollback(); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();
  Status Commit();
  // Rolls back now, if open (the destructor does the same).
  void Rollback();
  bool open() const { return open_; }

 private:
  Store* store_;
  bool open_ = false;
};

// How a command uses the store.
enum class StoreAccess {
  kWrite,     // creates the store if needed and migrates its schema
  // Never writes: the store must exist with this build's schema. Works on a read-only
  // file system too (where changes still in the -wal file are not seen).
  kReadOnly,
};

// Opens the SQLite store under `root`/.drover/ (drover.db), migrating its schema to the
// current version when writing. A newer, unknown schema version is an error.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& root,
                                               StoreAccess access = StoreAccess::kWrite);

// The WAL file's size after a checkpoint resets it.
inline constexpr int64_t kWalSizeLimit = int64_t{16} << 20;

// The schema version this build writes.
int StoreSchemaVersion();

}  // namespace drover
