// wrapper_floor: what drover's job layout costs without the engine. For each of N jobs,
// J in flight: make JOBDIR, write JOBDIR/command.sh (the script drover writes), run it,
// reap it. No store, no event loop: floors under `drover run` for the same jobs, to be
// set beside raw_spawn (no files, no wrapper). Prints the elapsed seconds.
//
//   wrapper_floor N J ROOT WRAPPER [MODE]
// MODE:
//   wrapper      (default) posix_spawn the job wrapper on it (`drover-job JOBDIR 0 10`,
//                which locks command.sh, makes checkpoint/, captures stdout and stderr,
//                removes what stayed empty and writes status.json): drover's layout.
//   script-only  `/bin/sh JOBDIR/command.sh` with stdout and stderr captured, nothing
//                else: the folder and the script alone.
//   in-process   every file drover's layout has but the lock (checkpoint/, stdout,
//                stderr, status.json through a rename), made by this one process, which
//                spawns `sh` itself: the floor of any design that keeps the layout,
//                whatever process writes the files. It survives nothing; it measures.
//   supervisor   the same files, made by one long-lived process that this one feeds job
//                folders over a pipe and that reports each end back: the design of a
//                per-run supervisor in place of a wrapper per job.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

extern char** environ;

namespace {

const char kScript[] = "#!/bin/sh\n# drover attempt 1\ntrap 'exit $?' TERM\ntrue\n";

[[noreturn]] void Die(const std::string& what) {
  std::perror(what.c_str());
  std::exit(1);
}

// JOBDIR and its command.sh, as drover writes them.
void MakeJob(const std::string& dir) {
  int fd = -1;
  if (mkdir(dir.c_str(), 0755) != 0 ||
      (fd = open((dir + "/command.sh").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
      write(fd, kScript, sizeof kScript - 1) != static_cast<ssize_t>(sizeof kScript - 1)) {
    Die(dir);
  }
  close(fd);
}

// Starts `sh JOBDIR/command.sh` in a group of its own, stdin from /dev/null, stdout and
// stderr to JOBDIR's files.
pid_t SpawnScript(const std::string& dir) {
  static posix_spawnattr_t* attr = [] {
    static posix_spawnattr_t a;
    posix_spawnattr_init(&a);
    posix_spawnattr_setflags(&a, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&a, 0);
    return &a;
  }();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string script = dir + "/command.sh";
  char sh[] = "/bin/sh";
  char* argv[] = {sh, script.data(), nullptr};
  pid_t pid;
  if (posix_spawn(&pid, sh, &fa, attr, argv, environ) != 0) Die("posix_spawn");
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// checkpoint/ (before the job starts) and status.json through a rename (after it ended),
// as the wrapper writes them.
void MakeCheckpoint(const std::string& dir) {
  if (mkdir((dir + "/checkpoint").c_str(), 0755) != 0 && errno != EEXIST) Die(dir);
}
void WriteStatus(const std::string& dir, int wstatus, const rusage& ru) {
  char text[512];
  const int n = std::snprintf(
      text, sizeof text,
      "{\"exit_code\":%d,\"signal\":0,\"walltime_exceeded\":false,\"cancelled\":false,"
      "\"started\":0,\"ended\":0,\"user_s\":%ld.%06ld,\"sys_s\":%ld.%06ld,\"max_rss_kb\":%ld,"
      "\"host\":\"floor\",\"attempt\":1}\n",
      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, ru.ru_utime.tv_sec, ru.ru_utime.tv_usec,
      ru.ru_stime.tv_sec, ru.ru_stime.tv_usec, ru.ru_maxrss);
  const std::string tmp = dir + "/.status.json.tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, text, n) != n || close(fd) != 0 ||
      rename(tmp.c_str(), (dir + "/status.json").c_str()) != 0) {
    Die(tmp);
  }
}

bool Failed(int wstatus) { return !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0; }

// The supervisor: reads job folders, one per line, from `in`; runs each at once; writes
// "EXIT\n" to `out` once its status.json is in place; ends at EOF when none is left.
[[noreturn]] void Supervise(int in, int out) {
  sigset_t chld, none;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigemptyset(&none);
  sigprocmask(SIG_BLOCK, &chld, nullptr);
  struct sigaction sa {};
  sa.sa_handler = [](int) {};
  sigaction(SIGCHLD, &sa, nullptr);  // a handler, so that SIGCHLD interrupts the wait
  fcntl(in, F_SETFL, O_NONBLOCK);
  std::unordered_map<pid_t, std::string> jobs;
  std::string buf;
  bool eof = false;
  while (!eof || !jobs.empty()) {
    int wstatus;
    rusage ru;
    pid_t pid;
    while ((pid = wait4(-1, &wstatus, WNOHANG, &ru)) > 0) {
      auto it = jobs.find(pid);
      WriteStatus(it->second, wstatus, ru);
      jobs.erase(it);
      char line[16];
      const int n = std::snprintf(line, sizeof line, "%d\n", Failed(wstatus) ? 1 : 0);
      if (write(out, line, n) != n) Die("supervisor: write");
    }
    char chunk[4096];
    ssize_t got;
    while ((got = read(in, chunk, sizeof chunk)) > 0) buf.append(chunk, got);
    if (got == 0) eof = true;
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
      const std::string dir = buf.substr(0, nl);
      MakeCheckpoint(dir);
      jobs[SpawnScript(dir)] = dir;
    }
    if (eof && jobs.empty()) break;
    fd_set fds;
    FD_ZERO(&fds);
    if (!eof) FD_SET(in, &fds);
    pselect(eof ? 0 : in + 1, &fds, nullptr, nullptr, nullptr, &none);
  }
  _exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: wrapper_floor N J ROOT WRAPPER [wrapper|script-only|in-process|supervisor]\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const long j = std::atol(argv[2]);
  const std::string root = argv[3];
  const char* wrapper = argv[4];
  const std::string mode = argc > 5 ? argv[5] : "wrapper";
  if (mode != "wrapper" && mode != "script-only" && mode != "in-process" && mode != "supervisor") {
    std::fprintf(stderr, "wrapper_floor: unknown mode %s\n", mode.c_str());
    return 2;
  }
  if (mkdir(root.c_str(), 0755) != 0) Die(root);
  const auto t0 = std::chrono::steady_clock::now();
  long started = 0, running = 0, failed = 0;
  int to_sup = -1, from_sup = -1;
  pid_t sup = 0;
  if (mode == "supervisor") {
    int down[2], up[2];
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) Die("pipe");
    if ((sup = fork()) == 0) {
      close(down[1]);
      close(up[0]);
      Supervise(down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    to_sup = down[1];
    from_sup = up[0];
  }
  std::unordered_map<pid_t, std::string> dirs;  // in-process: running jobs
  std::string replies;
  while (started < n || running > 0) {
    while (running < j && started < n) {
      std::string dir = root + "/" + std::to_string(started);
      MakeJob(dir);
      if (mode == "supervisor") {
        dir += '\n';
        if (write(to_sup, dir.data(), dir.size()) != static_cast<ssize_t>(dir.size())) Die("write");
      } else if (mode == "in-process") {
        MakeCheckpoint(dir);
        dirs[SpawnScript(dir)] = dir;
      } else if (mode == "script-only") {
        SpawnScript(dir);
      } else {
        char zero[] = "0", grace[] = "10";
        char* args[] = {const_cast<char*>(wrapper), dir.data(), zero, grace, nullptr};
        pid_t pid;
        if (posix_spawn(&pid, wrapper, nullptr, nullptr, args, environ) != 0) Die("posix_spawn");
      }
      ++started;
      ++running;
    }
    if (mode == "supervisor") {
      char chunk[256];
      const ssize_t got = read(from_sup, chunk, sizeof chunk);
      if (got <= 0) Die("read from the supervisor");
      replies.append(chunk, got);
      for (size_t nl; (nl = replies.find('\n')) != std::string::npos; replies.erase(0, nl + 1)) {
        --running;
        if (replies[0] != '0') ++failed;
      }
      continue;
    }
    int wstatus = 0;
    rusage ru{};
    const pid_t pid = wait4(-1, &wstatus, 0, &ru);
    if (pid <= 0) continue;
    --running;
    if (Failed(wstatus)) ++failed;
    if (auto it = dirs.find(pid); it != dirs.end()) {
      WriteStatus(it->second, wstatus, ru);
      dirs.erase(it);
    }
  }
  if (sup > 0) {
    close(to_sup);
    waitpid(sup, nullptr, 0);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.6f\n", s);
  if (failed) std::fprintf(stderr, "wrapper_floor: %ld jobs failed\n", failed);
  return failed ? 1 : 0;
}
