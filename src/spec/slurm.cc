// Reading the executor settings: `executor:` and `slurm:` at the top of the workflow
// and in a step (which overrides the workflow's, key by key).
#include <algorithm>
#include <climits>

#include "spec/sections.h"

namespace drover::spec {
namespace {

// Options that drover passes to sbatch itself; sbatch_args must not change them.
bool ReservedOption(const std::string& arg) {
  for (const char* o : {"--array", "-a", "--parsable", "--output", "-o", "--wrap", "--open-mode",
                        "--job-name", "-J"}) {
    std::string opt = o;
    if (arg == opt || arg.rfind(opt + "=", 0) == 0 ||
        (opt.size() == 2 && arg.size() > 2 && arg.rfind(opt, 0) == 0))
      return true;
  }
  return false;
}

Status ReadSbatchArgs(const Reader& r, const YAML::Node&, const YAML::Node& v,
                      const std::string& what, SlurmSettings* s) {
  std::vector<YAML::Node> items;
  if (v.IsScalar())
    return r.Error(
        v, what + " must be a list of options such as [--constraint=a100], got " + KindOf(v));
  DROVER_RETURN_IF_ERROR(r.StringList(v, what, &s->sbatch_args, &items));
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& a = s->sbatch_args[i];
    if (a.empty() || a[0] != '-')
      return r.Error(items[i], "'" + a + "' in " + what +
                                   " is not an option; write options such as --constraint=a100");
    if (ReservedOption(a))
      return r.Error(items[i], "'" + a + "' in " + what +
                                   " is set by drover itself; remove it (array_throttle: sets "
                                   "the array's %N)");
  }
  return Status::Ok();
}

Status ReadName(const Reader& r, const YAML::Node& v, const std::string& what, std::string* out) {
  DROVER_RETURN_IF_ERROR(r.String(v, what, out));
  if (out->empty() || out->find_first_of(" \t\r\n") != std::string::npos)
    return r.Error(v, what + " must be one word, such as gpu; got '" + *out + "'");
  return Status::Ok();
}

const std::vector<Field<SlurmSettings>>& SlurmFields() {
  using F = Field<SlurmSettings>;
  static const std::vector<F> kFields = {
      {"partition", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          SlurmSettings* s) { return ReadName(r, v, what, &s->partition); }},
      {"account", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          SlurmSettings* s) { return ReadName(r, v, what, &s->account); }},
      {"qos", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          SlurmSettings* s) { return ReadName(r, v, what, &s->qos); }},
      {"sbatch_args", true, ReadSbatchArgs},
      {"array_throttle", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          SlurmSettings* s) { return r.Int(v, what, 0, &s->array_throttle); }},
  };
  return kFields;
}

}  // namespace

Status ReadExecutorName(const Reader& r, const YAML::Node& v, const std::string& what,
                        std::string* out) {
  DROVER_RETURN_IF_ERROR(r.String(v, what, out));
  if (*out == "local" || *out == "slurm") return Status::Ok();
  return r.Error(v, "unknown executor '" + *out + "'; use 'local' or 'slurm'" +
                        Suggest(*out, {"local", "slurm"}));
}

Status ReadSlurm(const Reader& r, const YAML::Node& v, const std::string& where, bool top,
                 SlurmSettings* out, double* poll_s) {
  if (!top) {
    if (v.IsMap())
      for (const auto& kv : v)
        if (kv.first.IsScalar() && kv.first.Scalar() == "poll_interval")
          return r.Error(kv.first,
                         "poll_interval is set once for the whole workflow, in its "
                         "top-level slurm: section; remove it from " +
                             where);
    return ReadFields(r, v, SlurmFields(), where, out);
  }
  // Top level: the shared keys, plus poll_interval.
  std::vector<std::string> allowed = {"poll_interval"};
  for (const auto& f : SlurmFields()) allowed.push_back(f.key);
  DROVER_RETURN_IF_ERROR(r.CheckMap(v, allowed, where));
  if (v.IsNull()) return Status::Ok();
  for (const auto& kv : v) {
    const std::string& key = kv.first.Scalar();
    std::string what = "'" + key + "' in " + where;
    if (kv.second.IsNull() && key != "sbatch_args")
      return r.Error(kv.first, what + " has no value");
    if (key == "poll_interval") {
      DROVER_RETURN_IF_ERROR(r.Duration(kv.second, what, poll_s));
      if (*poll_s < 0.1)
        return r.Error(kv.second, what + " must be at least 0.1s, got " + kv.second.Scalar());
      continue;
    }
    for (const auto& f : SlurmFields())
      if (key == f.key) DROVER_RETURN_IF_ERROR(f.read(r, kv.first, kv.second, what, out));
  }
  return Status::Ok();
}

Status MergeExecutors(const Reader& r, Parsed* p) {
  for (size_t i = 0; i < p->wf.steps.size(); ++i) {
    Step& s = p->wf.steps[i];
    const YAML::Node& node = p->step_nodes[i];
    if (!FindKey(node, "executor")) s.executor = p->wf.executor;
    s.slurm = p->wf.slurm;
    if (auto v = FindKey(node, "slurm")) {
      double unused = 0;
      DROVER_RETURN_IF_ERROR(
          ReadSlurm(r, *v, "slurm: of step '" + s.name + "'", false, &s.slurm, &unused));
    }
  }
  return Status::Ok();
}

}  // namespace drover::spec
