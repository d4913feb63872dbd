// Checks that need the whole workflow: which axes and steps names refer to, templates,
// dependency cycles, the workflow's env: and report.table. Each error points at the
// offending token: an item of a list, or the '{' of a template part.
#include <algorithm>
#include <map>
#include <string>

#include "spec/parser.h"
#include "spec/sections.h"
#include "spec/template.h"

namespace drover::spec {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> AxisNames(const Workflow& wf) {
  std::vector<std::string> names;
  for (const auto& a : wf.axes) names.push_back(a.name);
  return names;
}

std::vector<std::string> StepNames(const Workflow& wf) {
  std::vector<std::string> names;
  for (const auto& s : wf.steps) names.push_back(s.name);
  return names;
}

// The item nodes of the list under `key` in `map` (none when absent or not a list).
std::vector<YAML::Node> Items(const YAML::Node& map, const char* key) {
  std::vector<YAML::Node> out;
  std::optional<YAML::Node> list = FindKey(map, key);
  if (list && list->IsSequence())
    for (const auto& item : *list) out.push_back(item);
  return out;
}

// Each template of a step, with the node it was written in: run:, then env: values.
std::vector<YAML::Node> Templates(const YAML::Node& step) {
  std::vector<YAML::Node> out;
  if (auto run = FindKey(step, "run")) out.push_back(*run);
  std::optional<YAML::Node> env = FindKey(step, "env");
  if (env && env->IsMap())
    for (const auto& kv : *env) out.push_back(kv.second);
  return out;
}

Status CheckAxisName(const Reader& r, const Workflow& wf, const YAML::Node& item,
                     const std::string& what) {
  const std::string& name = item.Scalar();
  if (wf.FindAxis(name) != nullptr) return Status::Ok();
  std::vector<std::string> axes = AxisNames(wf);
  std::string known = axes.empty() ? "the workflow declares no axes:" : "axes: " + Join(axes);
  return r.Error(item, what + " names '" + name + "', which is not an axis (" + known + ")" +
                           Suggest(name, axes));
}

Status CheckParam(const Reader& r, const Workflow& wf, const Step& step, const SourceLoc& at,
                  const std::string& name) {
  if (Contains(step.over, name)) return Status::Ok();
  if (step.study && Contains(step.study->params, name)) return Status::Ok();
  std::string head = "step '" + step.name + "' uses {" + name + "}, but ";
  if (wf.FindAxis(name) != nullptr && step.study)
    return r.src().Error(at, head + "its study has no segment over '" + name +
                                 "'; add it to study: segments: (now [" + Join(step.over) + "])");
  if (wf.FindAxis(name) != nullptr)
    return r.src().Error(at, head + "does not run over '" + name + "'; add it to over: (now [" +
                                 Join(step.over) + "])");
  if (wf.FindStep(name) != nullptr)
    return r.src().Error(at, head + "'" + name + "' is a step, not an axis; write {" + name +
                                 ".OUTPUT} for one of its outputs");
  std::vector<std::string> axes = AxisNames(wf);
  std::string known = axes.empty() ? "it declares no axes:" : "axes: " + Join(axes);
  if (step.study)
    return r.src().Error(at, head + "'" + name + "' is neither a parameter of its study (" +
                                 Join(step.study->params) + ") nor an axis (" + known + ")" +
                                 Suggest(name, step.study->params));
  return r.src().Error(at, head + "'" + name + "' is not an axis of the workflow (" + known + ")" +
                               Suggest(name, axes));
}

// {study.best.param}: the best trial's value of a parameter of the study `from`
// (of the one study of the segment this job runs in).
Status CheckBestRef(const Reader& r, const Step& step, const Step& from, const SourceLoc& at,
                    const TemplatePart& ref) {
  std::string param = ref.output.substr(5);
  std::string head = "step '" + step.name + "' uses {" + ref.step + "." + ref.output + "}, but ";
  if (ref.gather)
    return r.src().Error(at, head + "the best parameters are one value; drop the '...'");
  if (!Contains(from.study->params, param) && param != "value")
    return r.src().Error(at, head + "study '" + from.name + "' has no parameter '" + param +
                                 "' (parameters: " + Join(from.study->params) + ")" +
                                 Suggest(param, from.study->params));
  for (const auto& axis : from.over)
    if (!Contains(step.over, axis))
      return r.src().Error(at, head + "'" + from.name + "' has one study per " + axis + " and '" +
                                   step.name + "' does not run over '" + axis +
                                   "'; add it to over: to take each segment's best");
  return Status::Ok();
}

// A study step's segments: (checked before its templates, which may use them).
Status CheckSegments(const Reader& r, const Workflow& wf, const Step& step, const YAML::Node& node) {
  YAML::Node study = *FindKey(node, "study");
  for (const auto& item : Items(study, "segments"))
    DROVER_RETURN_IF_ERROR(CheckAxisName(r, wf, item, "segments: of step '" + step.name + "'"));
  return Status::Ok();
}

// "-{a}-{b}" for segment axes a and b.
std::string SegmentSuffix(const std::vector<std::string>& axes) {
  std::string out;
  for (const auto& a : axes) out += "-{" + a + "}";
  return out;
}

// A study step's name: and warm_start:.
Status CheckStudy(const Reader& r, const Workflow& wf, const Step& step, const YAML::Node& node) {
  YAML::Node study = *FindKey(node, "study");
  if (auto name = FindKey(study, "name"); name && name->IsScalar()) {
    // Each segment is its own study, so the name must tell them apart.
    size_t err = 0;
    auto parts = ParseTemplate(name->Scalar(), &err);
    if (!parts.ok()) return r.src().Error(r.src().InScalar(*name, err), parts.status().message());
    std::vector<std::string> used;
    for (const auto& part : *parts) {
      if (part.kind == TemplatePart::Kind::kLiteral) continue;
      SourceLoc at = r.src().InScalar(*name, part.offset);
      if (part.kind != TemplatePart::Kind::kParam || !Contains(step.over, part.text))
        return r.src().Error(at, "the study name of step '" + step.name + "' may use its " +
                                     "segment axes only (" +
                                     (step.over.empty() ? "it has none" : Join(step.over)) + ")");
      used.push_back(part.text);
    }
    for (const auto& axis : step.over)
      if (!Contains(used, axis))
        return r.Error(*name, "the study name '" + name->Scalar() + "' of step '" + step.name +
                                  "' is the same for every " + axis + "; put the segment axes " +
                                  "in it, such as name: " +
                                  name->Scalar() + SegmentSuffix(step.over));
  }
  const std::string& warm = step.study->warm_start;
  if (warm.find('{') != std::string::npos)
    return r.Error(*FindKey(study, "warm_start"),
                   "warm_start: takes a study step of this workflow (its segments are paired "
                   "with this step's by their axis values) or the name of a study in the store, "
                   "without {axis} templates");
  const Step* from = warm.empty() ? nullptr : wf.FindStep(warm);
  if (!from) return Status::Ok();  // empty, or a study in the store
  YAML::Node at = *FindKey(study, "warm_start");
  if (from == &step) return r.Error(at, "step '" + step.name + "' cannot warm-start from itself");
  if (!from->study)
    return r.Error(at, "warm_start: names step '" + warm + "', which is not a study");
  for (const auto& axis : from->over)
    if (!Contains(step.over, axis))
      return r.Error(at, "warm_start: step '" + warm + "' has one study per " + axis +
                             ", but '" + step.name + "' has no segment over '" + axis + "'");
  return Status::Ok();
}

// A reference {from.output} or {from.output...} in `step`'s template.
Status CheckRef(const Reader& r, const Workflow& wf, const Step& step, const SourceLoc& at,
                const TemplatePart& ref) {
  std::string text = "{" + ref.step + "." + ref.output + (ref.gather ? "...}" : "}");
  std::string head = "step '" + step.name + "' uses " + text + ", but ";
  const Step* from = wf.FindStep(ref.step);
  if (from == nullptr) {
    std::string hint = wf.FindAxis(ref.step) != nullptr
                           ? "; '" + ref.step + "' is an axis: write {" + ref.step + "}"
                           : Suggest(ref.step, StepNames(wf));
    return r.src().Error(at, head + "there is no step '" + ref.step + "'" + hint);
  }
  if (from == &step)
    return r.src().Error(at, "step '" + step.name + "' uses its own output " + text +
                                 "; a step cannot consume itself");
  if (from->study && ref.output.rfind("best.", 0) == 0) return CheckBestRef(r, step, *from, at, ref);
  if (!Contains(from->outputs, ref.output)) {
    if (from->outputs.empty())
      return r.src().Error(at, head + "step '" + from->name + "' declares no outputs; add " +
                                   "outputs: [" + ref.output + "] to it");
    return r.src().Error(at, head + "step '" + from->name + "' declares no output '" + ref.output +
                                 "' (outputs: " + Join(from->outputs) + ")" +
                                 Suggest(ref.output, from->outputs));
  }
  if (ref.gather) return Status::Ok();
  for (const auto& axis : from->over)
    if (!Contains(step.over, axis))
      return r.src().Error(at, head + "'" + from->name + "' also runs over '" + axis +
                                   "', which '" + step.name + "' does not, so there is one " +
                                   ref.output + " per " + axis + "; write {" + ref.step + "." +
                                   ref.output + "...} to gather them all");
  return Status::Ok();
}

// Parses one template (run: or an env: value) written in `node` and checks its parts.
Status CheckTemplate(const Reader& r, const Workflow& wf, const Step& step,
                     const YAML::Node& node) {
  size_t err = 0;
  auto parts = ParseTemplate(node.Scalar(), &err);
  if (!parts.ok()) return r.src().Error(r.src().InScalar(node, err), parts.status().message());
  for (const auto& part : *parts) {
    SourceLoc at = r.src().InScalar(node, part.offset);
    if (part.kind == TemplatePart::Kind::kParam)
      DROVER_RETURN_IF_ERROR(CheckParam(r, wf, step, at, part.text));
    if (part.kind == TemplatePart::Kind::kRef)
      DROVER_RETURN_IF_ERROR(CheckRef(r, wf, step, at, part));
  }
  return Status::Ok();
}

// True when one of `step`'s templates has a gathering reference {from.output...}.
bool HasGather(const YAML::Node& node) {
  for (const auto& t : Templates(node)) {
    size_t err = 0;
    auto parts = ParseTemplate(t.Scalar(), &err);
    if (!parts.ok()) continue;
    for (const auto& part : *parts)
      if (part.kind == TemplatePart::Kind::kRef && part.gather) return true;
  }
  return false;
}

// partial: true needs something to be partial about: a gathering reference, in a plain step
// (a study's trials are sampled, not gathered). Checked after the templates.
Status CheckPartial(const Reader& r, const Step& step, const YAML::Node& node) {
  if (!step.partial) return Status::Ok();
  YAML::Node at = *FindKey(node, "partial");
  std::string head = "partial: true in step '" + step.name + "' ";
  if (step.study)
    return r.Error(at, head + "has no meaning: a study step gathers no upstream jobs; remove "
                              "partial: (it applies to steps with a gathering reference such "
                              "as {train.model...})");
  if (!HasGather(node))
    return r.Error(at, head + "has no meaning: its run: and env: have no gathering reference "
                              "{step.output...}; gather with such a reference or remove "
                              "partial:");
  return Status::Ok();
}

Status CheckStep(const Reader& r, const Workflow& wf, const Step& step, const YAML::Node& node) {
  std::string where = "over: of step '" + step.name + "'";
  for (const auto& item : Items(node, "over"))
    DROVER_RETURN_IF_ERROR(CheckAxisName(r, wf, item, where));
  if (step.study) DROVER_RETURN_IF_ERROR(CheckSegments(r, wf, step, node));
  for (const auto& t : Templates(node)) DROVER_RETURN_IF_ERROR(CheckTemplate(r, wf, step, t));
  if (step.study) DROVER_RETURN_IF_ERROR(CheckStudy(r, wf, step, node));
  DROVER_RETURN_IF_ERROR(CheckPartial(r, step, node));
  for (const auto& item : Items(node, "after")) {
    const std::string& name = item.Scalar();
    if (name == step.name)
      return r.Error(item, "step '" + name + "' lists itself in after:; remove it");
    if (wf.FindStep(name) == nullptr)
      return r.Error(item, "after: of step '" + step.name + "' names '" + name +
                               "', which is not a step" + Suggest(name, StepNames(wf)));
  }
  return Status::Ok();
}

struct Edge {
  size_t to;     // index of the step depended on
  SourceLoc at;  // the reference or after: entry that makes the dependency
};

// Each step's dependencies, in the order written: references in its templates, then
// its after: entries. Call only once every step has passed CheckStep.
std::vector<std::vector<Edge>> Dependencies(const Reader& r, const Parsed& p) {
  auto index = [&](const std::string& name) {
    return static_cast<size_t>(p.wf.FindStep(name) - p.wf.steps.data());
  };
  std::vector<std::vector<Edge>> deps(p.wf.steps.size());
  for (size_t i = 0; i < deps.size(); ++i) {
    for (const auto& t : Templates(p.step_nodes[i])) {
      auto parts = ParseTemplate(t.Scalar(), nullptr);
      for (const auto& part : parts.ok() ? *parts : std::vector<TemplatePart>{})
        if (part.kind == TemplatePart::Kind::kRef)
          deps[i].push_back({index(part.step), r.src().InScalar(t, part.offset)});
    }
    for (const auto& item : Items(p.step_nodes[i], "after"))
      deps[i].push_back({index(item.Scalar()), r.src().At(item)});
    const Step& s = p.wf.steps[i];
    if (s.study && p.wf.FindStep(s.study->warm_start))
      deps[i].push_back({index(s.study->warm_start), s.study->loc});
  }
  return deps;
}

// Depth-first search for a dependency cycle; reports the first one it closes.
class CycleFinder {
 public:
  CycleFinder(const Reader& r, const Parsed& p) : r_(r), p_(p), deps_(Dependencies(r, p)) {}

  Status Run() {
    state_.assign(deps_.size(), kNew);
    next_.assign(deps_.size(), 0);
    for (size_t i = 0; i < deps_.size() && status_.ok(); ++i)
      if (state_[i] == kNew) Visit(i);
    return status_;
  }

 private:
  enum State { kNew, kOnPath, kDone };

  // Iterative (a chain of 100,000 steps must not overflow the stack): path_ holds the
  // steps on the current path, next_ the index of the next edge of each to follow.
  void Visit(size_t root) {
    Enter(root);
    while (!path_.empty() && status_.ok()) {
      size_t v = path_.back();
      if (next_[v] == deps_[v].size()) {
        path_.pop_back();
        state_[v] = kDone;
        continue;
      }
      const Edge& e = deps_[v][next_[v]++];
      if (state_[e.to] == kOnPath) return Report(e);
      if (state_[e.to] == kNew) Enter(e.to);
    }
  }

  void Enter(size_t v) {
    state_[v] = kOnPath;
    next_[v] = 0;
    path_.push_back(v);
  }

  void Report(const Edge& closing) {
    auto from = std::find(path_.begin(), path_.end(), closing.to);
    std::string cycle;
    for (auto it = from; it != path_.end(); ++it) cycle += p_.wf.steps[*it].name + " -> ";
    cycle += p_.wf.steps[closing.to].name;
    status_ = r_.src().Error(closing.at, "cycle: " + cycle +
                                             "; remove one of these "
                                             "references or after: entries");
  }

  const Reader& r_;
  const Parsed& p_;
  std::vector<std::vector<Edge>> deps_;
  std::vector<State> state_;
  std::vector<size_t> path_;
  std::vector<size_t> next_;
  Status status_;
};

// The workflow's env: applies to every step, so it may use only axes that every step
// runs over, and no step outputs.
Status CheckWorkflowEnv(const Reader& r, const Parsed& p) {
  if (!p.env.IsMap()) return Status::Ok();
  for (const auto& kv : p.env) {
    size_t err = 0;
    auto parts = ParseTemplate(kv.second.Scalar(), &err);
    if (!parts.ok())
      return r.src().Error(r.src().InScalar(kv.second, err), parts.status().message());
    for (const auto& part : *parts) {
      SourceLoc at = r.src().InScalar(kv.second, part.offset);
      if (part.kind == TemplatePart::Kind::kRef)
        return r.src().Error(at, "the workflow's env: cannot use step outputs; move " +
                                     kv.first.Scalar() + " to the env: of the steps that need it");
      if (part.kind != TemplatePart::Kind::kParam) continue;
      for (const auto& step : p.wf.steps)
        if (!Contains(step.over, part.text))
          return r.src().Error(at, "the workflow's env: uses {" + part.text + "}, but step '" +
                                       step.name + "' does not run over it; move " +
                                       kv.first.Scalar() + " to the env: of the steps that do");
    }
  }
  return Status::Ok();
}

// rows and cols name axes (of one of `step`'s steps, when the table names some), each
// at most once; step: names steps.
Status CheckTable(const Reader& r, const Parsed& p) {
  if (!p.wf.report || !p.table.IsMap()) return Status::Ok();
  const TableSpec& t = *p.wf.report;
  std::vector<const Step*> steps;
  if (auto node = FindKey(p.table, "step"); node) {
    for (const std::string& name : t.steps) {
      steps.push_back(p.wf.FindStep(name));
      if (steps.back() == nullptr)
        return r.Error(*node, "report.table names step '" + name + "', which is not a step" +
                                  Suggest(name, StepNames(p.wf)));
    }
  }
  for (const char* key : {"rows", "cols"}) {
    for (const auto& item : Items(p.table, key)) {
      std::string what = std::string("report.table ") + key;
      DROVER_RETURN_IF_ERROR(CheckAxisName(r, p.wf, item, what));
      if (key == std::string("cols") && Contains(t.rows, item.Scalar()))
        return r.Error(item, "axis '" + item.Scalar() + "' is in both rows and cols");
      bool runs = steps.empty();
      for (const Step* s : steps) runs = runs || Contains(s->over, item.Scalar());
      if (!runs)
        return r.Error(item, what + " names '" + item.Scalar() + "', but no step of " +
                                 Join(t.steps) + " runs over it");
    }
  }
  return Status::Ok();
}

// category: names a category of the workflow's limits:.
Status CheckCategory(const Reader& r, const Workflow& wf, const Step& step, const YAML::Node& node) {
  if (step.category.empty()) return Status::Ok();
  std::vector<std::string> names;
  for (const auto& [name, n] : wf.limits) {
    if (name == step.category) return Status::Ok();
    names.push_back(name);
  }
  return r.Error(*FindKey(node, "category"),
                 "step '" + step.name + "' has category: " + step.category +
                     ", but the workflow's limits: has no category '" + step.category +
                     "'; add limits: {" + step.category + ": N} at the top of the workflow" +
                     Suggest(step.category, names));
}

// The references of `node`'s templates (run: and env: values) to other steps' outputs,
// each with where it is written.
std::vector<std::pair<TemplatePart, SourceLoc>> Refs(const Reader& r, const YAML::Node& node) {
  std::vector<std::pair<TemplatePart, SourceLoc>> out;
  for (const auto& t : Templates(node)) {
    size_t err = 0;
    auto parts = ParseTemplate(t.Scalar(), &err);
    if (!parts.ok()) continue;
    for (const auto& part : *parts)
      if (part.kind == TemplatePart::Kind::kRef)
        out.emplace_back(part, r.src().InScalar(t, part.offset));
  }
  return out;
}

// A final step runs once every other job has ended, whatever their outcome: it may only
// gather other steps' outputs partially (partial: true, {step.output...}), has no
// after: (it is after everything), is no study, and no step may depend on it.
Status CheckFinal(const Reader& r, const Workflow& wf, const Step& step, const YAML::Node& node) {
  const std::string head = "step '" + step.name + "' is final (it runs after every other job, "
                           "whatever their outcome), so it ";
  if (step.final) {
    if (step.study) return r.Error(*FindKey(node, "final"), head + "cannot be a study");
    if (auto after = FindKey(node, "after"); after && after->size() > 0)
      return r.Error(*after, head + "needs no after:; remove it");
    for (const auto& [ref, at] : Refs(r, node)) {
      std::string text = "{" + ref.step + "." + ref.output + (ref.gather ? "...}" : "}");
      if (!ref.gather || !step.partial)
        return r.src().Error(at, head + "may use other steps' outputs only as a partial "
                                        "gather: write {" + ref.step + "." + ref.output +
                                        "...} and partial: true (got " + text + ")");
    }
    return Status::Ok();
  }
  for (const auto& [ref, at] : Refs(r, node))
    if (const Step* from = wf.FindStep(ref.step); from && from->final)
      return r.src().Error(at, "step '" + step.name + "' uses an output of step '" + ref.step +
                                   "', which is final (it runs after every other job); no " +
                                   "step can depend on a final step");
  for (const auto& item : Items(node, "after"))
    if (const Step* from = wf.FindStep(item.Scalar()); from && from->final)
      return r.Error(item, "after: of step '" + step.name + "' names '" + item.Scalar() +
                               "', which is final (it runs after every other job); no step " +
                               "can depend on a final step");
  return Status::Ok();
}

}  // namespace

Status Validate(const Reader& r, const Parsed& p) {
  for (size_t i = 0; i < p.wf.steps.size(); ++i)
    DROVER_RETURN_IF_ERROR(CheckStep(r, p.wf, p.wf.steps[i], p.step_nodes[i]));
  for (size_t i = 0; i < p.wf.steps.size(); ++i) {
    DROVER_RETURN_IF_ERROR(CheckCategory(r, p.wf, p.wf.steps[i], p.step_nodes[i]));
    DROVER_RETURN_IF_ERROR(CheckFinal(r, p.wf, p.wf.steps[i], p.step_nodes[i]));
  }
  DROVER_RETURN_IF_ERROR(CycleFinder(r, p).Run());
  DROVER_RETURN_IF_ERROR(CheckWorkflowEnv(r, p));
  DROVER_RETURN_IF_ERROR(CheckTable(r, p));
  const Step* too_big = nullptr;
  if (Status st = CheckJobCount(p.wf, &too_big); !st.ok()) return r.src().Error(too_big->loc, st.message());
  return Status::Ok();
}

}  // namespace drover::spec
