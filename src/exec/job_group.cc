// Finding and killing what a dead job wrapper left running, through /proc.
#include "exec/job_group.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string>
#include <string_view>
#include <vector>

#include "exec/job_protocol.h"

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

// The text after the last line of `text` that starts with `marker`, up to that line's
// end; false when there is no such line.
static bool LastLineAfter(const std::string& text, const char* marker, std::string* rest) {
  const std::string line_start = std::string("\n") + marker;
  size_t at = text.rfind(line_start);
  if (at == std::string::npos) return false;
  at += line_start.size();
  size_t end = text.find('\n', at);
  if (end == std::string::npos) return false;  // cut short: not a whole record
  rest->assign(text, at, end - at);
  return true;
}

bool ReadWrapperRecord(const std::string& job_dir, WrapperRecord* out) {
  // The record lines are at the end of command.sh: its last 4 KiB hold them.
  std::string path = job_dir + "/" + job_wrapper::kCommandFile;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  std::string text;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    off_t from = st.st_size > 4096 ? st.st_size - 4096 : 0;
    text.resize(static_cast<size_t>(st.st_size - from));
    ssize_t n = pread(fd, text.data(), text.size(), from);
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  text.insert(0, "\n");  // a record on the first line is still a line's start
  std::string rec;
  if (!LastLineAfter(text, job_wrapper::kRecordMarker, &rec)) return false;
  const char* p = rec.c_str();
  long attempt = ParseNumber(&p);
  if (attempt < 0 || std::strncmp(p, " group ", 7) != 0) return false;
  p += 7;
  long pgid = ParseNumber(&p);
  if (pgid <= 1 || *p != '\0') return false;
  *out = WrapperRecord{static_cast<int>(attempt), static_cast<pid_t>(pgid), ""};
  // The problem line, when it is this attempt's: "PGID why".
  std::string problem;
  if (LastLineAfter(text, job_wrapper::kProblemMarker, &problem)) {
    const char* q = problem.c_str();
    if (ParseNumber(&q) == pgid && *q == ' ') out->problem = q + 1;
  }
  return true;
}

bool JobLockHeld(const std::string& job_dir) {
  const std::string path = job_dir + "/" + job_wrapper::kCommandFile;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && (errno == EACCES || errno == EROFS))
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  int rc;
  while ((rc = flock(fd, LOCK_EX | LOCK_NB)) != 0 && errno == EINTR) {
  }
  bool held = rc != 0 && errno == EWOULDBLOCK;
  close(fd);  // on success, this releases it
  return held;
}

std::string WithoutWrapperRecord(std::string script) {
  for (;;) {
    if (!script.empty() && script.back() == '\n') script.pop_back();
    size_t start = script.rfind('\n');
    start = start == std::string::npos ? 0 : start + 1;
    std::string_view last(script.data() + start, script.size() - start);
    if (last.rfind(job_wrapper::kRecordMarker, 0) != 0 &&
        last.rfind(job_wrapper::kProblemMarker, 0) != 0) {
      return script + "\n";
    }
    script.resize(start);
  }
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
