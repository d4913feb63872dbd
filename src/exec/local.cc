// The local executor: each attempt is a drover-job wrapper (tools/drover_job.cc)
// started with posix_spawn. The design follows ninja's subprocess-posix.cc: SIGCHLD
// and the interrupt signals stay blocked except inside ppoll(), so a child that ends
// between two checks wakes the next ppoll() at once.
//
// Process groups: each wrapper runs in a group of its own (so a Ctrl-C at the terminal
// reaches drover only), and the wrapper puts its command in another new group, the
// job's group, which it alone signals. drover therefore never signals a job directly:
// Cancel sends SIGTERM to the wrapper (which stops the job's group gracefully) and
// KillAll sends job_wrapper::kKillSignal (which SIGKILLs the job's group at once).
// The wrapper survives both, so status.json is always written and a later drover
// sees the attempt as finished (cancelled), never as lost.
//
// A wrapper can still die without writing status.json (SIGKILL from the OOM killer or
// an admin, a full disk). Its command's shell dies with it (PR_SET_PDEATHSIG), but
// what the shell started may run on; before such an attempt is reported lost (and so
// before drover retries it in the same folder), LostAttempt kills what is left of the
// job's group, found through the wrapper's record in JOBDIR/command.sh
// (exec/job_group.h).
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>

#include <fmt/format.h>

#include "exec/local.h"
#include "exec/job_group.h"
#include "util/signals.h"

extern char** environ;

namespace drover {
namespace {

namespace jw = job_wrapper;

constexpr int kAdoptPollMs = 100;  // how often adopted attempts are looked at
constexpr int kLeftoverKillMs = 3000;  // how long a lost attempt's leftovers may take to die

int64_t NowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

std::string DescribeExit(int wstatus) {
  if (WIFSIGNALED(wstatus)) return "was killed by signal " + std::to_string(WTERMSIG(wstatus));
  return "exited with code " + std::to_string(WEXITSTATUS(wstatus));
}

// Why an attempt whose wrapper ended without status.json is lost (`lost`, unless the
// wrapper recorded why it could not write one), after killing what is left of its
// command: a retry in the same folder must not race a ghost of this attempt. Nothing
// is touched while a wrapper holds the lock (the folder is that wrapper's).
std::string LostAttempt(const std::string& dir, const std::string& lost) {
  WrapperRecord rec;
  if (JobLockHeld(dir) || !ReadWrapperRecord(dir, &rec)) return lost;
  std::string why = rec.problem.empty()
                        ? lost
                        : "the job wrapper could not record how the attempt ended: " + rec.problem;
  auto killed = KillJobGroup(dir, rec.pgid, kLeftoverKillMs);
  if (!killed.ok()) return why + "; " + killed.status().message();
  if (*killed > 0)
    why += fmt::format("; {} process{} of its command still running {} killed", *killed,
                       *killed == 1 ? "" : "es", *killed == 1 ? "was" : "were");
  return why;
}

}  // namespace

bool IsWrapperOf(pid_t pid, const std::string& dir) {
  char link[64], cwd[PATH_MAX], real[PATH_MAX];
  snprintf(link, sizeof link, "/proc/%d/cwd", static_cast<int>(pid));
  ssize_t n = readlink(link, cwd, sizeof cwd - 1);
  if (n < 0 || realpath(dir.c_str(), real) == nullptr) return false;
  cwd[n] = '\0';
  return std::strcmp(cwd, real) == 0;
}

namespace {

// True when `var` ("NAME=value") names a variable that one of `extra` sets.
bool Overridden(const char* var, const std::vector<std::string>& extra) {
  const char* eq = std::strchr(var, '=');
  size_t len = eq ? static_cast<size_t>(eq - var) : std::strlen(var);
  for (const std::string& e : extra) {
    if (e.size() > len && e[len] == '=' && e.compare(0, len, var, len) == 0) return true;
  }
  return false;
}

// drover's environment with `extra` on top; points into both, copies nothing.
std::vector<char*> BuildEnv(const std::vector<std::string>& extra) {
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (extra.empty() || !Overridden(*e, extra)) env.push_back(*e);
  }
  for (const std::string& e : extra) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  return env;
}

// The spawn attributes of every wrapper, built once. The wrapper gets a group of its
// own and a deliberate signal state rather than drover's: the signals it takes with
// sigtimedwait() start blocked (so a Cancel that arrives before its first instruction
// is queued, not fatal) and at their default disposition; every other one is open.
class WrapperSpawnAttr {
 public:
  WrapperSpawnAttr() {
    posix_spawnattr_init(&attr_);
    posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                         POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr_, 0);
    sigset_t mask;
    sigemptyset(&mask);
    for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGCHLD, jw::kKillSignal}) sigaddset(&mask, sig);
    posix_spawnattr_setsigmask(&attr_, &mask);
    sigaddset(&mask, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr_, &mask);
  }
  ~WrapperSpawnAttr() { posix_spawnattr_destroy(&attr_); }
  WrapperSpawnAttr(const WrapperSpawnAttr&) = delete;
  WrapperSpawnAttr& operator=(const WrapperSpawnAttr&) = delete;
  const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

class LocalExecutor final : public Executor {
 public:
  explicit LocalExecutor(std::string wrapper) : wrapper_(std::move(wrapper)) {
    InstallSignalHandlers();
  }
  std::string name() const override { return "local"; }
  Status Submit(const LaunchRequest& req, std::string* handle) override;
  AdoptResult Adopt(int64_t attempt_id, const std::string& job_dir, const std::string& handle,
                    Completion* done) override;
  void Wait(int timeout_ms, std::vector<Completion>* out) override;
  void Cancel(int64_t attempt_id) override { Signal(attempt_id, jw::kStopSignal); }
  void KillAll() override;
  size_t running() const override { return attempts_.size(); }

 private:
  // One attempt not yet reported. pid: the wrapper (0 when an adopted handle was not
  // a pid); adopted: not our child, watched through its lock instead of waitpid().
  struct Attempt {
    std::string dir;
    pid_t pid = 0;
    bool adopted = false;
  };

  void Signal(int64_t attempt_id, int sig);
  void ReapChildren(std::vector<Completion>* out);
  bool ReapOne(pid_t pid, int flags, std::vector<Completion>* out);
  void ScanChildren(std::vector<Completion>* out);
  void PollAdopted(std::vector<Completion>* out);
  void WaitForSignal(int64_t deadline_ms) const;

  std::string wrapper_;
  WrapperSpawnAttr spawn_attr_;
  std::unordered_map<int64_t, Attempt> attempts_;  // by attempt id
  std::unordered_map<pid_t, int64_t> children_;    // our wrappers' pids -> attempt id
  size_t adopted_ = 0;                             // how many of attempts_ are adopted
  int64_t next_adopt_poll_ms_ = 0;
};

Status LocalExecutor::Submit(const LaunchRequest& req, std::string* handle) {
  if (attempts_.count(req.attempt_id)) {
    return Status::Invalid("attempt " + std::to_string(req.attempt_id) + " is already running");
  }
  // The wrapper reads plain decimals ("0.500"); a walltime below 1 ms is still one.
  char walltime[48], grace[48];
  double wall = req.walltime_s > 0 ? std::max(0.001, req.walltime_s) : 0;
  snprintf(walltime, sizeof walltime, "%.3f", std::min(wall, 3e9));
  snprintf(grace, sizeof grace, "%.3f", std::clamp(req.grace_s, 0.0, 3e9));
  char* argv[] = {const_cast<char*>(wrapper_.c_str()), const_cast<char*>(req.job_dir.c_str()),
                  walltime, grace, nullptr};
  std::vector<char*> env = BuildEnv(req.env);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, wrapper_.c_str(), nullptr, spawn_attr_.get(), argv, env.data());
  if (rc != 0) return Status::FromErrno("starting " + wrapper_ + " for " + req.job_dir, rc);
  attempts_[req.attempt_id] = Attempt{req.job_dir, pid, false};
  children_[pid] = req.attempt_id;
  *handle = std::to_string(pid);
  return Status::Ok();
}

AdoptResult LocalExecutor::Adopt(int64_t attempt_id, const std::string& job_dir,
                                 const std::string& handle, Completion* done) {
  Completion c;
  c.attempt_id = attempt_id;
  // status.json is renamed into place before the wrapper lets go of the lock, so
  // "no lock" followed by "no status" means the wrapper died without writing one.
  if (!ReadStatusInto(job_dir, &c)) {
    if (JobLockHeld(job_dir)) {
      if (attempts_.count(attempt_id)) return AdoptResult::kRunning;  // adopted already
      char* end = nullptr;
      long pid = std::strtol(handle.c_str(), &end, 10);
      bool is_pid = end != handle.c_str() && *end == '\0' && pid > 0 && pid <= INT_MAX;
      attempts_[attempt_id] = Attempt{job_dir, is_pid ? static_cast<pid_t>(pid) : 0, true};
      ++adopted_;
      return AdoptResult::kRunning;
    }
    if (!ReadStatusInto(job_dir, &c)) {
      c.error = LostAttempt(job_dir, "lost: no job wrapper holds the lock and there is no status.json");
      *done = std::move(c);
      return AdoptResult::kGone;
    }
  }
  *done = std::move(c);
  return AdoptResult::kFinished;
}

void LocalExecutor::Wait(int timeout_ms, std::vector<Completion>* out) {
  const size_t before = out->size();
  const int interrupts = InterruptCount();
  const int64_t deadline = timeout_ms < 0 ? INT64_MAX : NowMs() + timeout_ms;
  for (;;) {
    ReapChildren(out);
    PollAdopted(out);
    if (out->size() > before || InterruptCount() != interrupts) return;
    if (NowMs() >= deadline) return;
    WaitForSignal(deadline);
  }
}

// Sleeps until a signal (SIGCHLD, an interrupt), the deadline, or the next look at
// adopted attempts. The signals are open only inside ppoll(), so none is missed.
void LocalExecutor::WaitForSignal(int64_t deadline_ms) const {
  int64_t until = deadline_ms;
  if (adopted_ > 0) until = std::min(until, next_adopt_poll_ms_);
  int64_t left = std::max<int64_t>(0, until - NowMs());
  timespec ts;
  ts.tv_sec = left / 1000;
  ts.tv_nsec = (left % 1000) * 1000000;
  bool forever = until == INT64_MAX;
  ppoll(nullptr, 0, forever ? nullptr : &ts, WaitMask());
}

// Reaps every wrapper of ours that has ended. A peek (WNOWAIT) names the next ended
// child; children that are not ours are left for whoever started them.
void LocalExecutor::ReapChildren(std::vector<Completion>* out) {
  while (!children_.empty()) {
    siginfo_t info;
    std::memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    if (!children_.count(info.si_pid)) return ScanChildren(out);
    ReapOne(info.si_pid, 0, out);
  }
}

// The slow path when another part of the process has an unreaped child: one
// waitpid() per wrapper of ours.
void LocalExecutor::ScanChildren(std::vector<Completion>* out) {
  std::vector<pid_t> pids;
  for (const auto& [pid, id] : children_) pids.push_back(pid);
  for (pid_t pid : pids) ReapOne(pid, WNOHANG, out);
}

// Reaps wrapper `pid` if it has ended and reports its attempt; false if still running.
bool LocalExecutor::ReapOne(pid_t pid, int flags, std::vector<Completion>* out) {
  int wstatus = 0;
  pid_t got;
  while ((got = waitpid(pid, &wstatus, flags)) < 0 && errno == EINTR) {
  }
  if (got == 0) return false;
  auto child = children_.find(pid);
  auto it = attempts_.find(child->second);
  Completion c;
  c.attempt_id = it->first;
  if (!ReadStatusInto(it->second.dir, &c)) {
    bool lock_held = got > 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == jw::kExitLockHeld;
    c.error = lock_held ? "already running elsewhere (lock held)"
              : got < 0 ? LostAttempt(it->second.dir, "lost: the job wrapper could not be waited for")
                        : LostAttempt(it->second.dir, "lost: the job wrapper " + DescribeExit(wstatus) +
                                                          " and left no status.json");
  }
  out->push_back(std::move(c));
  attempts_.erase(it);
  children_.erase(child);
  return true;
}

// Reports adopted attempts whose wrapper has let go of the lock; at most every
// kAdoptPollMs.
void LocalExecutor::PollAdopted(std::vector<Completion>* out) {
  if (adopted_ == 0 || NowMs() < next_adopt_poll_ms_) return;
  next_adopt_poll_ms_ = NowMs() + kAdoptPollMs;
  for (auto it = attempts_.begin(); it != attempts_.end();) {
    if (!it->second.adopted || JobLockHeld(it->second.dir)) {
      ++it;
      continue;
    }
    Completion c;
    c.attempt_id = it->first;
    if (!ReadStatusInto(it->second.dir, &c)) {
      c.error = LostAttempt(it->second.dir, "lost: the adopted job wrapper ended and left no status.json");
    }
    out->push_back(std::move(c));
    it = attempts_.erase(it);
    --adopted_;
  }
}

// Signals an attempt's wrapper. An adopted wrapper's pid came from an earlier drover,
// so it is signalled only while it is provably still that wrapper.
void LocalExecutor::Signal(int64_t attempt_id, int sig) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end() || it->second.pid <= 0) return;
  const Attempt& a = it->second;
  if (a.adopted && !(JobLockHeld(a.dir) && IsWrapperOf(a.pid, a.dir))) return;
  kill(a.pid, sig);
}

void LocalExecutor::KillAll() {
  for (const auto& [id, attempt] : attempts_) Signal(id, jw::kKillSignal);
}

}  // namespace

std::unique_ptr<Executor> NewLocalExecutor(const std::string& wrapper_path) {
  return std::make_unique<LocalExecutor>(wrapper_path);
}

}  // namespace drover
