// Loading a workflow file: YAML -> validated Workflow.
//
// Every error is reported as
//   FILE:LINE:COL: error: WHAT. HOW TO FIX (when there is something useful to say)
//     <the offending source line>
//     <spaces>^
// and Load returns no Workflow at all when anything is wrong (nothing half-loaded).
#pragma once

#include <string>
#include <vector>

#include "spec/workflow.h"
#include "util/status.h"

namespace drover {

// Reads and validates the workflow file at `path`. `overrides` are `--set` values,
// each "axis=v1,v2,..." replacing that axis's values (an unknown axis is an error).
Result<Workflow> LoadWorkflow(const std::string& path,
                              const std::vector<std::string>& overrides = {});

// Same, from text already in memory; `path` is used for messages and Workflow::dir.
Result<Workflow> ParseWorkflow(const std::string& text, const std::string& path,
                               const std::vector<std::string>& overrides = {});

// The most drover reads of a workflow or search-space file; they are read only when
// they are regular files (a FIFO would block the reader).
inline constexpr int64_t kMaxSpecFileBytes = int64_t{16} << 20;

// Reads a search-space file for the study service: YAML (JSON is YAML too), the same
// map as a study step's space: (optionally under a top-level space: key). Returns the
// space as JSON text; errors carry file:line:col.
Result<std::string> LoadSpaceFile(const std::string& path);

// The most jobs a workflow may expand to (README, "Workflows"): past it a plan would take
// gigabytes and hours, so it is refused with its count before anything is built.
inline constexpr uint64_t kMaxJobs = 10'000'000;

// The jobs of one step: the product of the sizes of its axes (times trials: for a study
// step); UINT64_MAX when that does not fit, never a wrapped number.
uint64_t StepJobCount(const Workflow& wf, const Step& step);

// An error when a step, or all steps together, expand to more than kMaxJobs jobs; it
// names the count and its factors. `at`, if given, is set to the step to blame.
Status CheckJobCount(const Workflow& wf, const Step** at = nullptr);

// Formats a located error in the style above. `source` is the whole file text.
std::string FormatLocated(const SourceLoc& loc, const std::string& message,
                          const std::string& source);

// "30m", "1h30m", "90s", "2h", "45" (seconds), "1:30:00", "2-00:00:00" -> seconds.
Result<double> ParseDuration(const std::string& text);
// "2G", "512M", "1.5GiB", "100k", "1024" (bytes) -> bytes.
Result<int64_t> ParseMemory(const std::string& text);

}  // namespace drover
