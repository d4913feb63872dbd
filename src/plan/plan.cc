#include "plan/plan.h"

#include <glob.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "plan/render.h"
#include "spec/parser.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/shell.h"

namespace drover {

// Builds a Plan step by step in dependency order (private helper of BuildPlan).
class Planner {
 public:
  Planner(const Workflow& wf, const PlanOptions& opts) : wf_(wf), opts_(opts) {
    plan_.wf_ = &wf;
    plan_.root_ = opts.root;
  }
  Result<Plan> Run();

 private:
  Status LayOut();
  std::vector<uint32_t> TopoOrder() const;
  Status PlanStepJobs(uint32_t s);
  // The jobs of step `a` that job `j` (of step `b`) consumes: those that agree with
  // it on every axis the two steps share.
  void Matching(uint32_t b, uint32_t j, uint32_t a, std::vector<uint32_t>* out) const;
  Status InputHashes(uint32_t s, uint32_t j, Hasher* h);
  Status HashGlob(const std::string& pattern, const Step& step, Hasher* h);
  void ComputeDepths(const std::vector<uint32_t>& order);

  const Workflow& wf_;
  const PlanOptions& opts_;
  Plan plan_;
  std::vector<PreparedCommand> commands_;
  std::unordered_map<std::string, std::string> file_hashes_;  // path -> content hash
};

Result<Plan> BuildPlan(const Workflow& wf, const PlanOptions& opts) {
  return Planner(wf, opts).Run();
}

Result<Plan> Planner::Run() {
  DROVER_RETURN_IF_ERROR(LayOut());
  std::vector<uint32_t> order = TopoOrder();
  for (uint32_t s : order) DROVER_RETURN_IF_ERROR(PlanStepJobs(s));
  ComputeDepths(order);
  return std::move(plan_);
}

Status Planner::LayOut() {
  // Counted before anything is allocated: a cross product of large axes is refused with
  // its size, instead of running out of memory. Past it, counts fit in 32 bits.
  static_assert(kMaxJobs < 0xFFFFFFF0u);
  DROVER_RETURN_IF_ERROR(CheckJobCount(wf_));
  uint32_t total = 0;
  for (const Step& step : wf_.steps) {
    PlanStep ps;
    ps.first = total;
    for (const std::string& name : step.over) {
      const Axis* ax = wf_.FindAxis(name);
      if (!ax) return Status::Invalid("step '" + step.name + "': unknown axis '" + name + "'");
      ps.axes.push_back(static_cast<uint32_t>(ax - wf_.axes.data()));
    }
    if (step.study && step.study->trials < 1)
      return Status::Invalid("study step '" + step.name + "' has no trials");
    const uint64_t count = StepJobCount(wf_, step);  // <= kMaxJobs
    ps.segments = static_cast<uint32_t>(step.study ? count / step.study->trials : count);
    ps.count = static_cast<uint32_t>(count);
    total += ps.count;
    plan_.steps_.push_back(std::move(ps));
    auto pc = PrepareCommand(wf_, step);
    if (!pc.ok()) return pc.status();
    commands_.push_back(std::move(*pc));
  }
  plan_.jobs_.resize(total);
  for (uint32_t s = 0; s < plan_.steps_.size(); ++s) {
    const PlanStep& ps = plan_.steps_[s];
    for (uint32_t k = 0; k < ps.count; ++k) {
      PlannedJob& job = plan_.jobs_[ps.first + k];
      job.step = s;
      job.values.resize(ps.axes.size());
      job.slot = ps.segments ? k / ps.segments : 0;
      uint32_t rest = ps.segments ? k % ps.segments : k;
      for (size_t a = ps.axes.size(); a-- > 0;) {
        uint32_t n = static_cast<uint32_t>(wf_.axes[ps.axes[a]].values.size());
        job.values[a] = rest % n;
        rest /= n;
      }
    }
  }
  return Status::Ok();
}

// Steps a step depends on: those it references, and those in its after: list.
static std::vector<uint32_t> Upstream(const Workflow& wf, const PreparedCommand& pc,
                                      const Step& step) {
  std::vector<uint32_t> out;
  std::unordered_set<uint32_t> seen;  // a step may list thousands in after:
  auto add = [&](const std::string& name) {
    const Step* s = wf.FindStep(name);
    if (!s) return;
    uint32_t i = static_cast<uint32_t>(s - wf.steps.data());
    if (seen.insert(i).second) out.push_back(i);  // first mention first: keys depend on it
  };
  for (const TemplatePart& p : pc.parts)
    if (p.kind == TemplatePart::Kind::kRef) add(p.step);
  for (const std::string& a : step.after) add(a);
  if (step.study && !step.study->warm_start.empty()) add(step.study->warm_start);
  return out;
}

// Depth-first, upstream steps first; the spec layer has already refused cycles.
// Iterative, so that a chain of 100,000 steps does not overflow the stack.
std::vector<uint32_t> Planner::TopoOrder() const {
  size_t n = wf_.steps.size();
  std::vector<char> mark(n, 0);
  std::vector<uint32_t> order;
  struct Frame {
    uint32_t step;
    std::vector<uint32_t> up;  // its upstream steps
    size_t next = 0;           // the next of them to visit
  };
  std::vector<Frame> stack;
  for (uint32_t root = 0; root < n; ++root) {
    if (mark[root]) continue;
    mark[root] = 1;
    stack.push_back({root, Upstream(wf_, commands_[root], wf_.steps[root])});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next == f.up.size()) {
        order.push_back(f.step);
        stack.pop_back();
        continue;
      }
      uint32_t u = f.up[f.next++];
      if (mark[u]) continue;
      mark[u] = 1;
      stack.push_back({u, Upstream(wf_, commands_[u], wf_.steps[u])});  // f is stale now
    }
  }
  return order;
}

void Planner::Matching(uint32_t b, uint32_t j, uint32_t a, std::vector<uint32_t>* out) const {
  const PlanStep& pa = plan_.steps_[a];
  const PlanStep& pb = plan_.steps_[b];
  const PlannedJob& job = plan_.jobs_[j];
  // For each axis of a: the fixed value (shared with b) or -1 (free, enumerate).
  size_t na = pa.axes.size();
  std::vector<int64_t> fixed(na, -1);
  std::vector<uint32_t> radix(na);
  for (size_t x = 0; x < na; ++x) {
    radix[x] = static_cast<uint32_t>(wf_.axes[pa.axes[x]].values.size());
    auto it = std::find(pb.axes.begin(), pb.axes.end(), pa.axes[x]);
    if (it != pb.axes.end()) fixed[x] = job.values[it - pb.axes.begin()];
  }
  std::vector<uint32_t> cur(na, 0);
  for (size_t x = 0; x < na; ++x)
    if (fixed[x] >= 0) cur[x] = static_cast<uint32_t>(fixed[x]);
  while (true) {
    uint32_t idx = 0;
    for (size_t x = 0; x < na; ++x) idx = idx * radix[x] + cur[x];
    uint32_t slots = pa.segments ? pa.count / pa.segments : 1;
    for (uint32_t slot = 0; slot < slots; ++slot) out->push_back(pa.first + slot * pa.segments + idx);
    size_t x = na;  // odometer over the free axes, last fastest
    while (x-- > 0) {
      if (fixed[x] >= 0) continue;
      if (++cur[x] < radix[x]) break;
      cur[x] = 0;
    }
    if (x == static_cast<size_t>(-1)) break;
  }
}

Status Planner::PlanStepJobs(uint32_t s) {
  const Step& step = wf_.steps[s];
  const PlanStep& ps = plan_.steps_[s];
  const PreparedCommand& pc = commands_[s];
  std::vector<uint32_t> upstream = Upstream(wf_, pc, step);
  std::vector<uint32_t> matched;
  for (uint32_t j = ps.first; j < ps.first + ps.count; ++j) {
    PlannedJob& job = plan_.jobs_[j];
    auto lookup = [&](const std::string& axis) { return plan_.Value(j, axis); };
    Hasher h;
    h.Add("drover-job-v1").Add(step.name).Add(pc.code_hash);
    std::string key_cmd, run_cmd;
    for (size_t i = 0; i < pc.parts.size(); ++i) {
      const TemplatePart& p = pc.parts[i];
      if (p.kind == TemplatePart::Kind::kLiteral) {
        key_cmd += pc.key_text[i];
        run_cmd += pc.run_text[i];
      } else if (p.kind == TemplatePart::Kind::kParam) {
        const std::string* v = lookup(p.text);
        if (!v && step.study) {  // a trial's parameter: known when the trial starts
          key_cmd += "{" + p.text + "}";
          run_cmd += kLateOpen + p.text + kLateClose;
          continue;
        }
        if (!v) return Status::Invalid("step '" + step.name + "' uses {" + p.text +
                                       "}, which is not one of its axes");
        std::string q = ShellQuote(*v);
        key_cmd += q;
        run_cmd += q;
      } else {
        const Step* a = wf_.FindStep(p.step);
        uint32_t ai = static_cast<uint32_t>(a - wf_.steps.data());
        if (a->study && p.output.rfind("best.", 0) == 0) {  // known when the study is done
          key_cmd += "{" + p.step + "." + p.output + "}";
          run_cmd += kLateOpen + p.step + "." + p.output + kLateClose;
          continue;
        }
        matched.clear();
        Matching(s, j, ai, &matched);
        key_cmd += "{" + p.step + "." + p.output + (p.gather ? "...}" : "}");
        size_t begin = run_cmd.size();
        for (size_t m = 0; m < matched.size(); ++m) {
          if (m) run_cmd += ' ';
          run_cmd += ShellQuote(opts_.root + "/" + Plan::RelDir(plan_.jobs_[matched[m]].key) +
                                "/" + p.output);
        }
        if (step.partial && p.gather)
          plan_.gathers_[j].push_back({begin, run_cmd.size(), p.output, matched});
      }
    }
    h.Add(key_cmd);
    for (size_t a = 0; a < ps.axes.size(); ++a)
      h.Add(wf_.axes[ps.axes[a]].name).Add(wf_.axes[ps.axes[a]].values[job.values[a]]);
    for (const std::string& out : step.outputs) h.Add("out").Add(out);
    if (const StudySpec* st = step.study ? &*step.study : nullptr) {
      h.Add("study").Add(st->space_json).Add(st->sampler_json).Add(st->pruner_json);
      h.Add(st->metric).Add(st->direction).Add(std::to_string(st->seed)).Add(st->name);
      h.Add(st->warm_start).Add("slot").Add(std::to_string(job.slot));
    }
    for (const auto* envs : {&wf_.env, &step.env})
      for (const auto& [k, v] : *envs) job.env.push_back(k + "=" + SubstituteRaw(v, lookup));
    for (const std::string& e : job.env) h.Add("env").Add(e);
    for (uint32_t u : upstream) {
      matched.clear();
      Matching(s, j, u, &matched);
      for (uint32_t m : matched) {
        job.deps.push_back(m);
        h.Add("dep").Add(plan_.jobs_[m].key);
      }
    }
    std::sort(job.deps.begin(), job.deps.end());
    job.deps.erase(std::unique(job.deps.begin(), job.deps.end()), job.deps.end());
    DROVER_RETURN_IF_ERROR(InputHashes(s, j, &h));
    job.key = h.HexDigest();
    job.command = std::move(run_cmd);
  }
  return Status::Ok();
}

Status Planner::InputHashes(uint32_t s, uint32_t j, Hasher* h) {
  const Step& step = wf_.steps[s];
  for (const std::string& in : step.inputs) {
    std::string pattern =
        SubstituteRaw(in, [&](const std::string& axis) { return plan_.Value(j, axis); });
    h->Add("in").Add(pattern);
    DROVER_RETURN_IF_ERROR(HashGlob(pattern, step, h));
  }
  return Status::Ok();
}

Status Planner::HashGlob(const std::string& pattern, const Step& step, Hasher* h) {
  std::string abs = pattern.empty() || pattern[0] != '/' ? wf_.dir + "/" + pattern : pattern;
  glob_t g{};
  int rc = ::glob(abs.c_str(), GLOB_NOSORT, nullptr, &g);
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + (rc == 0 ? g.gl_pathc : 0));
  ::globfree(&g);
  if (files.empty())
    return Status::Invalid("step '" + step.name + "': input '" + pattern +
                           "' matches no file (looked in " + wf_.dir + ")");
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    auto it = file_hashes_.find(f);
    if (it == file_hashes_.end()) {
      FileStat st = StatPath(f);
      std::string hash = "dir";
      if (!st.is_dir) {
        auto fh = HashFile(f);
        if (!fh.ok()) return fh.status().With("step '" + step.name + "': input");
        hash = *fh;
      }
      it = file_hashes_.emplace(f, hash).first;
    }
    h->Add(f.substr(wf_.dir.size())).Add(it->second);
  }
  return Status::Ok();
}

void Planner::ComputeDepths(const std::vector<uint32_t>& order) {
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const PlanStep& ps = plan_.steps_[*it];
    for (uint32_t j = ps.first; j < ps.first + ps.count; ++j) {
      PlannedJob& job = plan_.jobs_[j];
      for (uint32_t d : job.deps)
        plan_.jobs_[d].depth = std::max(plan_.jobs_[d].depth, job.depth + 1);
    }
  }
}

const std::string* Plan::Value(uint32_t job, const std::string& axis) const {
  const PlannedJob& j = jobs_[job];
  const PlanStep& ps = steps_[j.step];
  for (size_t a = 0; a < ps.axes.size(); ++a)
    if (wf_->axes[ps.axes[a]].name == axis) return &wf_->axes[ps.axes[a]].values[j.values[a]];
  return nullptr;
}

const std::vector<GatherSpan>& Plan::Gathers(uint32_t job) const {
  static const std::vector<GatherSpan> kNone;
  auto it = gathers_.find(job);
  return it == gathers_.end() ? kNone : it->second;
}

std::string Plan::GatheredCommand(uint32_t job,
                                  const std::function<bool(uint32_t)>& keep) const {
  const std::string& cmd = jobs_[job].command;
  std::string out;
  size_t done = 0;
  for (const GatherSpan& g : Gathers(job)) {  // in command order
    out += cmd.substr(done, g.begin - done);
    bool first = true;
    for (uint32_t m : g.jobs) {
      if (!keep(m)) continue;
      if (!first) out += ' ';
      first = false;
      out += ShellQuote(root_ + "/" + RelDir(jobs_[m].key) + "/" + g.output);
    }
    done = g.end;
  }
  return out + cmd.substr(done);
}

std::string Plan::Name(uint32_t job) const {
  const PlannedJob& j = jobs_[job];
  const PlanStep& ps = steps_[j.step];
  std::string out = wf_->steps[j.step].name;
  for (size_t a = 0; a < ps.axes.size(); ++a) {
    out += a == 0 ? '/' : ',';
    out += wf_->axes[ps.axes[a]].name + "=" + wf_->axes[ps.axes[a]].values[j.values[a]];
  }
  if (wf_->steps[j.step].study) out += (ps.axes.empty() ? "/slot=" : ",slot=") + std::to_string(j.slot);
  return out;
}

std::string Plan::Readable(const std::string& command) {
  std::string out = command;
  for (char& c : out) {
    if (c == kLateOpen) c = '{';
    if (c == kLateClose) c = '}';
  }
  return out;
}

// Appends `v` as a JSON string when it needs no escaping (printable ASCII without
// quotes or backslashes, the common case of axis values); false otherwise.
static bool AppendPlainJsonString(const std::string& v, std::string* out) {
  for (unsigned char c : v)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  *out += '"';
  *out += v;
  *out += '"';
  return true;
}

std::string Plan::ParamsJson(uint32_t job) const {
  const PlannedJob& j = jobs_[job];
  const PlanStep& ps = steps_[j.step];
  std::string out = "{";
  for (size_t a = 0; a < ps.axes.size(); ++a) {
    const Axis& axis = wf_->axes[ps.axes[a]];
    if (a) out += ',';
    if (!AppendPlainJsonString(axis.name, &out) ||
        (out += ':', !AppendPlainJsonString(axis.values[j.values[a]], &out))) {
      // Something to escape (quotes, control characters, non-ASCII): let the JSON
      // library do it, invalid UTF-8 replaced.
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (size_t b = 0; b < ps.axes.size(); ++b)
        o[wf_->axes[ps.axes[b]].name] = wf_->axes[ps.axes[b]].values[j.values[b]];
      return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  return out + "}";
}

std::string Plan::RelDir(const std::string& key) {
  return ".drover/jobs/" + key.substr(0, 2) + "/" + key;
}

}  // namespace drover
