// wrapper_floor: what drover's job layout costs without the engine. For each of N jobs,
// J in flight: make JOBDIR, write JOBDIR/command.sh (the script drover writes), and
// posix_spawn the job wrapper on it (`drover-job JOBDIR 0 10`, which locks the folder,
// makes checkpoint/, captures stdout and stderr and writes status.json), then reap it.
// No store, no event loop: the floor under `drover run` for the same jobs, to be set
// beside raw_spawn (no files, no wrapper). Prints the elapsed seconds.
//
//   wrapper_floor N J ROOT WRAPPER [script-only]
// With a fifth argument the wrapper is left out (`/bin/sh JOBDIR/command.sh`): the cost
// of the files and the script alone.
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: wrapper_floor N J ROOT WRAPPER [script-only]\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const long j = std::atol(argv[2]);
  const std::string root = argv[3];
  const char* wrapper = argv[4];
  const bool script_only = argc > 5;
  static const char kScript[] = "#!/bin/sh\ntrap 'exit $?' TERM\ntrue\n";
  if (mkdir(root.c_str(), 0755) != 0) {
    std::perror(root.c_str());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  long started = 0, running = 0, failed = 0;
  while (started < n || running > 0) {
    while (running < j && started < n) {
      std::string dir = root + "/" + std::to_string(started);
      std::string script = dir + "/command.sh";
      int fd = -1;
      if (mkdir(dir.c_str(), 0755) != 0 ||
          (fd = open(script.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
          write(fd, kScript, sizeof kScript - 1) != static_cast<ssize_t>(sizeof kScript - 1)) {
        std::perror(dir.c_str());
        return 1;
      }
      close(fd);
      char sh[] = "/bin/sh", zero[] = "0", grace[] = "10";
      char* with_wrapper[] = {const_cast<char*>(wrapper), dir.data(), zero, grace, nullptr};
      char* plain[] = {sh, script.data(), nullptr};
      pid_t pid;
      if (posix_spawn(&pid, script_only ? sh : wrapper, nullptr, nullptr,
                      script_only ? plain : with_wrapper, environ) != 0) {
        std::perror("posix_spawn");
        return 1;
      }
      ++started;
      ++running;
    }
    int st = 0;
    if (waitpid(-1, &st, 0) > 0) {
      --running;
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) ++failed;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.6f\n", s);
  if (failed) std::fprintf(stderr, "wrapper_floor: %ld jobs failed\n", failed);
  return failed ? 1 : 0;
}
