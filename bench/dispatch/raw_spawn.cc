// raw_spawn: the floor for dispatching trivial jobs. Runs `sh -c true` N times with
// posix_spawn, keeping J in flight, and prints the elapsed seconds. No store, no job
// directories, no output capture: what the operating system charges for the processes.
//
//   raw_spawn N J [command]     (command defaults to "true")
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: raw_spawn N J [command]\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const long j = std::atol(argv[2]);
  const char* cmd = argc > 3 ? argv[3] : "true";
  char sh[] = "/bin/sh", c[] = "-c";
  char* args[] = {sh, c, const_cast<char*>(cmd), nullptr};

  const auto t0 = std::chrono::steady_clock::now();
  long started = 0, running = 0, failed = 0;
  while (started < n || running > 0) {
    while (running < j && started < n) {
      pid_t pid;
      if (posix_spawn(&pid, sh, nullptr, nullptr, args, environ) != 0) {
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
  const double s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.6f\n", s);
  if (failed) std::fprintf(stderr, "raw_spawn: %ld jobs failed\n", failed);
  return failed ? 1 : 0;
}
