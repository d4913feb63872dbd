// status.json: written by the job wrapper (tools/drover_job.cc, by hand) and by
// FormatStatus; read by ReadStatusFile. The keys are status_key::* in exec/job_protocol.h.

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "exec/executor.h"
#include "exec/status_file.h"
#include "util/fs.h"

namespace drover {
namespace {

using json = nlohmann::json;
namespace key = status_key;

// Reads one optional field; false when it is present with the wrong type.
template <typename T>
bool Field(const json& j, const char* name, bool (json::*is)() const noexcept, T* out) {
  auto it = j.find(name);
  if (it == j.end()) return true;
  if (!((*it).*is)()) return false;
  *out = it->get<T>();
  return true;
}

// An integer field that must also fit in T.
template <typename T>
bool IntField(const json& j, const char* name, T* out) {
  auto it = j.find(name);
  if (it == j.end()) return true;
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    *out = static_cast<T>(v);
    return true;
  }
  if (!it->is_number_integer()) return false;
  auto v = it->get<int64_t>();
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) return false;
  *out = static_cast<T>(v);
  return true;
}

// Fills *s from a parsed object; returns the name of the first ill-typed field, or null.
const char* Decode(const json& j, JobStatus* s) {
  if (!IntField(j, key::kExitCode, &s->exit_code)) return key::kExitCode;
  if (!IntField(j, key::kSignal, &s->term_signal)) return key::kSignal;
  if (!Field(j, key::kWalltimeExceeded, &json::is_boolean, &s->walltime_exceeded))
    return key::kWalltimeExceeded;
  if (!Field(j, key::kCancelled, &json::is_boolean, &s->cancelled)) return key::kCancelled;
  if (!Field(j, key::kStarted, &json::is_number, &s->started)) return key::kStarted;
  if (!Field(j, key::kEnded, &json::is_number, &s->ended)) return key::kEnded;
  if (!Field(j, key::kUserS, &json::is_number, &s->user_s)) return key::kUserS;
  if (!Field(j, key::kSysS, &json::is_number, &s->sys_s)) return key::kSysS;
  if (!IntField(j, key::kMaxRssKb, &s->max_rss_kb)) return key::kMaxRssKb;
  if (!Field(j, key::kHost, &json::is_string, &s->host)) return key::kHost;
  if (!IntField(j, key::kAttempt, &s->attempt)) return key::kAttempt;
  return nullptr;
}

void AppendKey(std::string* out, const char* k) {
  if (out->size() > 1) out->push_back(',');
  out->push_back('"');
  out->append(k);
  out->append("\":");
}

void Appendf(std::string* out, const char* fmt, auto value) {
  char buf[512];  // enough for any double in %.6f
  int n = std::snprintf(buf, sizeof buf, fmt, value);
  out->append(buf, n > 0 ? std::min<size_t>(n, sizeof buf - 1) : 0);
}

void AppendString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      Appendf(out, "\\u%04x", static_cast<unsigned>(c));
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

}  // namespace

// The most drover reads of a status.json: the wrapper writes about 300 bytes.
constexpr int64_t kMaxStatusBytes = int64_t{1} << 20;

Result<JobStatus> ReadStatusFile(const std::string& path) {
  // Not through a link, not a FIFO (a job could make it either), and bounded.
  auto read = ReadRegularFile(path, kMaxStatusBytes, Links::kRefuse);
  if (!read.ok()) return read.status();
  const std::string& text = *read;
  if (text.empty()) return Status::Corrupt(path + ": empty file");
  try {
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::Corrupt(path + ": not valid JSON (truncated?)");
    if (!j.is_object()) return Status::Corrupt(path + ": not a JSON object");
    if (!j.contains(key::kExitCode)) {
      return Status::Corrupt(path + ": no \"" + key::kExitCode + "\" field");
    }
    JobStatus s;
    if (const char* bad = Decode(j, &s)) {
      return Status::Corrupt(path + ": field \"" + bad + "\" has the wrong type or range");
    }
    return s;
  } catch (const std::exception& e) {  // out-of-range numbers, allocation
    return Status::Corrupt(path + ": " + e.what());
  }
}

// The same text as the wrapper writes: one line, keys in the same order.
std::string FormatStatus(const JobStatus& s) {
  auto finite = [](double d) { return std::isfinite(d) ? d : 0.0; };  // JSON has no NaN
  std::string out = "{";
  AppendKey(&out, key::kExitCode);
  Appendf(&out, "%d", s.exit_code);
  AppendKey(&out, key::kSignal);
  Appendf(&out, "%d", s.term_signal);
  AppendKey(&out, key::kWalltimeExceeded);
  out.append(s.walltime_exceeded ? "true" : "false");
  AppendKey(&out, key::kCancelled);
  out.append(s.cancelled ? "true" : "false");
  AppendKey(&out, key::kStarted);
  Appendf(&out, "%.6f", finite(s.started));
  AppendKey(&out, key::kEnded);
  Appendf(&out, "%.6f", finite(s.ended));
  AppendKey(&out, key::kUserS);
  Appendf(&out, "%.6f", finite(s.user_s));
  AppendKey(&out, key::kSysS);
  Appendf(&out, "%.6f", finite(s.sys_s));
  AppendKey(&out, key::kMaxRssKb);
  Appendf(&out, "%lld", static_cast<long long>(s.max_rss_kb));
  AppendKey(&out, key::kHost);
  AppendString(&out, s.host);
  if (s.attempt > 0) {
    AppendKey(&out, key::kAttempt);
    Appendf(&out, "%d", s.attempt);
  }
  out.append("}\n");
  return out;
}

bool ReadStatusInto(const std::string& job_dir, Completion* c) {
  Result<JobStatus> r = ReadStatusFile(job_dir + "/" + job_wrapper::kStatusFile);
  if (r.ok()) {
    c->has_status = true;
    c->status = std::move(*r);
    return true;
  }
  if (r.status().code() == Code::kNotFound) return false;
  c->error = r.status().message();
  return true;
}

}  // namespace drover
