// Internal to spec/: the sections of a workflow file (parser.cc reads the top level,
// step.cc a step, validate.cc checks what needs the whole workflow). Everything here
// returns a located Status; callers catch YAML::Exception at the edge, in parser.cc.
#pragma once

#include <yaml-cpp/yaml.h>

#include <vector>

#include "spec/reader.h"
#include "spec/workflow.h"
#include "util/status.h"

namespace drover::spec {

// A workflow read from YAML but not yet cross-checked, with the nodes it came from so
// that later checks can point at the exact token.
struct Parsed {
  Workflow wf;
  std::vector<YAML::Node> step_nodes;  // parallel to wf.steps: each step's map
  YAML::Node env;                      // the workflow's env: map, or null
  YAML::Node table;                    // report: table: map, or null
  YAML::Node limits;                   // the workflow's limits: map, or null
};

// deadline: a time YYYY-MM-DDTHH:MM[:SS] (local time) or a duration from the run's start.
Status ReadDeadline(const Reader& r, const YAML::Node& v, const std::string& what, Deadline* out);

// Reads the step named by `key` (a scalar) whose settings are `value`.
Status ParseStep(const Reader& r, const YAML::Node& key, const YAML::Node& value, Step* out);

// Reads the study: of an HPO step into step->study (and its segments: into over:).
Status ParseStudy(const Reader& r, const YAML::Node& key, const YAML::Node& value,
                  const std::string& what, Step* step);

// Reads report: table: (its key and value).
Status ParseTable(const Reader& r, const YAML::Node& key, const YAML::Node& value, TableSpec* out);

// executor: local | slurm (in a step or at the top).
Status ReadExecutorName(const Reader& r, const YAML::Node& v, const std::string& what,
                        std::string* out);
// A slurm: section read over *out (so a step's overrides the workflow's key by key).
// Only the top level (top) may set poll_interval (into *poll_s).
Status ReadSlurm(const Reader& r, const YAML::Node& v, const std::string& where, bool top,
                 SlurmSettings* out, double* poll_s);
// Gives each step the workflow's executor unless it names its own, and its merged
// Slurm settings.
Status MergeExecutors(const Reader& r, Parsed* p);

// Checks what needs the whole workflow: axes named by steps, templates (params and
// references), after:, cycles, the workflow's env: and report.table against the axes.
Status Validate(const Reader& r, const Parsed& p);

}  // namespace drover::spec
