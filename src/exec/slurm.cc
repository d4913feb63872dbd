// The Slurm executor (see slurm.h for the contract): job arrays out, one squeue per
// polling interval and the wrappers' status.json files in.
#include "exec/slurm.h"

#include <dirent.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "util/clock.h"
#include "util/fs.h"
#include "util/signals.h"

namespace drover {
namespace {

namespace jw = job_wrapper;

class SlurmExecutor final : public Executor {
 public:
  SlurmExecutor(SlurmExecutorOptions opts, std::unique_ptr<SlurmCommands> cmds)
      : opts_(std::move(opts)), cmds_(std::move(cmds)) {
    InstallSignalHandlers();
  }
  ~SlurmExecutor() override { FlushCancels(); }  // running jobs stay: a later drover adopts them
  std::string name() const override { return "slurm"; }
  Status Submit(const LaunchRequest& req, std::string* handle) override {
    std::vector<std::string> handles;
    Status st = SubmitMany({req}, &handles)[0];
    *handle = handles[0];
    return st;
  }
  std::vector<Status> SubmitMany(const std::vector<LaunchRequest>& reqs,
                                 std::vector<std::string>* handles) override;
  AdoptResult Adopt(int64_t attempt_id, const std::string& job_dir, const std::string& handle,
                    Completion* done) override;
  void Wait(int timeout_ms, std::vector<Completion>* out) override;
  void Cancel(int64_t attempt_id) override;
  void KillAll() override;
  void CancelUnrecorded(const std::vector<std::string>& recorded) override;
  size_t running() const override { return attempts_.size(); }
  size_t queued() const override { return queued_; }

 private:
  struct Attempt {
    std::string dir;
    std::string job;       // "1234_7"
    int number = 0;        // its DROVER_ATTEMPT; 0: not known (adopted)
    bool pending = false;  // the last squeue said PENDING: no status file to look for
    int absent = 0;        // squeue calls in a row that did not list it
    bool cancel = false;   // drover asked Slurm to stop it
    bool queued = true;    // submitted, and not yet seen started by squeue
  };

  void SubmitArray(const std::vector<LaunchRequest>& reqs, const std::vector<size_t>& idx,
                   std::vector<std::string>* handles, std::vector<Status>* out);
  Result<std::string> Sbatch(const std::vector<std::string>& argv);
  void Track(int64_t attempt_id, const std::string& dir, const std::string& job, int number);
  bool ReadOwnStatus(const Attempt& a, Completion* c) const;
  bool SweepSubmissions(const std::set<std::string>& recorded);
  void Report(int64_t attempt_id, Completion c, std::vector<Completion>* out);
  void KeepScript(const std::string& array);
  void Poll(std::vector<Completion>* out);
  void CheckFiles(std::vector<Completion>* out);
  void FlushCancels();

  SlurmExecutorOptions opts_;
  std::unique_ptr<SlurmCommands> cmds_;
  std::unordered_map<int64_t, Attempt> attempts_;          // by attempt id
  std::unordered_map<std::string, int64_t> by_job_;        // Slurm id -> attempt id
  std::map<std::string, std::set<std::string>> arrays_;    // array -> tracked task ids
  std::map<std::string, std::vector<std::string>> files_;  // array -> its script, manifest, id
  std::set<std::string> to_cancel_;                        // Slurm ids for the next scancel
  std::set<std::string> to_kill_;
  double next_poll_ = 0;
  double next_files_ = 0;
  int seq_ = 0;
  uint64_t file_ticks_ = 0;
  size_t queued_ = 0;      // of attempts_, those with queued set
};

std::vector<Status> SlurmExecutor::SubmitMany(const std::vector<LaunchRequest>& reqs,
                                              std::vector<std::string>* handles) {
  std::vector<Status> out(reqs.size());
  handles->assign(reqs.size(), "");
  std::vector<std::string> keys;
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < reqs.size(); ++i) {
    std::string key = slurm::GroupKey(reqs[i]);
    if (!groups.count(key)) keys.push_back(key);
    groups[key].push_back(i);
  }
  for (const std::string& key : keys) {
    const std::vector<size_t>& all = groups[key];
    size_t chunk = static_cast<size_t>(std::max(1, opts_.max_array_size));
    for (size_t b = 0; b < all.size(); b += chunk) {
      std::vector<size_t> idx(all.begin() + b, all.begin() + std::min(all.size(), b + chunk));
      SubmitArray(reqs, idx, handles, &out);
    }
  }
  return out;
}

// One sbatch call for the requests reqs[idx...]; fills their handles or statuses.
void SlurmExecutor::SubmitArray(const std::vector<LaunchRequest>& reqs,
                                const std::vector<size_t>& idx, std::vector<std::string>* handles,
                                std::vector<Status>* out) {
  auto fail_all = [&](const Status& st) {
    for (size_t i : idx) (*out)[i] = st;
  };
  Status st = MakeDirs(opts_.state_dir);
  if (!st.ok()) return fail_all(st);
  std::vector<size_t> ok;
  std::string manifest_text;
  for (size_t i : idx) {
    const LaunchRequest& r = reqs[i];
    if (attempts_.count(r.attempt_id)) {
      (*out)[i] = Status::Invalid(fmt::format("attempt {} is already running", r.attempt_id));
      continue;
    }
    Status w = r.job_dir.find('\n') == std::string::npos
                   ? WriteFile(r.job_dir + "/slurm-env.sh", slurm::EnvFile(r.env))
                   : Status::Invalid("a job folder's path holds a newline: " + r.job_dir);
    if (!w.ok()) {
      (*out)[i] = w;
      continue;
    }
    ok.push_back(i);
    manifest_text += slurm::ManifestLine(slurm::AttemptOf(r.env), r.job_dir);
  }
  if (ok.empty()) return;
  // A name no earlier submission used: a stray task of one reads only its own manifest.
  std::string base;
  do {
    base = fmt::format("{}/{}-{:.0f}-{}", opts_.state_dir, getpid(), NowSeconds() * 1000, ++seq_);
  } while (PathExists(base + ".jobs") || PathExists(base + ".id"));
  const LaunchRequest& first = reqs[ok[0]];
  st = WriteFile(base + ".jobs", manifest_text);
  if (st.ok())
    st = WriteFile(base + ".sh", slurm::BatchScript(opts_.wrapper, base + ".jobs", first.walltime_s,
                                                    first.grace_s));
  std::vector<std::string> argv = slurm::SbatchArgs(first, ok.size(), opts_.state_dir + "/%A.log");
  argv.push_back(base + ".sh");
  Result<std::string> id = st.ok() ? Sbatch(argv) : Result<std::string>(st);
  if (!id.ok()) {
    ::unlink((base + ".jobs").c_str());
    ::unlink((base + ".sh").c_str());
    for (size_t i : ok) (*out)[i] = Status::Invalid(id.status().message());
    return;
  }
  // Marks the submission as returned: a later drover keeps its manifest if the id was
  // recorded (best effort: without it, the manifest goes when the id was not recorded).
  (void)WriteFile(base + ".id", *id + "\n");
  files_[*id] = {base + ".jobs", base + ".sh", base + ".id"};
  for (size_t k = 0; k < ok.size(); ++k) {
    std::string job = *id + "_" + std::to_string(k);
    Track(reqs[ok[k]].attempt_id, reqs[ok[k]].job_dir, job, slurm::AttemptOf(reqs[ok[k]].env));
    (*handles)[ok[k]] = job;
  }
}

// sbatch, tried again with backoff while Slurm calls the refusal temporary.
Result<std::string> SlurmExecutor::Sbatch(const std::vector<std::string>& argv) {
  double wait = opts_.backoff_s;
  for (int t = 1;; ++t) {
    Result<std::string> id = slurm::ParseSbatch(cmds_->Run(argv));
    if (id.ok() || id.status().code() != Code::kBusy) return id;
    if (t >= opts_.submit_tries)
      return Status::Busy(fmt::format("{} (after {} tries)", id.status().message(), t));
    cmds_->Sleep(wait);
    wait *= 2;
  }
}

void SlurmExecutor::Track(int64_t attempt_id, const std::string& dir, const std::string& job,
                          int number) {
  if (auto old = attempts_.find(attempt_id); old != attempts_.end() && old->second.queued)
    --queued_;
  attempts_[attempt_id] = Attempt{dir, job, number};
  ++queued_;  // until squeue says it started
  by_job_[job] = attempt_id;
  arrays_[slurm::ArrayOf(job)].insert(job);
}

// The array has ended: its manifest and id file go (no task of it can start again), and
// its batch script stays beside Slurm's log as ARRAY.sh and ARRAY.log, for the user
// (sacct, seff, a rerun by hand) until they remove them.
void SlurmExecutor::KeepScript(const std::string& array) {
  const std::vector<std::string>& f = files_[array];  // BASE.jobs, BASE.sh, BASE.id
  if (f.size() != 3) return;
  ::unlink(f[0].c_str());
  if (::rename(f[1].c_str(), (opts_.state_dir + "/" + array + ".sh").c_str()) != 0)
    ::unlink(f[1].c_str());
  ::unlink(f[2].c_str());
}

// Reports an attempt and forgets it; an array's manifest goes with its last task.
void SlurmExecutor::Report(int64_t attempt_id, Completion c, std::vector<Completion>* out) {
  auto it = attempts_.find(attempt_id);
  // scancel signals the job's processes too, not only its wrapper: the command may
  // end by that signal before the wrapper records that it was asked to stop.
  JobStatus& s = c.status;
  if (it->second.cancel && c.has_status && s.exit_code != 0 && s.exit_code != 85)
    s.cancelled = true;
  std::string job = it->second.job;
  std::string array = slurm::ArrayOf(job);
  by_job_.erase(job);
  to_cancel_.erase(job);
  to_kill_.erase(job);
  auto a = arrays_.find(array);
  if (a != arrays_.end()) {
    a->second.erase(job);
    if (a->second.empty()) {
      arrays_.erase(a);
      KeepScript(array);
      files_.erase(array);
    }
  }
  if (it->second.queued) --queued_;
  attempts_.erase(it);
  c.attempt_id = attempt_id;
  out->push_back(std::move(c));
}

AdoptResult SlurmExecutor::Adopt(int64_t attempt_id, const std::string& job_dir,
                                 const std::string& handle, Completion* done) {
  Completion c;
  c.attempt_id = attempt_id;
  if (ReadStatusInto(job_dir, &c)) {
    *done = std::move(c);
    return AdoptResult::kFinished;
  }
  if (handle.empty() || handle.find_first_not_of("0123456789_") != std::string::npos) {
    c.error = "lost: no Slurm job id was recorded and there is no status.json";
    *done = std::move(c);
    return AdoptResult::kGone;
  }
  if (!attempts_.count(attempt_id)) Track(attempt_id, job_dir, handle, 0);
  next_poll_ = 0;  // the next Wait asks squeue whether it is still there
  return AdoptResult::kRunning;
}

void SlurmExecutor::Wait(int timeout_ms, std::vector<Completion>* out) {
  const size_t before = out->size();
  const int interrupts = InterruptCount();
  const double deadline = timeout_ms < 0 ? 1e300 : MonotonicSeconds() + timeout_ms / 1000.0;
  for (;;) {
    FlushCancels();
    double now = MonotonicSeconds();
    if (!attempts_.empty() && now >= next_poll_) {
      Poll(out);
      next_poll_ = MonotonicSeconds() + opts_.poll_s;
      next_files_ = MonotonicSeconds() + opts_.file_poll_s;
    } else if (!attempts_.empty() && now >= next_files_) {
      CheckFiles(out);
      next_files_ = MonotonicSeconds() + opts_.file_poll_s;
    }
    if (out->size() > before || InterruptCount() != interrupts) return;
    now = MonotonicSeconds();
    if (now >= deadline) return;
    double until = deadline;
    if (!attempts_.empty()) until = std::min({until, next_poll_, next_files_});
    double left = std::max(0.0, std::min(until - now, 3600.0));
    timespec ts{static_cast<time_t>(left), static_cast<long>(std::fmod(left, 1.0) * 1e9)};
    ppoll(nullptr, 0, &ts, WaitMask());
  }
}

// ReadStatusInto, except that a status.json recording another attempt than `a` (a
// stray's, which cannot be this attempt's end) counts as none.
bool SlurmExecutor::ReadOwnStatus(const Attempt& a, Completion* c) const {
  if (!ReadStatusInto(a.dir, c)) return false;
  if (c->has_status && a.number > 0 && c->status.attempt > 0 && c->status.attempt != a.number) {
    *c = Completion{};
    return false;
  }
  return true;
}

// Has the wrapper written status.json? Looked at every file_poll_s for attempts not
// known to be pending, every 4 x file_poll_s for the others (which may have started and
// ended since squeue last saw them pending).
void SlurmExecutor::CheckFiles(std::vector<Completion>* out) {
  bool all = ++file_ticks_ % 4 == 0;
  std::vector<std::pair<int64_t, Completion>> done;
  for (const auto& [id, a] : attempts_) {
    if (a.pending && !all) continue;
    Completion c;
    if (ReadOwnStatus(a, &c)) done.emplace_back(id, std::move(c));
  }
  for (auto& [id, c] : done) Report(id, std::move(c), out);
}

// One squeue call for every tracked job; then status files for those not pending,
// and a verdict for those that left the queue.
void SlurmExecutor::Poll(std::vector<Completion>* out) {
  std::string ids;
  for (const auto& [array, tasks] : arrays_) ids += (ids.empty() ? "" : ",") + array;
  std::vector<std::string> argv = {"squeue", "-h", "-r", "-o", "%i %T"};
  if (arrays_.size() > 500) {
    argv.push_back("--user=" + std::to_string(getuid()));
  } else {
    argv.push_back("--jobs=" + ids);
  }
  CommandOutput q = cmds_->Run(argv);
  // One unknown id makes squeue fail ("Invalid job id"): then none of them is queued.
  if (q.exit_code != 0) {
    if (q.err.find("Invalid job id") == std::string::npos) return;  // ask again next time
    q.out.clear();
  }
  auto states = slurm::ParseSqueue(q.out);
  std::vector<std::pair<int64_t, Completion>> done;
  for (auto& [id, a] : attempts_) {
    Completion c;
    auto st = states.find(a.job);
    if (st != states.end()) {
      a.absent = 0;
      a.pending = st->second == "PENDING";
      if (a.queued && !a.pending) --queued_;
      if (!a.queued && a.pending) ++queued_;
      a.queued = a.pending;
      if (!a.pending && ReadOwnStatus(a, &c)) done.emplace_back(id, std::move(c));
      continue;
    }
    a.pending = false;
    if (a.queued) --queued_;
    a.queued = false;
    if (ReadOwnStatus(a, &c)) {
      done.emplace_back(id, std::move(c));
    } else if (a.cancel) {
      c.has_status = true;  // Slurm killed it before its wrapper could write status.json
      c.status.cancelled = true;
      c.status.term_signal = SIGKILL;
      c.status.ended = NowSeconds();
      done.emplace_back(id, std::move(c));
    } else if (++a.absent >= 2) {
      c.error = fmt::format(
          "lost: Slurm job {} left the queue without a status.json (its log: {}/{}.log)", a.job,
          opts_.state_dir, slurm::ArrayOf(a.job));
      done.emplace_back(id, std::move(c));
    }
  }
  for (auto& [id, c] : done) Report(id, std::move(c), out);
}

void SlurmExecutor::Cancel(int64_t attempt_id) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return;
  it->second.cancel = true;
  to_cancel_.insert(it->second.job);
}

void SlurmExecutor::KillAll() {
  for (auto& [id, a] : attempts_) {
    a.cancel = true;
    to_kill_.insert(a.job);
  }
}

// One scancel for everything Cancel asked since the last call (whole arrays where it
// can), one more with SIGKILL after KillAll.
void SlurmExecutor::FlushCancels() {
  if (!to_cancel_.empty()) {
    std::vector<std::string> argv = {"scancel"};
    for (const std::string& t : slurm::CancelTargets(arrays_, to_cancel_)) argv.push_back(t);
    (void)cmds_->Run(argv);
    to_cancel_.clear();
  }
  if (!to_kill_.empty()) {
    std::vector<std::string> argv = {"scancel", "--signal=KILL", "--full"};
    for (const std::string& t : slurm::CancelTargets(arrays_, to_kill_)) argv.push_back(t);
    (void)cmds_->Run(argv);
    to_kill_.clear();
  }
}

// Every submission in state_dir (BASE.jobs, BASE.sh, BASE.id) whose array is not in
// `recorded` loses its files, its manifest first: a task of it that starts later finds
// no job folder and runs nothing. Those of recorded arrays are kept (and go with the
// array's last task). Returns true when there was any unrecorded one.
bool SlurmExecutor::SweepSubmissions(const std::set<std::string>& recorded) {
  DIR* d = ::opendir(opts_.state_dir.c_str());
  if (d == nullptr) return false;  // Slurm was never used with this store
  std::vector<std::string> bases;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".jobs") == 0)
      bases.push_back(opts_.state_dir + "/" + name.substr(0, name.size() - 5));
  }
  ::closedir(d);
  bool stray = false;
  for (const std::string& base : bases) {
    Result<std::string> id = ReadRegularFile(base + ".id", 64);
    std::string array = id.ok() ? id->substr(0, id->find('\n')) : "";
    if (!array.empty() && recorded.count(array)) {
      files_[array] = {base + ".jobs", base + ".sh", base + ".id"};
      continue;
    }
    stray = true;
    for (const char* ext : {".jobs", ".sh", ".id"}) ::unlink((base + ext).c_str());
  }
  return stray;
}

void SlurmExecutor::CancelUnrecorded(const std::vector<std::string>& recorded) {
  std::set<std::string> arrays;
  for (const std::string& h : recorded)
    if (!h.empty()) arrays.insert(slurm::ArrayOf(h));
  if (!SweepSubmissions(arrays)) return;  // every submission is accounted for
  // The batch scripts' paths as Slurm shows them: absolute, as sbatch was given them.
  std::vector<std::string> dirs = {opts_.state_dir};
  if (char* real = ::realpath(opts_.state_dir.c_str(), nullptr)) {
    dirs.push_back(real);
    ::free(real);
  }
  CommandOutput q = cmds_->Run({"squeue", "-h", "-r", "--user=" + std::to_string(getuid()), "-o",
                                "%i|%j|%o"});
  if (q.exit_code != 0) return;  // no Slurm to ask: nothing of ours can be queued there
  std::vector<std::string> stray = slurm::StrayArrays(slurm::ParseSqueueJobs(q.out), arrays, dirs);
  if (stray.empty()) return;
  std::vector<std::string> argv = {"scancel"};
  argv.insert(argv.end(), stray.begin(), stray.end());
  (void)cmds_->Run(argv);
}

}  // namespace

std::unique_ptr<Executor> NewSlurmExecutor(const SlurmExecutorOptions& opts,
                                           std::unique_ptr<SlurmCommands> commands) {
  return std::make_unique<SlurmExecutor>(opts, std::move(commands));
}

}  // namespace drover
