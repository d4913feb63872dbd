// The files of one job's directory, as the engine reads and writes them:
//   command.sh      the resolved command (written before each attempt)
//   stdout, stderr  the current attempt's output (written by the wrapper)
//   status.json     how the current attempt ended (written by the wrapper)
//   metrics.jsonl   metrics appended by the job ({"name","value","step","time"})
//   checkpoint/     DROVER_CHECKPOINT_DIR, kept across attempts
//   control         drover writes "prune" or "stop" here
//   attempts/N.*    status and logs of earlier attempts (moved when N+1 starts)
#pragma once

#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace drover {

// Creates the directory and writes command.sh (checkpoint/ is made by the job
// wrapper, tools/drover_job.cc). For a later attempt, moves the previous one's status.json, stdout and stderr to
// attempts/<attempt-1>.* and removes its declared outputs. Checkpoints stay.
Status PrepareJobDir(const std::string& dir, const std::string& command,
                     const std::vector<std::string>& outputs, int attempt);

// Removes the declared outputs (of a cancelled or requeued attempt).
void RemoveOutputs(const std::string& dir, const std::vector<std::string>& outputs);

// Parses metrics.jsonl. Malformed lines are skipped and described in *problems
// ("metrics.jsonl:3: not JSON"); a missing file means no metrics.
std::vector<MetricRecord> ReadMetrics(const std::string& path, std::vector<std::string>* problems);

// Stats and hashes the declared outputs. A missing output is an error naming it.
Status CollectArtifacts(const std::string& root, const std::string& rel_dir,
                        const std::vector<std::string>& outputs,
                        std::vector<ArtifactRecord>* out);

// True when every recorded artifact is still there unchanged (size and mtime, or
// size and content hash when only the mtime moved).
bool ArtifactsIntact(const std::string& root, const std::vector<ArtifactRecord>& recorded);

}  // namespace drover
