// CheckJobFolders and RecoverJobs: job folders the store lost, found and put back.
#include "engine/recover.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/job_files.h"
#include "exec/executor.h"
#include "util/fs.h"

namespace drover {
namespace {

// A planned job with a status.json whose attempts the store has no record of.
struct Unrecorded {
  uint32_t job = 0;
  int64_t id = 0;     // the store's id, 0 when the store does not know the job
  JobStatus status;   // its folder's status.json: how its latest attempt ended
  JobRecord rec;      // the job as the store records it (a derived job: its own key)
  std::vector<std::string> missing;  // a partial gather: the jobs it ran without
};

bool Succeeded(const JobStatus& s) {
  return s.exit_code == 0 && s.term_signal == 0 && !s.walltime_exceeded && !s.cancelled;
}

// True when the folders under `jobs` (.drover/jobs/xx/KEY) number more than `limit`.
// Reads names only, and stops as soon as it knows.
bool MoreFoldersThan(const std::string& jobs, int64_t limit) {
  std::unique_ptr<DIR, int (*)(DIR*)> top(opendir(jobs.c_str()), closedir);
  if (!top) return false;
  int64_t n = 0;
  while (dirent* shard = readdir(top.get())) {
    if (shard->d_name[0] == '.') continue;
    std::unique_ptr<DIR, int (*)(DIR*)> sub(opendir((jobs + "/" + shard->d_name).c_str()),
                                            closedir);
    if (!sub) continue;
    while (dirent* e = readdir(sub.get()))
      if (e->d_name[0] != '.' && ++n > limit) return true;
  }
  return false;
}

// True when the store knows `rec` (by key) as succeeded or with an attempt; fills *id
// with its id (0: unknown).
Result<bool> Recorded(Store* store, const JobRecord& rec, int64_t* id) {
  std::vector<KnownJob> known;
  DROVER_RETURN_IF_ERROR(store->LookupJobs({rec}, &known));
  *id = known[0].is_new ? 0 : known[0].id;
  if (known[0].state == JobState::kSucceeded) return true;
  if (known[0].is_new) return false;
  auto latest = store->LatestAttempt(known[0].id);
  if (!latest.ok()) return latest.status();
  return latest->has_value();
}

// The derived jobs (partial gathers and what follows them: derived.json in their
// folder) of the planned jobs of `plan` (not of study steps) with a status.json that
// the store does not know, or knows without any attempt.
Status FindUnrecordedDerived(const Plan& plan, Store* store, std::vector<Unrecorded>* out) {
  std::unordered_map<std::string, uint32_t> planned;  // built at the first derived folder
  const std::string jobs = store->root() + "/.drover/jobs";
  std::unique_ptr<DIR, int (*)(DIR*)> top(opendir(jobs.c_str()), closedir);
  if (!top) return Status::Ok();
  while (dirent* shard = readdir(top.get())) {
    if (shard->d_name[0] == '.') continue;
    const std::string sdir = jobs + "/" + shard->d_name;
    std::unique_ptr<DIR, int (*)(DIR*)> sub(opendir(sdir.c_str()), closedir);
    if (!sub) continue;
    while (dirent* e = readdir(sub.get())) {
      if (e->d_name[0] == '.') continue;
      const std::string key = e->d_name, dir = sdir + "/" + key;
      auto derived = ReadDerivedFile(dir);
      if (!derived.ok()) continue;
      auto status = ReadStatusFile(dir + "/" + job_wrapper::kStatusFile);
      if (!status.ok()) continue;
      if (planned.empty())
        for (uint32_t j = 0; j < plan.jobs().size(); ++j) planned.emplace(plan.jobs()[j].key, j);
      auto it = planned.find(derived->planned_key);
      if (it == planned.end() || Plan::RelDir(key) != ".drover/jobs/" + std::string(shard->d_name) + "/" + key)
        continue;  // another workflow's, or of a plan this file no longer makes
      const uint32_t j = it->second;
      if (plan.workflow().steps[plan.jobs()[j].step].study) continue;
      Unrecorded u{j, 0, *status,
                   {key, plan.workflow().steps[plan.jobs()[j].step].name, plan.Name(j),
                    plan.ParamsJson(j), derived->command, Plan::RelDir(key)},
                   derived->missing};
      auto known = Recorded(store, u.rec, &u.id);
      if (!known.ok()) return known.status();
      if (!*known) out->push_back(std::move(u));
    }
  }
  return Status::Ok();
}

// The planned jobs (not of study steps) whose folder holds a status.json and that the
// store does not know, or knows without any attempt, then such derived jobs of them.
// *trials counts the study steps'.
Status FindUnrecorded(const Plan& plan, Store* store, std::vector<Unrecorded>* out,
                      int* trials) {
  std::vector<KnownJob> known;
  const std::vector<JobRecord> recs = PlannedJobRecords(plan);
  DROVER_RETURN_IF_ERROR(store->LookupJobs(recs, &known));
  for (uint32_t j = 0; j < plan.jobs().size(); ++j) {
    if (known[j].state == JobState::kSucceeded) continue;
    const std::string dir = store->root() + "/" + Plan::RelDir(plan.jobs()[j].key);
    auto status = ReadStatusFile(dir + "/" + job_wrapper::kStatusFile);
    if (!status.ok()) continue;  // never ran, still running, or unreadable: nothing to keep
    if (!known[j].is_new) {
      auto latest = store->LatestAttempt(known[j].id);
      if (!latest.ok()) return latest.status();
      if (*latest) continue;  // the store knows its attempts: a run adopts them
    }
    if (plan.workflow().steps[plan.jobs()[j].step].study) {
      ++*trials;
      continue;
    }
    out->push_back({j, known[j].is_new ? 0 : known[j].id, *status, recs[j], {}});
  }
  return FindUnrecordedDerived(plan, store, out);
}

AttemptState StateOf(const JobStatus& s) {
  if (Succeeded(s)) return AttemptState::kSucceeded;
  if (s.cancelled) return AttemptState::kCancelled;
  if (s.exit_code == 85) return AttemptState::kRequeued;
  return AttemptState::kFailed;
}

AttemptRecord AttemptOf(int64_t job_id, int number, const std::string& executor,
                        const JobStatus& s) {
  AttemptRecord a;
  a.job_id = job_id;
  a.number = number;
  a.executor = executor;
  a.state = StateOf(s);
  a.exit_code = s.exit_code;
  a.term_signal = s.term_signal;
  a.started = s.started;
  a.ended = s.ended;
  a.user_s = s.user_s;
  a.sys_s = s.sys_s;
  a.max_rss_kb = s.max_rss_kb;
  a.host = s.host;
  a.reason = "recovered from its folder";
  return a;
}

// Writes an attempt whole (InsertAttempt records its start only); returns its id.
Result<int64_t> Record(Store* store, AttemptRecord a) {
  auto id = store->InsertAttempt(a);
  if (!id.ok()) return id.status();
  a.id = *id;
  DROVER_RETURN_IF_ERROR(store->UpdateAttempt(a));
  return *id;
}

// The earlier attempts kept in attempts/N.status.json, by number.
std::vector<std::pair<int, JobStatus>> EarlierAttempts(const std::string& dir) {
  std::vector<std::pair<int, JobStatus>> out;
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir((dir + "/attempts").c_str()), closedir);
  if (!d) return out;
  const std::string suffix = std::string(".") + job_wrapper::kStatusFile;
  while (dirent* e = readdir(d.get())) {
    std::string name = e->d_name;
    if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix))
      continue;
    std::string digits = name.substr(0, name.size() - suffix.size());
    if (digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    int n = std::atoi(digits.c_str());
    auto s = ReadStatusFile(dir + "/attempts/" + name);
    if (n > 0 && s.ok()) out.push_back({n, *s});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

// Records one job's attempts, and its outputs and metrics when its last one succeeded.
// True when it is recorded as succeeded.
Result<bool> RecoverJob(const Plan& plan, Store* store, int64_t run_id, const Unrecorded& u,
                        int64_t job_id) {
  const PlannedJob& pj = plan.jobs()[u.job];
  const Step& step = plan.workflow().steps[pj.step];
  const std::string rel = u.rec.dir, dir = store->root() + "/" + rel;
  int number = 0;
  for (const auto& [n, s] : EarlierAttempts(dir)) {
    auto id = Record(store, AttemptOf(job_id, n, step.executor, s));
    if (!id.ok()) return id.status();
    number = n;
  }
  number = std::max(number + 1, u.status.attempt);
  AttemptRecord last = AttemptOf(job_id, number, step.executor, u.status);
  std::vector<ArtifactRecord> arts;
  std::vector<MetricRecord> metrics;
  std::vector<std::string> problems;
  if (last.state == AttemptState::kSucceeded) {
    Status st = CollectArtifacts(store->root(), rel, step.outputs, &arts);
    if (st.ok()) st = ReadMetrics(dir + "/metrics.jsonl", &metrics, &problems);
    if (!st.ok()) {
      last.state = AttemptState::kFailed;
      last.reason = "recovered from its folder: " + st.message();
    }
  }
  auto id = Record(store, last);
  if (!id.ok()) return id.status();
  const bool ok = last.state == AttemptState::kSucceeded;
  if (ok) {
    DROVER_RETURN_IF_ERROR(store->ReplaceArtifacts(job_id, arts));
    DROVER_RETURN_IF_ERROR(store->ReplaceMetrics(job_id, *id, metrics));
  }
  JobState state = ok ? JobState::kSucceeded
                   : last.state == AttemptState::kRequeued ? JobState::kPending
                   : last.state == AttemptState::kCancelled ? JobState::kCancelled
                                                            : JobState::kFailed;
  DROVER_RETURN_IF_ERROR(store->SetJobState(job_id, state));
  DROVER_RETURN_IF_ERROR(store->AddEvent(run_id, job_id, "recovered", last.reason));
  if (!u.missing.empty()) {  // a partial gather stays one: drover show, tables
    std::string names;
    for (const std::string& m : u.missing) names += (names.empty() ? "" : " ") + m;
    DROVER_RETURN_IF_ERROR(store->AddEvent(run_id, job_id, "partial", names));
  }
  return ok;
}

}  // namespace

Result<FolderCheck> CheckJobFolders(const Plan& plan, Store* store) {
  FolderCheck out;
  auto with_attempts = store->CountJobsWithAttempts();
  if (!with_attempts.ok()) return with_attempts.status();
  if (!MoreFoldersThan(store->root() + "/.drover/jobs", *with_attempts)) return out;
  std::vector<Unrecorded> found;
  int trials = 0;
  DROVER_RETURN_IF_ERROR(FindUnrecorded(plan, store, &found, &trials));
  for (const Unrecorded& u : found) {
    if (!Succeeded(u.status)) continue;
    if (out.finished++ == 0) out.example = u.rec.dir;
  }
  return out;
}

Result<RecoverSummary> RecoverJobs(const Plan& plan, Store* store,
                                   const std::function<Result<int64_t>()>& start_run) {
  RecoverSummary sum;
  std::vector<Unrecorded> found;
  DROVER_RETURN_IF_ERROR(FindUnrecorded(plan, store, &found, &sum.trials));
  if (found.empty()) return sum;
  std::vector<JobRecord> recs;
  for (const Unrecorded& u : found) recs.push_back(u.rec);
  auto run_id = start_run();
  if (!run_id.ok()) return run_id.status();
  Transaction tx(store);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  std::vector<KnownJob> ids;  // inserts the unknown jobs, moves all to this run
  DROVER_RETURN_IF_ERROR(store->SyncJobs(*run_id, recs, &ids));
  for (size_t i = 0; i < found.size(); ++i) {
    auto ok = RecoverJob(plan, store, *run_id, found[i], ids[i].id);
    if (!ok.ok()) return ok.status().With("recovering " + recs[i].dir);
    ++(*ok ? sum.succeeded : sum.failed);
  }
  DROVER_RETURN_IF_ERROR(tx.Commit());
  return sum;
}

}  // namespace drover
