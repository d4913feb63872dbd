// drover: the command line. A thin layer: parses arguments, calls cli/commands.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <stdexcept>

#include "cli/commands.h"
#include "util/escape.h"

namespace {

// The whole command line; errors come back as exit codes (main turns an exception that
// still escapes into an internal error).
int Main(int argc, char** argv) {
  using namespace drover::cli;
  CLI::App app{"drover: sweeps, HPO and pipelines of ML jobs, planned, reused and run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("drover ") + DROVER_VERSION);
  GlobalOptions g;
  app.add_option("--store", g.store_dir,
                 "folder holding .drover/ (default: nearest above the current folder)");

  RunArgs ra;
  auto* run = app.add_subcommand("run", "plan the workflow, reuse what is done, run the rest");
  auto* plan = app.add_subcommand("plan", "plan the workflow and record its jobs; run nothing");
  auto* recover = app.add_subcommand(
      "recover", "rebuild the store's records of the workflow's finished jobs from their folders");
  for (auto* sc : {run, plan, recover}) {
    sc->add_option("workflow", ra.workflow, "the workflow file")->capture_default_str();
    sc->add_option("--set", ra.sets, "replace an axis's values: --set seed=1,2,3 (repeat for more)")
        ->allow_extra_args(false);
  }
  run->add_option("-j,--jobs", ra.jobs, "jobs at once (default: CPUs)");
  run->add_option("--cpus", ra.cpus, "CPUs jobs may use (default: all)");
  run->add_option("--memory", ra.memory, "memory jobs may use, e.g. 16G (default: all)");
  run->add_option("--gpus", ra.gpus, "GPUs: a count (ids 0..N-1) or ids like 0,3");
  run->add_option("--force", ra.force, "rerun this step and what depends on it (repeat for more)")
      ->allow_extra_args(false);
  run->add_flag("--fail-fast", ra.fail_fast, "stop at the first failed job");
  run->add_option("--executor", ra.executor, "run every step on this executor: local|slurm");
  run->add_flag("-n,--dry-run", ra.dry_run, "print what would run and what is reused");
  run->add_flag("-q,--quiet", ra.quiet, "no per-job lines when not on a terminal");
  run->add_flag("--all", ra.all_steps, "with --dry-run: one row per step (default: grouped past 30)");
  run->add_flag("--explain", ra.explain, "with --dry-run: why each job would run, grouped by reason");

  int runs_limit = 20;
  auto* runs = app.add_subcommand("runs", "the store's latest runs: when, how long, what ran");
  runs->add_option("--limit", runs_limit, "how many runs")->capture_default_str();
  ExplainArgs ea;
  auto* explain = app.add_subcommand("explain", "why a run of the workflow would run a job");
  explain->add_option("job", ea.job, "the job's name (step/axis=value,...) or key")->required();
  explain->add_option("workflow", ea.workflow, "the workflow file")->capture_default_str();
  explain->add_option("--set", ea.sets, "as for run: replace an axis's values")->allow_extra_args(false);
  explain->add_option("--force", ea.force, "as for run: rerun this step")->allow_extra_args(false);


  bool gc_dry_run = false;
  auto* gc = app.add_subcommand(
      "gc", "remove the job folders that no plan of the store reaches, and ended Slurm logs");
  gc->add_flag("-n,--dry-run", gc_dry_run, "say what would be removed; remove nothing");

  std::string workflow;
  auto* status = app.add_subcommand("status", "the latest run: done, failed, running, reused");
  status->add_option("--workflow", workflow, "a workflow's name (default: the latest run)");
  bool all_steps = false;
  status->add_flag("--all", all_steps, "one row per step (default: grouped past 30 steps)");

  std::string step, state;
  auto* jobs = app.add_subcommand("jobs", "list the jobs of the latest run");
  jobs->add_option("--step", step, "only this step");
  jobs->add_option("--state", state, "pending|running|succeeded|failed|skipped|cancelled");
  jobs->add_option("--workflow", workflow, "a workflow's name (default: the latest run)");

  std::string job;
  auto* show = app.add_subcommand("show", "one job: command, parameters, attempts, metrics");
  show->add_option("job", job, "name (WORKFLOW:name for another workflow's), id or key")->required();
  show->add_option("--workflow", workflow, "a workflow's name (default: the latest run)");
  bool only_err = false, only_out = false;
  auto* logs = app.add_subcommand("logs", "one job's stdout and stderr");
  logs->add_option("job", job, "name (WORKFLOW:name for another workflow's), id or key")->required();
  logs->add_option("--workflow", workflow, "a workflow's name (default: the latest run)");
  logs->add_flag("--stderr", only_err, "only stderr");
  logs->add_flag("--stdout", only_out, "only stdout");
  int log_attempt = 0;
  logs->add_option("--attempt", log_attempt, "an earlier attempt's logs (1, 2, ...; default: the latest)");

  std::string metric_name, metric_format = "text";
  auto* metrics = app.add_subcommand("metrics", "one job's metric history: step, value, time");
  metrics->add_option("job", job, "name (WORKFLOW:name for another workflow's), id or key")->required();
  metrics->add_option("--workflow", workflow, "a workflow's name (default: the latest run)");
  metrics->add_option("--name", metric_name, "only this metric");
  metrics->add_option("--format", metric_format, "text|csv|jsonl")->capture_default_str();

  ExportArgs xa;
  auto* export_ = app.add_subcommand(
      "export", "one row per job (axes, state, times, metrics' last values, outputs) as CSV or JSON Lines");
  export_->add_option("--format", xa.format, "csv|jsonl")->capture_default_str();
  export_->add_option("--workflow", xa.workflow, "only this workflow's jobs (default: every workflow's)");
  export_->add_option("--step", xa.step, "only this step's jobs");
  export_->add_option("--run", xa.run, "the jobs this run planned, each with its latest attempt");
  export_->add_flag("--all-runs", xa.all_runs, "every attempt of every run, one row each");
  export_->add_option("-o,--output", xa.output, "write to this file (default: stdout)");

  TableArgs ta;
  auto* table = app.add_subcommand("table", "a results table: a metric over the axes");
  table->add_option("--rows", ta.rows, "axes down the side, comma-separated (default: report.table's)");
  table->add_option("--cols", ta.cols, "axes across, comma-separated");
  table->add_option("--value", ta.value, "the metric (default: report.table's)");
  table->add_option("--agg", ta.agg, "mean|median|max|min|last|std|count over jobs in a cell (default: mean)");
  table->add_option("--spread", ta.spread, "std|sem|minmax beside the value: 0.9123 ± 0.0041 (none: off)");
  table->add_option("--label", ta.labels, "what=shown: renames a value, step or axis as shown (repeatable)")
      ->allow_extra_args(false);
  table->add_option("--format", ta.format, "text|markdown|csv|latex|html (default: text)");
  table->add_option("--step", ta.step, "only jobs of these steps, comma-separated");
  table->add_option("--precision", ta.precision, "digits after the point, 0 to 17 (default: 4)")
      ->check(CLI::Range(0, 17));
  table->add_option("--workflow", ta.workflow, "a workflow's name (default: ./drover.yaml's, else the latest run's)");
  table->add_option("--run", ta.run, "only the jobs of this run (default: each job's latest result)");

  auto* study = app.add_subcommand("study", "HPO studies: create, ask, tell, report, best, trials, list");
  study->require_subcommand(1);
  StudyCreateArgs sc;
  auto* s_create = study->add_subcommand("create", "create a study");
  s_create->add_option("name", sc.name, "the study's name")->required();
  s_create->add_option("--space", sc.space_file, "search space, a JSON or YAML file")->required();
  s_create->add_option("--sampler", sc.sampler, "tpe|random|grid|qmc|cmaes")->capture_default_str();
  s_create->add_option("--sampler-options", sc.sampler_options, "JSON, e.g. '{\"multivariate\": true}'");
  s_create->add_option("--pruner", sc.pruner, "none|median|percentile|asha|hyperband")->capture_default_str();
  s_create->add_option("--pruner-options", sc.pruner_options, "JSON, e.g. '{\"reduction_factor\": 3}'");
  s_create->add_option("--direction", sc.direction, "minimize|maximize")->capture_default_str();
  s_create->add_option("--seed", sc.seed, "seed of the sampler")->capture_default_str();
  std::string s_name;
  auto* s_ask = study->add_subcommand("ask", "start a trial: prints its number and params as JSON");
  s_ask->add_option("name", s_name, "the study")->required();
  StudyTellArgs st;
  auto* s_tell = study->add_subcommand("tell", "finish a trial: its value, or --pruned / --failed");
  s_tell->add_option("name", st.name, "the study")->required();
  s_tell->add_option("number", st.number, "the trial's number")->required();
  s_tell->add_option("value", st.value, "the objective's value");
  s_tell->add_flag("--pruned", st.pruned, "the trial was stopped early");
  s_tell->add_flag("--failed", st.failed, "the trial did not finish");
  s_tell->add_flag("--force", st.force, "also a trial that a workflow's job runs (drover tells those itself)");
  std::string r_number, r_step, r_value;
  auto* s_report = study->add_subcommand("report", "an intermediate value: prints prune or continue");
  s_report->add_option("name", s_name, "the study")->required();
  s_report->add_option("number", r_number, "the trial's number")->required();
  s_report->add_option("step", r_step, "the step (epoch)")->required();
  s_report->add_option("value", r_value, "the value at that step")->required();
  auto* s_best = study->add_subcommand("best", "the best completed trial, as JSON");
  s_best->add_option("name", s_name, "the study")->required();
  std::string t_format = "text";
  auto* s_trials = study->add_subcommand("trials", "every trial of a study");
  s_trials->add_option("name", s_name, "the study")->required();
  s_trials->add_option("--format", t_format, "text|csv|json")->capture_default_str();
  auto* s_list = study->add_subcommand("list", "the studies in the store");
  auto* cancel = app.add_subcommand(
      "cancel", "stop the running drover and cancel the latest run's jobs (local and Slurm)");

  ServeArgs sa;
  auto* serve = app.add_subcommand("serve", "an HTTP server over the store: JSON API, studies, page");
  serve->add_option("--bind", sa.bind, "the address to listen on (beyond loopback: TLS and a token)")
      ->capture_default_str();
  serve->add_option("--port", sa.port, "the port (0: any free port)")->capture_default_str();
  serve->add_option("--tls-cert", sa.tls_cert, "a PEM certificate: serve HTTPS");
  serve->add_option("--tls-key", sa.tls_key, "the PEM private key of --tls-cert");
  serve->add_flag("--insecure", sa.insecure, "allow a non-loopback --bind without TLS");
  serve->add_option("--threads", sa.threads, "worker threads (default: 16)");
  auto* token = app.add_subcommand("token", "access tokens of drover serve: create, list, revoke");
  token->require_subcommand(1);
  std::string token_name, token_role = "read";
  auto* t_create = token->add_subcommand("create", "make a token; prints it once");
  t_create->add_option("name", token_name, "the token's name")->required();
  t_create->add_option("--role", token_role, "read|submit|admin")->capture_default_str();
  auto* t_list = token->add_subcommand("list", "the tokens: name, role, created, last used");
  auto* t_revoke = token->add_subcommand("revoke", "remove a token");
  t_revoke->add_option("name", token_name, "the token's name")->required();

  // A first word that is no option and no command: say so, with the commands there are.
  const std::vector<CLI::App*> commands = app.get_subcommands([](CLI::App*) { return true; });
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(commands.begin(), commands.end(),
                   [&](const CLI::App* c) { return c->get_name() == argv[1]; })) {
    std::string names;
    for (const CLI::App* sub : commands) names += (names.empty() ? "" : ", ") + sub->get_name();
    std::fprintf(stderr, "drover: unknown command '%s' (commands: %s; drover --help says more)\n",
                 argv[1], names.c_str());
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and the usage hint
    return 2;     // bad input, as for every other command-line error
  }
  if (*study) {
    if (*s_create) return StudyCreate(g, sc);
    if (*s_ask) return StudyAsk(g, s_name);
    if (*s_tell) return StudyTell(g, st);
    if (*s_report) return StudyReport(g, s_name, r_number, r_step, r_value);
    if (*s_best) return StudyBest(g, s_name);
    if (*s_trials) return StudyTrials(g, s_name, t_format);
    if (*s_list) return StudyList(g);
  }
  if (*serve) return ServeCmd(g, sa);
  if (*token) {
    if (*t_create) return TokenCreate(g, token_name, token_role);
    if (*t_list) return TokenList(g);
    if (*t_revoke) return TokenRevoke(g, token_name);
  }
  if (*run) return Run(g, ra);
  if (*plan) {
    ra.plan_only = true;
    return Run(g, ra);
  }
  if (*status) return StatusCmd(g, workflow, all_steps);
  if (*jobs) return Jobs(g, step, state, workflow);
  if (*show) return Show(g, job, workflow);
  if (*logs) return Logs(g, job, workflow, only_err, only_out, log_attempt);
  if (*table) return TableCmd(g, ta);
  if (*export_) return ExportCmd(g, xa);
  if (*metrics) return MetricsCmd(g, job, workflow, metric_name, metric_format);
  if (*cancel) return CancelCmd(g);
  if (*recover) return Recover(g, ra);
  if (*gc) return GcCmd(g, gc_dry_run);
  if (*runs) return RunsCmd(g, runs_limit);
  if (*explain) return ExplainCmd(g, ea);
  return 2;
}

// An exception that escaped every layer is a bug (errors are values): say so and exit 70
// (EX_SOFTWARE), never abort with a core dump. Writes with write(2) only, so that it also
// works from the terminate handler.
[[noreturn]] void InternalError(std::exception_ptr e) {
  std::string what = "an unknown exception";
  try {
    if (e) std::rethrow_exception(e);
    what = "terminate called without an exception";
  } catch (const std::bad_alloc&) {
    what = "out of memory";
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
  }
  std::string line = "drover: internal error: " + drover::Escape(what) + ", please report it\n";
  ssize_t ignored = ::write(2, line.data(), line.size());
  (void)ignored;
  std::_Exit(70);
}

// For the test suite only, and not shown anywhere: DROVER_TEST_INTERNAL_ERROR=bad_alloc,
// =exception or =other throws that before anything else, so that a test can see the
// handler turn it into exit 70 and a message.
void MaybeThrowForTest() {
  const char* kind = std::getenv("DROVER_TEST_INTERNAL_ERROR");
  if (kind == nullptr) return;
  const std::string k = kind;
  if (k == "bad_alloc") throw std::bad_alloc();
  if (k == "exception") throw std::runtime_error("a test exception");
  if (k == "other") throw 42;
}

}  // namespace

int main(int argc, char** argv) {
  // Also for an exception thrown where it cannot be caught here (a noexcept function).
  std::set_terminate([] { InternalError(std::current_exception()); });
  try {
    MaybeThrowForTest();
    return Main(argc, argv);
  } catch (...) {
    InternalError(std::current_exception());
  }
}
