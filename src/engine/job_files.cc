#include "engine/job_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cmath>
#include <nlohmann/json.hpp>

#include "exec/executor.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {

Status PrepareJobDir(const std::string& dir, const std::string& command,
                     const std::vector<std::string>& outputs, int attempt) {
  if (attempt > 1) {
    // Keep the previous attempt's record: attempts/<n>.{status.json,stdout,stderr}.
    std::string prev = dir + "/attempts/" + std::to_string(attempt - 1);
    (void)MakeDirs(dir + "/attempts");
    ::rename((dir + "/status.json").c_str(), (prev + ".status.json").c_str());
    ::rename((dir + "/stdout").c_str(), (prev + ".stdout").c_str());
    ::rename((dir + "/stderr").c_str(), (prev + ".stderr").c_str());
    ::unlink((dir + "/control").c_str());
    for (const std::string& o : outputs) ::unlink((dir + "/" + o).c_str());
  } else if (::mkdir(dir.c_str(), 0755) != 0) {
    // Not a new folder: a status.json here was left by a crash before the attempt's
    // row was written. (A new folder, the common case, costs one mkdir and no more.)
    if (errno == EEXIST) ::unlink((dir + "/status.json").c_str());
    else DROVER_RETURN_IF_ERROR(MakeDirs(dir));
  }
  // On SIGTERM (walltime, cancel) the script's shell waits for the command it runs
  // and exits with that command's status, so a job that checkpoints and exits 85
  // is seen as exiting 85. Commands started by the script get TERM as usual.
  return WriteFile(dir + "/" + job_wrapper::kCommandFile,
                   "#!/bin/sh\n" + std::string(job_wrapper::kAttemptMarker) +
                       std::to_string(attempt) + "\ntrap 'exit $?' TERM\n" + command + "\n");
}

void RemoveOutputs(const std::string& dir, const std::vector<std::string>& outputs) {
  for (const std::string& o : outputs) ::unlink((dir + "/" + o).c_str());
}

static bool ParseMetricLine(const std::string& line, MetricRecord* m, std::string* why) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded()) {
    *why = "not valid JSON (a value must be a finite number: NaN and Infinity are not JSON)";
    return false;
  }
  if (!j.is_object()) {
    *why = "not a JSON object";
    return false;
  }
  auto name = j.find("name");
  auto value = j.find("value");
  if (name == j.end() || !name->is_string() || value == j.end() || !value->is_number()) {
    *why = "needs a string \"name\" and a numeric \"value\"";
    return false;
  }
  m->name = name->get<std::string>();
  m->value = value->get<double>();
  if (!std::isfinite(m->value)) {
    *why = "value is not finite";
    return false;
  }
  auto step = j.find("step");
  if (step != j.end() && step->is_number()) m->step = step->get<int64_t>();
  auto time = j.find("time");
  if (time != j.end() && time->is_number()) m->time = time->get<double>();
  return true;
}

std::vector<MetricRecord> ReadMetrics(const std::string& path,
                                      std::vector<std::string>* problems) {
  std::vector<MetricRecord> out;
  auto text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() != Code::kNotFound) problems->push_back(text.status().message());
    return out;
  }
  size_t start = 0, lineno = 0;
  while (start < text->size()) {
    size_t nl = text->find('\n', start);
    bool complete = nl != std::string::npos;
    std::string line = text->substr(start, complete ? nl - start : std::string::npos);
    start = complete ? nl + 1 : text->size();
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    MetricRecord m;
    std::string why;
    if (ParseMetricLine(line, &m, &why))
      out.push_back(std::move(m));
    else
      problems->push_back("metrics.jsonl:" + std::to_string(lineno) + ": " + why +
                          (complete ? "" : " (truncated last line)"));
  }
  return out;
}

Status CollectArtifacts(const std::string& root, const std::string& rel_dir,
                        const std::vector<std::string>& outputs,
                        std::vector<ArtifactRecord>* out) {
  for (const std::string& o : outputs) {
    std::string rel = rel_dir + "/" + o;
    FileStat st = StatPath(root + "/" + rel);
    if (!st.exists)
      return Status::NotFound("declared output '" + o + "' was not produced");
    std::string hash = "dir";
    if (!st.is_dir) {
      auto h = HashFile(root + "/" + rel);
      if (!h.ok()) return h.status();
      hash = *h;
    }
    out->push_back({rel, st.size, st.mtime_ns, hash});
  }
  return Status::Ok();
}

bool ArtifactsIntact(const std::string& root, const std::vector<ArtifactRecord>& recorded) {
  for (const ArtifactRecord& a : recorded) {
    FileStat st = StatPath(root + "/" + a.path);
    if (!st.exists) return false;
    if (st.is_dir) continue;
    if (st.size != a.size) return false;
    if (st.mtime_ns != a.mtime_ns) {
      auto h = HashFile(root + "/" + a.path);
      if (!h.ok() || *h != a.hash) return false;
    }
  }
  return true;
}

}  // namespace drover
