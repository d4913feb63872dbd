// The local executor and the job wrapper, with real processes in temporary
// directories. The wrapper is $DROVER_BUILD_DIR/drover-job (ctest sets the variable).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exec/local.h"
#include "exec/job_group.h"
#include "util/signals.h"

namespace drover {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string WrapperPath() {
  const char* dir = std::getenv("DROVER_BUILD_DIR");
  return std::string(dir ? dir : ".") + "/drover-job";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// True while `pid` exists and is not a zombie.
bool Alive(pid_t pid) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Polls `cond` every 10 ms for up to `seconds`.
template <typename F>
bool Eventually(F cond, double seconds = 5) {
  auto start = Clock::now();
  while (!cond()) {
    if (SecondsSince(start) > seconds) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool LockHeld(const std::string& dir) {
  int fd = open((dir + "/" + job_wrapper::kCommandFile).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
  close(fd);
  return held;
}

class LocalExecutorTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(WrapperPath())) << "set DROVER_BUILD_DIR; no " << WrapperPath();
    char tmpl[] = "/tmp/drover-local-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    exec_ = NewLocalExecutor(WrapperPath());
  }
  void TearDown() override {
    exec_->KillAll();
    std::vector<Completion> rest;
    auto start = Clock::now();
    while (exec_->running() > 0 && SecondsSince(start) < 5) exec_->Wait(100, &rest);
    fs::remove_all(root_);
  }

  // A job directory holding command.sh.
  std::string Job(const std::string& name, const std::string& script) {
    std::string dir = root_ + "/" + name;
    fs::create_directories(dir);
    std::ofstream(dir + "/command.sh") << script << "\n";
    return dir;
  }
  LaunchRequest Request(int64_t id, const std::string& dir) {
    LaunchRequest req;
    req.attempt_id = id;
    req.job_dir = dir;
    return req;
  }
  void Submit(const LaunchRequest& req) {
    std::string handle;
    Status st = exec_->Submit(req, &handle);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(handle, std::to_string(std::stoi(handle)));
  }
  // Waits until n completions arrived (or `seconds` passed).
  std::vector<Completion> WaitFor(size_t n, double seconds = 10) {
    std::vector<Completion> out;
    auto start = Clock::now();
    while (out.size() < n && SecondsSince(start) < seconds) exec_->Wait(200, &out);
    return out;
  }
  Completion RunOne(const std::string& script, double seconds = 10) {
    Submit(Request(1, Job("job", script)));
    std::vector<Completion> out = WaitFor(1, seconds);
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? Completion{} : out[0];
  }
  // Starts the wrapper directly (not through the executor), as an earlier drover did.
  pid_t StartWrapper(const std::string& dir) {
    std::string w = WrapperPath();
    char zero[] = "0", grace[] = "1";
    char* argv[] = {w.data(), const_cast<char*>(dir.c_str()), zero, grace, nullptr};
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, w.c_str(), nullptr, nullptr, argv, environ), 0);
    return pid;
  }
  int Reap(pid_t pid) {
    int ws = 0;
    EXPECT_EQ(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }

  std::string root_;
  std::unique_ptr<Executor> exec_;
};

TEST_F(LocalExecutorTest, ExitZeroCapturesOutput) {
  Completion c = RunOne("echo out; echo err >&2; exit 0");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(c.attempt_id, 1);
  EXPECT_EQ(c.status.exit_code, 0);
  EXPECT_EQ(c.status.term_signal, 0);
  EXPECT_FALSE(c.status.walltime_exceeded);
  EXPECT_FALSE(c.status.cancelled);
  EXPECT_LE(c.status.started, c.status.ended);
  EXPECT_FALSE(c.status.host.empty());
  EXPECT_EQ(ReadFile(root_ + "/job/stdout"), "out\n");
  EXPECT_EQ(ReadFile(root_ + "/job/stderr"), "err\n");
  EXPECT_EQ(exec_->running(), 0u);
}

TEST_F(LocalExecutorTest, ExitCodeIsReported) {
  Completion c = RunOne("exit 3");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(c.status.exit_code, 3);
}

TEST_F(LocalExecutorTest, KilledBySignal) {
  Completion c = RunOne("kill -KILL $$");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(c.status.exit_code, -1);
  EXPECT_EQ(c.status.term_signal, SIGKILL);
}

TEST_F(LocalExecutorTest, EnvironmentIsPassedAndOverrides) {
  setenv("DROVER_Y", "old", 1);
  LaunchRequest req =
      Request(1, Job("job", "echo \"$DROVER_X $DROVER_Y\"; env | grep -c '^DROVER_Y='"));
  req.env = {"DROVER_X=1", "DROVER_Y=new"};
  Submit(req);
  ASSERT_EQ(WaitFor(1).size(), 1u);
  EXPECT_EQ(ReadFile(root_ + "/job/stdout"), "1 new\n1\n");
  unsetenv("DROVER_Y");
}

TEST_F(LocalExecutorTest, StatusCarriesTheAttemptAndCheckpointFolderExists) {
  LaunchRequest req = Request(1, Job("job", "test -d \"$PWD/checkpoint\" && echo ckpt"));
  req.env = {"DROVER_ATTEMPT=3"};
  Submit(req);
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_EQ(out[0].status.attempt, 3);
  EXPECT_EQ(ReadFile(root_ + "/job/stdout"), "ckpt\n");
  Completion plain = RunOne("true");  // no DROVER_ATTEMPT: not recorded
  ASSERT_TRUE(plain.has_status) << plain.error;
  EXPECT_EQ(plain.status.attempt, 0);
}

// The names in a folder, sorted; folders end with '/'.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string() + (e.is_directory() ? "/" : ""));
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(LocalExecutorTest, ATrivialJobLeavesOnlyItsScriptAndStatus) {
  Completion c = RunOne("true");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(Listing(root_ + "/job"), (std::vector<std::string>{"command.sh", "status.json"}));
}

TEST_F(LocalExecutorTest, WhatAJobUsedStays) {
  Completion c = RunOne("echo err >&2; echo saved > \"$PWD/checkpoint/state\"");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(Listing(root_ + "/job"),
            (std::vector<std::string>{"checkpoint/", "command.sh", "status.json", "stderr"}));
  EXPECT_EQ(ReadFile(root_ + "/job/checkpoint/state"), "saved\n");
}

TEST_F(LocalExecutorTest, StdinIsDevNull) {
  Completion c = RunOne("cat; echo done");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(ReadFile(root_ + "/job/stdout"), "done\n");
}

// drover blocks SIGINT/TERM/HUP/CHLD in its own thread, and glibc's posix_spawn
// ignores its internal signals in the wrapper; the job must see none of it (here grep,
// whose mask and ignored set dash passes on unchanged).
TEST_F(LocalExecutorTest, JobStartsWithACleanSignalState) {
  Completion c = RunOne("grep -E '^Sig(Blk|Ign)' /proc/self/status");
  ASSERT_TRUE(c.has_status) << c.error;
  EXPECT_EQ(ReadFile(root_ + "/job/stdout"),
            "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST_F(LocalExecutorTest, WrapperRejectsBadArguments) {
  std::string dir = Job("job", "echo ran");
  std::string w = WrapperPath();
  for (const char* walltime : {"abc", "-1", "1e3", ""}) {
    char* argv[] = {w.data(), dir.data(), const_cast<char*>(walltime), const_cast<char*>("1"),
                    nullptr};
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, w.c_str(), nullptr, nullptr, argv, environ), 0);
    EXPECT_EQ(Reap(pid), 64) << walltime;
  }
  EXPECT_FALSE(fs::exists(dir + "/stdout"));
  EXPECT_FALSE(fs::exists(dir + "/status.json"));
}

TEST_F(LocalExecutorTest, WalltimeStopsTheJob) {
  LaunchRequest req = Request(1, Job("job", "sleep 30"));
  req.walltime_s = 0.5;
  req.grace_s = 0.5;
  auto start = Clock::now();
  Submit(req);
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LT(SecondsSince(start), 3);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_TRUE(out[0].status.walltime_exceeded);
  EXPECT_FALSE(out[0].status.cancelled);
  EXPECT_EQ(out[0].status.term_signal, SIGTERM);
}

TEST_F(LocalExecutorTest, JobIgnoringTermIsKilledAfterGrace) {
  LaunchRequest req = Request(1, Job("job", "trap '' TERM; sleep 30"));
  req.walltime_s = 0.3;
  req.grace_s = 0.5;
  auto start = Clock::now();
  Submit(req);
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  double took = SecondsSince(start);
  EXPECT_GE(took, 0.75);
  EXPECT_LT(took, 3);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_TRUE(out[0].status.walltime_exceeded);
  EXPECT_EQ(out[0].status.term_signal, SIGKILL);
}

// Cancelled at once, before the wrappers have started their commands: the stop
// signal waits in the wrapper until the job's group exists, so no job sits out its
// grace period.
TEST_F(LocalExecutorTest, CancelRightAfterSubmitStopsTheJobs) {
  for (int i = 0; i < 5; ++i) {
    LaunchRequest req = Request(i, Job("job" + std::to_string(i), "sleep 30"));
    req.grace_s = 5;
    Submit(req);
    exec_->Cancel(i);
  }
  auto start = Clock::now();
  std::vector<Completion> out = WaitFor(5);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_LT(SecondsSince(start), 3);
  for (const Completion& c : out) {
    ASSERT_TRUE(c.has_status) << c.error;
    EXPECT_TRUE(c.status.cancelled);
    EXPECT_FALSE(c.status.walltime_exceeded);
  }
}

TEST_F(LocalExecutorTest, CancelKillsTheWholeGroup) {
  std::string dir = Job("job", "sleep 100 & echo $! > bg.pid; wait");
  Submit(Request(1, dir));
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir + "/bg.pid").find('\n') != std::string::npos; },
                         5));
  pid_t bg = std::stoi(ReadFile(dir + "/bg.pid"));
  ASSERT_TRUE(Alive(bg));
  exec_->Cancel(1);
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].has_status && out[0].status.cancelled);
  EXPECT_TRUE(Eventually([&] { return !Alive(bg); }));
}

TEST_F(LocalExecutorTest, StragglersAreKilledWhenTheCommandEnds) {
  std::string dir = Job("job", "sleep 100 & echo $! > bg.pid; exit 0");
  auto start = Clock::now();
  Submit(Request(1, dir));
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_LT(SecondsSince(start), 3);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_EQ(out[0].status.exit_code, 0);
  pid_t bg = std::stoi(ReadFile(dir + "/bg.pid"));
  EXPECT_TRUE(Eventually([&] { return !Alive(bg); }));
}

TEST_F(LocalExecutorTest, KillAllKillsAtOnceAndStillRecords) {
  for (int i = 0; i < 5; ++i) {
    LaunchRequest req = Request(i, Job("job" + std::to_string(i), "trap '' TERM; sleep 30"));
    req.grace_s = 30;
    Submit(req);
  }
  exec_->KillAll();
  auto start = Clock::now();
  std::vector<Completion> out = WaitFor(5);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_LT(SecondsSince(start), 3);
  for (const Completion& c : out) {
    ASSERT_TRUE(c.has_status) << c.error;
    EXPECT_TRUE(c.status.cancelled);
    EXPECT_EQ(c.status.term_signal, SIGKILL);
  }
}

TEST_F(LocalExecutorTest, TwentyConcurrentJobs) {
  for (int i = 0; i < 20; ++i) {
    Submit(Request(i, Job("job" + std::to_string(i), "sleep 0.2; exit " + std::to_string(i))));
  }
  EXPECT_EQ(exec_->running(), 20u);
  std::vector<Completion> out = WaitFor(20);
  ASSERT_EQ(out.size(), 20u);
  std::vector<bool> seen(20);
  for (const Completion& c : out) {
    ASSERT_TRUE(c.has_status) << c.error;
    EXPECT_EQ(c.status.exit_code, c.attempt_id);
    seen[c.attempt_id] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 20);
  EXPECT_EQ(exec_->running(), 0u);
}

TEST_F(LocalExecutorTest, WrapperKilledWithoutStatusIsLost) {
  Completion c = RunOne("kill -KILL $PPID; sleep 0.1");
  EXPECT_FALSE(c.has_status);
  EXPECT_NE(c.error.find("lost: the job wrapper was killed by signal 9"), std::string::npos)
      << c.error;
}

TEST_F(LocalExecutorTest, MissingWrapperFailsTheSubmit) {
  auto exec = NewLocalExecutor(root_ + "/no-such-wrapper");
  std::string handle;
  EXPECT_FALSE(exec->Submit(Request(1, Job("job", "true")), &handle).ok());
  EXPECT_EQ(exec->running(), 0u);
}

TEST_F(LocalExecutorTest, SecondSubmitOfARunningDirIsRefused) {
  std::string dir = Job("job", "echo first; sleep 1");
  Submit(Request(1, dir));
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir + "/stdout") == "first\n"; }));
  Submit(Request(2, dir));
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attempt_id, 2);
  EXPECT_EQ(out[0].error, "already running elsewhere (lock held)");
  exec_->Cancel(1);
  out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(ReadFile(dir + "/stdout"), "first\n");
}

TEST_F(LocalExecutorTest, AnEarlierAttemptsWrapperRunsNothing) {
  // command.sh written for attempt 2; a wrapper of attempt 1 (a Slurm job that a dead
  // drover submitted) starts late: it must not run the command nor write a status.
  std::string dir = Job("job", std::string("#!/bin/sh\n") + job_wrapper::kAttemptMarker +
                                   "2\necho ran >> " + root_ + "/ran.log");
  setenv("DROVER_ATTEMPT", "1", 1);
  int stale = Reap(StartWrapper(dir));
  setenv("DROVER_ATTEMPT", "2", 1);
  int current = Reap(StartWrapper(dir));
  unsetenv("DROVER_ATTEMPT");
  EXPECT_EQ(stale, job_wrapper::kExitStaleAttempt);
  EXPECT_EQ(current, 0);
  EXPECT_EQ(ReadFile(root_ + "/ran.log"), "ran\n");  // once: attempt 2's
  auto st = ReadStatusFile(dir + "/status.json");
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->attempt, 2);
}

TEST_F(LocalExecutorTest, AWrapperRunsNoAttemptThatStatusJsonRecordsAsRun) {
  // Attempt 2 ran; a second task of attempt 2 (a requeued or duplicated Slurm task)
  // must not run it again, nor touch its status.json; nor may attempt 3 run where a
  // status.json records attempt 5.
  std::string dir = Job("job", std::string("#!/bin/sh\n") + job_wrapper::kAttemptMarker +
                                   "2\necho ran >> " + root_ + "/ran.log");
  setenv("DROVER_ATTEMPT", "2", 1);
  int first = Reap(StartWrapper(dir));
  auto status = ReadFile(dir + "/status.json");
  int again = Reap(StartWrapper(dir));
  EXPECT_EQ(first, 0);
  EXPECT_EQ(again, job_wrapper::kExitStaleAttempt);
  EXPECT_EQ(ReadFile(root_ + "/ran.log"), "ran\n");
  EXPECT_EQ(ReadFile(dir + "/status.json"), status);
  JobStatus later;
  later.exit_code = 0;
  later.attempt = 5;
  std::ofstream(dir + "/status.json") << FormatStatus(later);
  Job("job", std::string("#!/bin/sh\n") + job_wrapper::kAttemptMarker + "3\necho ran >> " +
                 root_ + "/ran.log");
  setenv("DROVER_ATTEMPT", "3", 1);
  int older = Reap(StartWrapper(dir));
  unsetenv("DROVER_ATTEMPT");
  EXPECT_EQ(older, job_wrapper::kExitStaleAttempt);
  EXPECT_EQ(ReadFile(root_ + "/ran.log"), "ran\n");
  EXPECT_EQ(ReadFile(dir + "/status.json"), FormatStatus(later));
}

TEST_F(LocalExecutorTest, LockKeepsASecondWrapperOut) {
  std::string dir = Job("job", "echo first; sleep 1");
  pid_t first = StartWrapper(dir);
  ASSERT_TRUE(Eventually([&] { return LockHeld(dir); }));
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir + "/stdout") == "first\n"; }));
  EXPECT_EQ(Reap(StartWrapper(dir)), job_wrapper::kExitLockHeld);
  EXPECT_EQ(ReadFile(dir + "/stdout"), "first\n");  // not truncated
  EXPECT_FALSE(fs::exists(dir + "/status.json"));
  kill(first, SIGTERM);
  EXPECT_EQ(Reap(first), 128 + SIGTERM);
  EXPECT_TRUE(ReadStatusFile(dir + "/status.json").ok());
}

TEST_F(LocalExecutorTest, AdoptRunningThenComplete) {
  std::string dir = Job("job", "sleep 0.5; exit 4");
  pid_t pid = StartWrapper(dir);
  ASSERT_TRUE(Eventually([&] { return LockHeld(dir); }));
  Completion done;
  EXPECT_EQ(exec_->Adopt(7, dir, std::to_string(pid), &done), AdoptResult::kRunning);
  EXPECT_EQ(exec_->running(), 1u);
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attempt_id, 7);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_EQ(out[0].status.exit_code, 4);
  EXPECT_EQ(exec_->running(), 0u);
  EXPECT_EQ(Reap(pid), 4);
}

TEST_F(LocalExecutorTest, CancelAdopted) {
  std::string dir = Job("job", "sleep 30");
  pid_t pid = StartWrapper(dir);
  ASSERT_TRUE(Eventually([&] { return LockHeld(dir); }));
  Completion done;
  ASSERT_EQ(exec_->Adopt(7, dir, std::to_string(pid), &done), AdoptResult::kRunning);
  exec_->Cancel(7);
  std::vector<Completion> out = WaitFor(1, 3);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_TRUE(out[0].has_status) << out[0].error;
  EXPECT_TRUE(out[0].status.cancelled);
  Reap(pid);
}

TEST_F(LocalExecutorTest, AdoptFinished) {
  std::string dir = Job("job", "exit 5");
  EXPECT_EQ(Reap(StartWrapper(dir)), 5);
  Completion done;
  EXPECT_EQ(exec_->Adopt(7, dir, "12345", &done), AdoptResult::kFinished);
  EXPECT_EQ(done.attempt_id, 7);
  ASSERT_TRUE(done.has_status) << done.error;
  EXPECT_EQ(done.status.exit_code, 5);
  EXPECT_EQ(exec_->running(), 0u);
}

TEST_F(LocalExecutorTest, AdoptWithoutLockOrStatusIsGone) {
  std::string dir = Job("job", "true");
  Completion done;
  EXPECT_EQ(exec_->Adopt(7, dir, "12345", &done), AdoptResult::kGone);
  std::ofstream(dir + "/lock");  // a lock file nobody holds
  EXPECT_EQ(exec_->Adopt(7, dir, "12345", &done), AdoptResult::kGone);
  EXPECT_EQ(exec_->running(), 0u);
}

// ---- What a killed wrapper leaves behind ----

// A process group of its own running `script` with `cwd` as its folder, as the wrapper
// starts a job's command; the leader is our child. `env`: extra "NAME=value".
pid_t StartGroup(const std::string& cwd, const std::string& script, const std::string& env = "") {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    if (chdir(cwd.c_str()) != 0) _exit(127);
    if (!env.empty()) putenv(const_cast<char*>(env.c_str()));
    execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// True once `pid` runs a program started with `var` in its environment (after exec:
// /proc/PID/environ is what exec gave it).
bool StartedWith(pid_t pid, const std::string& var) {
  std::string env = ReadFile("/proc/" + std::to_string(pid) + "/environ");
  return env.find(var + '\0') != std::string::npos;
}

// The pids a job script wrote to `path`, one a line, once there are `n` of them.
std::vector<pid_t> PidsIn(const std::string& path, size_t n) {
  std::vector<pid_t> pids;
  Eventually([&] {
    pids.clear();
    std::istringstream in(ReadFile(path));
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids.size() >= n;
  });
  return pids;
}

TEST_F(LocalExecutorTest, KillJobGroupKillsEveryMemberAndWaits) {
  std::string dir = Job("job", "");
  pid_t leader = StartGroup(dir, "sleep 30 & echo $! >> pids; sleep 30 & echo $! >> pids; wait");
  std::vector<pid_t> pids = PidsIn(dir + "/pids", 2);
  ASSERT_EQ(pids.size(), 2u);
  auto killed = KillJobGroup(dir, leader, 5000);
  ASSERT_TRUE(killed.ok()) << killed.status().message();
  EXPECT_EQ(*killed, 3);  // the shell and its two sleeps
  for (pid_t p : pids) EXPECT_FALSE(Alive(p)) << p;  // gone when it returns, no waiting here
  EXPECT_EQ(Reap(leader), 128 + SIGKILL);
}

TEST_F(LocalExecutorTest, KillJobGroupFindsMembersByTheirJobDirWhenTheyMovedAway) {
  std::string dir = Job("job", "");
  pid_t leader = StartGroup(root_, "exec sleep 30", "DROVER_JOB_DIR=" + dir);
  ASSERT_TRUE(Eventually([&] { return StartedWith(leader, "DROVER_JOB_DIR=" + dir); }));
  auto killed = KillJobGroup(dir, leader, 5000);
  ASSERT_TRUE(killed.ok()) << killed.status().message();
  EXPECT_EQ(*killed, 1);
  EXPECT_EQ(Reap(leader), 128 + SIGKILL);
}

TEST_F(LocalExecutorTest, KillJobGroupLeavesAGroupThatIsNotTheJobsAlone) {
  // The recorded pgid now names a stranger's group (a reused pid): its cwd is elsewhere
  // and it was not started for the job.
  std::string dir = Job("job", "");
  std::string elsewhere = root_ + "/elsewhere";
  fs::create_directories(elsewhere);
  pid_t stranger = StartGroup(elsewhere, "exec sleep 30", "DROVER_JOB_DIR=" + elsewhere);
  ASSERT_TRUE(Eventually([&] { return StartedWith(stranger, "DROVER_JOB_DIR=" + elsewhere); }));
  auto killed = KillJobGroup(dir, stranger, 5000);
  ASSERT_TRUE(killed.ok()) << killed.status().message();
  EXPECT_EQ(*killed, 0);
  EXPECT_TRUE(Alive(stranger));
  kill(stranger, SIGKILL);
  Reap(stranger);
}

TEST_F(LocalExecutorTest, WrapperRecordsTheAttemptAndTheJobsGroup) {
  std::string dir = Job("job", "echo $$ > shell.pid");
  setenv("DROVER_ATTEMPT", "3", 1);
  EXPECT_EQ(Reap(StartWrapper(dir)), 0);
  unsetenv("DROVER_ATTEMPT");
  WrapperRecord rec;
  ASSERT_TRUE(ReadWrapperRecord(dir, &rec));
  EXPECT_EQ(rec.attempt, 3);
  EXPECT_EQ(rec.pgid, std::stoi(ReadFile(dir + "/shell.pid")));
  EXPECT_EQ(rec.problem, "");
  // The record is a comment line at the end of command.sh; what drover wrote is intact.
  EXPECT_EQ(WithoutWrapperRecord(ReadFile(dir + "/command.sh")), "echo $$ > shell.pid\n");
}

TEST_F(LocalExecutorTest, KilledWrapperLeavesNoCommandRunning) {
  // The OOM killer takes the wrapper: its shell dies with it, and what the shell
  // started is killed before the attempt is reported lost (and retried).
  Submit(Request(1, Job("job", "sleep 30 & echo $! > bg.pid; echo $$ > sh.pid; "
                               "kill -KILL $PPID; wait")));
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].has_status);
  EXPECT_NE(out[0].error.find("lost: the job wrapper was killed by signal 9"), std::string::npos);
  EXPECT_NE(out[0].error.find(" of its command still running w"), std::string::npos)
      << out[0].error;  // the sleep, and the shell if PR_SET_PDEATHSIG was not yet done
  EXPECT_FALSE(Alive(std::stoi(ReadFile(root_ + "/job/bg.pid"))));
  EXPECT_TRUE(Eventually([&] { return !Alive(std::stoi(ReadFile(root_ + "/job/sh.pid"))); }));
}

TEST_F(LocalExecutorTest, AdoptOfAKilledWrapperKillsWhatItLeftRunning) {
  std::string dir = Job("job", "sleep 30 & echo $! > bg.pid; wait");
  pid_t wrapper = StartWrapper(dir);
  std::vector<pid_t> bg = PidsIn(dir + "/bg.pid", 1);
  ASSERT_EQ(bg.size(), 1u);
  kill(wrapper, SIGKILL);  // while drover was away
  Reap(wrapper);
  Completion done;
  EXPECT_EQ(exec_->Adopt(7, dir, std::to_string(wrapper), &done), AdoptResult::kGone);
  // The shell (if PR_SET_PDEATHSIG has not ended it yet) and the sleep: 1 or 2.
  EXPECT_NE(done.error.find(" of its command still running w"), std::string::npos) << done.error;
  EXPECT_FALSE(Alive(bg[0]));
}

TEST_F(LocalExecutorTest, UnwritableStatusSaysWhyAndThatTheCommandRan) {
  std::string dir = Job("job", "echo ran");
  fs::create_directories(dir + "/" + job_wrapper::kStatusTmpFile);  // open() gets EISDIR
  Submit(Request(1, dir));
  std::vector<Completion> out = WaitFor(1);
  ASSERT_EQ(out.size(), 1u);
  const Completion& c = out[0];
  EXPECT_FALSE(c.has_status);
  EXPECT_EQ(c.error,
            "the job wrapper could not record how the attempt ended: cannot write status.json: "
            "is a directory (errno 21)");
  EXPECT_EQ(ReadFile(dir + "/stdout"), "ran\n");
}

TEST_F(LocalExecutorTest, FullDiskIsNamedNotErrno5) {
  std::string dir = root_ + "/small";
  fs::create_directories(dir);
  if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (needs root): " << strerror(errno);
  std::string job = dir + "/job";
  fs::create_directories(job);
  // The command fills the disk, so the wrapper cannot write status.json after it.
  std::ofstream(job + "/command.sh") << "cat /dev/zero > fill 2>/dev/null; echo done\n";
  Submit(Request(1, job));
  std::vector<Completion> out = WaitFor(1);
  umount2(dir.c_str(), MNT_DETACH);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].has_status);
  EXPECT_EQ(out[0].error,
            "the job wrapper could not record how the attempt ended: cannot write status.json: "
            "no space left on device (errno 28)");
}

TEST_F(LocalExecutorTest, WaitReturnsEarlyOnInterrupt) {
  ResetInterrupts();
  kill(getpid(), SIGHUP);  // blocked: delivered inside Wait's ppoll
  auto start = Clock::now();
  std::vector<Completion> out;
  exec_->Wait(5000, &out);
  EXPECT_LT(SecondsSince(start), 1);
  EXPECT_EQ(InterruptCount(), 1);
  EXPECT_EQ(LastInterruptSignal(), SIGHUP);
  ResetInterrupts();
}

TEST_F(LocalExecutorTest, WaitTimesOutWhenIdle) {
  auto start = Clock::now();
  std::vector<Completion> out;
  exec_->Wait(100, &out);
  EXPECT_GE(SecondsSince(start), 0.09);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace drover
