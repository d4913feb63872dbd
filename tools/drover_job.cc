// drover-job: runs one attempt of a job and records how it ended.
//
//   drover-job JOBDIR WALLTIME_S GRACE_S        (WALLTIME_S 0: no walltime)
//
// Holds an exclusive flock on JOBDIR/command.sh for its whole life (exit 75, touching
// nothing, when another wrapper holds it); refuses a stale attempt (exit 76, touching
// nothing: command.sh written for another DROVER_ATTEMPT, or a status.json recording
// this attempt or a later one); runs `/bin/sh command.sh` in JOBDIR in a
// new process group (the job's group) with stdout/stderr to JOBDIR/stdout and
// JOBDIR/stderr and stdin from /dev/null; stops the group at the walltime or when it
// is asked to (SIGTERM/SIGINT/SIGHUP: SIGTERM, then SIGKILL after GRACE_S; SIGUSR1:
// SIGKILL at once); SIGKILLs the group's stragglers when the command ends; removes
// what the attempt left unused (empty stdout/stderr, an empty checkpoint/); writes
// JOBDIR/status.json atomically; exits with the command's exit code (128+N when
// signal N ended it). If /bin/sh cannot be started the command "exits" 127. The
// command's process appends the attempt and its group to command.sh (a comment line)
// before it runs the script, and its shell dies with the wrapper (PR_SET_PDEATHSIG),
// so that drover can kill what a killed wrapper left running. When status.json cannot
// be written it says why (errno in words) on stderr and in the record, and exits 74.
// The protocol's constants are in exec/job_protocol.h.
//
// It starts once per attempt, so it is built to start fast: on x86-64 it uses no libc
// at all (DROVER_JOB_NOLIBC: its own _start and raw system calls), because glibc's
// start-up probes the CPU with dozens of CPUID instructions, each a trap to the
// hypervisor on a virtual machine, which made every attempt cost about a millisecond
// more than the command itself. Elsewhere the same code runs on glibc's syscall().
// Either way: no allocation, no exceptions, no static constructors; signals are taken
// synchronously with rt_sigtimedwait().
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "exec/job_protocol.h"

#if !DROVER_JOB_NOLIBC
#include <unistd.h>

#include <cerrno>
extern char** environ;
#endif

namespace {

namespace jw = drover::job_wrapper;
namespace key = drover::status_key;

// ---- The system-call layer: returns the result, or -errno. ----

#if DROVER_JOB_NOLIBC
long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
long Sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0) {
  long ret = syscall(n, a, b, c, d, e, f);
  return ret < 0 ? -errno : ret;
}
#endif

template <typename P>
long A(P* p) {
  return reinterpret_cast<long>(p);
}

[[noreturn]] void Exit(int code) {
  for (;;) Sys(SYS_exit_group, code);
}

long Open(const char* path, int flags, int mode = 0) {
  long fd;
  while ((fd = Sys(SYS_openat, AT_FDCWD, A(path), flags, mode)) == -EINTR) {
  }
  return fd;
}

int64_t NowNs(clockid_t clock) {
  timespec ts{};
  Sys(SYS_clock_gettime, clock, A(&ts));
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// The kernel's signal set: one bit per signal, in unsigned longs.
struct SigSet {
  unsigned long w[(_NSIG - 1) / (8 * sizeof(unsigned long))] = {};
  void Add(int sig) {
    constexpr int kBits = 8 * sizeof(unsigned long);
    w[(sig - 1) / kBits] |= 1UL << ((sig - 1) % kBits);
  }
};

// The signals the wrapper takes with rt_sigtimedwait(); blocked from its first line on.
SigSet Handled() {
  SigSet s;
  for (int sig : {SIGTERM, SIGINT, SIGHUP, jw::kKillSignal, SIGCHLD}) s.Add(sig);
  return s;
}

// ---- Text: messages and status.json, built in a fixed buffer. ----

class Text {
 public:
  Text& Add(const char* s) {
    while (*s && len_ < sizeof buf_) buf_[len_++] = *s++;
    return *this;
  }
  Text& Char(char c) {
    if (len_ < sizeof buf_) buf_[len_++] = c;
    return *this;
  }
  Text& Int(long long v) {
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ULL - v : v;
    do tmp[n++] = static_cast<char>('0' + u % 10); while (u /= 10);
    if (v < 0) Char('-');
    while (n > 0) Char(tmp[--n]);
    return *this;
  }
  // sec.micro with six decimals, as unix times and rusage times are written.
  Text& Fixed(long long sec, long long micro) {
    Int(sec).Char('.');
    for (long long d = 100000; d > 0; d /= 10) Char(static_cast<char>('0' + micro / d % 10));
    return *this;
  }
  // v right-aligned in `width` characters, padded with spaces.
  Text& Padded(long long v, int width) {
    Text digits;
    digits.Int(v);
    for (int i = static_cast<int>(digits.size()); i < width; ++i) Char(' ');
    for (size_t i = 0; i < digits.size(); ++i) Char(digits.data()[i]);
    return *this;
  }
  Text& Quoted(const char* s);
  const char* data() const { return buf_; }
  size_t size() const { return len_; }

 private:
  char buf_[1024];
  size_t len_ = 0;
};

Text& Text::Quoted(const char* s) {
  static const char kHex[] = "0123456789abcdef";
  Char('"');
  for (; *s; ++s) {
    unsigned char c = *s;
    if (c == '"' || c == '\\') Char('\\').Char(c);
    else if (c < 0x20) Add("\\u00").Char(kHex[c >> 4]).Char(kHex[c & 15]);
    else Char(c);
  }
  return Char('"');
}

// Writes all of p[0, n); 0, or the -errno of the write that failed.
long WriteAll(long fd, const char* p, size_t n) {
  while (n > 0) {
    long w = Sys(SYS_write, fd, A(p), n);
    if (w == -EINTR) continue;
    if (w <= 0) return w < 0 ? w : -EIO;
    p += w;
    n -= w;
  }
  return 0;
}

// What the errors a user can fix mean, in words (no strerror() without libc); null
// for the others, which are shown by number only.
const char* ErrnoText(long err) {
  switch (err) {
    case ENOSPC: return "no space left on device";
    case EDQUOT: return "disk quota exceeded";
    case EACCES: return "permission denied";
    case EPERM: return "operation not permitted";
    case EROFS: return "read-only file system";
    case EIO: return "input/output error";
    case ENOENT: return "no such file or directory";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case EMFILE: return "too many open files";
    case ENOMEM: return "out of memory";
    default: return nullptr;
  }
}

// "cannot write status.json: no space left on device (errno 28)": what went wrong, as
// one line without its newline. err: -errno, or >= 0 for none.
void Describe(Text* t, const char* what, const char* arg, long err) {
  t->Add(what).Add(arg);
  if (err >= 0) return;
  const char* text = ErrnoText(-err);
  t->Add(": ");
  if (text) t->Add(text).Add(" (");
  t->Add("errno ").Int(-err);
  if (text) t->Char(')');
}

// Where the wrapper's own complaints go: the stderr it was given.
void Complain(const char* what, const char* arg, long err) {
  Text t;
  t.Add("drover-job: ");
  Describe(&t, what, arg, err);
  t.Char('\n');
  WriteAll(2, t.data(), t.size());
}

// ---- Arguments ----

// "12", "0.5", "1.250": seconds as nanoseconds; false for anything else. Capped at a
// century, which also keeps the arithmetic far from overflow.
bool ParseSeconds(const char* s, int64_t* ns) {
  int64_t sec = 0, frac = 0, scale = 1000000000;
  const char* p = s;
  for (; *p >= '0' && *p <= '9'; ++p) {
    if (sec < 3155760000LL) sec = sec * 10 + (*p - '0');
  }
  if (*p == '.') {
    for (++p; *p >= '0' && *p <= '9'; ++p) {
      if (scale > 1) frac += (*p - '0') * (scale /= 10);
    }
  }
  if (p == s || *p != '\0') return false;
  *ns = (sec < 3155760000LL ? sec : 3155760000LL) * 1000000000 + frac;
  return true;
}

// ---- The command ----

// The running command and what has been done to it.
struct Job {
  long pid = 0;             // also the job's process group id
  int64_t deadline = 0;     // monotonic ns; 0: no walltime
  int64_t grace = 0;        // ns
  int64_t kill_at = 0;      // monotonic ns of the SIGKILL once stopping
  bool stopping = false;    // SIGTERM sent to the group
  bool killed = false;      // SIGKILL sent to the group
  bool walltime_exceeded = false;
  bool cancelled = false;
  long attempt = 0;         // DROVER_ATTEMPT from the environment; 0: not set
  long lock_fd = -1;        // JOBDIR/command.sh, read-write: locked, and the record's file
  long wrapper_pid = 0;     // the wrapper's own pid
};

// Appends `line` to command.sh (the wrapper's record, see exec/job_protocol.h), after a newline
// when the file does not end with one; best effort: a full disk must not keep the
// command from running. sh reads the script only later, or has ended already.
void WriteRecord(const Job& j, const Text& line) {
  long end = Sys(SYS_lseek, j.lock_fd, 0, SEEK_END);
  if (end < 0) return;
  char last = '\n';
  if (end > 0 && Sys(SYS_pread64, j.lock_fd, A(&last), 1, end - 1) != 1) last = '\n';
  Text out;
  if (last != '\n') out.Char('\n');
  for (size_t i = 0; i < line.size(); ++i) out.Char(line.data()[i]);
  while (Sys(SYS_pwrite64, j.lock_fd, A(out.data()), out.size(), end) == -EINTR) {
  }
}

// In the forked child: dies with the wrapper, joins a new group (the job's), records
// it, then stdin, stdout, stderr, a clean signal state, exec. Any failure ends the
// child with 127, as a shell says "cannot run".
[[noreturn]] void ExecCommand(const Job& j, char** envp) {
  // A wrapper killed with SIGKILL (the OOM killer, an admin) takes the command's shell
  // with it; what the shell started is left to drover, which kills the job's group
  // by its record before the attempt is retried. If the wrapper died before the
  // prctl, our parent is no longer the wrapper: run nothing.
  Sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
  if (Sys(SYS_getppid) != j.wrapper_pid) Exit(127);
  Sys(SYS_setpgid, 0, 0);
  Text record;
  record.Add(jw::kRecordMarker).Int(j.attempt).Add(" group ").Int(Sys(SYS_getpid)).Char('\n');
  WriteRecord(j, record);
  const struct { int fd; const char* path; int flags; } kFiles[] = {
      {0, "/dev/null", O_RDONLY},
      {1, "stdout", O_WRONLY | O_CREAT | O_TRUNC},
      {2, "stderr", O_WRONLY | O_CREAT | O_TRUNC}};
  for (const auto& f : kFiles) {
    long fd = Open(f.path, f.flags, 0644);
    if (fd < 0) {
      Complain("cannot open ", f.path, fd);
      Exit(127);
    }
    if (fd != f.fd) {
      Sys(SYS_dup3, fd, f.fd, 0);
      Sys(SYS_close, fd);
    }
  }
  // Handlers do not survive exec, but "ignored" does: whoever started us may have
  // ignored SIGPIPE or SIGQUIT, and glibc's posix_spawn() ignores its internal real-time
  // signals in the child. The job gets every disposition at its default. A kernel
  // sigaction of all zeros is SIG_DFL, no flags, nothing blocked.
  unsigned char dfl[64] = {};
  for (int sig = 1; sig < _NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) Sys(SYS_rt_sigaction, sig, A(dfl), 0, sizeof(SigSet));
  }
  SigSet none;
  Sys(SYS_rt_sigprocmask, SIG_SETMASK, A(&none), 0, sizeof none);
  char sh[] = "/bin/sh";
  char script[sizeof jw::kCommandFile];
  for (size_t i = 0; i < sizeof script; ++i) script[i] = jw::kCommandFile[i];
  char* argv[] = {sh, script, nullptr};
  long err = Sys(SYS_execve, A(sh), A(argv), A(envp));
  Complain("cannot run ", sh, err);
  Exit(127);
}

// The value of DROVER_ATTEMPT in envp as a positive number, or 0.
long AttemptFromEnv(char** envp) {
  static const char kName[] = "DROVER_ATTEMPT=";
  for (char** e = envp; *e; ++e) {
    const char* v = *e;
    const char* n = kName;
    while (*n && *v == *n) ++v, ++n;
    if (*n) continue;
    long out = 0;
    for (; *v >= '0' && *v <= '9' && out < 1000000000; ++v) out = out * 10 + (*v - '0');
    return *v == '\0' ? out : 0;
  }
  return 0;
}

void Stop(Job* j) {
  if (j->stopping) return;
  j->stopping = true;
  j->kill_at = NowNs(CLOCK_MONOTONIC) + j->grace;
  Sys(SYS_kill, -j->pid, SIGTERM);
}

void Kill(Job* j) {
  j->stopping = j->killed = true;
  Sys(SYS_kill, -j->pid, SIGKILL);
}

// True once the command has exited. It stays a zombie (WNOWAIT), so its pid, which
// names the job's group, cannot be reused until we reap it.
bool Exited(long pid) {
  siginfo_t info{};
  long rc = Sys(SYS_waitid, P_PID, pid, A(&info), WEXITED | WNOHANG | WNOWAIT, 0);
  return (rc < 0 && rc != -EINTR) || info.si_pid != 0;  // rc < 0: ECHILD, none left
}

// Nanoseconds until the next timed action, or -1 for none.
int64_t NextTimeout(const Job& j, int64_t now) {
  int64_t next = -1;
  if (j.stopping && !j.killed) next = j.kill_at;
  else if (!j.stopping && j.deadline > 0) next = j.deadline;
  return next < 0 ? -1 : (next > now ? next - now : 0);
}

// Acts on what is due, then waits for a signal or the next timed action.
void Step(Job* j, const SigSet& handled) {
  int64_t now = NowNs(CLOCK_MONOTONIC);
  if (!j->stopping && j->deadline > 0 && now >= j->deadline) {
    j->walltime_exceeded = true;
    Stop(j);
  }
  if (j->stopping && !j->killed && now >= j->kill_at) Kill(j);
  int64_t wait = NextTimeout(*j, now);
  timespec ts{static_cast<time_t>(wait / 1000000000), static_cast<long>(wait % 1000000000)};
  siginfo_t info;
  long sig = Sys(SYS_rt_sigtimedwait, A(&handled), A(&info), wait < 0 ? 0 : A(&ts),
                 sizeof handled);
  if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
    j->cancelled = true;
    Stop(j);
  } else if (sig == jw::kKillSignal) {
    j->cancelled = true;
    Kill(j);
  }
}

// ---- status.json ----

// Writes the status to a temporary file and renames it into place.
long WriteStatus(const Text& t) {
  long fd = Open(jw::kStatusTmpFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fd;
  long err = WriteAll(fd, t.data(), t.size());
  long rc = Sys(SYS_close, fd);  // NFS reports a full disk here, if not at the write
  if (err < 0) return err;
  if (rc < 0) return rc;
  return Sys(SYS_renameat, AT_FDCWD, A(jw::kStatusTmpFile), AT_FDCWD, A(jw::kStatusFile));
}

// Records how the command ended; returns the wrapper's exit code.
int Finish(const Job& j, int wstatus, const rusage& ru, const timespec& started) {
  bool signaled = WIFSIGNALED(wstatus);
  int sig = signaled ? WTERMSIG(wstatus) : 0;
  int code = signaled ? -1 : WEXITSTATUS(wstatus);
  timespec ended{};
  Sys(SYS_clock_gettime, CLOCK_REALTIME, A(&ended));
  struct utsname uts {};
  Sys(SYS_uname, A(&uts));
  Text t;
  t.Add("{\"").Add(key::kExitCode).Add("\":").Int(code);
  t.Add(",\"").Add(key::kSignal).Add("\":").Int(sig);
  t.Add(",\"").Add(key::kWalltimeExceeded).Add(j.walltime_exceeded ? "\":true" : "\":false");
  t.Add(",\"").Add(key::kCancelled).Add(j.cancelled ? "\":true" : "\":false");
  t.Add(",\"").Add(key::kStarted).Add("\":").Fixed(started.tv_sec, started.tv_nsec / 1000);
  t.Add(",\"").Add(key::kEnded).Add("\":").Fixed(ended.tv_sec, ended.tv_nsec / 1000);
  t.Add(",\"").Add(key::kUserS).Add("\":").Fixed(ru.ru_utime.tv_sec, ru.ru_utime.tv_usec);
  t.Add(",\"").Add(key::kSysS).Add("\":").Fixed(ru.ru_stime.tv_sec, ru.ru_stime.tv_usec);
  t.Add(",\"").Add(key::kMaxRssKb).Add("\":").Int(ru.ru_maxrss);
  t.Add(",\"").Add(key::kHost).Add("\":").Quoted(uts.nodename);
  if (j.attempt > 0) t.Add(",\"").Add(key::kAttempt).Add("\":").Int(j.attempt);
  t.Add("}\n");
  if (long err = WriteStatus(t); err < 0) {
    Complain("cannot write ", jw::kStatusFile, err);
    Text why;  // for drover, which does not see our stderr: the record's problem line
    why.Add(jw::kProblemMarker).Int(j.pid).Char(' ');
    Describe(&why, "cannot write ", jw::kStatusFile, err);
    WriteRecord(j, why.Char('\n'));
    return jw::kExitIoError;
  }
  return signaled ? 128 + sig : code;
}

// Removes what the attempt did not use, so that a job's folder keeps only what its
// job made (a trivial job: command.sh and status.json): stdout and stderr when they are
// empty regular files (readers take a missing log for an empty one), and checkpoint/
// while it is empty (rmdir fails on anything else, which stays).
void RemoveUnused() {
  for (const char* f : {"stdout", "stderr"}) {
    struct stat st {};
    if (Sys(SYS_newfstatat, AT_FDCWD, A(f), A(&st), AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && st.st_size == 0)
      Sys(SYS_unlinkat, AT_FDCWD, A(f), 0);
  }
  Sys(SYS_unlinkat, AT_FDCWD, A("checkpoint"), AT_REMOVEDIR);
}

// ---- main ----

// Locks JOBDIR/command.sh (we are in JOBDIR); the fd stays open, close-on-exec, until
// exit, and the record is appended through it. A file opened for writing, not the
// folder itself: on NFS, flock is emulated with a POSIX lock, which an exclusive lock
// on a read-only descriptor cannot take; and since closing any descriptor of a file
// drops a process's POSIX locks, the wrapper reads command.sh through this one only.
// Returns the lock's fd, or -1 when another wrapper holds it.
long TakeLock() {
  long fd = Open(jw::kCommandFile, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    Complain("cannot open ", jw::kCommandFile, fd);
    Exit(74);
  }
  long rc;
  while ((rc = Sys(SYS_flock, fd, LOCK_EX | LOCK_NB)) == -EINTR) {
  }
  if (rc == -EWOULDBLOCK) return -1;
  if (rc < 0) {
    Complain("cannot lock ", jw::kCommandFile, rc);
    Exit(74);
  }
  return fd;
}

// Reads the start of the open file `fd` into buf, NUL-terminated: at most size - 1
// bytes. Returns the bytes read.
long ReadHeadFd(long fd, char* buf, long size) {
  long len = 0;
  while (len < size - 1) {
    long n = Sys(SYS_pread64, fd, A(buf + len), size - 1 - len, len);
    if (n == -EINTR) continue;
    if (n <= 0) break;
    len += n;
  }
  buf[len] = '\0';
  return len;
}

// Reads the start of `path` (we are in JOBDIR) into buf, NUL-terminated: at most
// size - 1 bytes, without blocking (O_NONBLOCK: a FIFO a job put there reads as empty).
// Returns the bytes read; 0 when there is no such file or nothing could be read.
long ReadHead(const char* path, char* buf, long size) {
  long fd = Open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0;
  long len = 0;
  while (len < size - 1) {
    long n = Sys(SYS_read, fd, A(buf + len), size - 1 - len);
    if (n == -EINTR) continue;
    if (n <= 0) break;
    len += n;
  }
  Sys(SYS_close, fd);
  buf[len] = '\0';
  return len;
}

// The attempt command.sh (open as `fd`) was written for (its kAttemptMarker line), or
// 0 when it names none (a script written by hand, or by an older drover).
long ScriptAttempt(long fd) {
  char buf[128];
  if (ReadHeadFd(fd, buf, sizeof buf) <= 0) return 0;
  const char* p = buf;
  while (*p && *p != '\n') ++p;  // the #! line
  if (!*p) return 0;
  ++p;
  for (const char* m = jw::kAttemptMarker; *m; ++m, ++p)
    if (*p != *m) return 0;
  long out = 0;
  for (; *p >= '0' && *p <= '9' && out < 1000000000; ++p) out = out * 10 + (*p - '0');
  return *p == '\n' ? out : 0;
}

// The attempt an existing status.json records (its "attempt" key, in its first 4 KiB),
// or 0 when there is none.
long StatusAttempt() {
  char buf[4096];
  if (ReadHead(jw::kStatusFile, buf, sizeof buf) <= 0) return 0;
  for (const char* p = buf; *p; ++p) {
    if (*p != '"') continue;
    const char* q = p + 1;
    const char* k = key::kAttempt;
    while (*k && *q == *k) ++q, ++k;
    if (*k || *q != '"') continue;
    for (++q; *q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'; ++q) {
    }
    if (*q++ != ':') continue;
    while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') ++q;
    long out = 0;
    for (; *q >= '0' && *q <= '9' && out < 1000000000; ++q) out = out * 10 + (*q - '0');
    return out;
  }
  return 0;
}

// Why this attempt must not run in JOBDIR (see kExitStaleAttempt in exec/job_protocol.h), said
// on stderr; false when it may run. Attempt 0 (no DROVER_ATTEMPT) is never refused.
bool StaleAttempt(long attempt, long script_fd) {
  if (attempt <= 0) return false;
  Text t;
  t.Add("drover-job: attempt ").Int(attempt);
  if (long script = ScriptAttempt(script_fd); script > 0 && script != attempt) {
    t.Add(": command.sh was written for attempt ").Int(script);
  } else if (long ran = StatusAttempt(); ran >= attempt) {
    t.Add(": status.json already records attempt ").Int(ran);
  } else {
    return false;
  }
  t.Add("; not running\n");
  WriteAll(2, t.data(), t.size());
  return true;
}

int WrapperMain(int argc, char** argv, char** envp) {
  SigSet handled = Handled();
  Sys(SYS_rt_sigprocmask, SIG_BLOCK, A(&handled), 0, sizeof handled);  // miss nothing

  Job job;
  job.attempt = AttemptFromEnv(envp);
  int64_t walltime = 0;
  if (argc != 4 || !ParseSeconds(argv[2], &walltime) || !ParseSeconds(argv[3], &job.grace)) {
    Complain("usage: drover-job JOBDIR WALLTIME_S GRACE_S", "", 0);
    return 64;  // EX_USAGE
  }
  if (long err = Sys(SYS_chdir, A(argv[1])); err < 0) {
    Complain("cannot enter ", argv[1], err);
    return 74;
  }
  job.lock_fd = TakeLock();
  if (job.lock_fd < 0) return jw::kExitLockHeld;
  if (StaleAttempt(job.attempt, job.lock_fd)) return jw::kExitStaleAttempt;
  // The job's checkpoint folder, kept across attempts (made here rather than by drover:
  // the wrapper runs beside drover's loop, off its critical path); removed again at the
  // end while nothing was saved in it.
  if (long err = Sys(SYS_mkdirat, AT_FDCWD, A("checkpoint"), 0755); err < 0 && err != -EEXIST) {
    Complain("cannot create ", "checkpoint", err);
    return 74;
  }

  timespec started{};
  Sys(SYS_clock_gettime, CLOCK_REALTIME, A(&started));
  if (walltime > 0) job.deadline = NowNs(CLOCK_MONOTONIC) + walltime;
  job.wrapper_pid = Sys(SYS_getpid);
  job.pid = Sys(SYS_clone, SIGCHLD, 0, 0, 0, 0);  // fork; the wrapper is a few pages
  if (job.pid == 0) ExecCommand(job, envp);
  if (job.pid < 0) {
    Complain("cannot fork", "", job.pid);
    return 74;
  }
  // The child does this too; whichever runs first, the group exists from here on, so
  // a stop signal that is already pending cannot miss it.
  Sys(SYS_setpgid, job.pid, job.pid);

  while (!Exited(job.pid)) Step(&job, handled);
  Sys(SYS_kill, -job.pid, SIGKILL);  // stragglers; the zombie leader keeps the group ours
  int wstatus = 0;
  rusage ru{};
  while (Sys(SYS_wait4, job.pid, A(&wstatus), 0, A(&ru)) == -EINTR) {
  }
  RemoveUnused();  // before status.json: the folder is final once that is there
  return Finish(job, wstatus, ru, started);
}

}  // namespace

#if DROVER_JOB_NOLIBC
// The process entry: the kernel leaves argc, argv..., 0, envp..., 0 at the stack pointer.
extern "C" [[noreturn]] __attribute__((used)) void DroverJobStart(long* sp) {
  int argc = static_cast<int>(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  Exit(WrapperMain(argc, argv, argv + argc + 1));
}
__asm__(
    ".text\n.global _start\n.type _start,@function\n_start:\n"
    "  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call DroverJobStart\n  hlt\n");

// The compiler may emit calls to these for struct copies and zeroing.
extern "C" __attribute__((used)) void* memset(void* d, int c, size_t n) {
  auto* p = static_cast<volatile unsigned char*>(d);
  while (n--) *p++ = static_cast<unsigned char>(c);
  return d;
}
extern "C" __attribute__((used)) void* memcpy(void* d, const void* s, size_t n) {
  auto* p = static_cast<volatile unsigned char*>(d);
  const auto* q = static_cast<const unsigned char*>(s);
  while (n--) *p++ = *q++;
  return d;
}
#else
int main(int argc, char** argv) { return WrapperMain(argc, argv, environ); }
#endif
