// The Slurm executor against fake Slurm commands: arguments, parsing, arrays, polling
// cost, retries, refusals, cancellation and adoption. tests/integration/test_slurm.py
// runs it against a real Slurm.
#include "exec/slurm.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "util/fs.h"

namespace drover {
namespace {

using Argv = std::vector<std::string>;

bool Has(const Argv& a, const std::string& x) {
  return std::find(a.begin(), a.end(), x) != a.end();
}

class FakeSlurm : public SlurmCommands {
 public:
  std::function<CommandOutput(const Argv&)> respond;
  std::vector<Argv>* calls;
  std::vector<double>* sleeps;
  FakeSlurm(std::vector<Argv>* c, std::vector<double>* s) : calls(c), sleeps(s) {}
  CommandOutput Run(const Argv& argv) override {
    calls->push_back(argv);
    return respond(argv);
  }
  void Sleep(double s) override { sleeps->push_back(s); }
};

LaunchRequest Req(int64_t id, const std::string& dir, const std::string& step = "train") {
  LaunchRequest r;
  r.attempt_id = id;
  r.job_dir = dir;
  r.executor = "slurm";
  r.step = step;
  r.env = {"DROVER_PARAMS={\"a\": \"x y\"}", "SEED=1", "DROVER_ATTEMPT=1"};
  return r;
}

TEST(SlurmParts, SbatchArgsMapResources) {
  LaunchRequest r = Req(1, "/j");
  r.resources = {2.5, 1LL << 30, 2, 1800};
  r.walltime_s = 1800;
  r.grace_s = 10;
  r.slurm.partition = "gpu";
  r.slurm.account = "ml";
  r.slurm.qos = "short";
  r.slurm.sbatch_args = {"--constraint=a100"};
  r.slurm.array_throttle = 5;
  Argv a = slurm::SbatchArgs(r, 10, "/s/%A.log");
  for (const char* want :
       {"--parsable", "--partition=gpu", "--account=ml", "--qos=short", "--cpus-per-task=3",
        "--mem=1024M", "--gres=gpu:2", "--time=33", "--signal=B:TERM@40", "--array=0-9%5",
        "--constraint=a100", "--job-name=drover-train", "--output=/s/%A.log"})
    EXPECT_TRUE(Has(a, want)) << want;
  EXPECT_EQ(a[0], "sbatch");
  // No throttle when the array is no larger than it; no walltime, no --time.
  LaunchRequest plain = Req(1, "/j");
  plain.slurm.array_throttle = 5;
  Argv b = slurm::SbatchArgs(plain, 3, "/s/%A.log");
  EXPECT_TRUE(Has(b, "--array=0-2"));
  EXPECT_TRUE(Has(b, "--cpus-per-task=1"));
  for (const std::string& x : b) {
    EXPECT_NE(x.rfind("--time", 0), 0u) << x;
    EXPECT_NE(x.rfind("--mem", 0), 0u) << x;
    EXPECT_NE(x.rfind("--partition", 0), 0u) << x;
  }
}

TEST(SlurmParts, ParseSbatchAndClassifyRefusals) {
  EXPECT_EQ(*slurm::ParseSbatch({0, "1234\n", ""}), "1234");
  EXPECT_EQ(*slurm::ParseSbatch({0, "77;cluster2\n", ""}), "77");
  auto bad = slurm::ParseSbatch(
      {1, "",
       "sbatch: error: invalid partition specified: nope\n"
       "sbatch: error: Batch job submission failed: Invalid partition name specified\n"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalid);
  EXPECT_EQ(bad.status().message(),
            "Slurm refused the job: invalid partition specified: nope; Batch job submission "
            "failed: Invalid partition name specified");
  auto missing =
      slurm::ParseSbatch({-1, "", "sbatch could not be started: No such file or directory"});
  EXPECT_EQ(missing.status().code(), Code::kInvalid);
  EXPECT_NE(missing.status().message().find("is Slurm's sbatch installed"), std::string::npos);
  auto busy = slurm::ParseSbatch(
      {1, "",
       "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"});
  EXPECT_EQ(busy.status().code(), Code::kBusy);
  EXPECT_EQ(slurm::ParseSbatch({-1, "", "sbatch timed out after 120s"}).status().code(),
            Code::kBusy);
  EXPECT_TRUE(slurm::IsTransient("Slurm temporarily unable to accept job"));
  EXPECT_TRUE(
      slurm::IsTransient("Job violates accounting/QOS policy (job submit limit, user's "
                         "size and/or time limits)"));
  EXPECT_FALSE(slurm::IsTransient("Invalid account or account/partition combination specified"));
}

TEST(SlurmParts, ParseSqueueLines) {
  auto s = slurm::ParseSqueue("12_0 RUNNING\n12_1 PENDING\n  13 COMPLETING\n\n");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s["12_0"], "RUNNING");
  EXPECT_EQ(s["12_1"], "PENDING");
  EXPECT_EQ(s["13"], "COMPLETING");
}

TEST(SlurmParts, CancelWholeArraysWhereItCan) {
  std::map<std::string, std::set<std::string>> tracked = {{"5", {"5_0", "5_1"}},
                                                          {"6", {"6_0", "6_1", "6_2"}}};
  auto t = slurm::CancelTargets(tracked, {"5_0", "5_1", "6_2"});
  EXPECT_EQ(t, (std::vector<std::string>{"5", "6_2"}));
}

TEST(SlurmParts, EnvFileQuotesValues) {
  std::string f = slurm::EnvFile({"A=x y", "B=it's", "C=$(touch z)"});
  EXPECT_EQ(f, "export A='x y'\nexport B='it'\\''s'\nexport C='$(touch z)'\n");
}

TEST(SlurmParts, ManifestLineCarriesTheAttempt) {
  EXPECT_EQ(slurm::ManifestLine(3, "/a b/c"), "3 /a b/c\n");
  EXPECT_EQ(slurm::ManifestLine(-1, "/d"), "0 /d\n");
  EXPECT_EQ(slurm::AttemptOf({"A=1", "DROVER_ATTEMPT=12"}), 12);
  EXPECT_EQ(slurm::AttemptOf({"DROVER_ATTEMPT=x"}), 0);
  EXPECT_EQ(slurm::AttemptOf({"A=1"}), 0);
}

// Runs the batch script with /bin/sh as Slurm would (array task `task`), a fake wrapper
// printing its DROVER_ATTEMPT and arguments into `out`. Returns sh's exit code.
int RunBatchScript(const std::string& dir, const std::string& manifest, int task) {
  std::string wrapper = dir + "/fake-wrapper";
  EXPECT_TRUE(WriteFile(wrapper, "#!/bin/sh\necho \"$DROVER_ATTEMPT $SEED $1 $2\" > " + dir +
                                     "/out\n").ok());
  EXPECT_EQ(chmod(wrapper.c_str(), 0755), 0);
  EXPECT_TRUE(WriteFile(dir + "/batch.sh", slurm::BatchScript(wrapper, manifest, 60, 5)).ok());
  std::string cmd = "SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " /bin/sh " + dir +
                    "/batch.sh 2>/dev/null";
  int rc = system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(SlurmParts, BatchScriptTakesTheAttemptFromTheManifestNotTheEnvFile) {
  char tmpl[] = "/tmp/drover-batch-test-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string job = dir + "/job one";  // a space in the folder's path
  ASSERT_TRUE(MakeDirs(job).ok());
  // A later attempt rewrote slurm-env.sh (DROVER_ATTEMPT=2, and variables named like
  // the script's own); this task was submitted for attempt 1.
  std::string env =
      slurm::EnvFile({"DROVER_ATTEMPT=2", "SEED=7", "drover_line_=9 /x", "drover_i_=0"});
  ASSERT_TRUE(WriteFile(job + "/slurm-env.sh", env).ok());
  ASSERT_TRUE(WriteFile(dir + "/m.jobs", "3 /nowhere\n1 " + job + "\n").ok());
  EXPECT_EQ(RunBatchScript(dir, dir + "/m.jobs", 1), 0);
  auto out = ReadFile(dir + "/out");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "1 7 " + job + " 60.000\n");
  // No manifest (a stray whose submission was swept), or no line for the task: nothing runs.
  ::unlink((dir + "/out").c_str());
  EXPECT_NE(RunBatchScript(dir, dir + "/gone.jobs", 0), 0);
  EXPECT_NE(RunBatchScript(dir, dir + "/m.jobs", 5), 0);
  EXPECT_FALSE(PathExists(dir + "/out"));
  (void)RemoveAll(dir);
}

TEST(SlurmParts, StraysAreUnrecordedDroverArraysOfThisStore) {
  auto jobs = slurm::ParseSqueueJobs(
      "100_0|drover-train|/s/slurm/1-2-1.sh\n"
      "101_0|drover-train|/s/slurm/1-2-2.sh\n"
      "101_1|drover-train|/s/slurm/1-2-2.sh\n"
      "  102_0|drover-eval|/real/slurm/9-9-9.sh\r\n"
      "103_0|drover-train|/other/store/slurm/1.sh\n"   // another store's
      "104_0|train|/s/slurm/1-2-4.sh\n"                // not drover's name
      "105|drover-x|/s/slurm/sub/1.sh\n"               // not a script of state_dir
      "garbage\n\n");
  ASSERT_EQ(jobs.size(), 7u);
  EXPECT_EQ(jobs[3].id, "102_0");
  EXPECT_EQ(jobs[3].name, "drover-eval");
  EXPECT_EQ(jobs[3].command, "/real/slurm/9-9-9.sh");
  EXPECT_EQ(slurm::StrayArrays(jobs, {"100"}, {"/s/slurm", "/real/slurm"}),
            (std::vector<std::string>{"101", "102"}));
  EXPECT_EQ(slurm::StrayArrays(jobs, {"100", "101", "102"}, {"/s/slurm"}),
            std::vector<std::string>{});
}

class SlurmExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/drover-slurm-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    SlurmExecutorOptions o;
    o.wrapper = "/bin/drover-job";
    o.state_dir = root_ + "/slurm";
    o.poll_s = 0;
    o.file_poll_s = 0;
    opts_ = o;
    exec_ = NewExecutor();
  }
  // An executor over the same state_dir (a restarted drover), with fresh fake commands.
  std::unique_ptr<Executor> NewExecutor() {
    auto fake = std::make_unique<FakeSlurm>(&calls_, &sleeps_);
    fake_ = fake.get();
    fake_->respond = [this](const Argv& a) { return Default(a); };
    return NewSlurmExecutor(opts_, std::move(fake));
  }
  void TearDown() override { (void)RemoveAll(root_); }

  CommandOutput Default(const Argv& a) {
    if (a[0] == "sbatch") return {0, std::to_string(next_id_++) + "\n", ""};
    if (a[0] == "squeue") return {0, queue_, ""};
    return {0, "", ""};
  }
  std::string Dir(int i) {
    std::string d = root_ + "/job" + std::to_string(i);
    EXPECT_TRUE(MakeDirs(d).ok());
    return d;
  }
  size_t Count(const std::string& cmd) const {
    return std::count_if(calls_.begin(), calls_.end(), [&](const Argv& a) { return a[0] == cmd; });
  }
  void Finish(const std::string& dir, int code) {
    JobStatus s;
    s.exit_code = code;
    ASSERT_TRUE(WriteFile(dir + "/status.json", FormatStatus(s)).ok());
  }

  std::string root_;
  SlurmExecutorOptions opts_;
  std::vector<Argv> calls_;
  std::vector<double> sleeps_;
  FakeSlurm* fake_ = nullptr;
  std::unique_ptr<Executor> exec_;
  std::string queue_;
  int next_id_ = 100;
};

TEST_F(SlurmExecutorTest, ReadyJobsOfAStepGoOutAsOneArray) {
  std::vector<LaunchRequest> reqs;
  for (int i = 0; i < 5; ++i) reqs.push_back(Req(i + 1, Dir(i)));
  for (int i = 5; i < 7; ++i) reqs.push_back(Req(i + 1, Dir(i), "eval"));
  std::vector<std::string> handles;
  auto st = exec_->SubmitMany(reqs, &handles);
  for (const Status& s : st) EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(Count("sbatch"), 2u);
  EXPECT_EQ(handles, (std::vector<std::string>{"100_0", "100_1", "100_2", "100_3", "100_4", "101_0",
                                               "101_1"}));
  EXPECT_TRUE(Has(calls_[0], "--array=0-4"));
  // The script reads its job folder from the manifest; each folder has its environment.
  std::string script = calls_[0].back();
  auto manifest = ReadFile(script.substr(0, script.size() - 3) + ".jobs");
  ASSERT_TRUE(manifest.ok());
  EXPECT_EQ(*manifest, "1 " + Dir(0) + "\n1 " + Dir(1) + "\n1 " + Dir(2) + "\n1 " + Dir(3) +
                           "\n1 " + Dir(4) + "\n");
  auto env = ReadFile(Dir(3) + "/slurm-env.sh");
  ASSERT_TRUE(env.ok());
  EXPECT_NE(env->find("export SEED=1\n"), std::string::npos);
  EXPECT_EQ(exec_->running(), 7u);
}

TEST_F(SlurmExecutorTest, OneSqueuePerPollWhateverTheNumberOfJobs) {
  std::vector<LaunchRequest> reqs;
  for (int i = 0; i < 50; ++i) reqs.push_back(Req(i + 1, Dir(i)));
  std::vector<std::string> handles;
  (void)exec_->SubmitMany(reqs, &handles);
  for (int i = 0; i < 50; ++i) queue_ += "100_" + std::to_string(i) + " RUNNING\n";
  std::vector<Completion> out;
  for (int k = 0; k < 3; ++k) exec_->Wait(0, &out);
  EXPECT_EQ(Count("squeue"), 3u);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(Has(calls_.back(), "--jobs=100"));
}

TEST_F(SlurmExecutorTest, StatusFileCompletesAndVanishedJobIsLost) {
  std::vector<std::string> handles;
  (void)exec_->SubmitMany({Req(1, Dir(1)), Req(2, Dir(2)), Req(3, Dir(3))}, &handles);
  queue_ = "100_2 PENDING\n";  // 100_0 and 100_1 have left the queue
  Finish(Dir(1), 0);
  std::vector<Completion> out;
  exec_->Wait(0, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attempt_id, 1);
  EXPECT_TRUE(out[0].has_status);
  out.clear();
  exec_->Wait(0, &out);  // second poll without 100_1 and without its status: lost
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attempt_id, 2);
  EXPECT_FALSE(out[0].has_status);
  EXPECT_NE(out[0].error.find("lost: Slurm job 100_1 left the queue"), std::string::npos);
  EXPECT_EQ(exec_->running(), 1u);
}

// The status line's "3 queued, 5 running on slurm": submitted jobs count as queued
// until squeue shows them started. An ended array keeps its batch script and log.
TEST_F(SlurmExecutorTest, CountsQueuedApartAndKeepsTheScriptOfAnEndedArray) {
  std::vector<std::string> handles;
  (void)exec_->SubmitMany({Req(1, Dir(1)), Req(2, Dir(2)), Req(3, Dir(3))}, &handles);
  EXPECT_EQ(exec_->queued(), 3u);
  queue_ = "100_0 RUNNING\n100_1 PENDING\n100_2 RUNNING\n";
  std::vector<Completion> out;
  exec_->Wait(0, &out);
  EXPECT_EQ(exec_->queued(), 1u);
  EXPECT_EQ(exec_->running(), 3u);
  queue_ = "100_0 RUNNING\n100_2 RUNNING\n";  // 100_1 started and ended between polls
  Finish(Dir(2), 0);
  exec_->Wait(0, &out);
  EXPECT_EQ(exec_->queued(), 0u);
  for (int i : {1, 3}) Finish(Dir(i), 0);
  queue_ = "";
  for (int k = 0; k < 10 && out.size() < 3; ++k) exec_->Wait(0, &out);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(exec_->running(), 0u);
  EXPECT_TRUE(PathExists(opts_.state_dir + "/100.sh"));
  size_t manifests = 0;
  for (const auto& e : std::filesystem::directory_iterator(opts_.state_dir))
    manifests += e.path().extension() == ".jobs" || e.path().extension() == ".id";
  EXPECT_EQ(manifests, 0u);
}

TEST_F(SlurmExecutorTest, TransientRefusalsAreRetriedWithBackoff) {
  int refusals = 2;
  fake_->respond = [&](const Argv& a) -> CommandOutput {
    if (a[0] == "sbatch" && refusals-- > 0)
      return {
          1, "",
          "sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"};
    return Default(a);
  };
  std::string handle;
  Status st = exec_->Submit(Req(1, Dir(1)), &handle);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(handle, "100_0");
  EXPECT_EQ(Count("sbatch"), 3u);
  EXPECT_EQ(sleeps_, (std::vector<double>{0.5, 1.0}));
}

TEST_F(SlurmExecutorTest, PermanentRefusalFailsTheJobsWithSlurmsMessage) {
  fake_->respond = [&](const Argv& a) -> CommandOutput {
    if (a[0] == "sbatch")
      return {1, "",
              "sbatch: error: invalid partition specified: nope\n"
              "sbatch: error: Batch job submission failed: Invalid partition name specified\n"};
    return Default(a);
  };
  std::vector<std::string> handles;
  auto st = exec_->SubmitMany({Req(1, Dir(1)), Req(2, Dir(2))}, &handles);
  EXPECT_EQ(Count("sbatch"), 1u);
  ASSERT_FALSE(st[0].ok());
  EXPECT_EQ(st[0].message(),
            "Slurm refused the job: invalid partition specified: nope; Batch "
            "job submission failed: Invalid partition name specified");
  EXPECT_FALSE(st[1].ok());
  EXPECT_EQ(exec_->running(), 0u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(SlurmExecutorTest, CancelNamesWholeArraysAndReportsKilledJobsCancelled) {
  std::vector<std::string> handles;
  (void)exec_->SubmitMany({Req(1, Dir(1)), Req(2, Dir(2))}, &handles);
  (void)exec_->SubmitMany({Req(3, Dir(3)), Req(4, Dir(4))}, &handles);
  queue_ = "100_0 RUNNING\n100_1 PENDING\n101_0 RUNNING\n101_1 RUNNING\n";
  exec_->Cancel(1);
  exec_->Cancel(2);
  exec_->Cancel(3);
  std::vector<Completion> out;
  exec_->Wait(0, &out);
  auto scancel =
      std::find_if(calls_.begin(), calls_.end(), [](const Argv& a) { return a[0] == "scancel"; });
  ASSERT_NE(scancel, calls_.end());
  EXPECT_EQ(*scancel, (Argv{"scancel", "100", "101_0"}));
  EXPECT_EQ(Count("scancel"), 1u);
  // 100_0's command died of Slurm's SIGTERM before its wrapper noted the stop; the
  // others were killed before their wrappers wrote status.json.
  JobStatus killed;
  killed.exit_code = -1;
  killed.term_signal = 15;
  ASSERT_TRUE(WriteFile(Dir(1) + "/status.json", FormatStatus(killed)).ok());
  queue_ = "101_1 RUNNING\n";
  out.clear();
  exec_->Wait(0, &out);
  ASSERT_EQ(out.size(), 3u);
  for (const Completion& c : out) {
    EXPECT_TRUE(c.has_status);
    EXPECT_TRUE(c.status.cancelled);
  }
}

TEST_F(SlurmExecutorTest, AdoptsByRecordedIdAndAsksSqueue) {
  std::string d = Dir(9);
  Completion done;
  EXPECT_EQ(exec_->Adopt(9, d, "77_3", &done), AdoptResult::kRunning);
  EXPECT_EQ(exec_->Adopt(8, Dir(8), "", &done), AdoptResult::kGone);
  Finish(Dir(7), 0);
  EXPECT_EQ(exec_->Adopt(7, Dir(7), "77_1", &done), AdoptResult::kFinished);
  EXPECT_EQ(Count("sbatch"), 0u);
  queue_ = "77_3 RUNNING\n";
  std::vector<Completion> out;
  exec_->Wait(0, &out);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(Has(calls_.back(), "--jobs=77"));
  Finish(d, 85);
  exec_->Wait(0, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attempt_id, 9);
  EXPECT_EQ(out[0].status.exit_code, 85);
}

TEST_F(SlurmExecutorTest, StatusOfAnotherAttemptIsNotThisAttemptsEnd) {
  LaunchRequest r = Req(1, Dir(1));
  r.env.back() = "DROVER_ATTEMPT=2";
  std::string handle;
  ASSERT_TRUE(exec_->Submit(r, &handle).ok());
  JobStatus stray;  // written by a stray task of attempt 1
  stray.attempt = 1;
  ASSERT_TRUE(WriteFile(Dir(1) + "/status.json", FormatStatus(stray)).ok());
  queue_ = "100_0 RUNNING\n";
  std::vector<Completion> out;
  exec_->Wait(0, &out);
  exec_->Wait(0, &out);
  EXPECT_TRUE(out.empty());
  JobStatus own;
  own.attempt = 2;
  own.exit_code = 3;
  ASSERT_TRUE(WriteFile(Dir(1) + "/status.json", FormatStatus(own)).ok());
  exec_->Wait(0, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].status.exit_code, 3);
}

TEST_F(SlurmExecutorTest, UnrecordedSubmissionsLoseTheirManifestAndAreCancelled) {
  std::vector<std::string> handles;
  (void)exec_->SubmitMany({Req(1, Dir(1)), Req(2, Dir(2))}, &handles);  // array 100
  (void)exec_->SubmitMany({Req(3, Dir(3))}, &handles);                  // array 101
  std::string recorded = calls_[0].back(), unrecorded = calls_[1].back();
  // A drover killed while sbatch was blocked: a manifest and a script, no id.
  std::string blocked = opts_.state_dir + "/999-1-1";
  ASSERT_TRUE(WriteFile(blocked + ".jobs", "1 " + Dir(4) + "\n").ok());
  ASSERT_TRUE(WriteFile(blocked + ".sh", "#!/bin/sh\n").ok());
  exec_.reset();  // drover dies; only array 100's ids were recorded
  calls_.clear();
  auto restarted = NewExecutor();
  queue_ = "100_1|drover-train|" + recorded + "\n101_0|drover-train|" + unrecorded +
           "\n102_0|drover-train|" + blocked + ".sh\n103_0|drover-train|/else/where.sh\n";
  restarted->CancelUnrecorded({"100_1", ""});
  auto base = [](const std::string& script) { return script.substr(0, script.size() - 3); };
  EXPECT_TRUE(PathExists(base(recorded) + ".jobs"));
  EXPECT_FALSE(PathExists(base(unrecorded) + ".jobs"));
  EXPECT_FALSE(PathExists(base(unrecorded) + ".id"));
  EXPECT_FALSE(PathExists(blocked + ".jobs"));
  EXPECT_FALSE(PathExists(blocked + ".sh"));
  ASSERT_EQ(Count("squeue"), 1u);
  EXPECT_TRUE(Has(calls_[0], "--user=" + std::to_string(getuid())));
  ASSERT_EQ(Count("scancel"), 1u);
  EXPECT_EQ(calls_.back(), (Argv{"scancel", "101", "102"}));
  // With every submission recorded (or none there), a restart asks Slurm nothing.
  calls_.clear();
  NewExecutor()->CancelUnrecorded({"100_1"});
  EXPECT_TRUE(calls_.empty());
  opts_.state_dir = root_ + "/never-used";
  NewExecutor()->CancelUnrecorded({});
  EXPECT_TRUE(calls_.empty());
}

}  // namespace
}  // namespace drover
