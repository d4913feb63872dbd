// The loop's work on single jobs: starting attempts within the resource limits,
// and turning completions into success, retry, requeue, failure or cancellation.
#include <signal.h>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "engine/job_files.h"
#include "engine/loop.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/shell.h"

namespace drover {
namespace {

std::string Reason(const JobStatus& s, const Step& step) {
  if (s.walltime_exceeded)
    return fmt::format("walltime of {:.0f}s exceeded", step.resources.walltime_s);
  if (s.cancelled) return "cancelled";
  if (s.term_signal) return fmt::format("killed by signal {} ({})", s.term_signal,
                                        strsignal(s.term_signal));
  return fmt::format("exit code {}", s.exit_code);
}

}  // namespace

void Loop::MakeReady(uint32_t j) {
  if (HoldFinal(j)) return;  // stays blocked until every other job has ended
  slot_[j] = Slot::kReady;
  ready_.push_back({StepOf(j).priority, est_->path(j), j, DeadlineOf(j)});
  std::push_heap(ready_.begin(), ready_.end());
}

Loop::ReadyEntry Loop::PopReady() {
  std::pop_heap(ready_.begin(), ready_.end());
  ReadyEntry e = ready_.back();
  ready_.pop_back();
  return e;
}

void Loop::Reorder() {
  if (!est_->Update()) return;
  for (ReadyEntry& e : ready_) e.path = est_->path(e.job);
  std::make_heap(ready_.begin(), ready_.end());
}

bool Loop::Fits(uint32_t j) const {
  if (Remote(j)) return true;  // the cluster's scheduler allocates
  const Resources& r = StepOf(j).resources;
  if (cpus_used_ + r.cpus > opts_.cpus + 1e-9) return false;
  if (mem_used_ + r.memory_bytes > opts_.memory_bytes) return false;
  int free_gpus = static_cast<int>(std::count(gpu_busy_.begin(), gpu_busy_.end(), false));
  return r.gpus <= free_gpus;
}

void Loop::Allocate(Running* r) {
  CountGroups(r->job, +1);
  if (Remote(r->job)) {
    ++remote_running_;
    return;
  }
  const Resources& res = StepOf(r->job).resources;
  cpus_used_ += res.cpus;
  mem_used_ += res.memory_bytes;
  for (size_t g = 0; g < gpu_busy_.size() && static_cast<int>(r->gpus.size()) < res.gpus; ++g)
    if (!gpu_busy_[g]) {
      gpu_busy_[g] = true;
      r->gpus.push_back(static_cast<int>(g));
    }
}

void Loop::Release(const Running& r) {
  CountGroups(r.job, -1);
  NoteLate(r.job);
  if (Remote(r.job)) {
    --remote_running_;
    return;
  }
  const Resources& res = StepOf(r.job).resources;
  cpus_used_ -= res.cpus;
  mem_used_ -= res.memory_bytes;
  for (int g : r.gpus) gpu_busy_[g] = false;
}

std::vector<std::string> Loop::JobEnv(uint32_t j, const Running& r) const {
  std::string dir = Dir(j);
  std::vector<std::string> env = plan_.jobs()[j].env;
  env.push_back("DROVER_JOB_DIR=" + dir);
  env.push_back("DROVER_JOB_KEY=" + KeyOf(j));
  env.push_back("DROVER_JOB_NAME=" + plan_.Name(j));
  env.push_back("DROVER_METRICS=" + dir + "/metrics.jsonl");
  env.push_back("DROVER_CHECKPOINT_DIR=" + dir + "/checkpoint");
  env.push_back("DROVER_CONTROL=" + dir + "/control");
  env.push_back("DROVER_PARAMS=" + plan_.ParamsJson(j));
  env.push_back("DROVER_ATTEMPT=" + std::to_string(r.rec.number));
  env.push_back("DROVER_WORKDIR=" + plan_.workflow().dir);
  env.push_back("PYTHONPATH=" + base_pythonpath_);
  if (StepOf(j).partial) {  // the gathered jobs it runs without, by name, one per line
    std::string missing;   // (job names may hold spaces: an axis value such as 'big model')
    if (auto it = missing_.find(j); it != missing_.end())
      for (uint32_t m : it->second) missing += (missing.empty() ? "" : "\n") + plan_.Name(m);
    env.push_back("DROVER_MISSING=" + missing);
  }
  if (!opts_.gpu_ids.empty() && !Remote(j)) {
    std::string ids;
    for (int g : r.gpus) ids += (ids.empty() ? "" : ",") + opts_.gpu_ids[g];
    env.push_back("CUDA_VISIBLE_DEVICES=" + ids);
  }
  return env;
}

bool Loop::CanStart() const {
  // Remote steps are not bound by -j: with ready jobs, StartReady decides.
  return !stopping_ && !ready_.empty() &&
         (remote_steps_ || static_cast<int>(running_.size()) < opts_.max_jobs);
}

void Loop::TellLimit(uint32_t j) {
  if (limit_told_) return;
  const Resources& r = StepOf(j).resources;
  std::string limit;
  if (cpus_used_ + r.cpus > opts_.cpus + 1e-9)
    limit = fmt::format("the CPU limit ({:g} CPUs: --cpus)", opts_.cpus);
  else if (mem_used_ + r.memory_bytes > opts_.memory_bytes)
    limit = fmt::format("the memory limit ({:.1f} GiB: --memory)", opts_.memory_bytes / 1073741824.0);
  else
    return;  // GPUs: --gpus names them one by one
  limit_told_ = true;
  printer_->Warn(fmt::format(
      "drover: {} holds ready jobs back: {} running, -j allows {}; raise the limit or lower "
      "the steps' resources to run more at once",
      limit, running_.size() - remote_running_, opts_.max_jobs));
}

Status Loop::StartReady(std::vector<int64_t>* started) {
  std::vector<ReadyEntry> deferred;
  if (running_.empty() && parked_count_ > 0) UnparkAll();
  while (!ready_.empty() && deferred.size() < 64) {
    bool local_full = static_cast<int>(running_.size() - remote_running_) >= opts_.max_jobs;
    if (local_full && !remote_steps_) break;
    ReadyEntry e = PopReady();
    if (slot_[e.job] != Slot::kReady) continue;
    if (Held(e.job)) {  // its limit: or category is full: set aside, not in the way
      Park(e);
      continue;
    }
    bool fits = Fits(e.job);
    if (!fits && !local_full) TellLimit(e.job);
    if ((local_full && !Remote(e.job)) || !fits || (studies_ && !studies_->CanStart(e.job))) {
      deferred.push_back(e);
      continue;
    }
    auto latest = store_->LatestAttempt(job_id_[e.job]);
    if (!latest.ok()) return latest.status();
    Running r{e.job, {}, {}, true};
    r.rec.job_id = job_id_[e.job];
    r.rec.number = *latest ? (*latest)->number + 1 : 1;
    r.rec.executor = StepOf(e.job).executor;
    r.rec.started = NowSeconds();
    auto id = store_->InsertAttempt(r.rec);
    if (!id.ok()) return id.status();
    r.rec.id = *id;
    if (studies_ && studies_->IsTrial(e.job)) DROVER_RETURN_IF_ERROR(studies_->Bind(e.job, *id));
    DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[e.job], JobState::kRunning));
    Allocate(&r);
    slot_[e.job] = Slot::kRunning;
    est_->Started(e.job);
    running_.emplace(*id, std::move(r));
    started->push_back(*id);
  }
  for (const ReadyEntry& e : deferred) {
    ready_.push_back(e);
    std::push_heap(ready_.begin(), ready_.end());
  }
  return Status::Ok();
}

// Starts the attempts in one batch (Slurm: one job array per step and resources).
// Remote attempts' handles (Slurm job ids) are committed at once: a later drover can
// only adopt them by those. Local ones are written with the next iteration's
// transaction, as a local attempt is also found through its job folder's lock.
Status Loop::Launch(const std::vector<int64_t>& ids) {
  std::vector<LaunchRequest> reqs;
  std::vector<int64_t> sent;
  for (int64_t id : ids) {
    Running& r = running_.at(id);
    const Step& step = StepOf(r.job);
    std::string dir = Dir(r.job);
    const std::string* command = &plan_.jobs()[r.job].command;
    std::string bound;  // a study's trial: its params filled in at start
    Status st;
    if (auto derived = command_.find(r.job); derived != command_.end()) {
      command = &derived->second;
    } else if (studies_) {
      st = studies_->Command(r.job, &bound);
      command = &bound;
    }
    if (st.ok()) st = PrepareJobDir(dir, *command, step.outputs, r.rec.number);
    if (st.ok() && command_.count(r.job)) st = WriteDerivedFile(dir, DerivedOf(r.job));
    if (!st.ok()) {
      NotStarted(r, st);
      continue;
    }
    reqs.push_back({id, dir, JobEnv(r.job, r), step.resources, step.resources.walltime_s,
                    step.grace_s, step.executor, step.name, step.slurm});
    if (studies_) studies_->Env(r.job, &reqs.back().env);
    sent.push_back(id);
  }
  std::vector<std::string> handles;
  std::vector<Status> st = exec_->SubmitMany(reqs, &handles);
  Transaction tx(store_);
  for (size_t i = 0; i < sent.size(); ++i) {
    Running& r = running_.at(sent[i]);
    if (!st[i].ok()) {
      NotStarted(r, st[i]);
      continue;
    }
    r.rec.handle = handles[i];
    printer_->Started(plan_.Name(r.job), r.rec.number, Prog());
    if (!Remote(r.job)) continue;
    if (!tx.open()) DROVER_RETURN_IF_ERROR(tx.Begin());
    r.handle_dirty = false;
    DROVER_RETURN_IF_ERROR(store_->UpdateAttempt(r.rec));
  }
  return tx.open() ? tx.Commit() : Status::Ok();
}

// Reported like any completion: the attempt failed before its command ran.
void Loop::NotStarted(Running& r, const Status& st) {
  r.rec.handle = "";
  r.rec.reason = "could not start: " + st.message();
  printer_->Started(plan_.Name(r.job), r.rec.number, Prog());
  Completion c;
  c.attempt_id = r.rec.id;
  c.error = r.rec.reason;
  pending_failures_.push_back(std::move(c));
}

}  // namespace drover

namespace drover {

Status Loop::Handle(const Completion& c) {
  auto it = running_.find(c.attempt_id);
  if (it == running_.end()) return Status::Ok();  // not ours (already handled)
  Running& r = it->second;
  uint32_t j = r.job;
  const Step& step = StepOf(j);
  if (c.has_status) {
    const JobStatus& s = c.status;
    r.rec.exit_code = s.exit_code;
    r.rec.term_signal = s.term_signal;
    r.rec.started = s.started > 0 ? s.started : r.rec.started;
    r.rec.ended = s.ended;
    r.rec.user_s = s.user_s;
    r.rec.sys_s = s.sys_s;
    r.rec.max_rss_kb = s.max_rss_kb;
    r.rec.host = s.host;
  } else {
    r.rec.ended = NowSeconds();
  }
  std::vector<std::string> problems;
  std::vector<MetricRecord> metrics;
  // A metrics.jsonl that is a FIFO, a link or too large fails the attempt (below).
  Status unreadable = ReadMetrics(Dir(j) + "/metrics.jsonl", &metrics, &problems);
  DROVER_RETURN_IF_ERROR(store_->ReplaceMetrics(job_id_[j], r.rec.id, metrics));
  for (const std::string& p : problems) {
    printer_->Line("drover: warning: " + plan_.Name(j) + ": " + p);
    DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, job_id_[j], "bad-metric", p));
  }
  if (studies_ && studies_->IsTrial(j)) {
    bool handled = false;
    Completion seen = c;
    seen.has_status = c.has_status && unreadable.ok();  // then its metrics are no result
    DROVER_RETURN_IF_ERROR(HandleTrial(r, seen, metrics, &handled));
    if (handled) return Status::Ok();
  }
  if (!c.has_status) return Fail(r, AttemptState::kLost, c.error);
  const JobStatus& s = c.status;
  if (s.cancelled && stopping_) return Fail(r, AttemptState::kCancelled, "cancelled");
  if (!unreadable.ok()) return Fail(r, AttemptState::kFailed, unreadable.message());
  // Exit 85 after a stop drover did not ask for (Slurm's time-limit warning) is a
  // checkpoint too.
  if (s.exit_code == 85) return Requeue(r);
  if (s.exit_code == 0 && !s.term_signal && s.walltime_exceeded) {
    // It saved its work and exited 0 within its grace: its outputs decide (Succeed).
    r.rec.reason = "exited 0 after the walltime's SIGTERM";
    return Succeed(r, s);
  }
  if (s.exit_code != 0 && !s.term_signal && !s.walltime_exceeded &&
      std::count(step.retry.unless_exit.begin(), step.retry.unless_exit.end(), s.exit_code))
    return Fail(r, AttemptState::kFailed,
                Reason(s, step) + ", listed in retries: unless_exit: not retried",
                /*may_retry=*/false);
  if (s.exit_code != 0 || s.term_signal || s.walltime_exceeded)
    return Fail(r, AttemptState::kFailed, Reason(s, step));
  return Succeed(r, s);
}

// A trial slot's attempt ended: the study decides complete or pruned (the job
// succeeded) or failed (objective missing); otherwise it is handled as any job.
Status Loop::HandleTrial(Running& r, const Completion& c, const std::vector<MetricRecord>& metrics,
                         bool* handled) {
  std::string reason;
  auto outcome = studies_->Ended(r.job, c, metrics, &reason);
  if (!outcome.ok()) return outcome.status();
  *handled = *outcome != StudyDriver::Outcome::kNone;
  if (*outcome == StudyDriver::Outcome::kFailed) return Fail(r, AttemptState::kFailed, reason);
  if (*outcome == StudyDriver::Outcome::kNone) return Status::Ok();
  bool pruned = *outcome == StudyDriver::Outcome::kPruned;
  if (pruned) {
    printer_->Note(plan_.Name(r.job), "pruned", Prog());
    DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, job_id_[r.job], "pruned", ""));
  }
  return Succeed(r, c.status, !pruned);
}

Status Loop::Succeed(Running& r, const JobStatus& st, bool collect) {
  uint32_t j = r.job;
  std::vector<ArtifactRecord> arts;
  Status collected = collect ? CollectArtifacts(store_->root(), Plan::RelDir(KeyOf(j)),
                                                StepOf(j).outputs, &arts)
                             : Status::Ok();
  if (!collected.ok()) return Fail(r, AttemptState::kFailed, collected.message());
  r.rec.state = AttemptState::kSucceeded;
  DROVER_RETURN_IF_ERROR(store_->UpdateAttempt(r.rec));
  DROVER_RETURN_IF_ERROR(store_->ReplaceArtifacts(job_id_[j], arts));
  DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kSucceeded));
  DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, job_id_[j], "succeeded", ""));
  Release(r);
  slot_[j] = Slot::kSucceeded;
  ++sum_.succeeded;
  double secs = st.ended > st.started ? st.ended - st.started : 0;
  est_->Succeeded(j, secs);
  running_.erase(r.rec.id);
  printer_->Finished(plan_.Name(j), secs, Prog());
  return ReleaseDependents(j);
}

Status Loop::ReleaseDependents(uint32_t j) {
  for (uint32_t k = dep_off_[j]; k < dep_off_[j + 1]; ++k) {
    uint32_t d = dep_list_[k];
    if (--waiting_[d] == 0 && slot_[d] == Slot::kBlocked) DROVER_RETURN_IF_ERROR(Ready(d));
  }
  return Status::Ok();
}

Status Loop::Ready(uint32_t j) {
  if (missing_.empty() && key_.empty()) {  // the common case: nothing partial in this run
    MakeReady(j);
    return Status::Ok();
  }
  const PlannedJob& pj = plan_.jobs()[j];
  bool derive = missing_.count(j) ||
                std::any_of(pj.deps.begin(), pj.deps.end(), [&](uint32_t d) { return key_.count(d); });
  if (!derive) {
    MakeReady(j);
    return Status::Ok();
  }
  return Derive(j);
}

bool Loop::Gathers(uint32_t d, uint32_t x) const {
  for (const GatherSpan& g : plan_.Gathers(d))
    if (std::find(g.jobs.begin(), g.jobs.end(), x) != g.jobs.end()) return true;
  return false;
}

// Replaces every `from` in *s by `to` (job folders hold 32 hex digits: no false matches).
static void ReplaceAll(std::string* s, const std::string& from, const std::string& to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size()))
    s->replace(at, from.size(), to);
}

DerivedRecord Loop::DerivedOf(uint32_t j) const {
  DerivedRecord rec{plan_.jobs()[j].key, {}, Plan::Readable(command_.at(j))};
  if (auto it = missing_.find(j); it != missing_.end())
    for (uint32_t m : it->second) rec.missing.push_back(plan_.Name(m));
  return rec;
}

Status Loop::Derive(uint32_t j) {
  const PlannedJob& pj = plan_.jobs()[j];
  static const std::vector<uint32_t> kNone;
  auto mit = missing_.find(j);
  if (mit != missing_.end())  // in the plan's order, not the order they ended in
    std::sort(mit->second.begin(), mit->second.end());
  const std::vector<uint32_t>& missing = mit == missing_.end() ? kNone : mit->second;
  auto kept = [&](uint32_t m) { return std::find(missing.begin(), missing.end(), m) == missing.end(); };
  for (const GatherSpan& g : plan_.Gathers(j))
    if (!g.jobs.empty() && std::none_of(g.jobs.begin(), g.jobs.end(), kept)) {
      skip_because_.emplace_back(j, "none of the jobs it gathers succeeded");
      slot_[j] = Slot::kSkipped;
      ++sum_.skipped;
      DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kSkipped));
      return SkipDependents(j, plan_.Name(j) + " was skipped");
    }
  std::string cmd = plan_.GatheredCommand(j, kept);
  Hasher h;
  h.Add("drover-derived-v1").Add(pj.key);
  for (uint32_t d : pj.deps) {
    if (!kept(d)) {
      h.Add("missing").Add(plan_.jobs()[d].key);
      continue;
    }
    h.Add("dep").Add(KeyOf(d));
    if (KeyOf(d) != plan_.jobs()[d].key)  // its folder: .drover/jobs/<key[0:2]>/<key>
      ReplaceAll(&cmd, Plan::RelDir(plan_.jobs()[d].key), Plan::RelDir(KeyOf(d)));
  }
  std::string key = h.HexDigest(), names;
  for (uint32_t m : missing) names += (names.empty() ? "" : " ") + plan_.Name(m);
  JobRecord rec{key, StepOf(j).name, plan_.Name(j), plan_.ParamsJson(j), Plan::Readable(cmd),
                Plan::RelDir(key)};
  KnownJob known;
  DROVER_RETURN_IF_ERROR(store_->PlanDerivedJob(run_id_, job_id_[j], rec, &known));
  job_id_[j] = known.id;
  key_[j] = key;
  command_[j] = std::move(cmd);
  if (!missing.empty())
    DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, known.id, "partial", names));
  bool adopted = false;  // left running by an earlier drover (killed while it ran)
  DROVER_RETURN_IF_ERROR(AdoptDerived(j, &adopted));
  if (adopted) return Status::Ok();
  const auto& forced = opts_.force_steps;
  bool reuse = known.state == JobState::kSucceeded &&  // as DecideReuse: all it used reused
               std::find(forced.begin(), forced.end(), StepOf(j).name) == forced.end() &&
               std::all_of(pj.deps.begin(), pj.deps.end(),
                           [&](uint32_t d) { return !kept(d) || slot_[d] == Slot::kReused; });
  if (reuse && !StepOf(j).outputs.empty()) {
    auto arts = store_->Artifacts(known.id);
    if (!arts.ok()) return arts.status();
    reuse = ArtifactsIntact(store_->root(), *arts);
  }
  if (!reuse) {
    DROVER_RETURN_IF_ERROR(store_->SetJobState(known.id, JobState::kPending));
    MakeReady(j);
    return Status::Ok();
  }
  slot_[j] = Slot::kReused;
  ++sum_.reused;
  return ReleaseDependents(j);
}

Status Loop::Requeue(Running& r) {
  uint32_t j = r.job;
  if (requeues_[j] >= StepOf(j).retry.max_requeues)
    return Fail(r, AttemptState::kFailed,
                fmt::format("asked to be requeued (exit 85) more than {} times",
                            StepOf(j).retry.max_requeues));
  ++requeues_[j];
  RemoveOutputs(Dir(j), StepOf(j).outputs);  // the next attempt writes them whole
  r.rec.state = AttemptState::kRequeued;
  r.rec.reason = "checkpointed (exit 85): requeued";
  DROVER_RETURN_IF_ERROR(store_->UpdateAttempt(r.rec));
  DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kPending));
  DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, job_id_[j], "requeued", ""));
  Release(r);
  running_.erase(r.rec.id);
  printer_->Note(plan_.Name(j), "requeue", Prog());
  if (stopping_) {
    slot_[j] = Slot::kCancelled;
    ++sum_.cancelled;
  } else {
    MakeReady(j);
  }
  return Status::Ok();
}

Status Loop::Fail(Running& r, AttemptState state, const std::string& reason, bool may_retry) {
  uint32_t j = r.job;
  const Step& step = StepOf(j);
  r.rec.state = state;
  r.rec.reason = reason;
  DROVER_RETURN_IF_ERROR(store_->UpdateAttempt(r.rec));
  Release(r);
  int number = r.rec.number;
  running_.erase(r.rec.id);
  if (state == AttemptState::kCancelled) {
    RemoveOutputs(Dir(j), step.outputs);  // a stopped job leaves no partial outputs
    slot_[j] = Slot::kCancelled;
    ++sum_.cancelled;
    DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kCancelled));
    return store_->AddEvent(run_id_, job_id_[j], "cancelled", "");
  }
  ++failures_[j];
  if (may_retry && failures_[j] <= step.retry.retries && !stopping_) {
    double wait = step.retry.backoff_s * std::pow(step.retry.factor, failures_[j] - 1);
    slot_[j] = Slot::kRetryWait;
    retry_.push_back({NowSeconds() + wait, j});
    DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kPending));
    printer_->Note(fmt::format("{} in {:.1f}s (attempt {}: {})", plan_.Name(j), wait, number,
                               reason),
                   "retry", Prog());
    return store_->AddEvent(run_id_, job_id_[j], "retry", reason);
  }
  slot_[j] = Slot::kFailed;
  ++sum_.failed;
  sum_.failed_jobs.push_back(j);
  DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kFailed));
  DROVER_RETURN_IF_ERROR(store_->AddEvent(run_id_, job_id_[j], "failed", reason));
  printer_->Failed(plan_.Name(j), reason, TailFile(Dir(j) + "/stderr", 8),
                   "drover logs " + ShellQuote(plan_.Name(j)), Prog());
  if (studies_ && studies_->IsTrial(j)) {
    // A failed trial is part of the study's record, not the end of the study:
    // what comes after it still runs, with the other trials' results.
    DROVER_RETURN_IF_ERROR(studies_->Failed(j));
    DROVER_RETURN_IF_ERROR(ReleaseDependents(j));
  } else {
    DROVER_RETURN_IF_ERROR(SkipDependents(j));
  }
  if (opts_.fail_fast && !stopping_) {
    stopping_ = true;
    printer_->Line("drover: stopping at the first failure (--fail-fast)");
    for (auto& [id, other] : running_) exec_->Cancel(id);
  }
  return Status::Ok();
}

Status Loop::SkipDependents(uint32_t j, const std::string& why) {
  const std::string because = why.empty() ? plan_.Name(j) + " failed" : why;
  std::vector<uint32_t> stack{j};
  while (!stack.empty()) {
    uint32_t x = stack.back();
    stack.pop_back();
    for (uint32_t k = dep_off_[x]; k < dep_off_[x + 1]; ++k) {
      uint32_t d = dep_list_[k];
      if (slot_[d] != Slot::kBlocked) continue;
      if (StepOf(d).partial && Gathers(d, x)) {  // runs on what succeeded, once all ended
        missing_[d].push_back(x);
        if (--waiting_[d] == 0) DROVER_RETURN_IF_ERROR(Ready(d));
        continue;
      }
      skip_because_.emplace_back(d, because);
      slot_[d] = Slot::kSkipped;
      ++sum_.skipped;
      DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[d], JobState::kSkipped));
      stack.push_back(d);
    }
  }
  return Status::Ok();
}

void Loop::PromoteRetries(double now) {
  auto it = std::partition(retry_.begin(), retry_.end(),
                           [&](const auto& r) { return r.first > now; });
  for (auto k = it; k != retry_.end(); ++k) MakeReady(k->second);
  retry_.erase(it, retry_.end());
}

}  // namespace drover
