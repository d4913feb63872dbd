// The engine against a fake executor: scheduling order, resource limits, retries,
// requeues and failure propagation, without starting processes. The real executor
// is covered by tests/integration.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "engine/engine.h"
#include "engine/printer.h"
#include "engine/study_driver.h"
#include "spec/parser.h"
#include "util/fs.h"

namespace drover {
namespace {

// Completes every submitted attempt on the next Wait() with the exit code that
// `outcome(job_dir, attempt)` gives; records the order and the peak concurrency.
class FakeExecutor : public Executor {
 public:
  std::function<int(const std::string&, int)> outcome = [](const std::string&, int) {
    return 0;
  };
  // How long each job "ran" (status.json's ended - started), by DROVER_JOB_NAME.
  std::function<double(const std::string&)> seconds = [](const std::string&) { return 1.0; };
  std::vector<std::string> order;  // DROVER_JOB_NAME of each submit
  std::vector<std::vector<std::string>> envs;
  size_t peak = 0;
  std::map<std::string, std::vector<std::string>> groups;  // name -> step names
  std::map<std::string, size_t> group_peak;                 // name -> peak running

  std::string name() const override { return "fake"; }
  Status Submit(const LaunchRequest& req, std::string* handle) override {
    std::string name, attempt;
    for (const auto& e : req.env) {
      if (e.rfind("DROVER_JOB_NAME=", 0) == 0) name = e.substr(16);
      if (e.rfind("DROVER_ATTEMPT=", 0) == 0) attempt = e.substr(15);
    }
    order.push_back(name);
    envs.push_back(req.env);
    pending_.push_back({req.attempt_id, req.job_dir, std::stoi(attempt), name});
    peak = std::max(peak, pending_.size());
    for (const auto& [group, steps] : groups) {  // running jobs of these steps at once
      size_t n = 0;
      for (const P& q : pending_)
        n += std::count(steps.begin(), steps.end(), q.name.substr(0, q.name.find('/')));
      group_peak[group] = std::max(group_peak[group], n);
    }
    *handle = "fake-" + std::to_string(req.attempt_id);
    return Status::Ok();
  }
  std::vector<size_t> batches;     // size of each SubmitMany call
  std::vector<std::string> executors;  // LaunchRequest::executor of each submit
  std::vector<Status> SubmitMany(const std::vector<LaunchRequest>& reqs,
                                 std::vector<std::string>* handles) override {
    batches.push_back(reqs.size());
    for (const auto& r : reqs) executors.push_back(r.executor);
    return Executor::SubmitMany(reqs, handles);
  }
  AdoptResult Adopt(int64_t, const std::string&, const std::string&, Completion*) override {
    return AdoptResult::kGone;
  }
  void Wait(int, std::vector<Completion>* out) override {
    if (pending_.empty()) return;
    auto p = pending_.front();  // one completion per wait: exercises the loop
    pending_.erase(pending_.begin());
    Completion c;
    c.attempt_id = p.id;
    c.has_status = true;
    c.status.exit_code = outcome(p.dir, p.attempt);
    c.status.started = 1;
    c.status.ended = 1 + seconds(p.name);
    out->push_back(c);
  }
  void Cancel(int64_t) override {}
  void KillAll() override {}
  size_t running() const override { return pending_.size(); }

 private:
  struct P {
    int64_t id;
    std::string dir;
    int attempt;
    std::string name;
  };
  std::vector<P> pending_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/engine_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_TRUE(MakeDirs(dir_).ok());
  }
  RunSummary Run(const std::string& yaml, RunOptions opts = {}) {
    auto wf = ParseWorkflow(yaml, dir_ + "/drover.yaml");
    EXPECT_TRUE(wf.ok()) << wf.status().message();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
    auto plan = BuildPlan(*wf_, {dir_});
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::make_unique<Plan>(std::move(*plan));
    auto store = OpenSqliteStore(dir_);
    EXPECT_TRUE(store.ok());
    store_ = std::move(*store);
    auto run = store_->StartRun(wf_->name, wf_->path, "[]");
    FILE* devnull = fopen("/dev/null", "w");
    Printer printer(devnull, false, false);
    auto sum = RunPlan(*plan_, store_.get(), &exec_, &printer, opts, *run);
    fclose(devnull);
    EXPECT_TRUE(sum.ok()) << sum.status().message();
    return sum.ok() ? *sum : RunSummary{};
  }
  std::string dir_;
  std::unique_ptr<Workflow> wf_;
  std::unique_ptr<Plan> plan_;
  std::unique_ptr<Store> store_;
  FakeExecutor exec_;
};

TEST_F(EngineTest, RemoteStepsGoOutInOneBatchOutsideTheLocalLimits) {
  RunOptions o;
  o.max_jobs = 1;
  o.cpus = 1;
  auto s = Run(R"(
axes: {i: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}
steps:
  sweep:
    over: [i]
    executor: slurm
    resources: {cpus: 64, memory: 1T}
    run: "true"
  local:
    over: [i]
    after: [sweep]
    run: "true"
)",
               o);
  EXPECT_EQ(s.succeeded, 24);
  ASSERT_FALSE(exec_.batches.empty());
  EXPECT_EQ(exec_.batches[0], 12u);  // every ready sweep job in one call
  for (size_t i = 1; i < exec_.batches.size(); ++i) EXPECT_EQ(exec_.batches[i], 1u);  // -j 1
  EXPECT_EQ(std::count(exec_.executors.begin(), exec_.executors.end(), "slurm"), 12);
  EXPECT_EQ(std::count(exec_.executors.begin(), exec_.executors.end(), "local"), 12);
  // Each attempt's handle was recorded with its executor's name.
  auto job = store_->FindJob(1, "sweep/i=3");
  ASSERT_TRUE(job.ok());
  auto atts = store_->Attempts(job->id);
  ASSERT_TRUE(atts.ok());
  ASSERT_EQ(atts->size(), 1u);
  EXPECT_EQ((*atts)[0].executor, "slurm");
  EXPECT_EQ((*atts)[0].handle.rfind("fake-", 0), 0u);
}

TEST_F(EngineTest, PriorityThenLongestPathFirst) {
  RunOptions o;
  o.max_jobs = 1;
  auto s = Run(R"(
steps:
  leaf: {run: "true"}
  chain1: {run: "true"}
  chain2: {run: "true", after: [chain1]}
  urgent: {run: "true", priority: 5}
)", o);
  EXPECT_EQ(s.succeeded, 4);
  ASSERT_EQ(exec_.order.size(), 4u);
  EXPECT_EQ(exec_.order[0], "urgent");
  EXPECT_EQ(exec_.order[1], "chain1");  // longest remaining path
}

TEST_F(EngineTest, HistoryStartsTheLongJobFirstThoughItIsLastInTheFile) {
  exec_.seconds = [](const std::string& name) { return name == "s/i=3" ? 100.0 : 1.0; };
  RunOptions o;
  o.max_jobs = 1;
  const std::string yaml =
      "axes: {i: [0, 1, 2, 3]}\nsteps:\n  s: {over: [i], run: 'true', env: {V: 'X'}}\n";
  EXPECT_EQ(Run(yaml, o).succeeded, 4);
  EXPECT_EQ(exec_.order, (std::vector<std::string>{"s/i=0", "s/i=1", "s/i=2", "s/i=3"}));
  // Every key changes (so nothing is reused), but the names are the same jobs'.
  auto seconds = exec_.seconds;
  exec_ = FakeExecutor();
  exec_.seconds = seconds;
  auto s = Run(std::string(yaml).replace(yaml.find("'X'"), 3, "'Y'"), o);
  EXPECT_EQ(s.reused, 0);
  EXPECT_EQ(exec_.order, (std::vector<std::string>{"s/i=3", "s/i=0", "s/i=1", "s/i=2"}));
}

TEST_F(EngineTest, AStepsMeanEstimatesItsNewJobs) {
  exec_.seconds = [](const std::string& name) { return name.rfind("slow", 0) == 0 ? 50 : 1; };
  RunOptions o;
  o.max_jobs = 1;
  Run("steps:\n  quick: {run: 'true'}\n  slow: {run: 'true'}\n", o);
  exec_ = FakeExecutor();
  // New axis values: no job has a history of its own, but its step has.
  Run("axes: {i: [0, 1]}\nsteps:\n  quick: {over: [i], run: 'true'}\n"
      "  slow: {over: [i], run: 'true'}\n",
      o);
  EXPECT_EQ(exec_.order,
            (std::vector<std::string>{"slow/i=0", "slow/i=1", "quick/i=0", "quick/i=1"}));
}

TEST_F(EngineTest, WalltimesEstimateWithoutHistoryAndPathsAddThemUp) {
  RunOptions o;
  o.max_jobs = 1;
  Run(R"(
steps:
  c1: {run: "true", resources: {walltime: 10s}}
  c2: {run: "true", after: [c1], resources: {walltime: 10s}}
  c3: {run: "true", after: [c2], resources: {walltime: 10s}}
  big: {run: "true", resources: {walltime: 25s}}
  small: {run: "true"}
)", o);
  // c1's path is 30 s (three jobs of 10 s), big's 25 s, small's the 60 s default.
  EXPECT_EQ(exec_.order, (std::vector<std::string>{"small", "c1", "big", "c2", "c3"}));
}

TEST_F(EngineTest, PriorityComesBeforeTheLongestPath) {
  RunOptions o;
  o.max_jobs = 1;
  Run(R"(
steps:
  slow: {run: "true", resources: {walltime: 1h}}
  quick: {run: "true", priority: 1, resources: {walltime: 1s}}
)", o);
  EXPECT_EQ(exec_.order, (std::vector<std::string>{"quick", "slow"}));
}

TEST_F(EngineTest, EstimatesFollowTheJobsThatFinishInThisRun) {
  RunOptions o;
  o.max_jobs = 1;
  Run(R"(
axes: {i: [0, 1, 2]}
steps:
  a: {over: [i], run: "true", resources: {walltime: 30s}}
  b: {over: [i], run: "true", resources: {walltime: 50s}}
)", o);
  // b's walltime puts it first; its first job takes 1 s, so b's mean (1 s) now
  // estimates its other jobs, and a's walltime (30 s) puts a ahead of them.
  ASSERT_EQ(exec_.order.size(), 6u);
  EXPECT_EQ(exec_.order[0], "b/i=0");
  EXPECT_EQ(exec_.order[1], "a/i=0");
}

TEST_F(EngineTest, CpuLimitBoundsConcurrency) {
  RunOptions o;
  o.max_jobs = 8;
  o.cpus = 4;
  auto s = Run(R"(
axes: {i: [1, 2, 3, 4, 5, 6]}
steps:
  s: {over: [i], run: "true", resources: {cpus: 2}}
)", o);
  EXPECT_EQ(s.succeeded, 6);
  EXPECT_EQ(exec_.peak, 2u);
}

TEST_F(EngineTest, RetriesThenFailureSkipsDependents) {
  exec_.outcome = [](const std::string&, int) { return 1; };
  auto s = Run(R"(
steps:
  a: {run: "false", retries: 2}
  b: {run: "true", after: [a]}
  c: {run: "true", after: [b]}
)");
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.skipped, 2);
  EXPECT_EQ(exec_.order.size(), 3u);  // three attempts of a
}

TEST_F(EngineTest, RequeuesAreBoundedAndNotFailures) {
  exec_.outcome = [](const std::string&, int attempt) { return attempt < 3 ? 85 : 0; };
  auto s = Run("steps:\n  t: {run: 'true'}\n");
  EXPECT_EQ(s.succeeded, 1);
  EXPECT_EQ(exec_.order.size(), 3u);
  exec_ = FakeExecutor();
  exec_.outcome = [](const std::string&, int) { return 85; };
  s = Run("steps:\n  t2: {run: 'true', retries: {count: 0, max_requeues: 4}}\n");
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(exec_.order.size(), 5u);
}

TEST_F(EngineTest, SecondRunReusesEverything) {
  const char* yaml = "axes: {i: [1, 2, 3]}\nsteps:\n  s: {over: [i], run: 'true'}\n";
  EXPECT_EQ(Run(yaml).succeeded, 3);
  exec_ = FakeExecutor();
  auto s = Run(yaml);
  EXPECT_EQ(s.reused, 3);
  EXPECT_TRUE(exec_.order.empty());
}

TEST_F(EngineTest, GpusArePinnedAndReleased) {
  RunOptions o;
  o.gpu_ids = {"5", "9"};
  o.max_jobs = 4;
  Run("axes: {i: [1, 2, 3]}\nsteps:\n  s: {over: [i], run: 'true', resources: {gpus: 2}}\n", o);
  ASSERT_EQ(exec_.envs.size(), 3u);
  EXPECT_EQ(exec_.peak, 1u);
  for (const auto& env : exec_.envs)
    EXPECT_NE(std::find(env.begin(), env.end(), "CUDA_VISIBLE_DEVICES=5,9"), env.end());
}

TEST_F(EngineTest, StepLimitHoldsWithoutHoldingUpOtherSteps) {
  exec_.groups = {{"limited", {"limited"}}};
  RunOptions o;
  o.max_jobs = 8;
  o.cpus = 8;
  auto s = Run(R"(
axes: {i: [1, 2, 3, 4, 5, 6]}
steps:
  limited: {over: [i], run: "true", limit: 2, priority: 5}
  free: {over: [i], run: "true"}
)", o);
  EXPECT_EQ(s.succeeded, 12);
  EXPECT_EQ(exec_.group_peak["limited"], 2u);
  // The higher-priority limited jobs first, then the free ones fill the slots at once.
  ASSERT_EQ(exec_.order.size(), 12u);
  EXPECT_EQ(exec_.order[0].rfind("limited/", 0), 0u);
  EXPECT_EQ(exec_.order[1].rfind("limited/", 0), 0u);
  EXPECT_EQ(exec_.order[2].rfind("free/", 0), 0u);
  EXPECT_GE(exec_.peak, 7u);  // 2 limited + 6 free running together
}

TEST_F(EngineTest, ACategoryLimitIsSharedByItsSteps) {
  exec_.groups = {{"heavy", {"a", "b"}}, {"a", {"a"}}};
  RunOptions o;
  o.max_jobs = 8;
  o.cpus = 8;
  auto s = Run(R"(
axes: {i: [1, 2, 3]}
limits: {heavy: 2}
steps:
  a: {over: [i], run: "true", category: heavy}
  b: {over: [i], run: "true", category: heavy}
  c: {over: [i], run: "true"}
)", o);
  EXPECT_EQ(s.succeeded, 9);
  EXPECT_EQ(exec_.group_peak["heavy"], 2u);
  EXPECT_EQ(exec_.group_peak["a"], 2u);
}

TEST_F(EngineTest, EarliestDeadlineFirstWithinAPriority) {
  RunOptions o;
  o.max_jobs = 1;
  auto s = Run(R"(
deadline: 9h
steps:
  default_deadline: {run: "true"}
  two_hours: {run: "true", deadline: 2h}
  soon: {run: "true", deadline: 10m}
  soonest_absolute: {run: "true", deadline: "2000-01-01T00:00"}
  urgent: {run: "true", priority: 3, deadline: 20h}
)", o);
  EXPECT_EQ(s.succeeded, 5);
  EXPECT_EQ(exec_.order, (std::vector<std::string>{"urgent", "soonest_absolute", "soon",
                                                   "two_hours", "default_deadline"}));
}

TEST_F(EngineTest, AFinalStepRunsLastAfterAFailure) {
  exec_.outcome = [](const std::string& dir, int) {
    auto cmd = ReadFile(dir + "/command.sh");
    bool fails = cmd.ok() && (cmd->find("check 2") != std::string::npos ||
                              cmd->find("check '2'") != std::string::npos);
    return fails ? 3 : 0;
  };
  RunOptions o;
  o.max_jobs = 4;
  auto s = Run(R"(
axes: {i: [1, 2, 3]}
steps:
  report: {run: "echo report", final: true, priority: 10}
  train: {over: [i], run: "check {i}"}
  score: {over: [i], run: "echo {i}", after: [train]}
)", o);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.succeeded, 5);  // 2 train, 2 score, report
  ASSERT_FALSE(exec_.order.empty());
  EXPECT_EQ(exec_.order.back(), "report");
}

TEST(PrinterTest, TheStatusLineCountsTheJobsGoingToMissTheirDeadline) {
  FILE* f = tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Printer printer(f, /*smart=*/true, /*color=*/false);
    Progress p;
    p.total = 5;
    p.running = 1;
    printer.Refresh(p);  // none late: not mentioned
    printer.Line("a line of its own");  // the next Refresh draws at once
    p.late = 2;
    printer.Refresh(p);
  }
  rewind(f);
  std::string text(4096, '\0');
  text.resize(fread(text.data(), 1, text.size(), f));
  fclose(f);
  size_t late = text.find("2 going to miss their deadline");
  EXPECT_NE(late, std::string::npos) << text;
  EXPECT_EQ(text.find("going to miss"), late + 2) << text;  // not in the first line
}

TEST_F(EngineTest, PoliciesAreNotIngredientsOfKeys) {
  auto keys = [&](const std::string& extra, const std::string& top) {
    auto wf = ParseWorkflow(top + "steps:\n  s: {run: 'true'" + extra + "}\n", dir_ + "/w.yaml");
    EXPECT_TRUE(wf.ok()) << wf.status().message();
    auto plan = BuildPlan(*wf, {dir_});
    EXPECT_TRUE(plan.ok());
    return plan->jobs()[0].key;
  };
  std::string plain = keys("", "");
  EXPECT_EQ(keys(", limit: 1, deadline: 2h", ""), plain);
  EXPECT_EQ(keys(", category: c", "limits: {c: 1}\ndeadline: 1h\n"), plain);
  EXPECT_EQ(keys(", final: true", ""), plain);
}

TEST(StudyDriverTest, APruneWrittenAfterTheJobEndedDoesNotPruneIt) {
  Completion c;
  c.has_status = true;
  c.status.exit_code = 0;
  c.status.ended = 100.0;
  EXPECT_FALSE(EndsPruned(0, c));       // never asked
  EXPECT_FALSE(EndsPruned(100.012, c));  // decided 12 ms after it ended: it never saw it
  EXPECT_TRUE(EndsPruned(99.5, c));      // asked before it ended, then it returned: pruned
  c.status.exit_code = 1;
  EXPECT_TRUE(EndsPruned(100.012, c));   // failed: not a complete trial
  c.status.exit_code = 0;
  c.status.cancelled = true;
  EXPECT_TRUE(EndsPruned(99.5, c));      // stopped after the grace
  Completion lost;                       // no status.json
  EXPECT_TRUE(EndsPruned(99.5, lost));
}

}  // namespace
}  // namespace drover
