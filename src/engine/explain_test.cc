// Explainer (why a job runs again) over a real store in a temporary folder: a first run
// records jobs, attempts, outputs and key ingredients (through RunPlan with an executor
// that completes jobs without processes); a change to the workflow or its files follows;
// then each case checks the reasons given for one job of the new plan.
#include "engine/explain.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

#include "engine/printer.h"
#include "spec/parser.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {
namespace {

// Completes each attempt on the next Wait(): writes model.txt into the job's folder and
// exits with `exit_code`.
class DoneExecutor : public Executor {
 public:
  int exit_code = 0;
  std::string name() const override { return "fake"; }
  Status Submit(const LaunchRequest& req, std::string* handle) override {
    pending_.push_back({req.attempt_id, req.job_dir});
    *handle = "fake-" + std::to_string(req.attempt_id);
    return Status::Ok();
  }
  AdoptResult Adopt(int64_t, const std::string&, const std::string&, Completion*) override {
    return AdoptResult::kGone;
  }
  void Wait(int, std::vector<Completion>* out) override {
    for (const auto& [id, dir] : pending_) {
      (void)WriteFile(dir + "/model.txt", "m\n");
      Completion c;
      c.attempt_id = id;
      c.has_status = true;
      c.status.exit_code = exit_code;
      c.status.started = 1;
      c.status.ended = 2;
      out->push_back(c);
    }
    pending_.clear();
  }
  void Cancel(int64_t) override {}
  void KillAll() override {}
  size_t running() const override { return pending_.size(); }

 private:
  std::vector<std::pair<int64_t, std::string>> pending_;
};

// Two steps over seed; train reads train.py (a code file) and has an env value.
std::string Yaml(const std::string& seeds = "0, 1", const std::string& lr = "0.1") {
  return "name: why\n"
         "axes:\n"
         "  seed: [" + seeds + "]\n"
         "steps:\n"
         "  train:\n"
         "    over: [seed]\n"
         "    env: {LR: \"" + lr + "\"}\n"
         "    run: python3 train.py {seed}\n"
         "    outputs: [model.txt]\n"
         "  score:\n"
         "    over: [seed]\n"
         "    run: cat {train.model.txt}\n";
}

class ExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) c = c == '/' ? '_' : c;  // parameterized tests' names hold '/'
    dir_ = ::testing::TempDir() + "/explain_test_" + name;
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_TRUE(MakeDirs(dir_).ok());
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print(1)\n").ok());
    auto store = OpenSqliteStore(dir_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
  }

  // Plans `yaml` (kept until the next call).
  const Plan& PlanOf(const std::string& yaml) {
    auto wf = ParseWorkflow(yaml, dir_ + "/drover.yaml");
    EXPECT_TRUE(wf.ok()) << wf.status().message();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
    auto plan = BuildPlan(*wf_, {dir_});
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    plan_ = std::make_unique<Plan>(std::move(*plan));
    return *plan_;
  }

  // Runs `yaml` to the end; each job exits with `exit_code`.
  void RunOnce(const std::string& yaml, int exit_code = 0) {
    const Plan& plan = PlanOf(yaml);
    auto run = store_->StartRun(plan.workflow().name, plan.workflow().path, "[]");
    ASSERT_TRUE(run.ok());
    DoneExecutor exec;
    exec.exit_code = exit_code;
    FILE* devnull = fopen("/dev/null", "w");
    Printer printer(devnull, false, false);
    RunOptions opts;
    opts.max_jobs = 4;
    auto sum = RunPlan(plan, store_.get(), &exec, &printer, opts, *run);
    fclose(devnull);
    ASSERT_TRUE(sum.ok()) << sum.status().message();
  }

  // The reasons job `name` of `yaml`'s plan would run, as "text [detail]".
  std::vector<std::string> Why(const std::string& yaml, const std::string& name,
                               RunOptions opts = {}) {
    const Plan& plan = PlanOf(yaml);
    Explainer e(plan, store_.get(), opts);
    Status st = e.Init();
    EXPECT_TRUE(st.ok()) << st.message();
    for (uint32_t j = 0; j < plan.jobs().size(); ++j) {
      if (plan.Name(j) != name) continue;
      auto why = e.Why(j);
      EXPECT_TRUE(why.ok()) << why.status().message();
      std::vector<std::string> out;
      for (const RunReason& r : *why) out.push_back(r.text + (r.detail.empty() ? "" : " [" + r.detail + "]"));
      return out;
    }
    ADD_FAILURE() << "no job " << name << " in the plan";
    return {};
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Workflow> wf_;
  std::unique_ptr<Plan> plan_;
};

// One case: the first run's workflow and jobs' exit code, what changes after it, and the
// reasons expected for one job of the changed workflow.
struct Case {
  const char* name;
  int first_exit = 0;                                  // each job's exit code in the first run
  std::function<void(const std::string& dir)> change;  // files changed after the first run
  std::string after = Yaml();                          // the workflow explained
  std::vector<std::string> force;                      // RunOptions::force_steps
  bool remove_output = false;                          // the job's model.txt removed
  const char* job = "train/seed=0";
  std::vector<std::string> want;                       // exactly these reasons, in order
};

// gtest prints a parameter in test listings (and so in ctest's names): the case's name,
// not its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> Cases() {
  auto none = [](const std::string&) {};
  return {
      {"NothingChangedIsReused", 0, none, Yaml(), {}, false, "train/seed=0", {}},
      {"NoEarlierAttemptNamesTheNewValue", 0, none, Yaml("0, 1, 2"), {}, false, "train/seed=2",
       {"no earlier attempt: new axis value seed=2"}},
      {"CodeFileChangedGivesOldAndNewHash", 0,
       [](const std::string& dir) { (void)WriteFile(dir + "/train.py", "print(2)\n"); },
       Yaml(), {}, false, "train/seed=1",
       {"code file train.py changed (" + HashString("print(1)\n").substr(0, 16) + " -> " +
        HashString("print(2)\n").substr(0, 16) + ")"}},
      {"EnvChangedGivesOldAndNewValue", 0, none, Yaml("0, 1", "0.2"), {}, false, "train/seed=0",
       {"env LR changed (0.1 -> 0.2)"}},
      {"UpstreamRerunsNamesTheJobs", 0, none, Yaml("0, 1", "0.2"), {}, false, "score/seed=1",
       {"upstream step train reruns [train/seed=1]"}},
      {"OutputMissing", 0, none, Yaml(), {}, true, "train/seed=0", {"output model.txt missing"}},
      {"DownstreamOfAMissingOutput", 0, none, Yaml(), {}, true, "score/seed=0",
       {"upstream step train reruns [train/seed=0]"}},
      {"LatestAttemptFailed", 3, none, Yaml(), {}, false, "train/seed=0",
       {"its latest attempt failed (exit 3)"}},
      {"ForceNamesTheStep", 0, none, Yaml(), {"train"}, false, "train/seed=0", {"--force train"}},
  };
}

class ExplainCases : public ExplainTest, public ::testing::WithParamInterface<Case> {};

TEST_P(ExplainCases, GivesTheReasons) {
  const Case& c = GetParam();
  RunOnce(Yaml(), c.first_exit);
  c.change(dir_);
  if (c.remove_output) {  // train/seed=0's, in the folder of its key
    const Plan& plan = PlanOf(Yaml());
    for (uint32_t j = 0; j < plan.jobs().size(); ++j)
      if (plan.Name(j) == "train/seed=0")
        ASSERT_EQ(::unlink((dir_ + "/" + Plan::RelDir(plan.jobs()[j].key) + "/model.txt").c_str()), 0);
  }
  RunOptions opts;
  opts.force_steps = c.force;
  EXPECT_EQ(Why(c.after, c.job, opts), c.want);
}

INSTANTIATE_TEST_SUITE_P(Reasons, ExplainCases, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return std::string(info.param.name); });

// A key whose earlier key's ingredients were never recorded (a store from before they
// were) still gets a reason, which says so.
TEST_F(ExplainTest, AnEarlierKeyWithoutIngredientsStillGetsAReason) {
  RunOnce(Yaml());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/.drover/drover.db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "DELETE FROM key_ingredients", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Why(Yaml("0, 1", "0.3"), "train/seed=0"),
            (std::vector<std::string>{"its key changed (the store has no record of what the "
                                      "earlier key was made of)"}));
}

}  // namespace
}  // namespace drover
