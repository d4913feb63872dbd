// Finding and killing what a dead job wrapper left running, through /proc.
#include "exec/job_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "exec/executor.h"

namespace drover {
namespace {

// Up to `limit` bytes of a file (a /proc file has no size to stat); "" when unreadable.
std::string ReadSome(const std::string& path, size_t limit) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  ssize_t n;
  while (out.size() < limit && ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// A decimal at *p (leading spaces skipped), advancing p; -1 when there is none.
long ParseNumber(const char** p) {
  while (**p == ' ') ++*p;
  if (**p < '0' || **p > '9') return -1;
  long v = 0;
  for (; **p >= '0' && **p <= '9' && v < INT_MAX / 10; ++*p) v = v * 10 + (**p - '0');
  return v;
}

// The live (not zombie, not dead) processes whose process group is `pgid`.
std::vector<pid_t> LiveMembers(pid_t pgid) {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = readdir(proc)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    // "pid (comm) state ppid pgrp ...": comm may hold anything, so parse after its ')'.
    std::string stat = ReadSome(std::string("/proc/") + e->d_name + "/stat", 1024);
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) continue;
    char state = stat[paren + 2];
    const char* p = stat.c_str() + paren + 3;
    if (ParseNumber(&p) < 0 || ParseNumber(&p) != pgid) continue;  // ppid, then pgrp
    if (state != 'Z' && state != 'X' && state != 'x') out.push_back(atoi(e->d_name));
  }
  closedir(proc);
  return out;
}

// True when process `pid` works in `real_dir` (or below) or was started for the job
// folder `job_dir` (DROVER_JOB_DIR in its environment).
bool WorksFor(pid_t pid, const std::string& real_dir, const std::string& job_dir) {
  std::string base = "/proc/" + std::to_string(pid);
  char cwd[PATH_MAX];
  ssize_t n = readlink((base + "/cwd").c_str(), cwd, sizeof cwd - 1);
  if (n > 0) {
    std::string c(cwd, static_cast<size_t>(n));
    if (!real_dir.empty() && (c == real_dir || c.rfind(real_dir + "/", 0) == 0)) return true;
  }
  std::string env = ReadSome(base + "/environ", 1 << 20);
  std::string want = "DROVER_JOB_DIR=" + job_dir;
  for (size_t at = 0; at < env.size(); at = env.find('\0', at) + 1) {
    if (env.compare(at, want.size() + 1, want.c_str(), want.size() + 1) == 0) return true;
    if (env.find('\0', at) == std::string::npos) break;
  }
  return false;
}

void SleepMs(int ms) {
  timespec ts{0, ms * 1000000L};
  nanosleep(&ts, nullptr);
}

}  // namespace

bool ReadWrapperRecord(const std::string& job_dir, WrapperRecord* out) {
  std::string text = ReadSome(job_dir + "/" + job_wrapper::kLockFile, 4096);
  if (text.size() < static_cast<size_t>(job_wrapper::kRecordSize) ||
      text[job_wrapper::kRecordSize - 1] != '\n')
    return false;
  const char* p = text.c_str();
  long attempt = ParseNumber(&p);
  long pgid = ParseNumber(&p);
  if (attempt < 0 || pgid <= 1 || *p != '\n') return false;
  *out = WrapperRecord{static_cast<int>(attempt), static_cast<pid_t>(pgid), ""};
  // Line 2, when it is this attempt's: "PGID why".
  const char* q = text.c_str() + job_wrapper::kRecordSize;
  if (ParseNumber(&q) == pgid && *q == ' ') {
    const char* end = std::strchr(q, '\n');
    if (end != nullptr) out->problem.assign(q + 1, end);
  }
  return true;
}

Result<int> KillJobGroup(const std::string& job_dir, pid_t pgid, int timeout_ms) {
  if (pgid <= 1 || pgid == getpgrp()) return 0;  // never ours to kill
  char real[PATH_MAX];
  std::string real_dir = realpath(job_dir.c_str(), real) ? real : "";
  std::vector<pid_t> members = LiveMembers(pgid);
  bool ours = false;
  for (pid_t m : members) ours = ours || WorksFor(m, real_dir, job_dir);
  if (!ours) return 0;
  int found = static_cast<int>(members.size());
  for (int waited = 0; !members.empty(); waited += 2) {
    if (waited > timeout_ms)
      return Status::Io(fmt::format("{} processes of its command (process group {}) were still "
                                    "alive {:.1f} s after SIGKILL",
                                    members.size(), pgid, timeout_ms / 1000.0));
    kill(-pgid, SIGKILL);  // again each time: a member may have forked meanwhile
    SleepMs(2);
    members = LiveMembers(pgid);
  }
  return found;
}

}  // namespace drover
