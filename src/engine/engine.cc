// RunPlan and Forecast; the loop's set-up (sync with the store, reuse decisions,
// adoption of attempts left running by an earlier drover) and its main cycle.
#include "engine/engine.h"

#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>
#include <numeric>

#include "engine/job_files.h"
#include "engine/loop.h"
#include "exec/job_group.h"
#include "plan/ingredients.h"
#include "store/history.h"
#include "util/clock.h"
#include "util/signals.h"
#include "util/trace.h"

namespace drover {

std::vector<JobRecord> PlannedJobRecords(const Plan& plan) {
  std::vector<JobRecord> recs(plan.jobs().size());
  for (uint32_t j = 0; j < recs.size(); ++j) {
    const PlannedJob& pj = plan.jobs()[j];
    recs[j] = {pj.key, plan.workflow().steps[pj.step].name, plan.Name(j), plan.ParamsJson(j),
               Plan::Readable(pj.command), Plan::RelDir(pj.key)};
  }
  return recs;
}

namespace {

// Jobs ordered so that every job comes after the jobs it consumes.
std::vector<uint32_t> DepsFirst(const Plan& plan) {
  std::vector<uint32_t> order(plan.jobs().size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return plan.jobs()[a].depth > plan.jobs()[b].depth;
  });
  return order;
}

bool Forced(const Plan& plan, uint32_t j, const RunOptions& opts) {
  const std::string& step = plan.workflow().steps[plan.jobs()[j].step].name;
  return std::find(opts.force_steps.begin(), opts.force_steps.end(), step) !=
         opts.force_steps.end();
}

// Decides reuse for every job: succeeded before, outputs intact, not forced, and
// every job it consumes reused too. Fills `reuse`.
Status DecideReuse(const Plan& plan, Store* store, const std::vector<KnownJob>& known,
                   const RunOptions& opts, std::vector<bool>* reuse) {
  reuse->assign(plan.jobs().size(), false);
  for (uint32_t j : DepsFirst(plan)) {
    const PlannedJob& pj = plan.jobs()[j];
    if (known[j].state != JobState::kSucceeded || Forced(plan, j, opts)) continue;
    bool deps_reused = std::all_of(pj.deps.begin(), pj.deps.end(),
                                   [&](uint32_t d) { return (*reuse)[d]; });
    if (!deps_reused) continue;
    if (!plan.workflow().steps[pj.step].outputs.empty()) {
      auto arts = store->Artifacts(known[j].id);
      if (!arts.ok()) return arts.status();
      if (!ArtifactsIntact(store->root(), *arts)) continue;
    }
    (*reuse)[j] = true;
  }
  return Status::Ok();
}

// Records what each new key is made of (plan/ingredients.h), for `drover explain`. A
// file that cannot be read now (planning read it) leaves that job without a record.
Status RecordIngredients(const Plan& plan, const std::vector<KnownJob>& known, Store* store) {
  IngredientsMaker maker(plan);
  std::vector<std::pair<int64_t, std::string>> rows;
  for (uint32_t j = 0; j < known.size(); ++j) {
    if (!known[j].is_new) continue;
    auto json = maker.Of(j);
    if (json.ok()) rows.emplace_back(known[j].id, std::move(*json));
  }
  return store->history()->RecordIngredients(rows);
}

}  // namespace

Status WouldReuse(const Plan& plan, Store* store, const RunOptions& opts,
                  std::vector<KnownJob>* known, std::vector<bool>* reuse) {
  DROVER_RETURN_IF_ERROR(store->LookupJobs(PlannedJobRecords(plan), known));
  return DecideReuse(plan, store, *known, opts, reuse);
}

Result<std::vector<StepForecast>> Forecast(const Plan& plan, Store* store,
                                           const RunOptions& opts) {
  std::vector<KnownJob> known;
  std::vector<bool> reuse;
  DROVER_RETURN_IF_ERROR(WouldReuse(plan, store, opts, &known, &reuse));
  std::vector<StepForecast> out;
  for (const Step& s : plan.workflow().steps) out.push_back({s.name, 0, 0});
  for (uint32_t j = 0; j < plan.jobs().size(); ++j) {
    auto& f = out[plan.jobs()[j].step];
    reuse[j] ? ++f.reused : ++f.run;
  }
  return out;
}

Result<RunSummary> RunPlan(const Plan& plan, Store* store, Executor* exec, Printer* printer,
                           const RunOptions& opts, int64_t run_id) {
  return Loop(plan, store, exec, printer, opts, run_id).Run();
}

RunOptions WithMachineDefaults(const RunOptions& opts) {
  RunOptions o = opts;
  long ncpu = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
  if (o.cpus <= 0) o.cpus = static_cast<double>(std::max<long>(ncpu, o.max_jobs));
  if (o.max_jobs <= 0) o.max_jobs = static_cast<int>(ncpu);
  if (o.memory_bytes <= 0)
    o.memory_bytes = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  return o;
}

namespace {

// A local step that could never start under the run's limits (`opts` with defaults).
Status CheckResources(const Workflow& wf, const RunOptions& opts) {
  for (const Step& s : wf.steps) {
    if (s.executor != "local") continue;  // the cluster's limits apply, not this machine's
    const Resources& r = s.resources;
    auto refuse = [&](const std::string& what) {
      return Status::Invalid(fmt::format("step '{}' asks for {}; {}", s.name, what,
                                         "raise the limit or lower the step's resources"));
    };
    if (r.cpus > opts.cpus)
      return refuse(fmt::format("{} CPUs but drover may use {} (--cpus)", r.cpus, opts.cpus));
    if (r.memory_bytes > opts.memory_bytes)
      return refuse(fmt::format("{:.1f} GiB of memory but drover may use {:.1f} GiB (--memory)",
                                r.memory_bytes / 1073741824.0,
                                opts.memory_bytes / 1073741824.0));
    if (r.gpus > static_cast<int>(opts.gpu_ids.size()))
      return refuse(fmt::format("{} GPUs but drover has {} (--gpus)", r.gpus,
                                opts.gpu_ids.size()));
  }
  return Status::Ok();
}

}  // namespace

Status CheckRunnable(const Plan& plan, Store* store, const RunOptions& opts) {
  DROVER_RETURN_IF_ERROR(CheckResources(plan.workflow(), WithMachineDefaults(opts)));
  return StudyDriver::Check(plan, store);
}

Loop::Loop(const Plan& plan, Store* store, Executor* exec, Printer* printer,
           const RunOptions& opts, int64_t run_id)
    : plan_(plan),
      store_(store),
      exec_(exec),
      printer_(printer),
      opts_(WithMachineDefaults(opts)),
      run_id_(run_id) {
  gpu_busy_.assign(opts_.gpu_ids.size(), false);
  for (const Step& s : plan.workflow().steps) remote_steps_ |= s.executor != "local";
  const char* pp = getenv("PYTHONPATH");
  base_pythonpath_ = opts_.python_dir + ":" + plan.workflow().dir;
  if (pp && *pp) base_pythonpath_ += std::string(":") + pp;
}

Status Loop::Sync() {
  size_t n = plan_.jobs().size();
  std::vector<KnownJob> known;
  Transaction tx(store_);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  Status st;
  {
    std::vector<JobRecord> recs;
    {
      TracePhase t("job records");
      recs = PlannedJobRecords(plan_);
    }
    TracePhase t("sync jobs with the store");
    st = store_->SyncJobs(run_id_, recs, &known);
  }
  if (st.ok()) {
    TracePhase t("key ingredients");
    st = RecordIngredients(plan_, known, store_);
  }
  std::vector<bool> reuse;
  if (st.ok()) {
    TracePhase t("reuse decisions");
    st = DecideReuse(plan_, store_, known, opts_, &reuse);
  }
  if (!st.ok()) return st;  // rolled back
  slot_.assign(n, Slot::kBlocked);
  waiting_.assign(n, 0);
  job_id_.resize(n);
  failures_.assign(n, 0);
  requeues_.assign(n, 0);
  dep_off_.assign(n + 1, 0);
  for (uint32_t j = 0; j < n; ++j) {
    job_id_[j] = known[j].id;
    for (uint32_t d : plan_.jobs()[j].deps) ++dep_off_[d + 1];
  }
  std::partial_sum(dep_off_.begin(), dep_off_.end(), dep_off_.begin());
  dep_list_.resize(dep_off_[n]);
  std::vector<uint32_t> fill(dep_off_.begin(), dep_off_.end() - 1);
  for (uint32_t j = 0; j < n; ++j)
    for (uint32_t d : plan_.jobs()[j].deps) dep_list_[fill[d]++] = j;
  for (uint32_t j = 0; j < n; ++j) {
    if (reuse[j]) {
      slot_[j] = Slot::kReused;
      ++sum_.reused;
      continue;
    }
    for (uint32_t d : plan_.jobs()[j].deps) waiting_[j] += reuse[d] ? 0 : 1;
    if (known[j].state != JobState::kPending) st = store_->SetJobState(job_id_[j], JobState::kPending);
    if (!st.ok()) return st;
  }
  if (sum_.reused)
    st = store_->AddEvent(run_id_, 0, "reused", std::to_string(sum_.reused) + " jobs");
  if (!st.ok()) return st;
  TracePhase t("commit");
  return tx.Commit();
}

Status Loop::AdoptRunning() {
  auto att = store_->RunningAttempts();
  if (!att.ok()) return att.status();
  std::vector<std::string> recorded;  // whatever an earlier drover started unrecorded goes
  for (const AttemptRecord& a : *att) recorded.push_back(a.handle);
  exec_->CancelUnrecorded(recorded);
  std::unordered_map<int64_t, uint32_t> by_id;
  for (uint32_t j = 0; j < job_id_.size(); ++j) by_id.emplace(job_id_[j], j);
  std::vector<Completion> finished;
  Transaction tx(store_);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  for (const AttemptRecord& a : *att) {
    auto it = by_id.find(a.job_id);
    if (it == by_id.end()) {  // a derived job's (partial gather): adopted once derived
      orphans_.emplace(a.job_id, a);
      continue;
    }
    if (slot_[it->second] == Slot::kReused) continue;
    bool adopted = false;
    DROVER_RETURN_IF_ERROR(AdoptAttempt(it->second, a, &finished, &adopted));
  }
  for (const Completion& c : finished) {
    DROVER_RETURN_IF_ERROR(Handle(c));
    // For the test suite only: adoption failing half-way (its transaction must leave
    // nothing behind, and the run must still be recorded as crashed).
    if (getenv("DROVER_TEST_FAIL_ADOPTION"))
      return Status::Internal("DROVER_TEST_FAIL_ADOPTION: adoption failed after one attempt");
  }
  return tx.Commit();
}

Status Loop::AdoptAttempt(uint32_t j, const AttemptRecord& a, std::vector<Completion>* finished,
                          bool* adopted) {
  *adopted = false;
  Completion done;
  AdoptResult r = exec_->Adopt(a.id, Dir(j), a.handle, &done);
  // A status.json of an earlier attempt (by its attempt number; by its start time
  // when written without one) means that this attempt was committed but drover
  // stopped before starting it; so does a lost attempt without a handle, unless its
  // wrapper recorded that it started the command (and then died, or could not write
  // status.json: a full disk).
  bool stale = r == AdoptResult::kFinished && done.has_status &&
               (done.status.attempt > 0 ? done.status.attempt != a.number
                                        : done.status.started + 0.001 < a.started);
  WrapperRecord wrote;
  bool never_started = r == AdoptResult::kGone && a.handle.empty() &&
                       !(ReadWrapperRecord(Dir(j), &wrote) && wrote.attempt == a.number);
  if (never_started || stale) {
    AttemptRecord rec = a;  // committed, but drover stopped before starting it
    rec.state = AttemptState::kCancelled;
    rec.reason = "drover stopped before starting this attempt";
    return store_->UpdateAttempt(rec);
  }
  *adopted = true;
  Running run{j, a, {}, false};
  Allocate(&run);
  running_.emplace(a.id, std::move(run));
  slot_[j] = Slot::kRunning;
  if (studies_ && studies_->IsTrial(j)) DROVER_RETURN_IF_ERROR(studies_->Adopt(j, a.id));
  ++sum_.adopted;
  DROVER_RETURN_IF_ERROR(store_->SetJobState(job_id_[j], JobState::kRunning));
  if (r == AdoptResult::kFinished) finished->push_back(done);
  if (r == AdoptResult::kGone)
    finished->push_back({a.id, false, {},
                         done.error.empty() ? "lost: its process is gone and left no status.json"
                                            : done.error});
  if (r == AdoptResult::kRunning) printer_->Note(plan_.Name(j), "adopted running", Prog());
  return Status::Ok();
}

Status Loop::AdoptDerived(uint32_t j, bool* adopted) {
  *adopted = false;
  auto it = orphans_.find(job_id_[j]);
  if (it == orphans_.end()) return Status::Ok();
  AttemptRecord a = it->second;
  orphans_.erase(it);
  std::vector<Completion> finished;
  DROVER_RETURN_IF_ERROR(AdoptAttempt(j, a, &finished, adopted));
  // Handled by the loop's next iteration, not from inside the completion that got here.
  for (Completion& c : finished) pending_failures_.push_back(std::move(c));
  return Status::Ok();
}

Status Loop::Supersede() {
  if (orphans_.empty()) return Status::Ok();
  std::unordered_map<std::string, uint32_t> by_name;
  for (uint32_t j = 0; j < slot_.size(); ++j) {
    Slot s = slot_[j];  // only jobs this run settled: an unfinished run may adopt it later
    if (s == Slot::kSucceeded || s == Slot::kReused || s == Slot::kFailed || s == Slot::kSkipped)
      by_name.emplace(plan_.Name(j), j);
  }
  auto folders = store_->JobFolders();
  if (!folders.ok()) return folders.status();
  Transaction tx(store_);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  for (const JobFolderRow& f : *folders) {
    auto o = orphans_.find(f.id);
    if (o == orphans_.end()) continue;
    auto named = by_name.find(f.name);
    if (named == by_name.end()) continue;  // another workflow's, or a job this run left
    uint32_t j = named->second;
    AttemptRecord a = o->second;
    Completion done;
    if (exec_->Adopt(a.id, store_->root() + "/" + f.dir, a.handle, &done) == AdoptResult::kRunning)
      exec_->Cancel(a.id);  // its completion comes to no job of this run: ignored
    a.state = AttemptState::kCancelled;
    a.ended = NowSeconds();
    a.reason = "not adopted: its inputs changed while drover was away (the job is now " +
               Plan::RelDir(KeyOf(j)) + ")";
    DROVER_RETURN_IF_ERROR(store_->UpdateAttempt(a));
    DROVER_RETURN_IF_ERROR(store_->SetJobState(f.id, JobState::kCancelled));
    printer_->Line("drover: " + f.name + ": the attempt an earlier drover left running in " +
                   f.dir + " ran on other inputs; cancelled it (this run's job: " +
                   Plan::RelDir(KeyOf(j)) + ")");
    orphans_.erase(o);
  }
  return tx.Commit();
}

Result<RunSummary> Loop::Run() {
  t0_ = NowSeconds();
  InitPolicies();
  sum_.total = static_cast<int>(plan_.jobs().size());
  DROVER_RETURN_IF_ERROR(CheckResources(plan_.workflow(), opts_));
  DROVER_RETURN_IF_ERROR(Sync());
  if (opts_.plan_only) {
    sum_.seconds = NowSeconds() - t0_;
    return sum_;
  }
  est_ = std::make_unique<Estimates>(plan_, dep_off_, dep_list_);
  {
    TracePhase t("duration estimates");
    DROVER_RETURN_IF_ERROR(est_->Load(store_));
  }
  studies_ = StudyDriver::ForPlan(plan_, store_);
  if (studies_) {
    DROVER_RETURN_IF_ERROR(studies_->Init(job_id_));
    for (const std::string& note : studies_->notes()) printer_->Line(note);
  }
  DROVER_RETURN_IF_ERROR(AdoptRunning());
  for (uint32_t j = 0; j < slot_.size(); ++j)
    if (slot_[j] == Slot::kBlocked && waiting_[j] == 0) MakeReady(j);
  // One transaction per iteration: the completions seen, then the attempts to start
  // (their rows are committed before their processes exist), then the launches.
  std::vector<Completion> done;
  std::vector<int64_t> started;
  while (true) {
    Interrupts();
    bool dirty = std::any_of(running_.begin(), running_.end(),
                             [](const auto& r) { return r.second.handle_dirty; });
    PromoteRetries(NowSeconds());
    if (!done.empty() || dirty || CanStart() || studies_) {
      Transaction tx(store_);
      DROVER_RETURN_IF_ERROR(tx.Begin());
      Status st;
      for (auto& [id, r] : running_) {
        if (r.handle_dirty && st.ok()) st = store_->UpdateAttempt(r.rec);
        r.handle_dirty = false;
      }
      for (const Completion& c : done)
        if (st.ok()) st = Handle(c);
      std::vector<int64_t> cancel;  // pruned trials past their grace
      if (st.ok() && studies_) st = studies_->Poll(NowSeconds(), &cancel);  // to the pruners
      PromoteRetries(NowSeconds());  // a failure with no backoff is ready at once
      Reorder();                     // the estimates may have moved with what finished
      started.clear();
      if (st.ok() && !stopping_) st = StartReady(&started);
      if (st.ok()) st = tx.Commit();
      if (!st.ok()) return st;  // rolled back
      for (int64_t id : cancel) exec_->Cancel(id);
      if (!started.empty()) DROVER_RETURN_IF_ERROR(Launch(started));
    }
    printer_->Refresh(Prog());
    bool more = !stopping_ && (!ready_.empty() || !retry_.empty());
    if (running_.empty() && !more) {
      if (!ReleaseFinals()) break;
      done.clear();  // handled above; the final jobs start in the next iteration
      continue;
    }
    double now = NowSeconds();
    int timeout = 500;
    for (const auto& r : retry_) timeout = std::min(timeout, static_cast<int>((r.first - now) * 1000) + 1);
    if (studies_) timeout = std::min(timeout, studies_->PollDelayMs());  // trials at a rung
    done.clear();
    done.swap(pending_failures_);
    if (done.empty()) exec_->Wait(std::max(timeout, 0), &done);
  }
  printer_->Done();
  DROVER_RETURN_IF_ERROR(Supersede());
  TellSkipped();
  TellLate();
  sum_.interrupted = stopping_ && seen_interrupts_ > 0;
  sum_.seconds = NowSeconds() - t0_;
  return sum_;
}

// "ensemble/task=a skipped: train/task=a,model=x failed", for the first few.
void Loop::TellSkipped() {
  constexpr size_t kShown = 20;
  for (size_t i = 0; i < skip_because_.size() && i < kShown; ++i)
    printer_->Line(plan_.Name(skip_because_[i].first) + " skipped: " + skip_because_[i].second);
  if (skip_because_.size() > kShown)
    printer_->Line(fmt::format("... and {} more skipped jobs (drover jobs --state skipped)",
                               skip_because_.size() - kShown));
}

void Loop::Interrupts() {
  int n = InterruptCount();
  if (n == seen_interrupts_) return;
  seen_interrupts_ = n;
  if (!stopping_) {
    stopping_ = true;
    printer_->Line(fmt::format("drover: interrupted; stopping {} running jobs (again to kill)",
                               running_.size()));
    for (auto& [id, r] : running_) exec_->Cancel(id);
  } else if (!killed_) {
    killed_ = true;
    exec_->KillAll();
  }
}

Progress Loop::Prog() const {
  Progress p;
  p.total = sum_.total;
  p.done = sum_.succeeded;
  p.reused = sum_.reused;
  p.running = static_cast<int>(running_.size());
  p.remote = static_cast<int>(remote_running_);
  p.queued = static_cast<int>(std::min(exec_->queued(), remote_running_));
  p.failed = sum_.failed;
  p.skipped = sum_.skipped;
  p.elapsed_s = NowSeconds() - t0_;
  p.eta_s = Eta();
  p.late = Late();
  return p;
}

double Loop::Eta() const {
  double now = NowSeconds();
  if (!est_ || (eta_at_ >= 0 && now - eta_at_ < 1)) return eta_;
  double work = 0, longest = 0;
  for (uint32_t j = 0; j < slot_.size(); ++j) {
    Slot s = slot_[j];
    if (s != Slot::kBlocked && s != Slot::kReady && s != Slot::kRetryWait) continue;
    work += est_->estimate(j);
    if (s != Slot::kBlocked) longest = std::max(longest, est_->path(j));
  }
  for (const auto& [id, r] : running_) {  // what is left of each
    double ran = std::max(0.0, now - r.rec.started);
    work += std::max(0.0, est_->estimate(r.job) - ran);
    longest = std::max(longest, est_->path(r.job) - std::min(ran, est_->estimate(r.job)));
  }
  double slots = std::max(1.0, std::min<double>(opts_.max_jobs, opts_.cpus));
  eta_at_ = now;
  eta_ = std::max(work / slots, longest);
  return eta_;
}

std::string Loop::Dir(uint32_t j) const {
  return store_->root() + "/" + Plan::RelDir(KeyOf(j));
}

const std::string& Loop::KeyOf(uint32_t j) const {
  if (key_.empty()) return plan_.jobs()[j].key;
  auto it = key_.find(j);
  return it == key_.end() ? plan_.jobs()[j].key : it->second;
}

}  // namespace drover
