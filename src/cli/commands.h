// The drover command's subcommands. Each returns the process exit code:
// 0 success, 1 a job failed (or a query found nothing), 2 bad input, 130 interrupted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace drover {
class Plan;
class Store;
struct JobRow;
struct RunOptions;
}  // namespace drover

namespace drover::cli {

struct GlobalOptions {
  std::string store_dir;  // --store; "" = nearest .drover above the current folder, or here
};

struct RunArgs {
  std::string workflow = "drover.yaml";
  std::vector<std::string> sets;
  std::vector<std::string> force;
  int jobs = 0;
  double cpus = 0;
  std::string memory;
  std::string gpus;     // "2" or "0,3"
  std::string executor; // --executor local|slurm: every step runs there ("": as the file says)
  bool fail_fast = false;
  bool dry_run = false;
  bool quiet = false;
  bool plan_only = false;  // `drover plan`: plan and store the jobs, run nothing
  bool all_steps = false;  // --dry-run --all: one row per step, however many
  bool explain = false;    // --dry-run --explain: why each job would run
};

struct ExplainArgs {
  std::string job;                   // a name (step/axis=value,...) or a key prefix
  std::string workflow = "drover.yaml";
  std::vector<std::string> sets, force;
};

// drover table: each "" (and precision -1) takes the workflow's report.table, else the
// defaults (mean, text, 4 digits).
struct TableArgs {
  std::string rows, cols, value, agg, format, step, workflow, spread;
  std::vector<std::string> labels;  // what=shown
  int precision = -1;
  int64_t run = 0;                  // > 0: that run's view
};

struct StudyCreateArgs {
  std::string name, space_file, sampler = "tpe", sampler_options, pruner = "none",
      pruner_options, direction = "minimize";
  int64_t seed = 0;
};

struct StudyTellArgs {
  std::string name, number, value;
  bool pruned = false, failed = false;
  bool force = false;  // also a trial that a workflow's job runs
};

int Run(const GlobalOptions& g, const RunArgs& a);
// drover study ... (study_cmds.cc)
int StudyCreate(const GlobalOptions& g, const StudyCreateArgs& a);
int StudyAsk(const GlobalOptions& g, const std::string& name);
int StudyTell(const GlobalOptions& g, const StudyTellArgs& a);
int StudyReport(const GlobalOptions& g, const std::string& name, const std::string& number,
                const std::string& step, const std::string& value);
int StudyBest(const GlobalOptions& g, const std::string& name);
int StudyTrials(const GlobalOptions& g, const std::string& name, const std::string& format);
int StudyList(const GlobalOptions& g);
// `all`: one row per step, however many (otherwise grouped past 30 steps: report/step_rows.h).
int StatusCmd(const GlobalOptions& g, const std::string& workflow, bool all = false);
// workflow: its latest run ("" : the latest run of any workflow in the store); a job may
// also be named WORKFLOW:step/axes.
int Jobs(const GlobalOptions& g, const std::string& step, const std::string& state,
         const std::string& workflow);
int Show(const GlobalOptions& g, const std::string& job, const std::string& workflow);
// attempt 0: the latest; an earlier one's logs are kept in the job's attempts/ folder.
int Logs(const GlobalOptions& g, const std::string& job, const std::string& workflow, bool stderr_only,
         bool stdout_only, int attempt = 0);
int TableCmd(const GlobalOptions& g, const TableArgs& a);

// Comma-separated option values are split by drover::SplitCommas (report/workflow_table.h).
}  // namespace drover::cli

namespace drover {
class Plan;
class Store;
struct TableSpec;
struct Workflow;
}  // namespace drover

namespace drover::cli {
// The workflow's table as text (table_cmd.cc): `plan` is the plan of its file as written,
// each job filled with its latest result (of run `run_id` only, when > 0).
Result<std::string> WorkflowTable(const Plan& plan, Store* store, const TableSpec& spec,
                                  int64_t run_id);
// After a run: prints the workflow's report: table and writes it to its path. `as_written`
// is the run's plan when it is the whole file's (no --set), else null and the file is
// planned again as written.
Status WriteReport(const Workflow& wf, const Plan* as_written, Store* store);
// Stops the running `drover run` of this store (which cancels its jobs), then cancels
// the attempts of the latest run still recorded as running (scancel, signals).
int CancelCmd(const GlobalOptions& g);
// Records the workflow's jobs whose folders hold results the store lost (recover_cmd.cc).
int Recover(const GlobalOptions& g, const RunArgs& a);
// Removes the job folders no plan of the store reaches and ended Slurm arrays' files
// (engine/gc.h); with dry_run, only says what it would remove (gc_cmd.cc).
int GcCmd(const GlobalOptions& g, bool dry_run);

// One job's metric history, as text (step, value, time), csv or jsonl; only metric `name`
// when given (results_cmds.cc).
int MetricsCmd(const GlobalOptions& g, const std::string& job, const std::string& workflow,
               const std::string& name, const std::string& format);
// drover export: one row per job in long format (report/export.h). workflow, step: only
// those ("" any); run > 0: the jobs that run planned; all_runs: every attempt; output: a
// file written atomically ("" stdout).
struct ExportArgs {
  std::string format = "csv", workflow, step, output;
  int64_t run = 0;
  bool all_runs = false;
};
int ExportCmd(const GlobalOptions& g, const ExportArgs& a);
// The store and the job `ref` names, in (or before) the latest run of `workflow` (any
// workflow when empty); "WORKFLOW:step/axes" names the workflow too (query_cmds.cc).
Status FindJobRef(const GlobalOptions& g, const std::string& ref, const std::string& workflow,
                  std::unique_ptr<Store>* store, JobRow* job);

// drover runs: the `limit` latest runs with their counts (history_cmds.cc).
int RunsCmd(const GlobalOptions& g, int limit);
// drover explain JOB: why a run of the workflow would run that job, or that it reuses it.
int ExplainCmd(const GlobalOptions& g, const ExplainArgs& a);
// run --dry-run --explain: prints why the plan's jobs would run, grouped by reason.
int PrintExplanations(const Plan& plan, Store* store, const RunOptions& opts);

// drover serve (serve_cmd.cc): the HTTP server over the store, until Ctrl-C or SIGTERM.
struct ServeArgs {
  std::string bind = "127.0.0.1";
  int port = 8765;                // 0: any free port (the URL printed says which)
  std::string tls_cert, tls_key;  // PEM files: HTTPS
  bool insecure = false;          // a non-loopback bind without TLS
  int threads = 0;                // worker threads (0: the default)
};
int ServeCmd(const GlobalOptions& g, const ServeArgs& a);
// drover token create|list|revoke (token_cmds.cc): create prints the new token once.
int TokenCreate(const GlobalOptions& g, const std::string& name, const std::string& role);
int TokenList(const GlobalOptions& g);
int TokenRevoke(const GlobalOptions& g, const std::string& name);

// Prints "drover: <message>" to stderr; returns 2 for bad input, 1 otherwise.
int Fail(const Status& st);

// Finds the store root for commands that read it.
std::string StoreRoot(const GlobalOptions& g);
// Opens the store at StoreRoot(g) read-only; NotFound, saying what to do, when there is none.
Result<std::unique_ptr<Store>> OpenStoreToRead(const GlobalOptions& g);

}  // namespace drover::cli
