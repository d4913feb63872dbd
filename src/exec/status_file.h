// status.json, the record the job wrapper writes when an attempt's command ends
// (exec/job_protocol.h has its keys): its contents as a struct, read and written.
#pragma once

#include <cstdint>
#include <string>

#include "exec/job_protocol.h"
#include "util/status.h"

namespace drover {

// What the wrapper recorded in status.json when the command ended.
struct JobStatus {
  int exit_code = -1;             // the command's exit code; -1 when killed by a signal
  int term_signal = 0;            // the signal that ended it, 0 if it exited
  bool walltime_exceeded = false; // the wrapper stopped it at its walltime
  bool cancelled = false;         // the wrapper stopped it because it was asked to
  double started = 0;             // unix time, seconds
  double ended = 0;
  double user_s = 0;
  double sys_s = 0;
  int64_t max_rss_kb = 0;
  std::string host;
  int attempt = 0;                // DROVER_ATTEMPT of the run it records; 0: not known
};

// Parses status.json. Missing file: NotFound. Truncated or malformed: Corrupt, with
// a message that names the file. Every key but exit_code may be absent (the default
// of JobStatus then); unknown keys are ignored. Never throws.
Result<JobStatus> ReadStatusFile(const std::string& path);
// Serialises in the format ReadStatusFile reads (used by the wrapper and tests).
std::string FormatStatus(const JobStatus& s);

}  // namespace drover
