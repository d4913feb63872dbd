#include "plan/plan.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <optional>

#include "spec/parser.h"
#include "util/fs.h"

namespace drover {
namespace {

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/plan_test_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_TRUE(RemoveAll(dir_).ok());
    ASSERT_TRUE(MakeDirs(dir_).ok());
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print('v1')\n").ok());
    ASSERT_TRUE(WriteFile(dir_ + "/data.csv", "a,b\n").ok());
  }

 public:  // Make: also from a thread of a test's own
  Result<Plan> Make(const std::string& yaml, std::vector<std::string> sets = {}) {
    auto wf = ParseWorkflow(yaml, dir_ + "/drover.yaml", sets);
    if (!wf.ok()) return wf.status();
    wf_ = std::make_unique<Workflow>(std::move(*wf));
    return BuildPlan(*wf_, {"/root"});
  }

 protected:
  std::string dir_;
  std::unique_ptr<Workflow> wf_;
};

const char* kPipeline = R"(
axes:
  task: [digits, wine]
  seed: [0, 1, 2]
steps:
  train:
    over: [task, seed]
    run: python3 train.py --task {task} --seed {seed} --out model.pkl
    outputs: [model.pkl]
    inputs: [data.csv]
  evaluate:
    over: [task, seed]
    run: python3 train.py --model {train.model.pkl}
  ensemble:
    over: [task]
    run: cat {train.model.pkl...}
)";

// A partial step's gathering references can be cut down to the upstream jobs kept
// (those that succeeded); other steps' jobs have none.
TEST_F(PlanTest, PartialGatherCommandKeepsOnlyTheJobsAsked) {
  std::string yaml = std::string(kPipeline) + "    partial: true\n";
  auto p = Make(yaml);
  ASSERT_TRUE(p.ok()) << p.status().message();
  const PlanStep& ens = p->steps()[2];
  const PlanStep& train = p->steps()[0];
  uint32_t e = ens.first;  // task=digits: gathers train's seeds 0, 1, 2
  ASSERT_EQ(p->Gathers(e).size(), 1u);
  EXPECT_EQ(p->Gathers(e)[0].jobs.size(), 3u);
  EXPECT_TRUE(p->Gathers(train.first).empty());
  auto path = [&](uint32_t j) { return "/root/" + Plan::RelDir(p->jobs()[j].key) + "/model.pkl"; };
  EXPECT_EQ(p->GatheredCommand(e, [](uint32_t) { return true; }), p->jobs()[e].command);
  uint32_t dropped = p->Gathers(e)[0].jobs[1];
  std::string cut = p->GatheredCommand(e, [&](uint32_t m) { return m != dropped; });
  EXPECT_EQ(cut, "cat " + path(p->Gathers(e)[0].jobs[0]) + " " + path(p->Gathers(e)[0].jobs[2]));
}

TEST_F(PlanTest, ExpandsAndJoinsOnSharedAxes) {
  auto p = Make(kPipeline);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->jobs().size(), 6u + 6u + 2u);
  const PlanStep& ev = p->steps()[1];
  const PlanStep& en = p->steps()[2];
  for (uint32_t j = ev.first; j < ev.first + ev.count; ++j) {
    ASSERT_EQ(p->jobs()[j].deps.size(), 1u);  // one to one
    uint32_t d = p->jobs()[j].deps[0];
    EXPECT_EQ(*p->Value(d, "task"), *p->Value(j, "task"));
    EXPECT_EQ(*p->Value(d, "seed"), *p->Value(j, "seed"));
  }
  for (uint32_t j = en.first; j < en.first + en.count; ++j) {
    ASSERT_EQ(p->jobs()[j].deps.size(), 3u);  // gathers the seeds
    for (uint32_t d : p->jobs()[j].deps) EXPECT_EQ(*p->Value(d, "task"), *p->Value(j, "task"));
  }
  EXPECT_EQ(p->Name(0), "train/task=digits,seed=0");
  EXPECT_EQ(p->ParamsJson(0), R"({"task":"digits","seed":"0"})");
  EXPECT_GT(p->jobs()[0].depth, p->jobs()[en.first].depth);
}

TEST_F(PlanTest, ParamsJsonEscapesWhatNeedsIt) {
  auto p = Make(kPipeline, {"task=plain,say \"hi\",tab\there,caf\xc3\xa9,back\\slash,bad\xff"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  std::vector<std::string> got;
  for (uint32_t j = 0; j < p->steps()[0].count; j += 3) got.push_back(p->ParamsJson(j));
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0], R"({"task":"plain","seed":"0"})");
  EXPECT_EQ(got[1], R"({"task":"say \"hi\"","seed":"0"})");
  EXPECT_EQ(got[2], R"({"task":"tab\there","seed":"0"})");
  EXPECT_EQ(got[3], "{\"task\":\"caf\xc3\xa9\",\"seed\":\"0\"}");
  EXPECT_EQ(got[4], R"({"task":"back\\slash","seed":"0"})");
  EXPECT_EQ(got[5], "{\"task\":\"bad\xef\xbf\xbd\",\"seed\":\"0\"}");  // U+FFFD
}

TEST_F(PlanTest, CommandsAreQuotedAndCodePathsAbsolute) {
  auto p = Make(kPipeline, {"task=$(touch pwned),a b"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  const std::string& cmd = p->jobs()[0].command;
  EXPECT_NE(cmd.find("--task '$(touch pwned)'"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find(dir_ + "/train.py"), std::string::npos) << cmd;
  const std::string& ev = p->jobs()[p->steps()[1].first].command;
  EXPECT_NE(ev.find("--model /root/.drover/jobs/"), std::string::npos) << ev;
  EXPECT_NE(ev.find("/model.pkl"), std::string::npos) << ev;
}

TEST_F(PlanTest, KeysChangeExactlyWithTheirInputs) {
  auto a = Make(kPipeline);
  ASSERT_TRUE(a.ok());
  std::vector<std::string> before;
  for (const auto& j : a->jobs()) before.push_back(j.key);
  auto same = Make(kPipeline);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(same->jobs()[i].key, before[i]);
  // A new seed: old jobs keep their keys.
  auto more = Make(kPipeline, {"seed=0,1,2,3"});
  EXPECT_EQ(more->jobs()[0].key, before[0]);
  // Editing the script changes every job that names it, not `ensemble`'s own part,
  // but ensemble consumes train so it changes too.
  ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print('v2')\n").ok());
  auto edited = Make(kPipeline);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_NE(edited->jobs()[i].key, before[i]);
}

TEST_F(PlanTest, InputFilesAreHashed) {
  auto a = Make(kPipeline);
  std::string k_train = a->jobs()[0].key;
  std::string k_eval = a->jobs()[a->steps()[1].first].key;
  ASSERT_TRUE(WriteFile(dir_ + "/data.csv", "a,b\n1,2\n").ok());
  auto b = Make(kPipeline);
  EXPECT_NE(b->jobs()[0].key, k_train);
  EXPECT_NE(b->jobs()[b->steps()[1].first].key, k_eval);  // a dependent
}

TEST_F(PlanTest, MissingInputIsAClearError) {
  auto p = Make(R"(
steps:
  s:
    run: echo hi
    inputs: [nothing/*.csv]
)");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("matches no file"), std::string::npos);
}

TEST_F(PlanTest, EnvIsTemplatedRaw) {
  auto p = Make(R"(
axes: {seed: [7]}
env: {A: "1"}
steps:
  s:
    over: [seed]
    run: echo hi
    env: {SEED: "s{seed}"}
)");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->jobs()[0].env, (std::vector<std::string>{"A=1", "SEED=s7"}));
}

// A layered workflow of n one-job steps: each step after the first `width` consumes the
// output of one step of the layer before ({sNNN.out}) and lists two more in after:,
// listed in reverse so that the planner walks a long chain of steps declared later.
std::string Layered(int n, int width) {
  std::string y = "steps:\n";
  for (int i = n - 1; i >= 0; --i) {
    std::string name = "s" + std::to_string(i);
    y += "  " + name + ":\n    outputs: [out]\n";
    if (i < width) {
      y += "    run: echo > out\n";
      continue;
    }
    int layer = i / width, base = (layer - 1) * width;
    auto up = [&](int k) { return "s" + std::to_string(base + (i * 7 + k * 13) % width); };
    y += "    run: cat {" + up(0) + ".out} > out\n";
    y += "    after: [" + up(1) + (up(2) != up(1) ? ", " + up(2) : "") + "]\n";
  }
  return y;
}

// Planning is linear in the number of steps: the step names looked up while loading and
// planning grow 10x from 200 to 2,000 steps. (Scanning the step list for each reference,
// as drover once did, makes them grow 100x.) A count, never a timing.
TEST_F(PlanTest, StepNameLookupsGrowLinearlyWithSteps) {
  auto lookups = [&](int n) -> uint64_t {
    uint64_t before = g_step_name_compares.load();
    auto p = Make(Layered(n, 20));
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (p.ok()) {
      EXPECT_EQ(p->jobs().size(), static_cast<size_t>(n));
    }
    return g_step_name_compares.load() - before;
  };
  uint64_t small = lookups(200), large = lookups(2000);
  ASSERT_GT(small, 200u);  // each reference and after: entry is looked up
  EXPECT_LE(large, 12 * small) << "200 steps: " << small << " lookups; 2,000: " << large;
}

// A chain of 20,000 steps, each after the one declared below it, loaded and planned on
// a thread with a 1 MiB stack: the cycle check and the planner's order walk the chain
// without recursion (a recursive walk needs megabytes here, and overflowed the main
// thread's 8 MiB at 50,000 steps).
TEST_F(PlanTest, ALongChainOfStepsIsPlannedOnASmallStack) {
  const int n = 20000;
  std::string y = "steps:\n";
  for (int i = 0; i < n; ++i) {
    y += "  s" + std::to_string(i) + ":\n    run: \"true\"\n";
    if (i + 1 < n) y += "    after: [s" + std::to_string(i + 1) + "]\n";
  }
  struct Job {
    PlanTest* test;
    const std::string* yaml;
    std::optional<Result<Plan>> plan;
  } job{this, &y, std::nullopt};
  pthread_attr_t attr;
  ASSERT_EQ(pthread_attr_init(&attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, 1 << 20), 0);
  pthread_t t;
  auto body = [](void* arg) -> void* {
    auto* j = static_cast<Job*>(arg);
    j->plan.emplace(j->test->Make(*j->yaml));
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&t, &attr, body, &job), 0);
  ASSERT_EQ(pthread_join(t, nullptr), 0);
  pthread_attr_destroy(&attr);
  ASSERT_TRUE(job.plan && job.plan->ok()) << job.plan->status().message();
  const Plan& p = **job.plan;
  ASSERT_EQ(p.jobs().size(), static_cast<size_t>(n));
  EXPECT_EQ(p.jobs()[p.steps()[0].first].depth, 0u);  // s0 comes after all the others
  EXPECT_EQ(p.jobs()[p.steps()[n - 1].first].depth, static_cast<uint32_t>(n - 1));
}

// A step whose run: is `run`, written on line 3 of the workflow file.
std::string OneStep(const std::string& run) {
  return "steps:\n  s:\n    run: \"" + run + "\"\n";
}

// Scripts named inside shell syntax are found: rewritten to their absolute path (a job
// runs in a folder of its own) and hashed into the key.
TEST_F(PlanTest, CodeFilesAreFoundInsideShellSyntax) {
  for (std::string run : {"python3 train.py>out.txt; echo ok", "(python3 train.py)",
                          "python3 train.py|tr a-z A-Z", "A=1 python3 'train.py' 2>&1",
                          "echo $(python3 train.py)", "python3 -u train.py&&echo ok",
                          "if true; then python3 train.py; fi"}) {
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print('v1')\n").ok());
    auto a = Make(OneStep(run));
    ASSERT_TRUE(a.ok()) << run << ": " << a.status().message();
    EXPECT_NE(a->jobs()[0].command.find(dir_ + "/train.py"), std::string::npos)
        << run << " -> " << a->jobs()[0].command;
    std::string key = a->jobs()[0].key;
    ASSERT_TRUE(WriteFile(dir_ + "/train.py", "print('v2')\n").ok());
    auto b = Make(OneStep(run));
    ASSERT_TRUE(b.ok());
    EXPECT_NE(b->jobs()[0].key, key) << run << ": editing the script keeps the key";
  }
}

TEST_F(PlanTest, CodeFilesAfterCdAreFoundInThatFolder) {
  ASSERT_TRUE(MakeDirs(dir_ + "/sub").ok());
  ASSERT_TRUE(WriteFile(dir_ + "/sub/run.sh", "echo v1\n").ok());
  auto a = Make(OneStep("cd sub && ./run.sh > out.txt"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(a->jobs()[0].command.find("cd " + dir_ + "/sub && " + dir_ + "/sub/run.sh > out.txt"),
            std::string::npos)
      << a->jobs()[0].command;
  std::string key = a->jobs()[0].key;
  ASSERT_TRUE(WriteFile(dir_ + "/sub/run.sh", "echo v2\n").ok());
  EXPECT_NE(Make(OneStep("cd sub && ./run.sh > out.txt"))->jobs()[0].key, key);
}

TEST_F(PlanTest, OutputRedirectionsAreNotCode) {
  ASSERT_TRUE(WriteFile(dir_ + "/out.txt", "left from before\n").ok());
  auto a = Make(OneStep("python3 train.py > out.txt"));
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_NE(a->jobs()[0].command.find("> out.txt"), std::string::npos) << a->jobs()[0].command;
}

// A script that is not in the workflow folder is an error when the workflow is planned,
// at the word in run:, instead of a job that fails (or, with `; echo ok`, succeeds
// without running it).
TEST_F(PlanTest, AMissingScriptIsAnErrorAtItsWord) {
  auto p = Make(OneStep("python3 missing.py; echo ok"));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find(":3:19: error: step 's' runs 'missing.py', which is not "
                                      "in the workflow folder"),
            std::string::npos)
      << p.status().message();
  for (std::string run : {"./nope.sh", "true && bin/tool", "Rscript --vanilla fit.R",
                          "env A=1 python3 gone.py"}) {
    auto q = Make(OneStep(run));
    EXPECT_FALSE(q.ok()) << run;
  }
  // Not scripts of the workflow folder: inline code, modules, files the command itself
  // writes first, declared outputs, and words after a cd drover cannot follow.
  for (std::string run : {"python3 -c 'print(1)'", "python3 -m pip --version",
                          "echo 'print(1)' > made.py; python3 made.py", "bash $HOME/x.sh",
                          "cd /tmp && ./x.sh", "python3 train.py data.py", "ls ./nothing"}) {
    auto q = Make(OneStep(run));
    EXPECT_TRUE(q.ok()) << run << ": " << q.status().message();
  }
}


// A Workflow built in code (not through the parser, which refuses it first) with a
// cross product of 1000^4 = 10^12 jobs, past 2^32 and so past any 32-bit count: refused
// with the count before anything is allocated, instead of a bad_alloc or a wrapped count.
TEST_F(PlanTest, ACrossProductTooLargeToPlanIsAnErrorWithItsCount) {
  Workflow wf;
  wf.path = dir_ + "/drover.yaml";
  wf.dir = dir_;
  Step step;
  step.name = "s";
  step.run = "echo";
  for (const char* name : {"a", "b", "c", "d"}) {
    Axis axis{name, {}, {}};
    for (int i = 0; i < 1000; ++i) axis.values.push_back(std::to_string(i));
    wf.axes.push_back(std::move(axis));
    step.over.push_back(name);
  }
  wf.steps.push_back(step);
  auto p = BuildPlan(wf, {"/root"});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message().rfind(
                "step 's' expands to 1,000,000,000,000 jobs (a 1,000 x b 1,000 x c 1,000 x d "
                "1,000); drover plans at most 10,000,000 jobs",
                0),
            0u)
      << p.status().message();
}

}  // namespace
}  // namespace drover
