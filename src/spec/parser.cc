// The workflow file format (drover.yaml). The README copies this block.
//
//   name: leaderboard            # optional; default: the name of the file's folder
//   env: {OMP_NUM_THREADS: "1"}  # optional; environment of every step
//   axes:                        # optional; the sweep
//     task: [digits, wine]       # a non-empty list of distinct scalars, kept as written:
//     seed: [0, 42]              #   0.10 stays "0.10"
//   steps:                       # required, at least one
//     train:
//       over: [task, seed]       # axes this step runs over; omitted or []: runs once
//       run: python3 train.py --task {task} --seed {seed} --out model.pkl
//       outputs: [model.pkl]     # paths inside the job's folder: relative, no '..'
//       inputs: [data/*.csv]     # external files or globs, relative to the file's folder
//       after: [prepare]         # explicit dependencies on other steps
//       resources: {cpus: 1, memory: 2G, gpus: 0, walltime: 30m}
//       retries: 2               # or {count: 2, backoff: 5s, factor: 2, max_requeues: 100}
//       env: {SEED: "{seed}"}    # values are templates, like run:
//       priority: 0              # a whole number; higher runs first
//       grace: 10s               # SIGTERM -> SIGKILL delay on walltime or cancel
//       executor: local          # local | slurm; default: the workflow's executor:
//       slurm: {partition: gpu}  # overrides the workflow's slurm: settings, key by key
//       limit: 2                 # at most 2 of its jobs running at once (>= 1)
//       category: gpu-heavy      # shares the workflow's limits: gpu-heavy with other steps
//       deadline: 2h             # or 2026-12-04T09:00 (local time); default: the workflow's
//       final: true              # runs when every other job has ended, whatever their outcome
//     evaluate:
//       over: [task, seed]
//       run: python3 evaluate.py --model {train.model.pkl} --task {task}
//     ensemble:
//       over: [task]
//       run: python3 ensemble.py --models {train.model.pkl...}
//   executor: slurm              # optional; the steps' default executor (default: local)
//   slurm:                       # optional; settings of the Slurm executor
//     partition: gpu             # --partition; also account: (--account), qos: (--qos)
//     sbatch_args: [--constraint=a100]   # more sbatch options, as written
//     array_throttle: 100        # at most this many tasks of one job array at once (0: no limit)
//     poll_interval: 5s          # one squeue call per interval (top level only)
//   limits: {gpu-heavy: 2}       # optional; running jobs at most, per category (>= 1)
//   deadline: 8h                 # optional; every step's deadline unless it has its own
//   report:
//     table: {rows: [seed], cols: [task], value: accuracy, agg: mean, format: markdown,
//             step: evaluate, path: results/table.md, precision: 4}
//
// Names of axes and steps are [A-Za-z_][A-Za-z0-9_-]*. Every key is checked: an unknown
// or repeated key is an error.
//
// Templates (run: and env: values; see template.h): {axis} is the job's value of an axis
// the step runs over. {step.output} is that output of the one job of `step` this job
// consumes: `step`'s axes must all be axes of this step. {step.output...} gathers the
// output of every job of `step` that agrees with this job on the axes both share.
// {{ and }} are literal braces; ${...} is left to the shell. The workflow's own env: may
// use only axes that every step runs over. References and after: must not form a cycle.
//
// Values:
//   durations  90s, 30m, 2h, 1d, 1h30m, 45 (seconds), 1:30:00 (H:MM:SS), 1-00:00:00
//   memory     1024 (bytes), 100k, 512M, 2G, 1.5GiB, 1T (K, M, G, T are powers of 1024)
//   cpus > 0 (fractions allowed); gpus a whole number >= 0; walltime > 0; retries >= 0;
//   factor >= 1; agg: mean | max | min | last; format: text | markdown | csv;
//   report.table needs rows, cols (axis names) and value (a metric name).
//
// --set overrides ("axis=v1,v2") replace an axis's values after the file is read.
#include "spec/parser.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "spec/document.h"
#include "spec/sections.h"
#include "util/fs.h"

namespace drover {
namespace spec {
namespace {

Status ReadAxes(const Reader& r, const YAML::Node& v, Parsed* p) {
  DROVER_RETURN_IF_ERROR(r.CheckOpenMap(v, "axes"));
  if (v.IsNull()) return Status::Ok();
  for (const auto& kv : v) {
    Axis axis{kv.first.Scalar(), {}, r.src().At(kv.first)};
    std::string what = "axis '" + axis.name + "'";
    if (!IsName(axis.name))
      return r.Error(kv.first,
                     "'" + axis.name + "' is not a valid axis name ([A-Za-z_][A-Za-z0-9_-]*)");
    if (kv.second.IsScalar() || kv.second.IsMap())
      return r.Error(kv.second,
                     what + " must be a list of values such as [0, 42], got " + KindOf(kv.second));
    std::vector<YAML::Node> items;
    DROVER_RETURN_IF_ERROR(r.StringList(kv.second, what, &axis.values, &items));
    if (axis.values.empty())
      return r.Error(kv.first,
                     what + " has no values; list at least one, such as " + axis.name + ": [0]");
    if (size_t i = FirstRepeat(axis.values); i != std::string::npos)
      return r.Error(items[i], "value '" + axis.values[i] + "' appears twice in " + what);
    p->wf.axes.push_back(std::move(axis));
  }
  return Status::Ok();
}

Status ReadSteps(const Reader& r, const YAML::Node& key, const YAML::Node& v, Parsed* p) {
  DROVER_RETURN_IF_ERROR(r.CheckOpenMap(v, "steps"));
  if (v.IsNull() || v.size() == 0)
    return r.Error(key, "steps: is empty; declare at least one step with a run: command");
  for (const auto& kv : v) {
    Step step;
    DROVER_RETURN_IF_ERROR(ParseStep(r, kv.first, kv.second, &step));
    p->wf.steps.push_back(std::move(step));
    p->step_nodes.push_back(kv.second);
  }
  return Status::Ok();
}

Status ReadReport(const Reader& r, const YAML::Node& v, Parsed* p) {
  static const std::vector<Field<Parsed>> kFields = {
      {"table", false,
       [](const Reader& r, const YAML::Node& key, const YAML::Node& v, const std::string&,
          Parsed* p) {
         p->table = v;
         return ParseTable(r, key, v, &p->wf.report.emplace());
       }},
  };
  return ReadFields(r, v, kFields, "report", p);
}

// limits: {gpu-heavy: 2}: each category's name and its limit, at least 1.
Status ReadLimits(const Reader& r, const YAML::Node& v, Parsed* p) {
  DROVER_RETURN_IF_ERROR(r.CheckOpenMap(v, "limits"));
  p->limits = v;
  if (v.IsNull()) return Status::Ok();
  for (const auto& kv : v) {
    const std::string& name = kv.first.Scalar();
    if (!IsName(name))
      return r.Error(kv.first, "'" + name + "' in limits: is not a valid category name " +
                                   "([A-Za-z_][A-Za-z0-9_-]*)");
    int n = 0;
    std::string what = "limits: " + name;
    DROVER_RETURN_IF_ERROR(r.Int(kv.second, what, 1, &n));
    p->wf.limits.emplace_back(name, n);
  }
  return Status::Ok();
}

const std::vector<Field<Parsed>>& TopFields() {
  static const std::vector<Field<Parsed>> kFields = {
      {"name", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Parsed* p) {
         DROVER_RETURN_IF_ERROR(r.String(v, what, &p->wf.name));
         if (p->wf.name.empty()) return r.Error(v, "name: is empty");
         return Status::Ok();
       }},
      {"env", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Parsed* p) {
         p->env = v;
         return r.Env(v, what, &p->wf.env);
       }},
      {"axes", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string&, Parsed* p) {
         return ReadAxes(r, v, p);
       }},
      {"steps", true,
       [](const Reader& r, const YAML::Node& key, const YAML::Node& v, const std::string&,
          Parsed* p) { return ReadSteps(r, key, v, p); }},
      {"report", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string&, Parsed* p) {
         return ReadReport(r, v, p);
       }},
      {"executor", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Parsed* p) { return ReadExecutorName(r, v, what, &p->wf.executor); }},
      {"slurm", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string&,
          Parsed* p) {
         return ReadSlurm(r, v, "slurm:", true, &p->wf.slurm, &p->wf.slurm_poll_s);
       }},
      {"limits", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string&,
          Parsed* p) { return ReadLimits(r, v, p); }},
      {"deadline", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Parsed* p) { return ReadDeadline(r, v, what, &p->wf.deadline); }},
  };
  return kFields;
}

// The one YAML document of the file, or an error if there is none or several.
Status LoadDocument(const SourceText& src, const std::string& text, YAML::Node* root) {
  auto found = ReadOneDocument(src, text, "a workflow file", root);
  if (!found.ok()) return found.status();
  if (!*found)
    return src.Error(SourceLoc{src.file(), 1, 1},
                     "the workflow is empty; it needs at least steps: with one step");
  return Status::Ok();
}

Status ParseChecked(const SourceText& src, const std::string& text, Parsed* p) {
  Reader r(src);
  YAML::Node root;
  DROVER_RETURN_IF_ERROR(LoadDocument(src, text, &root));
  if (!root.IsMap())
    return r.Error(root,
                   "a workflow is a map with keys name, env, axes, steps and report; "
                   "got " +
                       KindOf(root));
  DROVER_RETURN_IF_ERROR(ReadFields(r, root, TopFields(), "the workflow", p));
  if (!FindKey(root, "steps"))
    return r.Error(root,
                   "the workflow has no steps:; declare at least one step with a "
                   "run: command");
  DROVER_RETURN_IF_ERROR(MergeExecutors(r, p));
  p->wf.IndexSteps();  // before Validate, whose name lookups use it
  return Validate(r, *p);
}

// "--set axis=v1,v2": replaces the values of an existing axis.
Status ApplyOverride(const std::string& set, Workflow* wf) {
  std::string where = "--set " + set + ": ";
  size_t eq = set.find('=');
  if (eq == std::string::npos) return Status::Invalid(where + "write AXIS=VALUE[,VALUE...]");
  std::string name = set.substr(0, eq);
  Axis* axis = nullptr;
  std::vector<std::string> names;
  for (auto& a : wf->axes) {
    names.push_back(a.name);
    if (a.name == name) axis = &a;
  }
  if (axis == nullptr)
    return Status::Invalid(where + "'" + name + "' is not an axis of the workflow (axes: " +
                           Join(names) + ")" + Suggest(name, names));
  std::vector<std::string> values;
  for (size_t start = eq + 1; start <= set.size();) {
    size_t comma = std::min(set.find(',', start), set.size());
    std::string v = set.substr(start, comma - start);
    if (v.empty()) return Status::Invalid(where + "empty value; write " + name + "=v1,v2");
    values.push_back(std::move(v));
    start = comma + 1;
  }
  if (size_t i = FirstRepeat(values); i != std::string::npos)
    return Status::Invalid(where + "value '" + values[i] + "' appears twice");
  axis->values = std::move(values);
  return Status::Ok();
}

}  // namespace
}  // namespace spec

namespace spec {
namespace {

// A hint for a YAML syntax error on a line where a {template} sits unquoted in a flow
// list or map ("inputs: [data/{d}.csv]"): YAML reads its '{' as the start of a map.
std::string FlowBraceHint(const std::string& text, int line) {
  size_t start = 0;
  for (int l = 0; l < line && start != std::string::npos; ++l) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return "";
  std::string_view row(text.data() + start, text.find('\n', start) == std::string::npos
                                                 ? text.size() - start
                                                 : text.find('\n', start) - start);
  size_t open = row.find_first_of("[{");
  size_t brace = open == std::string_view::npos ? open : row.find('{', open + 1);
  if (brace == std::string_view::npos || row.find_first_of("\"'") < brace) return "";
  return "; a value with {...} in it inside [ ] or { } must be quoted, such as "
         "[\"data/{name}.csv\"]";
}

}  // namespace
}  // namespace spec

Result<Workflow> ParseWorkflow(const std::string& text, const std::string& path,
                               const std::vector<std::string>& overrides) {
  spec::SourceText src(path, text);
  spec::Parsed p;
  try {
    DROVER_RETURN_IF_ERROR(spec::ParseChecked(src, text, &p));
  } catch (const YAML::ParserException& e) {
    return src.Error(src.At(e.mark),
                     "YAML syntax error: " + e.msg + spec::FlowBraceHint(text, e.mark.line));
  } catch (const YAML::Exception& e) {
    return src.Error(src.At(e.mark), "reading the workflow failed: " + e.msg);
  } catch (const std::exception& e) {
    return Status::Internal(path + ": reading the workflow failed: " + e.what());
  }
  for (const auto& set : overrides) DROVER_RETURN_IF_ERROR(spec::ApplyOverride(set, &p.wf));
  if (!overrides.empty()) DROVER_RETURN_IF_ERROR(CheckJobCount(p.wf).With("with --set"));
  // Absolute but not normalized: callers may compare with the path they built.
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  p.wf.path = abs.string();
  p.wf.dir = abs.parent_path().string();
  if (p.wf.name.empty()) p.wf.name = abs.lexically_normal().parent_path().filename().string();
  return std::move(p.wf);
}

Result<Workflow> LoadWorkflow(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return Status::Invalid("'" + path + "' is a folder; give the workflow file, such as " + path +
                           "/drover.yaml");
  // A regular file only (a FIFO would block), and not larger than kMaxSpecFileBytes.
  auto text = ReadRegularFile(path, kMaxSpecFileBytes);
  if (text.status().code() == Code::kNotFound)
    return Status::NotFound(Status::FromErrno("cannot read workflow file '" + path + "'", ENOENT)
                                .message());
  if (text.status().code() == Code::kInvalid)
    return Status::Invalid("the workflow file " + text.status().message());
  if (!text.ok()) return text.status();
  return ParseWorkflow(*text, path, overrides);
}

}  // namespace drover
