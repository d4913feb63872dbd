// GET /api/v1/jobs (a filtered page), /api/v1/jobs/{key} (one job with its attempts),
// /api/v1/jobs/{key}/logs and /api/v1/jobs/{key}/metrics.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "server/api.h"
#include "server/http_util.h"
#include "util/clock.h"

namespace drover::server {
namespace {

using nlohmann::json;

constexpr int64_t kMaxLogBytes = 1 << 20;  // a log answer holds at most the last MiB

json Time(double t) { return t > 0 ? json(t) : json(nullptr); }

// "slurm:123_4" -> "123_4"; null for a local attempt.
json SlurmId(const AttemptRecord& a) {
  return a.handle.rfind("slurm:", 0) == 0 ? json(a.handle.substr(6)) : json(nullptr);
}

// Seconds an attempt ran (so far, when it still runs).
json Duration(const AttemptRecord& a) {
  if (a.started <= 0) return nullptr;
  if (a.ended > 0) return std::max(0.0, a.ended - a.started);
  return a.state == AttemptState::kRunning ? json(std::max(0.0, NowSeconds() - a.started))
                                           : json(nullptr);
}

json AttemptJson(const AttemptRecord& a) {
  const bool ended = a.state != AttemptState::kRunning;
  return {{"number", a.number},       {"state", AttemptStateName(a.state)},
          {"executor", a.executor},   {"host", a.host},
          {"slurm_id", SlurmId(a)},   {"exit_code", ended ? json(a.exit_code) : json(nullptr)},
          {"signal", a.term_signal},  {"started", Time(a.started)},
          {"ended", Time(a.ended)},   {"duration", Duration(a)},
          {"user_s", a.user_s},       {"sys_s", a.sys_s},
          {"max_rss_kb", a.max_rss_kb}, {"reason", a.reason}};
}

// A job as the jobs table shows it (interfaces: key, workflow, step, name, axes, state,
// attempt, started, duration, exit_code, host, slurm_id, metrics, outputs).
json JobJson(const std::string& root, const JobSummary& s) {
  json axes = json::parse(s.job.rec.params_json, nullptr, false);
  if (!axes.is_object()) axes = json::object();
  json outputs = json::array();
  for (const std::string& p : s.outputs) outputs.push_back(root + "/" + p);
  json j = {{"key", s.job.rec.key}, {"workflow", s.workflow}, {"step", s.job.rec.step},
            {"name", s.job.rec.name}, {"axes", axes}, {"state", JobStateName(s.job.state)},
            {"run", s.job.run_id}, {"attempts", s.job.attempts}, {"metrics", s.metrics},
            {"outputs", outputs}};
  const AttemptRecord* a = s.attempt ? &*s.attempt : nullptr;
  const bool ended = a && a->state != AttemptState::kRunning;
  j["attempt"] = a ? json(a->number) : json(nullptr);
  j["started"] = a ? Time(a->started) : json(nullptr);
  j["duration"] = a ? Duration(*a) : json(nullptr);
  j["exit_code"] = ended ? json(a->exit_code) : json(nullptr);
  j["host"] = a && !a->host.empty() ? json(a->host) : json(nullptr);
  j["slurm_id"] = a ? SlurmId(*a) : json(nullptr);
  return j;
}

// The filter of GET /api/v1/jobs from its query; Invalid for a bad value.
Result<JobFilter> ReadFilter(const httplib::Request& req) {
  JobFilter f;
  f.workflow = req.get_param_value("workflow");
  f.step = req.get_param_value("step");
  f.state = req.get_param_value("state");
  if (!f.state.empty() && !ParseJobState(f.state))
    return Status::Invalid("state=" + f.state + ": use pending, running, succeeded, failed, "
                           "skipped or cancelled");
  auto run = IntParam(req, "run", 0, 0, INT64_MAX);
  auto offset = IntParam(req, "offset", 0, 0, INT64_MAX);
  auto limit = IntParam(req, "limit", 100, 1, 1000);
  for (const auto* r : {&run, &offset, &limit})
    if (!r->ok()) return r->status();
  f.run = *run;
  f.offset = *offset;
  f.limit = *limit;
  for (const auto& [k, v] : req.params) {
    if (k.rfind("axis.", 0) != 0) continue;
    const std::string name = k.substr(5);
    if (name.empty() || name.find_first_of("\"\\") != std::string::npos)
      return Status::Invalid(k + ": give an axis name, as in axis.seed=0");
    f.axes.push_back({name, v});
  }
  return f;
}

void GetJobs(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto f = ReadFilter(req);
  if (!f.ok()) return SendStatus(res, f.status());
  auto reader = ThreadReader(ctx);
  if (!reader.ok()) return SendStatus(res, reader.status());
  int64_t total = 0;
  auto jobs = (*reader)->Jobs(*f, &total);
  if (!jobs.ok()) return SendStatus(res, jobs.status());
  json out = json::array();
  for (const JobSummary& s : *jobs) out.push_back(JobJson(ctx.store_root, s));
  SendJson(res, 200, {{"jobs", out}, {"total", total}, {"offset", f->offset}, {"limit", f->limit}});
}

// The job that the path's key names, or an error answered already (nullopt).
std::optional<JobSummary> FindJob(const ServeContext& ctx, const httplib::Request& req,
                                  httplib::Response& res) {
  auto reader = ThreadReader(ctx);
  if (!reader.ok()) return SendStatus(res, reader.status()), std::nullopt;
  auto job = (*reader)->JobByKey(req.matches[1]);
  if (!job.ok()) return SendStatus(res, job.status()), std::nullopt;
  return std::move(*job);
}

void GetJob(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto job = FindJob(ctx, req, res);
  if (!job) return;
  auto store = ThreadStore(ctx);
  if (!store.ok()) return SendStatus(res, store.status());
  auto reader = ThreadReader(ctx);
  if (!reader.ok()) return SendStatus(res, reader.status());
  auto command = (*reader)->Command(job->job.id);
  auto atts = (*store)->Attempts(job->job.id);
  auto arts = (*store)->Artifacts(job->job.id);
  if (!command.ok()) return SendStatus(res, command.status());
  if (!atts.ok()) return SendStatus(res, atts.status());
  if (!arts.ok()) return SendStatus(res, arts.status());
  json j = JobJson(ctx.store_root, *job);
  j["command"] = *command;
  j["dir"] = ctx.store_root + "/" + job->job.rec.dir;
  json attempts = json::array(), artifacts = json::array();
  for (const AttemptRecord& a : *atts) attempts.push_back(AttemptJson(a));
  for (const ArtifactRecord& a : *arts)
    artifacts.push_back({{"path", ctx.store_root + "/" + a.path}, {"size", a.size}, {"hash", a.hash}});
  j["attempt_list"] = attempts;
  j["artifacts"] = artifacts;
  SendJson(res, 200, j);
}

// The last `max_bytes` of a file, and its size; "" and 0 when it does not exist (yet).
std::string ReadTail(const std::string& path, int64_t max_bytes, int64_t* size) {
  *size = 0;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return "";
  struct stat sb {};
  std::string out;
  if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
    *size = sb.st_size;
    const int64_t from = std::max<int64_t>(0, sb.st_size - max_bytes);
    out.resize(static_cast<size_t>(sb.st_size - from));
    ssize_t n = pread(fd, out.data(), out.size(), from);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  close(fd);
  return out;
}

// The last `lines` lines of `text` (all when lines is 0).
std::string LastLines(const std::string& text, int64_t lines) {
  if (lines <= 0) return text;
  size_t at = text.size();
  if (at > 0 && text[at - 1] == '\n') --at;
  for (int64_t n = 0; at > 0; --at)
    if (text[at - 1] == '\n' && ++n == lines) break;
  return text.substr(at);
}

void GetLogs(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  const std::string stream = req.has_param("stream") ? req.get_param_value("stream") : "stdout";
  if (stream != "stdout" && stream != "stderr")
    return SendError(res, 400, "stream=" + stream + ": use stdout or stderr");
  auto tail = IntParam(req, "tail", 0, 0, 1000000);
  if (!tail.ok()) return SendStatus(res, tail.status());
  auto job = FindJob(ctx, req, res);
  if (!job) return;
  int64_t size = 0;
  const std::string text =
      ReadTail(ctx.store_root + "/" + job->job.rec.dir + "/" + stream, kMaxLogBytes, &size);
  const std::string shown = LastLines(text, *tail);
  SendJson(res, 200, {{"key", job->job.rec.key}, {"stream", stream}, {"size", size},
                      {"truncated", static_cast<int64_t>(shown.size()) < size},
                      {"text", shown}});  // bytes that are not UTF-8 are sent as U+FFFD
}

void GetMetrics(const ServeContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto job = FindJob(ctx, req, res);
  if (!job) return;
  auto store = ThreadStore(ctx);
  if (!store.ok()) return SendStatus(res, store.status());
  auto ms = (*store)->Metrics(job->job.id);
  if (!ms.ok()) return SendStatus(res, ms.status());
  const std::string only = req.get_param_value("name");
  json series = json::object();
  for (const MetricRecord& m : *ms) {
    if (!only.empty() && m.name != only) continue;
    if (!series.contains(m.name)) series[m.name] = json::array();
    series[m.name].push_back({{"step", m.step ? json(*m.step) : json(nullptr)},
                              {"value", m.value}, {"time", Time(m.time)}});
  }
  if (!only.empty() && series.empty())
    return SendError(res, 404, "job " + job->job.rec.name + " has no metric '" + only + "'");
  SendJson(res, 200, {{"key", job->job.rec.key}, {"metrics", series}});
}

}  // namespace

void RegisterJobRoutes(httplib::Server& srv, const ServeContext& ctx) {
  using Fn = void (*)(const ServeContext&, const httplib::Request&, httplib::Response&);
  auto route = [&](const char* pattern, Fn fn) {
    srv.Get(pattern, [ctx, fn](const httplib::Request& q, httplib::Response& r) { fn(ctx, q, r); });
  };
  route("/api/v1/jobs", GetJobs);
  route(R"(/api/v1/jobs/([0-9a-f]{1,64}))", GetJob);
  route(R"(/api/v1/jobs/([0-9a-f]{1,64})/logs)", GetLogs);
  route(R"(/api/v1/jobs/([0-9a-f]{1,64})/metrics)", GetMetrics);
}

}  // namespace drover::server
