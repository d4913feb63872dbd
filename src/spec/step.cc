// Reading one step, and report: table:, from YAML (the format is in parser.cc).
#include <algorithm>
#include <climits>
#include <cstdio>
#include <ctime>
#include <string>

#include <fmt/format.h>

#include "spec/sections.h"

namespace drover::spec {
namespace {

using StepField = Field<Step>;

Status ReadRun(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
               Step* s) {
  DROVER_RETURN_IF_ERROR(r.String(v, what, &s->run));
  if (s->run.find_first_not_of(" \t\r\n") == std::string::npos)
    return r.Error(v, what + " is empty; write the command to run");
  s->run_loc = r.src().InScalar(v, 0);
  ScalarStyle style = r.src().StyleOf(v);
  s->run_is_block = style == ScalarStyle::kLiteral || style == ScalarStyle::kFolded;
  return Status::Ok();
}

// Outputs live in the job's folder: relative, inside it, and nameable in {step.output}.
Status CheckOutput(const Reader& r, const YAML::Node& item, const std::string& path) {
  if (path.empty()) return r.Error(item, "an output path cannot be empty");
  if (path[0] == '/')
    return r.Error(item, "output '" + path + "' is absolute; outputs are paths inside the " +
                             "job's folder, such as model.pkl");
  if (path == ".." || path.rfind("../", 0) == 0 || path.find("/../") != std::string::npos ||
      (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0))
    return r.Error(item, "output '" + path + "' leaves the job's folder through '..'");
  if (path.find_first_of("{}") != std::string::npos)
    return r.Error(item, "output '" + path + "' contains a brace; name outputs without { }");
  return Status::Ok();
}

Status ReadOutputs(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
                   Step* s) {
  std::vector<YAML::Node> items;
  DROVER_RETURN_IF_ERROR(r.StringList(v, what, &s->outputs, &items));
  for (size_t i = 0; i < items.size(); ++i)
    DROVER_RETURN_IF_ERROR(CheckOutput(r, items[i], s->outputs[i]));
  if (size_t i = FirstRepeat(s->outputs); i != std::string::npos)
    return r.Error(items[i], "output '" + s->outputs[i] + "' is listed twice");
  return Status::Ok();
}

Status ReadInputs(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
                  Step* s) {
  std::vector<YAML::Node> items;
  DROVER_RETURN_IF_ERROR(r.StringList(v, what, &s->inputs, &items));
  for (size_t i = 0; i < items.size(); ++i)
    if (s->inputs[i].empty()) return r.Error(items[i], "an input path cannot be empty");
  return Status::Ok();
}

const std::vector<Field<Resources>>& ResourceFields() {
  using F = Field<Resources>;
  static const std::vector<F> kFields = {
      {"cpus", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Resources* out) {
         DROVER_RETURN_IF_ERROR(r.Number(v, what, &out->cpus));
         if (out->cpus <= 0) return r.Error(v, what + " must be more than 0, got " + v.Scalar());
         return Status::Ok();
       }},
      {"memory", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Resources* out) {
         DROVER_RETURN_IF_ERROR(r.Memory(v, what, &out->memory_bytes));
         if (out->memory_bytes <= 0) return r.Error(v, what + " must be more than 0");
         return Status::Ok();
       }},
      {"gpus", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Resources* out) { return r.Int(v, what, 0, &out->gpus); }},
      {"walltime", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Resources* out) {
         DROVER_RETURN_IF_ERROR(r.Duration(v, what, &out->walltime_s));
         if (out->walltime_s <= 0) return r.Error(v, what + " must be more than 0");
         return Status::Ok();
       }},
  };
  return kFields;
}

// unless_exit: [2, 3]: exit codes 1..255 that mean "retrying cannot help" (as DAGMan's
// RETRY ... UNLESS-EXIT); 0 is success and 85 asks for a requeue, so neither fits.
Status ReadUnlessExit(const Reader& r, const YAML::Node&, const YAML::Node& v,
                      const std::string& what, RetryPolicy* out) {
  if (!v.IsSequence())
    return r.Error(v, what + " must be a list of exit codes such as [2, 3], got " + KindOf(v));
  for (const YAML::Node& item : v) {
    int64_t code = 0;
    DROVER_RETURN_IF_ERROR(r.Integer(item, "an exit code in " + what, &code));
    if (code < 1 || code > 255 || code == 85)
      return r.Error(item, fmt::format("{} lists exit code {}; give codes from 1 to 255 other "
                                       "than 85 (0 is success, 85 asks for a requeue)",
                                       what, code));
    if (std::count(out->unless_exit.begin(), out->unless_exit.end(), code))
      return r.Error(item, fmt::format("{} lists exit code {} twice", what, code));
    out->unless_exit.push_back(static_cast<int>(code));
  }
  return Status::Ok();
}

const std::vector<Field<RetryPolicy>>& RetryFields() {
  using F = Field<RetryPolicy>;
  static const std::vector<F> kFields = {
      {"count", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          RetryPolicy* out) { return r.Int(v, what, 0, &out->retries); }},
      {"backoff", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          RetryPolicy* out) { return r.Duration(v, what, &out->backoff_s); }},
      {"factor", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          RetryPolicy* out) {
         DROVER_RETURN_IF_ERROR(r.Number(v, what, &out->factor));
         if (out->factor < 1) return r.Error(v, what + " must be 1 or more, got " + v.Scalar());
         return Status::Ok();
       }},
      {"max_requeues", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          RetryPolicy* out) { return r.Int(v, what, 0, &out->max_requeues); }},
      {"unless_exit", false, ReadUnlessExit},
  };
  return kFields;
}

// retries: 2, or retries: {count: 2, backoff: 5s, factor: 2, max_requeues: 100,
// unless_exit: [2]}.
Status ReadRetries(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
                   Step* s) {
  if (v.IsScalar()) return r.Int(v, what, 0, &s->retry.retries);
  if (!v.IsMap())
    return r.Error(v, what + " must be a count such as 2 or a map such as {count: 2, " +
                          "backoff: 5s}, got " + KindOf(v));
  return ReadFields(r, v, RetryFields(), what, &s->retry);
}

// true | false (YAML's true/false; yes/no and 1/0 are refused as ambiguous).
Status ReadBool(const Reader& r, const YAML::Node& v, const std::string& what, bool* out) {
  const std::string text = v.IsScalar() ? v.Scalar() : "";
  bool yes = text == "true" || text == "True", no = text == "false" || text == "False";
  if (v.IsScalar() && (yes || no)) {
    *out = yes;
    return Status::Ok();
  }
  return r.Error(v, what + " must be true or false, got " +
                        (v.IsScalar() ? "'" + text + "'" : KindOf(v)));
}

Status ReadPartial(const Reader& r, const YAML::Node&, const YAML::Node& v,
                   const std::string& what, Step* s) {
  return ReadBool(r, v, what, &s->partial);
}

// limit: N, a whole number of at least 1.
Status ReadLimit(const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
                 Step* s) {
  return r.Int(v, what, 1, &s->limit);
}

const std::vector<StepField>& StepFields() {
  static const std::vector<StepField> kFields = {
      {"over", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return r.NameList(v, what, &s->over, nullptr); }},
      {"run", false, ReadRun},
      {"outputs", true, ReadOutputs},
      {"inputs", true, ReadInputs},
      {"after", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return r.NameList(v, what, &s->after, nullptr); }},
      {"resources", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return ReadFields(r, v, ResourceFields(), what, &s->resources); }},
      {"retries", false, ReadRetries},
      {"env", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return r.Env(v, what, &s->env); }},
      {"priority", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return r.Int(v, what, INT_MIN, &s->priority); }},
      {"grace", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return r.Duration(v, what, &s->grace_s); }},
      {"executor", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return ReadExecutorName(r, v, what, &s->executor); }},
      {"slurm", true,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string&,
          Step* s) {
         double unused = 0;  // checked here; merged over the workflow's in MergeExecutors
         SlurmSettings scratch;
         return ReadSlurm(r, v, "slurm: of step '" + s->name + "'", false, &scratch, &unused);
       }},
      {"study", false, ParseStudy},
      {"partial", false, ReadPartial},
      {"limit", false, ReadLimit},
      {"category", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) {
         DROVER_RETURN_IF_ERROR(r.String(v, what, &s->category));
         if (!IsName(s->category))
           return r.Error(v, what + ": '" + s->category +
                                 "' is not a valid category name ([A-Za-z_][A-Za-z0-9_-]*)");
         return Status::Ok();
       }},
      {"deadline", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return ReadDeadline(r, v, what, &s->deadline); }},
      {"final", false,
       [](const Reader& r, const YAML::Node&, const YAML::Node& v, const std::string& what,
          Step* s) { return ReadBool(r, v, what, &s->final); }},
  };
  return kFields;
}

}  // namespace

Status ReadDeadline(const Reader& r, const YAML::Node& v, const std::string& what, Deadline* out) {
  if (!v.IsScalar())
    return r.Error(v, what + " must be a time such as 2026-12-04T09:00 or a duration from the "
                             "start of the run such as 2h, got " + KindOf(v));
  const std::string& text = v.Scalar();
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  bool looks_dated = text.size() >= 10 && text[4] == '-' && text[7] == '-';
  if (looks_dated) {
    int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%n:%2d%n", &y, &mo, &d, &h, &mi, &used,
                        &sec, &used);
    if (n < 5 || static_cast<size_t>(used) != text.size() || mo < 1 || mo > 12 || d < 1 ||
        d > 31 || h > 23 || mi > 59 || sec > 59)
      return r.Error(v, what + ": '" + text + "' is not a time; write YYYY-MM-DDTHH:MM[:SS] " +
                            "(local time), such as 2026-12-04T09:00");
    std::tm tm{};
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec, tm.tm_isdst = -1;
    out->kind = Deadline::Kind::kAt;
    out->seconds = static_cast<double>(std::mktime(&tm));
    return Status::Ok();
  }
  DROVER_RETURN_IF_ERROR(r.Duration(v, what, &out->seconds));
  out->kind = Deadline::Kind::kFromStart;
  return Status::Ok();
}

Status ParseStep(const Reader& r, const YAML::Node& key, const YAML::Node& value, Step* out) {
  out->name = key.Scalar();
  out->loc = r.src().At(key);
  if (!IsName(out->name))
    return r.Error(key, "'" + out->name + "' is not a valid step name ([A-Za-z_][A-Za-z0-9_-]*)");
  std::string where = "step '" + out->name + "'";
  if (value.IsNull()) return r.Error(key, where + " is empty; give it at least a run: command");
  DROVER_RETURN_IF_ERROR(ReadFields(r, value, StepFields(), where, out));
  if (auto over = FindKey(value, "over"); over && out->study)
    return r.Error(*over, where + " is a study: write its axes as study: segments: (one study "
                              "per segment), not over:");
  if (!FindKey(value, "run"))
    return r.Error(
        key, where + " has no run:; add the command to run, such as " + "run: python3 train.py");
  return Status::Ok();
}

}  // namespace drover::spec
