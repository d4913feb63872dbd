// CancelLatestRun: stop the running drover, scancel and signal what is left, record it.
#include "engine/cancel.h"

#include <fmt/format.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "exec/local.h"
#include "exec/slurm.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/fs.h"

namespace drover {
namespace {


constexpr double kWaitForRunS = 180;

std::string Link(const std::string& path) {
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
  if (n < 0) return "";
  buf[n] = '\0';
  return buf;
}

// The pid in .drover/drover.pid, if that process is still a drover; 0 otherwise.
pid_t RunningDrover(const std::string& root) {
  auto text = ReadFile(root + "/.drover/drover.pid");
  if (!text.ok()) return 0;
  long pid = std::strtol(text->c_str(), nullptr, 10);
  if (pid <= 0 || pid == getpid()) return 0;
  std::string exe = Link("/proc/" + std::to_string(pid) + "/exe");
  std::string base = exe.substr(exe.rfind('/') + 1);
  return base == "drover" ? static_cast<pid_t>(pid) : 0;
}

// Gone: no such process, or a zombie that its parent has not reaped yet.
bool Gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  auto stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return true;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] == 'Z';
}

bool WaitGone(pid_t pid, double seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (Gone(pid)) return true;
    timespec ts{0, 100000000};
    nanosleep(&ts, nullptr);
  }
  return Gone(pid);
}

struct Found {
  JobRow job;
  AttemptRecord attempt;
};

Status RunningOfLatestRun(Store* store, int64_t* run_id, std::vector<Found>* out,
                          bool* run_open) {
  auto run = store->LatestRun("");
  if (!run.ok()) return run.status();
  if (!*run) return Status::NotFound("no run recorded yet");
  *run_id = (*run)->id;
  *run_open = (*run)->state == "running";
  auto jobs = store->JobsOfRun(*run_id, "", JobState::kRunning);
  if (!jobs.ok()) return jobs.status();
  for (const JobRow& j : *jobs) {
    auto atts = store->Attempts(j.id);
    if (!atts.ok()) return atts.status();
    for (const AttemptRecord& a : *atts)
      if (a.state == AttemptState::kRunning) out->push_back({j, a});
  }
  return Status::Ok();
}

// The attempts that the latest run had running before its drover was stopped, read
// again afterwards: those it recorded as cancelled are counted (on Slurm, local).
// Best effort: a store that cannot be read counts nothing.
void CountStopped(const std::string& root, const std::vector<Found>& before, int* slurm,
                  int* local) {
  auto store = OpenSqliteStore(root, StoreAccess::kReadOnly);
  if (!store.ok()) return;
  for (const Found& f : before) {
    auto atts = (*store)->Attempts(f.job.id);
    if (!atts.ok()) continue;
    for (const AttemptRecord& a : *atts)
      if (a.id == f.attempt.id && a.state == AttemptState::kCancelled)
        ++*(a.executor == "slurm" ? slurm : local);
  }
}

// Stops the `drover run` of this store, if one runs, and counts the running attempts
// it cancelled as it stopped.
Status StopRunningDrover(const std::string& root, int* slurm, int* local,
                         const std::function<void(const std::string&)>& say) {
  pid_t pid = RunningDrover(root);
  if (!pid) return Status::Ok();
  std::vector<Found> before;
  if (auto store = OpenSqliteStore(root, StoreAccess::kReadOnly); store.ok()) {
    int64_t run_id = 0;
    bool open = false;
    (void)RunningOfLatestRun(store->get(), &run_id, &before, &open);
  }
  say(fmt::format("drover: stopping the running drover (pid {}); it cancels its jobs", pid));
  kill(pid, SIGTERM);
  if (!WaitGone(pid, kWaitForRunS))
    return Status::Busy(fmt::format("drover (pid {}) is still running after {:.0f}s; "
                                    "run `drover cancel` again, or kill -INT it twice",
                                    pid, kWaitForRunS));
  CountStopped(root, before, slurm, local);
  return Status::Ok();
}

}  // namespace

Result<CancelReport> CancelLatestRun(const std::string& root,
                                     const std::function<void(const std::string&)>& say) {
  if (!PathExists(root + "/.drover/drover.db"))
    return Status::NotFound("no drover store in " + root + " or above: nothing to cancel");
  int stopped_slurm = 0, stopped_local = 0;  // by the drover that was running
  DROVER_RETURN_IF_ERROR(StopRunningDrover(root, &stopped_slurm, &stopped_local, say));
  auto store = OpenSqliteStore(root);
  if (!store.ok()) return store.status();
  int64_t run_id = 0;
  std::vector<Found> found;
  bool run_open = false;  // its drover was killed before it could record the end
  DROVER_RETURN_IF_ERROR(RunningOfLatestRun(store->get(), &run_id, &found, &run_open));
  std::set<std::string> slurm_ids;
  std::map<std::string, std::set<std::string>> arrays;
  int local = stopped_local;
  for (const Found& f : found) {
    const std::string& h = f.attempt.handle;
    if (h.rfind("slurm:", 0) == 0) {
      std::string id = h.substr(6);
      slurm_ids.insert(id);
      arrays[slurm::ArrayOf(id)].insert(id);
    } else if (!h.empty()) {
      pid_t pid = static_cast<pid_t>(std::strtol(h.c_str(), nullptr, 10));
      if (pid > 0 && IsWrapperOf(pid, root + "/" + f.job.rec.dir) && kill(pid, SIGTERM) == 0)
        ++local;
    }
  }
  if (!slurm_ids.empty()) {
    std::vector<std::string> argv = {"scancel"};
    for (const std::string& t : slurm::CancelTargets(arrays, slurm_ids)) argv.push_back(t);
    CommandOutput out = NewSlurmCommands(60)->Run(argv);
    std::string msg = slurm::Message(out.err);
    if (out.exit_code != 0 && msg.find("Invalid job id") == std::string::npos)
      return Status::Io("scancel failed: " + msg + "; nothing was recorded");
    std::string line;
    for (size_t i = 1; i < argv.size(); ++i) line += " " + argv[i];
    say("drover: scancel" + line);
  }
  Transaction tx(store->get());
  DROVER_RETURN_IF_ERROR(tx.Begin());
  for (const Found& f : found) {
    AttemptRecord a = f.attempt;
    a.state = AttemptState::kCancelled;
    a.reason = "cancelled by drover cancel";
    a.ended = NowSeconds();
    DROVER_RETURN_IF_ERROR((*store)->UpdateAttempt(a));  // an error rolls back
    DROVER_RETURN_IF_ERROR((*store)->SetJobState(f.job.id, JobState::kCancelled));
    DROVER_RETURN_IF_ERROR((*store)->AddEvent(run_id, f.job.id, "cancelled", "drover cancel"));
  }
  DROVER_RETURN_IF_ERROR(tx.Commit());
  if (run_open)  // no drover is left to finish it (checked above)
    DROVER_RETURN_IF_ERROR((*store)->FinishRun(run_id, "cancelled",
                                               fmt::format("{{\"cancelled\":{}}}", found.size())));
  CancelReport r;
  r.run_id = run_id;
  r.cancelled = static_cast<int>(found.size()) + stopped_slurm + stopped_local;
  r.slurm = static_cast<int>(slurm_ids.size()) + stopped_slurm;
  r.local = local;
  return r;
}

}  // namespace drover
