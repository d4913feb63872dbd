// The files of one job's directory, as the engine reads and writes them:
//   command.sh      the resolved command (written in place before each attempt); the
//                   job wrapper flocks it while it runs and appends its record of the
//                   attempt as comment lines (exec/job_protocol.h, job_wrapper)
//   status.json     how the current attempt ended (written by the wrapper)
//   stdout, stderr  the current attempt's output (written by the wrapper; removed at
//                   the end of the attempt when empty: a missing log is an empty one)
//   metrics.jsonl   metrics appended by the job ({"name","value","step","time"})
//   checkpoint/     DROVER_CHECKPOINT_DIR, kept across attempts (made by the wrapper
//                   for each attempt, removed again while empty)
//   control         drover writes "prune" or "stop" here
//   attempts/N.*    status, logs and metrics of earlier attempts (moved when N+1 starts)
// A trivial job that succeeded thus leaves one folder and two files.
// Every file here may have been replaced by the job: a symbolic link, a FIFO, a huge
// file. They are read only as regular files, within limits, and outputs are found,
// hashed and removed without ever following a link out of the job's folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace drover {

// A derived job's folder (a partial gather, or a job after one; README "Partial
// gathers") also holds derived.json, written before its first attempt: the planned key
// it derives from, the jobs it ran without and its command, so that `drover recover` can
// put back the job the store lost, though no plan names its key.
inline constexpr char kDerivedFile[] = "derived.json";
struct DerivedRecord {
  std::string planned_key;
  std::vector<std::string> missing;  // job names, in the plan's order
  std::string command;               // as `drover show` prints it
};
Status WriteDerivedFile(const std::string& dir, const DerivedRecord& rec);
// Reads dir/derived.json; an error when it is absent, not a regular file or not one.
Result<DerivedRecord> ReadDerivedFile(const std::string& dir);

// What drover reads of one attempt's metrics.jsonl: at most kMaxMetricsBytes in all
// (more fails the attempt), and lines of at most kMaxMetricLineBytes (a longer line
// is skipped with a warning, as a malformed one is).
constexpr int64_t kMaxMetricsBytes = int64_t{256} << 20;
constexpr size_t kMaxMetricLineBytes = size_t{64} << 10;

// Creates the directory and writes command.sh in place (never replaced: a wrapper's
// lock on it must be the next wrapper's; checkpoint/ is made by the job wrapper,
// tools/drover_job.cc). For a later attempt, moves the previous one's
// status.json, stdout, stderr and metrics.jsonl to attempts/<attempt-1>.* (so each
// attempt's metrics are its own) and removes its declared outputs (RemoveOutputs).
// Checkpoints stay.
Status PrepareJobDir(const std::string& dir, const std::string& command,
                     const std::vector<std::string>& outputs, int attempt);

// Removes the declared outputs (of a cancelled or requeued attempt) that lie in the
// job's folder; an output under a symbolic link is not followed (the link inside the
// folder is removed instead), so nothing outside the folder is ever touched.
void RemoveOutputs(const std::string& dir, const std::vector<std::string>& outputs);

// Parses metrics.jsonl into *out. Malformed lines are skipped and described in
// *problems ("metrics.jsonl:3: not valid JSON"; the first 20, then a count); a missing
// file means no metrics. The error returned fails the attempt: the file is not a
// regular file (a FIFO, a symbolic link), or it is larger than kMaxMetricsBytes. A
// "step" must be a whole number that fits in 64 bits.
Status ReadMetrics(const std::string& path, std::vector<MetricRecord>* out,
                   std::vector<std::string>* problems);

// Stats and hashes the declared outputs, found inside root/rel_dir without following
// a link out of it. A regular file is hashed; a folder is recorded as "dir"; a
// symbolic link as "symlink:<its target>" (never hashed through). Errors name the
// output: missing, under a folder that leads outside the job's folder, or a FIFO, a
// device or a socket.
Status CollectArtifacts(const std::string& root, const std::string& rel_dir,
                        const std::vector<std::string>& outputs,
                        std::vector<ArtifactRecord>* out);

// True when every recorded artifact is still there unchanged (size and mtime, or
// size and content hash when only the mtime moved; a link's target), found as
// CollectArtifacts finds it: inside its job's folder (the first four components of
// its path, .drover/jobs/<xx>/<key>).
bool ArtifactsIntact(const std::string& root, const std::vector<ArtifactRecord>& recorded);

}  // namespace drover
