// drover-job: runs one attempt of a job and records how it ended.
//
//   drover-job JOBDIR WALLTIME_S GRACE_S        (WALLTIME_S 0: no walltime)
//
// Holds an exclusive flock on JOBDIR/lock for its whole life (exit 75, touching
// nothing, when another wrapper holds it); runs `/bin/sh command.sh` in JOBDIR in a
// new process group (the job's group) with stdout/stderr to JOBDIR/stdout and
// JOBDIR/stderr and stdin from /dev/null; stops the group at the walltime or when it
// is asked to (SIGTERM/SIGINT/SIGHUP: SIGTERM, then SIGKILL after GRACE_S; SIGUSR1:
// SIGKILL at once); SIGKILLs the group's stragglers when the command ends; writes
// JOBDIR/status.json atomically; exits with the command's exit code (128+N when
// signal N ended it). The protocol's constants are in exec/executor.h.
//
// Started once per attempt, so it does as little as it can: no iostream, no JSON
// library, statically linked; signals are taken synchronously with sigtimedwait().
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec/executor.h"

extern char** environ;

namespace {

namespace jw = drover::job_wrapper;
namespace key = drover::status_key;

constexpr int kExitUsage = 64;  // sysexits.h EX_USAGE
constexpr int kExitIo = 74;     // EX_IOERR: no status.json could be written

// Where the wrapper's own complaints go: the job's stderr once we are in JOBDIR.
int g_err_fd = 2;

void Complain(const char* fmt, ...) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "drover-job: ");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(buf + n, sizeof buf - n, fmt, ap);
  va_end(ap);
  if (n > static_cast<int>(sizeof buf) - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  ssize_t ignored = write(g_err_fd, buf, n);
  (void)ignored;
}

double Now(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double Seconds(const timeval& tv) { return tv.tv_sec + tv.tv_usec * 1e-6; }

// The signals the wrapper takes with sigtimedwait(); blocked from its first line on.
sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, jw::kKillSignal, SIGCHLD}) sigaddset(&set, sig);
  return set;
}

// Takes JOBDIR/lock (we are in JOBDIR). The fd stays open, close-on-exec, until exit.
bool TakeLock() {
  int fd = open(jw::kLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    Complain("cannot open %s: %s", jw::kLockFile, strerror(errno));
    exit(kExitIo);
  }
  while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) {
      Complain("cannot lock %s: %s", jw::kLockFile, strerror(errno));
      exit(kExitIo);
    }
  }
  return true;
}

// Starts `/bin/sh command.sh` in a new process group with a clean signal state.
// Returns 0 and sets *pid, or the errno of the failure.
int SpawnCommand(pid_t* pid) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "stdout", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, "stderr", O_WRONLY | O_CREAT | O_TRUNC, 0644);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t deflt = HandledSignals();
  sigaddset(&deflt, SIGPIPE);  // in case whoever started us ignored it
  posix_spawnattr_setsigdefault(&attr, &deflt);

  char sh[] = "/bin/sh";
  char script[sizeof jw::kCommandFile];
  memcpy(script, jw::kCommandFile, sizeof script);
  char* argv[] = {sh, script, nullptr};
  int rc = posix_spawn(pid, sh, &fa, &attr, argv, environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

// The running command and what has been done to it.
struct Job {
  pid_t pid = 0;            // also the job's process group id
  double deadline = 0;      // monotonic; 0: no walltime
  double grace = 0;
  double kill_at = 0;       // monotonic time of the SIGKILL once stopping
  bool stopping = false;    // SIGTERM sent to the group
  bool killed = false;      // SIGKILL sent to the group
  bool walltime_exceeded = false;
  bool cancelled = false;
};

void Stop(Job* j) {
  if (j->stopping) return;
  j->stopping = true;
  j->kill_at = Now(CLOCK_MONOTONIC) + j->grace;
  killpg(j->pid, SIGTERM);
}

void Kill(Job* j) {
  j->stopping = j->killed = true;
  killpg(j->pid, SIGKILL);
}

// True once the command has exited; it stays a zombie (WNOWAIT), so its pid, which
// names the job's group, cannot be reused until we reap it.
bool Exited(pid_t pid) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int rc = waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT);
  return rc != 0 || info.si_pid != 0;  // rc != 0: ECHILD, nothing left to wait for
}

// Seconds until the next timed action, or -1 for none.
double NextTimeout(const Job& j, double now) {
  double next = -1;
  if (j.stopping && !j.killed) next = j.kill_at;
  else if (!j.stopping && j.deadline > 0) next = j.deadline;
  return next < 0 ? -1 : (next > now ? next - now : 0);
}

// Waits for a signal or the next timed action and acts on it.
void Step(Job* j, const sigset_t* handled) {
  double now = Now(CLOCK_MONOTONIC);
  if (!j->stopping && j->deadline > 0 && now >= j->deadline) {
    j->walltime_exceeded = true;
    Stop(j);
  }
  if (j->stopping && !j->killed && now >= j->kill_at) Kill(j);
  double wait = NextTimeout(*j, now);
  siginfo_t info;
  int sig;
  if (wait < 0) {
    sig = sigwaitinfo(handled, &info);
  } else {
    timespec ts;
    ts.tv_sec = static_cast<time_t>(wait);
    ts.tv_nsec = static_cast<long>((wait - ts.tv_sec) * 1e9);
    sig = sigtimedwait(handled, &info, &ts);
  }
  if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
    j->cancelled = true;
    Stop(j);
  } else if (sig == jw::kKillSignal) {
    j->cancelled = true;
    Kill(j);
  }
}

// Appends "key":value pairs into a fixed buffer; the JSON has a bounded size.
struct JsonOut {
  char buf[1024];
  size_t len = 0;

  void Raw(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, sizeof buf - len, fmt, ap);
    va_end(ap);
    if (n > 0) len += static_cast<size_t>(n) < sizeof buf - len ? n : sizeof buf - len - 1;
  }
  void Key(const char* k) { Raw("%s\"%s\":", len > 1 ? "," : "", k); }
  void Int(const char* k, long long v) { Key(k); Raw("%lld", v); }
  void Bool(const char* k, bool v) { Key(k); Raw(v ? "true" : "false"); }
  void Num(const char* k, double v) { Key(k); Raw("%.6f", v); }
  void Str(const char* k, const char* s) {
    Key(k);
    Raw("\"");
    for (; *s; ++s) {
      unsigned char c = *s;
      if (c == '"' || c == '\\') Raw("\\%c", c);
      else if (c < 0x20) Raw("\\u%04x", c);
      else Raw("%c", c);
    }
    Raw("\"");
  }
};

// Writes the status to a temporary file and renames it into place.
bool WriteStatus(const JsonOut& out) {
  int fd = open(jw::kStatusTmpFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t done = 0;
  while (done < out.len) {
    ssize_t n = write(fd, out.buf + done, out.len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += n;
  }
  bool ok = close(fd) == 0 && done == out.len;
  return ok && rename(jw::kStatusTmpFile, jw::kStatusFile) == 0;
}

// Records how the command ended; returns the wrapper's exit code.
int Finish(const Job& j, int wstatus, const rusage& ru, double started) {
  bool signaled = WIFSIGNALED(wstatus);
  int code = signaled ? -1 : WEXITSTATUS(wstatus);
  int sig = signaled ? WTERMSIG(wstatus) : 0;
  char host[256] = "";
  gethostname(host, sizeof host - 1);

  JsonOut out;
  out.Raw("{");
  out.Int(key::kExitCode, code);
  out.Int(key::kSignal, sig);
  out.Bool(key::kWalltimeExceeded, j.walltime_exceeded);
  out.Bool(key::kCancelled, j.cancelled);
  out.Num(key::kStarted, started);
  out.Num(key::kEnded, Now(CLOCK_REALTIME));
  out.Num(key::kUserS, Seconds(ru.ru_utime));
  out.Num(key::kSysS, Seconds(ru.ru_stime));
  out.Int(key::kMaxRssKb, ru.ru_maxrss);
  out.Str(key::kHost, host);
  out.Raw("}\n");
  if (!WriteStatus(out)) {
    Complain("cannot write %s: %s", jw::kStatusFile, strerror(errno));
    return kExitIo;
  }
  return signaled ? 128 + sig : code;
}

// The command could not be started: it "exited" 127, as a shell would say.
int SpawnFailed(int err, double started) {
  g_err_fd = open("stderr", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (g_err_fd < 0) g_err_fd = 2;
  Complain("cannot start /bin/sh %s: %s", jw::kCommandFile, strerror(err));
  Job none;
  rusage ru;
  memset(&ru, 0, sizeof ru);
  return Finish(none, 127 << 8, ru, started);
}

bool ParseSeconds(const char* s, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = strtod(s, &end);
  return errno == 0 && end != s && *end == '\0' && *out >= 0;
}

}  // namespace

int main(int argc, char** argv) {
  sigset_t handled = HandledSignals();
  sigprocmask(SIG_BLOCK, &handled, nullptr);  // before anything can be missed

  double walltime = 0, grace = 0;
  if (argc != 4 || !ParseSeconds(argv[2], &walltime) || !ParseSeconds(argv[3], &grace)) {
    Complain("usage: drover-job JOBDIR WALLTIME_S GRACE_S");
    return kExitUsage;
  }
  if (chdir(argv[1]) != 0) {
    Complain("cannot enter %s: %s", argv[1], strerror(errno));
    return kExitIo;
  }
  if (!TakeLock()) return jw::kExitLockHeld;

  Job job;
  job.grace = grace;
  double started = Now(CLOCK_REALTIME);
  if (walltime > 0) job.deadline = Now(CLOCK_MONOTONIC) + walltime;
  if (int err = SpawnCommand(&job.pid)) return SpawnFailed(err, started);

  while (!Exited(job.pid)) Step(&job, &handled);
  killpg(job.pid, SIGKILL);  // stragglers; the zombie leader keeps the group id ours
  int wstatus = 0;
  rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(job.pid, &wstatus, 0, &ru) < 0 && errno == EINTR) {
  }
  return Finish(job, wstatus, ru, started);
}
