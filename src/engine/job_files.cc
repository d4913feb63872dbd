#include "engine/job_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "exec/executor.h"
#include "plan/plan.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {

// Moves an attempt's record, JOBDIR/{status.json,stdout,stderr,metrics.jsonl}, to
// PREFIX.<name> in attempts/ (rename moves a link itself, never what it points to).
// Without `metrics`, metrics.jsonl stays where it is.
static void MoveRecord(const std::string& dir, const std::string& prefix, bool metrics) {
  (void)MakeDirs(dir + "/attempts");
  for (const char* f : {"status.json", "stdout", "stderr", "metrics.jsonl"}) {
    if (!metrics && std::strcmp(f, "metrics.jsonl") == 0) continue;
    ::rename((dir + "/" + f).c_str(), (dir + "/attempts/" + prefix + "." + f).c_str());
  }
}

// A first attempt in a folder that exists: the store has no record of what ran here
// before (its records were lost, or drover.db was replaced). That earlier run's
// status.json, logs and metrics are kept in attempts/unrecorded-<time>.*, never deleted
// (`drover recover` reads a status.json that is still in place).
static void KeepUnrecorded(const std::string& dir) {
  if (!PathExists(dir + "/status.json")) return;
  MoveRecord(dir,
             "unrecorded-" +
                 std::to_string(std::chrono::system_clock::now().time_since_epoch().count()),
             true);
}

Status PrepareJobDir(const std::string& dir, const std::string& command,
                     const std::vector<std::string>& outputs, int attempt) {
  if (attempt > 1) {
    // Keep the previous attempt's record in attempts/<n>.*. After a checkpoint requeue
    // (exit 85) metrics.jsonl stays: the attempt that resumes from the checkpoint
    // continues the same curve. After a failure the retry starts empty.
    auto before = ReadStatusFile(dir + "/status.json");
    MoveRecord(dir, std::to_string(attempt - 1), !before.ok() || before->exit_code != 85);
    ::unlink((dir + "/control").c_str());
    RemoveOutputs(dir, outputs);
  } else if (::mkdir(dir.c_str(), 0755) != 0) {
    // Not a new folder, yet no attempt of it is recorded. (A new folder, the common
    // case, costs one mkdir and no more.)
    if (errno == EEXIST) KeepUnrecorded(dir);
    else DROVER_RETURN_IF_ERROR(MakeDirs(dir));
  }
  // On SIGTERM (walltime, cancel) the script's shell waits for the command it runs
  // and exits with that command's status, so a job that checkpoints and exits 85
  // is seen as exiting 85. Commands started by the script get TERM as usual.
  return WriteFile(dir + "/" + job_wrapper::kCommandFile,
                   "#!/bin/sh\n" + std::string(job_wrapper::kAttemptMarker) +
                       std::to_string(attempt) + "\ntrap 'exit $?' TERM\n" + command + "\n");
}

Status WriteDerivedFile(const std::string& dir, const DerivedRecord& rec) {
  nlohmann::json j = {{"planned", rec.planned_key}, {"missing", rec.missing},
                      {"command", rec.command}};
  return WriteFileAtomic(dir + "/" + kDerivedFile, j.dump() + "\n");
}

Result<DerivedRecord> ReadDerivedFile(const std::string& dir) {
  const std::string path = dir + "/" + kDerivedFile;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20))
    return Status::NotFound(path + ": not a regular file of at most 1 MiB");
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  DerivedRecord rec;
  if (j.is_object() && j.value("planned", nlohmann::json()).is_string() &&
      j.value("missing", nlohmann::json()).is_array() &&
      j.value("command", nlohmann::json()).is_string()) {
    rec.planned_key = j["planned"].get<std::string>();
    rec.command = j["command"].get<std::string>();
    for (const auto& m : j["missing"])
      if (m.is_string()) rec.missing.push_back(m.get<std::string>());
    return rec;
  }
  return Status::Invalid(path + ": not a derived job's record");
}

void RemoveOutputs(const std::string& dir, const std::vector<std::string>& outputs) {
  for (const std::string& o : outputs) RemoveInside(dir, o);
}

namespace {

// A "step": a whole number that fits in int64 (JSON writers may send 3.0 for 3).
bool StepOf(const nlohmann::json& step, int64_t* out, std::string* why) {
  if (step.is_number_unsigned()) {
    if (step.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      *out = static_cast<int64_t>(step.get<uint64_t>());
      return true;
    }
  } else if (step.is_number_integer()) {
    *out = step.get<int64_t>();
    return true;
  } else {
    double d = step.get<double>();
    // [-2^63, 2^63): both bounds are exact doubles.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d)) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  *why = "\"step\" is " + step.dump() + "; a step must be a whole number (an epoch, an iteration) that fits in 64 bits";
  return false;
}

}  // namespace

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
  if (step != j.end() && step->is_number()) {
    int64_t v = 0;
    if (!StepOf(*step, &v, why)) return false;
    m->step = v;
  }
  auto time = j.find("time");
  if (time != j.end() && time->is_number()) m->time = time->get<double>();
  return true;
}

namespace {

// Splits metrics.jsonl into lines as it is read, parses each, and records problems
// (the first kShownProblems, then a count).
class MetricLines {
 public:
  MetricLines(std::vector<MetricRecord>* out, std::vector<std::string>* problems)
      : out_(out), problems_(problems) {}

  void Add(const char* data, size_t n) {
    while (n > 0) {
      const char* nl = static_cast<const char*>(memchr(data, '\n', n));
      size_t take = nl ? static_cast<size_t>(nl - data) : n;
      if (!overlong_) line_.append(data, take);
      if (line_.size() > kMaxMetricLineBytes) {
        overlong_ = true;
        line_.clear();
      }
      if (!nl) return;
      End(true);
      data += take + 1;
      n -= take + 1;
    }
  }

  // At the end of the file: a last line without its newline.
  void Finish() {
    if (overlong_ || !line_.empty()) End(false);
    if (hidden_ > 0)
      problems_->push_back("metrics.jsonl: " + std::to_string(hidden_) + " more malformed line" +
                           (hidden_ == 1 ? "" : "s"));
  }

 private:
  static constexpr size_t kShownProblems = 20;

  void End(bool complete) {
    ++lineno_;
    std::string why;
    MetricRecord m;
    bool blank = line_.find_first_not_of(" \t\r") == std::string::npos;
    if (overlong_)
      why = "longer than " + ByteLimit(kMaxMetricLineBytes) + "; skipped";
    else if (!blank && ParseMetricLine(line_, &m, &why))
      out_->push_back(std::move(m));
    if (!why.empty()) Problem(why + (complete ? "" : " (truncated last line)"));
    line_.clear();
    overlong_ = false;
  }

  void Problem(const std::string& why) {
    if (problems_->size() - first_ >= kShownProblems) {
      ++hidden_;
      return;
    }
    problems_->push_back("metrics.jsonl:" + std::to_string(lineno_) + ": " + why);
  }

  std::vector<MetricRecord>* out_;
  std::vector<std::string>* problems_;
  size_t first_ = problems_->size();
  std::string line_;
  bool overlong_ = false;
  size_t lineno_ = 0;
  size_t hidden_ = 0;
};

Status MetricsTooLarge() {
  return Status::Invalid("metrics.jsonl is larger than " + ByteLimit(kMaxMetricsBytes) +
                         ", the most drover reads of one attempt's metrics; log fewer points");
}

}  // namespace

Status ReadMetrics(const std::string& path, std::vector<MetricRecord>* out,
                   std::vector<std::string>* problems) {
  int64_t size = 0;
  auto fd = OpenRegularFileAt(AT_FDCWD, path, "metrics.jsonl", Links::kRefuse, &size);
  if (!fd.ok()) {
    if (fd.status().code() == Code::kNotFound) return Status::Ok();
    return Status::Invalid(fd.status().message() +
                           "; a job appends its metrics as JSON lines to the file "
                           "$DROVER_METRICS names");
  }
  if (size > kMaxMetricsBytes) return MetricsTooLarge();
  MetricLines lines(out, problems);
  char buf[1 << 16];
  int64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd->get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("cannot read metrics.jsonl", errno);
    if (n == 0) break;
    total += n;
    if (total > kMaxMetricsBytes) return MetricsTooLarge();  // it grew while read
    lines.Add(buf, static_cast<size_t>(n));
  }
  lines.Finish();
  return Status::Ok();
}

namespace {

// One declared output, found in its job's folder without leaving it; `st` is of the
// output itself (lstat: a link is a link).
struct OutputFile {
  PathInside at;
  struct stat st;
};

std::string Declared(const std::string& o) { return "declared output '" + o + "'"; }

Status FindOutput(const std::string& dir, const std::string& o, OutputFile* f) {
  auto at = OpenPathInside(dir, o);
  if (!at.ok()) {
    if (at.status().code() == Code::kNotFound)
      return Status::NotFound(Declared(o) + " was not produced");
    return Status::Invalid(Declared(o) + ": " + at.status().message() +
                           "; outputs must lie inside the job's folder");
  }
  f->at = std::move(*at);
  if (::fstatat(f->at.parent.get(), f->at.name.c_str(), &f->st, AT_SYMLINK_NOFOLLOW) == 0)
    return Status::Ok();
  if (errno == ENOENT) return Status::NotFound(Declared(o) + " was not produced");
  return Status::FromErrno("cannot read " + Declared(o), errno);
}

// "dir", "symlink:<target>", or the hash of a regular file's bytes. Anything else (a
// FIFO, a device, a socket) is an error naming it.
Result<std::string> HashOutput(const OutputFile& f, const std::string& o) {
  if (S_ISDIR(f.st.st_mode)) return std::string("dir");
  if (S_ISLNK(f.st.st_mode)) {
    char target[PATH_MAX];
    ssize_t n = ::readlinkat(f.at.parent.get(), f.at.name.c_str(), target, sizeof target);
    if (n < 0) return Status::FromErrno("cannot read the link " + Declared(o), errno);
    return "symlink:" + std::string(target, static_cast<size_t>(n));
  }
  auto fd = OpenRegularFileAt(f.at.parent.get(), f.at.name, Declared(o), Links::kRefuse);
  if (!fd.ok())
    return Status::Invalid(fd.status().message() +
                           "; an output must be a regular file, a folder or a symbolic link");
  return HashFd(fd->get(), Declared(o));
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

// Splits an artifact's path into its job's folder (.drover/jobs/<xx>/<key>, as
// Plan::RelDir makes it) and the output within; false when it is not so made.
bool SplitArtifactPath(const std::string& path, std::string* folder, std::string* output) {
  size_t end = 0;
  for (int i = 0; i < 4; ++i) {
    end = path.find('/', end == 0 ? 0 : end + 1);
    if (end == std::string::npos) return false;
  }
  *folder = path.substr(0, end);
  *output = path.substr(end + 1);
  size_t key = folder->rfind('/');
  return !output->empty() && Plan::RelDir(folder->substr(key + 1)) == *folder;
}

bool Intact(const std::string& root, const ArtifactRecord& a) {
  std::string folder, output;
  if (!SplitArtifactPath(a.path, &folder, &output)) return false;
  OutputFile f;
  if (!FindOutput(root + "/" + folder, output, &f).ok()) return false;
  bool was_link = a.hash.rfind("symlink:", 0) == 0;
  if (a.hash == "dir" || was_link) {
    if (a.hash == "dir" ? !S_ISDIR(f.st.st_mode) : !S_ISLNK(f.st.st_mode)) return false;
    if (!was_link) return true;
  } else if (!S_ISREG(f.st.st_mode) || f.st.st_size != a.size) {
    return false;
  } else if (MtimeNs(f.st) == a.mtime_ns) {
    return true;
  }
  auto h = HashOutput(f, output);
  return h.ok() && *h == a.hash;
}

}  // namespace

Status CollectArtifacts(const std::string& root, const std::string& rel_dir,
                        const std::vector<std::string>& outputs,
                        std::vector<ArtifactRecord>* out) {
  for (const std::string& o : outputs) {
    OutputFile f;
    DROVER_RETURN_IF_ERROR(FindOutput(root + "/" + rel_dir, o, &f));
    auto hash = HashOutput(f, o);
    if (!hash.ok()) return hash.status();
    out->push_back({rel_dir + "/" + o, f.st.st_size, MtimeNs(f.st), *hash});
  }
  return Status::Ok();
}

bool ArtifactsIntact(const std::string& root, const std::vector<ArtifactRecord>& recorded) {
  for (const ArtifactRecord& a : recorded)
    if (!Intact(root, a)) return false;
  return true;
}

}  // namespace drover
