#include "engine/study_driver.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "engine/job_files.h"
#include "plan/render.h"
#include "study/settings.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/shell.h"

namespace drover {

using json = nlohmann::json;

namespace {

// Bytes of metrics read per trial per iteration: more than one line's limit, so that
// a line too long is seen as such.
constexpr size_t kPollBudget = 2 * kMaxMetricLineBytes;

const StudySpec& SpecOf(const Plan& plan, uint32_t step) {
  return *plan.workflow().steps[step].study;
}

// A segment's seed: the step's seed mixed with the segment's values (FNV-1a), so that
// the studies of a segmented step are independent (not the same draws in every
// segment) and still reproducible.
uint64_t SegmentSeed(uint64_t seed, const std::string& segment) {
  if (segment.empty()) return seed;
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : segment) h = (h ^ c) * 1099511628211ull;
  return (seed ^ h) & 0x3fffffffffffffffull;  // a non-negative SQLite integer
}

study::StudyDefinition Definition(const StudySpec& spec, const std::string& name,
                                  const std::string& segment) {
  study::StudyDefinition d;
  d.name = name;
  d.space = json::parse(spec.space_json);
  d.sampler = json::parse(spec.sampler_json);
  d.pruner = json::parse(spec.pruner_json);
  d.direction = *hpo::ParseDirection(spec.direction);
  d.seed = SegmentSeed(spec.seed, segment);
  return d;
}

}  // namespace

std::unique_ptr<StudyDriver> StudyDriver::ForPlan(const Plan& plan, Store* store) {
  for (const Step& s : plan.workflow().steps)
    if (s.study) return std::make_unique<StudyDriver>(plan, store);
  return nullptr;
}

std::vector<StudyDriver::Segment> StudyDriver::Segments(const Plan& plan,
                                                       std::vector<uint32_t>* seg_base) {
  std::vector<Segment> out;
  const Workflow& wf = plan.workflow();
  seg_base->assign(wf.steps.size(), 0);
  for (uint32_t s = 0; s < wf.steps.size(); ++s) {
    (*seg_base)[s] = static_cast<uint32_t>(out.size());
    if (!wf.steps[s].study) continue;
    const PlanStep& ps = plan.steps()[s];
    for (uint32_t g = 0; g < ps.segments; ++g) {
      uint32_t j = ps.first + g;  // slot 0 of segment g
      Segment seg;
      seg.step = s;
      seg.index = g;
      seg.origin = plan.jobs()[j].key;
      const StudySpec& spec = *wf.steps[s].study;
      const std::string job = plan.Name(j);  // "tune/dataset=wine,slot=0" or "tune/slot=0"
      if (!spec.name.empty()) {
        seg.name = SubstituteRaw(spec.name, [&](const std::string& a) { return plan.Value(j, a); });
      } else {
        seg.name = wf.name + ":" + job.substr(0, job.rfind(ps.axes.empty() ? "/slot=" : ",slot="));
      }
      seg.warm = spec.warm_start.empty();
      if (!ps.axes.empty()) {  // the segment's axis values, "dataset=wine"
        size_t slash = job.find('/'), slot = job.rfind(",slot=");
        seg.values = job.substr(slash + 1, slot == std::string::npos ? slot : slot - slash - 1);
      }
      out.push_back(std::move(seg));
    }
  }
  return out;
}

namespace {

// The stored study of a segment, checked against the step's definition: nullopt when
// there is none yet.
Result<std::optional<StudyRecord>> Stored(Store* store, const Step& step,
                                          const study::StudyDefinition& def) {
  auto found = store->studies()->FindStudy(def.name);
  if (!found.ok() || !*found) return found;
  auto rec = study::MakeRecord(def);
  if (!rec.ok()) return rec.status();
  if (auto diff = study::DefinitionDifferences(**found, *rec); !diff.empty())
    return Status::Invalid(fmt::format(
        "step '{}': the store already holds study '{}' with another {}; to start a new study "
        "give the step a new name, such as study: name: {}-2",
        step.name, def.name, fmt::join(diff, ", "), step.name));
  return found;
}

// The job's command ran to its end and exited 0 (not stopped, not lost).
bool ExitedOk(const Completion& c) {
  const JobStatus& s = c.status;
  return c.has_status && s.exit_code == 0 && !s.term_signal && !s.walltime_exceeded && !s.cancelled;
}

// A warm_start: that names no study step here must name a study in the store; checked
// before any study is created, so a typo leaves nothing behind.
Status CheckWarmStarts(const Plan& plan, Store* store) {
  for (const Step& step : plan.workflow().steps) {
    if (!step.study || step.study->warm_start.empty() || plan.workflow().FindStep(step.study->warm_start))
      continue;
    auto found = store->studies()->FindStudy(step.study->warm_start);
    if (!found.ok()) return found.status();
    if (!*found)
      return Status::NotFound(fmt::format(
          "step '{}': warm_start: '{}' is neither a study step of this workflow nor a study in "
          "the store; `drover study list` shows the stored ones",
          step.name, step.study->warm_start));
  }
  return Status::Ok();
}

}  // namespace

Status StudyDriver::Check(const Plan& plan, Store* store) {
  DROVER_RETURN_IF_ERROR(CheckWarmStarts(plan, store));
  std::vector<uint32_t> base;
  for (const Segment& seg : Segments(plan, &base)) {
    const Step& step = plan.workflow().steps[seg.step];
    auto found = Stored(store, step, Definition(*step.study, seg.name, seg.values));
    if (!found.ok()) return found.status();
  }
  return Status::Ok();
}

Status StudyDriver::Init(const std::vector<int64_t>& job_ids) {
  job_ids_ = job_ids;
  const Workflow& wf = plan_.workflow();
  segments_ = Segments(plan_, &seg_base_);
  DROVER_RETURN_IF_ERROR(CheckWarmStarts(plan_, store_));
  Transaction tx(store_);
  DROVER_RETURN_IF_ERROR(tx.Begin());
  Status st;
  for (Segment& seg : segments_) {
    const Step& step = wf.steps[seg.step];
    study::StudyDefinition def = Definition(*step.study, seg.name, seg.values);
    def.origin = seg.origin;
    auto found = Stored(store_, step, def);
    if (!found.ok()) { st = found.status(); break; }
    bool create = !*found;
    if (*found && (*found)->origin.empty()) {  // made by the service or an older drover
      st = store_->studies()->SetStudyOrigin((*found)->id, seg.origin);
    } else if (*found && (*found)->origin != seg.origin) {
      // Its trials measured another objective: keep them under NAME@N (the first free N)
      // and start afresh, or take back a study kept that way which measured this one
      // (the change was undone: its trial slots are reused, with their trials).
      std::string kept;
      std::optional<StudyRecord> back;
      for (int n = 1; st.ok() && kept.empty(); ++n) {
        auto taken = store_->studies()->FindStudy(seg.name + "@" + std::to_string(n));
        if (!taken.ok()) st = taken.status();
        else if (!*taken) kept = seg.name + "@" + std::to_string(n);
        else if (!back && (*taken)->origin == seg.origin && study::SameDefinition(**taken, **found))
          back = **taken;  // (*found has this step's definition: Stored checked it)
      }
      if (st.ok()) st = store_->studies()->RenameStudy((*found)->id, kept);
      if (st.ok() && back) st = store_->studies()->RenameStudy(back->id, seg.name);
      notes_.push_back(
          back ? fmt::format("study '{}': step '{}' measures again what study '{}' measured, "
                             "which takes the name back; the study since is kept as '{}'",
                             seg.name, step.name, back->name, kept)
               : fmt::format("study '{}': the command, code, environment or inputs of step "
                             "'{}' changed, so its trials measured another objective; they "
                             "are kept as study '{}', and a new study starts",
                             seg.name, step.name, kept));
      create = !back;
    }
    if (!st.ok()) break;
    if (create) {
      auto made = study::StoredStudy::Create(store_->studies(), def);
      if (!made.ok()) { st = made.status().With("step '" + step.name + "'"); break; }
    }
    auto loaded = study::StoredStudy::Load(store_->studies(), seg.name);
    if (!loaded.ok()) { st = loaded.status(); break; }
    seg.study = std::move(*loaded);
  }
  if (!st.ok()) return st;  // rolled back
  return tx.Commit();
}

bool StudyDriver::IsTrial(uint32_t j) const {
  return plan_.workflow().steps[plan_.jobs()[j].step].study.has_value();
}

StudyDriver::Segment& StudyDriver::SegmentOf(uint32_t j) {
  uint32_t s = plan_.jobs()[j].step;
  const PlanStep& ps = plan_.steps()[s];
  return segments_[seg_base_[s] + (j - ps.first) % ps.segments];
}

const StudyDriver::Segment& StudyDriver::SegmentOf(uint32_t j) const {
  return const_cast<StudyDriver*>(this)->SegmentOf(j);
}

bool StudyDriver::CanStart(uint32_t j) const {
  if (!IsTrial(j)) return true;
  const Segment& seg = SegmentOf(j);
  int limit = SpecOf(plan_, seg.step).parallel;
  return limit <= 0 || seg.running < limit;
}

std::string StudyDriver::Dir(uint32_t j) const {
  return store_->root() + "/" + Plan::RelDir(plan_.jobs()[j].key);
}

// Adds the complete trials of the study named by warm_start: (this workflow's
// study step, same segment, or a study in the store) to a study that has none.
Status StudyDriver::WarmStart(Segment& seg) {
  seg.warm = true;
  if (seg.study->study().history().size() > 0) return Status::Ok();
  const std::string& from = SpecOf(plan_, seg.step).warm_start;
  const Workflow& wf = plan_.workflow();
  const study::StoredStudy* source = nullptr;
  std::unique_ptr<study::StoredStudy> loaded;
  if (const Step* s = wf.FindStep(from)) {
    uint32_t si = static_cast<uint32_t>(s - wf.steps.data());
    // The segment of `from` that agrees with this one on from's axes.
    uint32_t me = plan_.steps()[seg.step].first + seg.index;
    const PlanStep& fp = plan_.steps()[si];
    for (uint32_t g = 0; g < fp.segments && !source; ++g) {
      bool match = true;
      for (uint32_t a : fp.axes) {
        const std::string& axis = wf.axes[a].name;
        match = match && *plan_.Value(fp.first + g, axis) == *plan_.Value(me, axis);
      }
      if (match) source = segments_[seg_base_[si] + g].study.get();
    }
  } else {
    auto l = study::StoredStudy::Load(store_->studies(), from);
    if (!l.ok()) return l.status().With("warm_start of study '" + seg.name + "'");
    loaded = std::move(*l);
    source = loaded.get();
  }
  if (!source) return Status::Ok();
  for (const hpo::Trial& t : source->study().history().trials()) {
    if (t.state != hpo::TrialState::kComplete) continue;
    if (!seg.study->study().space().Validate(t.params).ok()) continue;  // outside this space
    auto n = seg.study->Add(t.params, *t.value);
    if (!n.ok()) return n.status();
  }
  return Status::Ok();
}

Status StudyDriver::Bind(uint32_t j, int64_t attempt_id) {
  Segment& seg = SegmentOf(j);
  if (!seg.warm) DROVER_RETURN_IF_ERROR(WarmStart(seg));
  Live& live = live_[j];
  live.attempt_id = attempt_id;
  live.offset = 0;
  live.skipping = false;
  live.prune_at = 0;
  live.cancelled = false;
  live.told.clear();
  live.env_rung = false;
  live.error.clear();
  ++seg.running;
  (void)::unlink((Dir(j) + "/control").c_str());  // no stale `prune` from a trial before
  int64_t job = job_ids_[j];
  if (live.number < 0) {
    auto bound = store_->studies()->RunningTrialOfJob(seg.study->record().id, job);
    if (!bound.ok()) return bound.status();
    if (*bound) live.number = (*bound)->number;
  }
  if (live.number >= 0) return seg.study->Bind(live.number, job, attempt_id);
  auto asked = seg.study->Ask(job, attempt_id);
  if (!asked.ok()) {
    if (asked.status().code() != Code::kNotFound) return asked.status();
    live.error = asked.status().message();
    return Status::Ok();
  }
  live.number = asked->number;
  // A new trial in this slot's folder: the metrics of a trial before are not its own.
  (void)::unlink((Dir(j) + "/metrics.jsonl").c_str());
  return Status::Ok();
}

Status StudyDriver::Adopt(uint32_t j, int64_t attempt_id) {
  Segment& seg = SegmentOf(j);
  Live& live = live_[j];
  live.attempt_id = attempt_id;
  ++seg.running;
  auto bound = store_->studies()->RunningTrialOfJob(seg.study->record().id, job_ids_[j]);
  if (!bound.ok()) return bound.status();
  if (*bound) live.number = (*bound)->number;
  else live.error = "no trial is bound to this job";
  return Status::Ok();
}

Result<std::string> StudyDriver::Best(uint32_t j, const std::string& ref) const {
  size_t dot = ref.find('.');
  std::string step = ref.substr(0, dot), param = ref.substr(dot + 6);  // "<step>.best.<param>"
  for (uint32_t d : plan_.jobs()[j].deps) {
    if (plan_.workflow().steps[plan_.jobs()[d].step].name != step) continue;
    const Segment& seg = SegmentOf(d);
    const hpo::Trial* best = seg.study->study().Best();
    if (!best)
      return Status::Invalid("study '" + seg.name + "' has no completed trial, so {" + ref +
                             "} has no value");
    if (param == "value" && !best->params.count("value")) return fmt::format("{}", *best->value);
    // (The spec checked that param is in the space.) Inactive in the best trial, a
    // conditional parameter is empty, as in the trials' own commands.
    auto it = best->params.find(param);
    return it == best->params.end() ? std::string() : hpo::ToString(it->second);
  }
  return Status::Internal("no job of step '" + step + "' feeds this job");
}

Status StudyDriver::Command(uint32_t j, std::string* out) const {
  const std::string& cmd = plan_.jobs()[j].command;
  if (cmd.find(kLateOpen) == std::string::npos) {
    *out = cmd;
    return Status::Ok();
  }
  const hpo::Trial* trial = nullptr;
  if (IsTrial(j)) {
    auto it = live_.find(j);
    if (it == live_.end() || it->second.number < 0)
      return Status::Invalid(it == live_.end() || it->second.error.empty() ? "no trial to run"
                                                                            : it->second.error);
    trial = SegmentOf(j).study->study().history().Find(it->second.number);
  }
  out->clear();
  for (size_t i = 0; i < cmd.size(); ++i) {
    if (cmd[i] != kLateOpen) {
      *out += cmd[i];
      continue;
    }
    size_t end = cmd.find(kLateClose, i);
    std::string name = cmd.substr(i + 1, end - i - 1);
    i = end;
    if (name.find('.') != std::string::npos) {
      auto v = Best(j, name);
      if (!v.ok()) return v.status();
      *out += ShellQuote(*v);
      continue;
    }
    auto it = trial ? trial->params.find(name) : hpo::Params::const_iterator();
    *out += ShellQuote(trial && it != trial->params.end() ? hpo::ToString(it->second) : "");
  }
  return Status::Ok();
}

void StudyDriver::Env(uint32_t j, std::vector<std::string>* env) const {
  if (!IsTrial(j)) return;
  auto it = live_.find(j);
  if (it == live_.end() || it->second.number < 0) return;
  const Segment& seg = SegmentOf(j);
  const hpo::Trial* t = seg.study->study().history().Find(it->second.number);
  json params = json::parse(plan_.ParamsJson(j));
  json trial = hpo::ParamsToJson(t->params);
  for (const auto& [k, v] : trial.items()) params[k] = v;
  for (std::string& e : *env)
    if (e.rfind("DROVER_PARAMS=", 0) == 0) e = "DROVER_PARAMS=" + params.dump();
  env->push_back("DROVER_TRIAL=" + std::to_string(t->number));
  env->push_back("DROVER_STUDY=" + seg.name);
  // The first rung to wait at, until Poll writes the control file (see TellRung).
  if (auto next = seg.study->study().NextDecision(*t)) {
    env->push_back("DROVER_NEXT_RUNG=" + std::to_string(*next));
    it->second.env_rung = true;
  }
}

// Reports the objective's values among complete metric lines (each ending in '\n').
// With `decide`, a prune decision writes `prune` to the job's control file.
Status StudyDriver::ReportLines(uint32_t j, Live& live, std::string_view lines, bool decide) {
  Segment& seg = SegmentOf(j);
  const std::string& metric = SpecOf(plan_, seg.step).metric;
  // Told by hand meanwhile (`drover study tell --force`): its reports would overwrite that.
  auto outside = seg.study->TakeOutsideTell(live.number);
  if (!outside.ok()) return outside.status();
  size_t start = 0;
  while (start < lines.size()) {
    size_t nl = lines.find('\n', start);
    std::string_view line = lines.substr(start, nl - start);
    start = nl + 1;
    if (line.size() > kMaxMetricLineBytes) continue;  // ReadMetrics says so when it ends
    json m = json::parse(line, nullptr, false);
    auto name = m.is_object() ? m.find("name") : m.end();
    if (!m.is_object() || name == m.end() || !name->is_string() || *name != metric ||
        !m.contains("step") || !m["step"].is_number_integer() || !m.contains("value") ||
        !m["value"].is_number())
      continue;
    const hpo::Trial* t = seg.study->study().history().Find(live.number);
    if (!t || t->state != hpo::TrialState::kRunning) break;
    auto prune = seg.study->Report(live.number, m["step"].get<int64_t>(), m["value"].get<double>());
    if (!prune.ok()) continue;  // a negative step, a non-finite value: not the pruner's
    if (*prune && decide && live.prune_at == 0) {
      DROVER_RETURN_IF_ERROR(WriteFileAtomic(Dir(j) + "/control", "prune\n"));
      live.prune_at = NowSeconds();
    }
  }
  return Status::Ok();
}

// Reads complete lines of metrics.jsonl past live.offset (at most `budget` bytes, a
// chunk at a time) and reports them. Only a regular file is read (a FIFO or a link is
// left to ReadMetrics, which fails the attempt when it ends), never past
// kMaxMetricsBytes; a line longer than kMaxMetricLineBytes is skipped. Reads no further
// than the file's size when opened (what it grows by later, the next call reads), so a
// trial's ~100-byte file costs a ~100-byte buffer, not a chunk.
Status StudyDriver::ReadNew(uint32_t j, Live& live, size_t budget, bool decide) {
  int64_t size = 0;
  auto fd = OpenRegularFile(Dir(j) + "/metrics.jsonl", Links::kRefuse, &size);
  if (!fd.ok()) return Status::Ok();
  constexpr size_t kChunk = size_t{1} << 20;
  const int64_t end = std::min(size, kMaxMetricsBytes);
  std::string buf;
  while (budget > 0 && live.offset < end) {
    size_t want = std::min({budget, kChunk, static_cast<size_t>(end - live.offset)});
    buf.resize(want);
    ssize_t n = ::pread(fd->get(), buf.data(), want, live.offset);
    if (n <= 0) break;
    budget -= static_cast<size_t>(n);
    std::string_view got(buf.data(), static_cast<size_t>(n));
    size_t from = 0;
    if (live.skipping) {  // the rest of a line too long to read
      from = got.find('\n');
      live.skipping = from == std::string_view::npos;
      from = live.skipping ? got.size() : from + 1;
    }
    size_t last = got.rfind('\n');
    bool whole_chunk_one_line = (last == std::string_view::npos || last < from) &&
                                got.size() - from > kMaxMetricLineBytes;
    if (whole_chunk_one_line) {
      live.skipping = true;
      from = got.size();
    }
    if (last != std::string_view::npos && last >= from)
      DROVER_RETURN_IF_ERROR(ReportLines(j, live, got.substr(from, last + 1 - from), decide));
    size_t used = live.skipping ? got.size()
                  : last == std::string_view::npos || last < from ? from : last + 1;
    live.offset += static_cast<int64_t>(used);
    if (used < got.size() && static_cast<size_t>(n) < want) break;  // a line still being written
    if (used == 0) break;  // a partial line shorter than the limit: wait for its end
  }
  return Status::Ok();
}

// Writes "seen S next N" to the trial's control file when it changed: S the last step
// drover has read, N the pruner's next decision step (a rung). A trial using the Python
// client waits at step N until S reaches it (drover.should_prune), so a rung is decided
// at the rung, not a polling interval later. Atomic (a reader never sees half a file);
// nothing once the trial is pruned, or while the pruner has no rung to name. Until the
// first such write the trial has $DROVER_NEXT_RUNG (Env).
Status StudyDriver::TellRung(uint32_t j, Live& live) {
  if (live.number < 0 || live.prune_at > 0) return Status::Ok();
  const hpo::Study& study = SegmentOf(j).study->study();
  const hpo::Trial* t = study.history().Find(live.number);
  if (!t || t->state != hpo::TrialState::kRunning) return Status::Ok();
  auto next = study.NextDecision(*t);
  const int64_t seen = t->last_step() ? *t->last_step() : -1;
  // No decision step (now): "seen S" alone, so that a trial told one before (or given
  // $DROVER_NEXT_RUNG) stops waiting there; nothing when it was never told one.
  if (!next && live.told.empty() && !live.env_rung) return Status::Ok();
  std::string line = next ? fmt::format("seen {} next {}\n", seen, *next)
                          : fmt::format("seen {}\n", seen);
  if (line == live.told) return Status::Ok();
  // A hint, not a record: a folder that cannot take it (gone, full) only costs the wait.
  if (WriteFileAtomic(Dir(j) + "/control", line).ok()) live.told = std::move(line);
  return Status::Ok();
}

int StudyDriver::PollDelayMs() const {
  size_t reading = 0;
  bool told = false;
  for (const auto& [j, live] : live_) {
    if (live.number < 0 || live.attempt_id == 0) continue;
    ++reading;
    told |= live.prune_at == 0 &&
            (live.told.find(" next ") != std::string::npos || (live.told.empty() && live.env_rung));
  }
  if (!told) return 500;
  // 10 ms for up to 100 running trials; each poll opens every running trial's metrics.
  return static_cast<int>(std::clamp<size_t>(reading / 10, 10, 500));
}

Status StudyDriver::Poll(double now, std::vector<int64_t>* cancel) {
  for (auto& [j, live] : live_) {
    if (live.number < 0 || live.attempt_id == 0) continue;
    DROVER_RETURN_IF_ERROR(ReadNew(j, live, kPollBudget, true));
    DROVER_RETURN_IF_ERROR(TellRung(j, live));
    double grace = plan_.workflow().steps[plan_.jobs()[j].step].grace_s;
    if (live.prune_at > 0 && !live.cancelled && now >= live.prune_at + grace) {
      live.cancelled = true;
      cancel->push_back(live.attempt_id);
    }
  }
  return Status::Ok();
}

Result<StudyDriver::Outcome> StudyDriver::Ended(uint32_t j, const Completion& c,
                                                const std::vector<MetricRecord>& metrics,
                                                std::string* reason) {
  auto it = live_.find(j);
  if (it == live_.end()) return Outcome::kNone;
  Live& live = it->second;
  Segment& seg = SegmentOf(j);
  --seg.running;
  live.attempt_id = 0;
  if (live.number < 0) return Outcome::kNone;
  DROVER_RETURN_IF_ERROR(ReadNew(j, live, 64u << 20, false));
  // Finished by hand while it ran (`drover study tell --force`): that result stands.
  // (ReadNew may have taken that outcome already.)
  auto outside = seg.study->TakeOutsideTell(live.number);
  if (!outside.ok()) return outside.status();
  const hpo::Trial* t = seg.study->study().history().Find(live.number);
  if (*outside || (t && t->state != hpo::TrialState::kRunning)) {
    const int64_t number = live.number;
    live_.erase(it);
    if (t->state == hpo::TrialState::kComplete) return Outcome::kComplete;
    if (t->state == hpo::TrialState::kPruned) return Outcome::kPruned;
    *reason = fmt::format("trial {} of study '{}' was told failed by hand while it ran", number,
                          seg.name);
    return Outcome::kFailed;
  }
  if (EndsPruned(live.prune_at, c)) {
    DROVER_RETURN_IF_ERROR(seg.study->TellPruned(live.number));
    live_.erase(it);
    return Outcome::kPruned;
  }
  if (!ExitedOk(c)) return Outcome::kNone;
  const std::string& metric = SpecOf(plan_, seg.step).metric;
  const MetricRecord* last = nullptr;
  for (const MetricRecord& m : metrics)
    if (m.name == metric) last = &m;
  if (!last) {
    std::vector<std::string> names;
    for (const MetricRecord& m : metrics)
      if (std::find(names.begin(), names.end(), m.name) == names.end()) names.push_back(m.name);
    *reason = fmt::format("trial {} of study '{}' logged no '{}' metric (its objective){}; log it "
                          "with drover.log({}=...), or name the metric it logs in the study's metric:",
                          live.number, seg.name, metric,
                          names.empty() ? "" : fmt::format(" but {}", fmt::join(names, ", ")), metric);
    return Outcome::kFailed;
  }
  DROVER_RETURN_IF_ERROR(seg.study->Tell(live.number, last->value));
  live_.erase(it);
  return Outcome::kComplete;
}

bool EndsPruned(double prune_at, const Completion& c) {
  return prune_at > 0 && !(ExitedOk(c) && c.status.ended > 0 && c.status.ended < prune_at);
}

Status StudyDriver::Failed(uint32_t j) {
  auto it = live_.find(j);
  if (it == live_.end()) return Status::Ok();
  int64_t number = it->second.number;
  live_.erase(it);
  if (number < 0) return Status::Ok();
  auto outside = SegmentOf(j).study->TakeOutsideTell(number);
  if (!outside.ok()) return outside.status();
  const hpo::Trial* t = SegmentOf(j).study->study().history().Find(number);
  if (!t || t->state != hpo::TrialState::kRunning) return Status::Ok();
  return SegmentOf(j).study->TellFailed(number);
}

}  // namespace drover
