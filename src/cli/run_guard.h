// What `drover run`, `drover plan` and `drover recover` take before they write the store:
// the run lock, and the check that the store knows the job folders it would reuse.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <memory>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/status.h"

namespace drover::cli {

// One `drover run` (or `plan`, `recover`) at a time per store: an exclusive flock on
// .drover/run.lock, held until this process ends (a killed drover releases it).
// Opened close-on-exec so that job processes, which may outlive drover, never hold it.
class RunLock {
 public:
  static Result<std::unique_ptr<RunLock>> Take(const std::string& root) {
    const std::string path = root + "/.drover/run.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno("opening " + path, errno);
    // A drover killed while starting a job leaves the lock with the child it was
    // spawning until that child execs (close-on-exec), a moment later: when the pid
    // recorded in drover.pid is gone, wait up to 5 s for the lock to be let go.
    int tries = 0;
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      auto pid = ReadFile(root + "/.drover/drover.pid");
      const long holder = pid.ok() ? std::atol(pid->c_str()) : 0;
      if (err == EWOULDBLOCK && holder > 0 && ::kill(static_cast<pid_t>(holder), 0) != 0 &&
          errno == ESRCH && ++tries <= 250) {
        ::usleep(20'000);
        continue;
      }
      ::close(fd);
      if (err != EWOULDBLOCK) return Status::FromErrno("locking " + path, err);
      std::string who = pid.ok() && !pid->empty() ? " (pid " + pid->substr(0, pid->find('\n')) + ")" : "";
      return Status::Busy(fmt::format(
          "another drover run{} is using the store in {}/.drover; wait for it to finish, "
          "or stop it with `drover cancel`",
          who, root));
    }
    return std::unique_ptr<RunLock>(new RunLock(fd));
  }
  ~RunLock() { ::close(fd_); }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_;
};

// Refuses (Invalid, which exits 2) a run of `plan` when the store has lost the records
// of jobs of it that finished (engine/recover.h: folders with a status.json recording
// success whose job the store does not know), saying how to recover them with
// `drover recover` and the same workflow and --set arguments. Changes nothing.
Status CheckStoreKnowsFolders(const Plan& plan, Store* store, const std::string& workflow,
                              const std::vector<std::string>& sets);

}  // namespace drover::cli
