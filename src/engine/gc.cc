#include "engine/gc.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>
#include <utility>

#include "exec/job_group.h"
#include "util/fs.h"

namespace drover {
namespace {

// (run_id, id): which of two jobs of one name a later run planned.
bool Later(const JobFolderRow& a, const JobFolderRow& b) {
  return a.run_id != b.run_id ? a.run_id > b.run_id : a.id > b.id;
}

// Disk usage of a folder or file and everything below it, links not followed. Not
// thread-safe (nftw's callback takes no context): gc runs on one thread.
int64_t g_usage = 0;
int AddUsage(const char*, const struct stat* st, int, struct FTW*) {
  g_usage += static_cast<int64_t>(st->st_blocks) * 512;
  return 0;
}
int64_t DiskUsage(const std::string& path) {
  g_usage = 0;
  (void)nftw(path.c_str(), AddUsage, 16, FTW_PHYS);
  return g_usage;
}

// True for a job folder path as the planner makes them (.drover/jobs/<xx>/<key>, no
// "..", nothing absolute): gc never removes anything else, whatever a row says.
bool IsJobDir(const std::string& dir) {
  const std::string prefix = ".drover/jobs/";
  if (dir.compare(0, prefix.size(), prefix) != 0) return false;
  size_t slash = dir.find('/', prefix.size());
  if (slash == std::string::npos || slash == prefix.size() || slash + 1 >= dir.size()) return false;
  for (char c : dir.substr(prefix.size()))
    if (c != '/' && !std::isalnum(static_cast<unsigned char>(c))) return false;
  return dir.find('/', slash + 1) == std::string::npos;
}

// The Slurm array ids ("1234") of the running attempts' handles ("slurm:1234_7").
std::set<std::string> RunningArrays(const std::vector<AttemptRecord>& running) {
  std::set<std::string> out;
  const std::string prefix = "slurm:";
  for (const AttemptRecord& a : running) {
    if (a.handle.compare(0, prefix.size(), prefix) != 0) continue;
    std::string job = a.handle.substr(prefix.size());
    out.insert(job.substr(0, job.find('_')));
  }
  return out;
}

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Removes (or counts) ARRAY.sh and ARRAY.log in `slurm_dir` of arrays that are neither
// running nor named by an in-flight submission's BASE.id.
void CollectSlurm(const std::string& slurm_dir, std::set<std::string> keep, bool dry_run,
                  GcSummary* sum) {
  DIR* d = ::opendir(slurm_dir.c_str());
  if (d == nullptr) return;  // Slurm was never used with this store
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.push_back(e->d_name);
  ::closedir(d);
  for (const std::string& n : names) {
    if (n.size() <= 3 || n.compare(n.size() - 3, 3, ".id") != 0) continue;
    auto id = ReadRegularFile(slurm_dir + "/" + n, 64);
    if (id.ok()) keep.insert(id->substr(0, id->find('\n')));
  }
  for (const std::string& n : names) {
    size_t dot = n.rfind('.');
    if (dot == std::string::npos) continue;
    std::string array = n.substr(0, dot), ext = n.substr(dot);
    if ((ext != ".sh" && ext != ".log") || !AllDigits(array) || keep.count(array)) continue;
    std::string path = slurm_dir + "/" + n;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (!dry_run && ::unlink(path.c_str()) != 0) {
      sum->errors.push_back(path + ": " + std::strerror(errno));
      continue;
    }
    ++sum->slurm_files;
    sum->slurm_bytes += static_cast<int64_t>(st.st_blocks) * 512;
  }
}

// Removes (or counts) one unreached job's folder, unless a wrapper runs in it.
void CollectFolder(const std::string& path, bool dry_run, GcSummary* sum) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
  if (JobLockHeld(path)) {  // running, whatever the store says
    ++sum->kept;
    return;
  }
  int64_t bytes = DiskUsage(path);
  if (!dry_run) {
    Status st2 = RemoveAll(path);
    if (!st2.ok()) {
      sum->errors.push_back(st2.message());
      return;
    }
    std::string parent = path.substr(0, path.rfind('/'));
    (void)::rmdir(parent.c_str());  // the .drover/jobs/<xx> folder, once empty
  }
  ++sum->folders;
  sum->folder_bytes += bytes;
}

}  // namespace

std::vector<bool> ReachedJobs(const std::vector<JobFolderRow>& jobs,
                              const std::vector<int64_t>& running_jobs) {
  std::map<std::pair<int64_t, std::string>, size_t> latest, latest_ok;
  std::unordered_set<int64_t> running(running_jobs.begin(), running_jobs.end());
  std::vector<bool> reached(jobs.size(), false);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const JobFolderRow& j = jobs[i];
    auto key = std::make_pair(j.workflow_id, j.name);
    auto [it, fresh] = latest.emplace(key, i);
    if (!fresh && Later(j, jobs[it->second])) it->second = i;
    if (j.state == JobState::kSucceeded) {
      auto [ok, first] = latest_ok.emplace(key, i);
      if (!first && Later(j, jobs[ok->second])) ok->second = i;
    }
    reached[i] = j.trial || j.state == JobState::kRunning || running.count(j.id) > 0;
  }
  for (const auto& [key, i] : latest) reached[i] = true;
  for (const auto& [key, i] : latest_ok) reached[i] = true;
  return reached;
}

Result<GcSummary> CollectGarbage(Store* store, const GcOptions& opts) {
  auto jobs = store->JobFolders();
  if (!jobs.ok()) return jobs.status();
  auto running = store->RunningAttempts();
  if (!running.ok()) return running.status();
  std::vector<int64_t> running_jobs;
  for (const AttemptRecord& a : *running) running_jobs.push_back(a.job_id);
  std::vector<bool> reached = ReachedJobs(*jobs, running_jobs);
  GcSummary sum;
  const std::string& root = store->root();
  for (size_t i = 0; i < jobs->size(); ++i) {
    const std::string& dir = (*jobs)[i].dir;
    if (!IsJobDir(dir)) continue;
    if (reached[i]) {
      sum.kept += PathExists(root + "/" + dir) ? 1 : 0;
      continue;
    }
    CollectFolder(root + "/" + dir, opts.dry_run, &sum);
  }
  CollectSlurm(root + "/.drover/slurm", RunningArrays(*running), opts.dry_run, &sum);
  return sum;
}

}  // namespace drover
