// Results in long format for other tools (`drover export`, `drover metrics`): one row
// per job (or per attempt), with fixed columns, the job's axis values, each metric's last
// value and each output's absolute path; written as CSV (RFC 4180) or JSON Lines. Pure
// functions over rows read from the store; no I/O.
//
// Columns, in this order (README "Getting results out"):
//   workflow, run, step, <each axis, in order of first appearance>, job, state, key,
//   attempt, start, duration, host, slurm_id, metric.<name>... (sorted), output.<name>...
//   (sorted: the output's path in the job's folder).
// An axis whose name is one of the fixed columns is written as "axis.<name>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/results_reader.h"
#include "store/store.h"
#include "util/status.h"

namespace drover {

// One exported row: a job and the attempt that gave its results.
struct ExportRow {
  JobAttempt job;                     // attempt: none when the job never started
  std::vector<MetricRecord> metrics;  // the job's metric history (its last values are used)
  std::vector<ArtifactRecord> outputs;
};

// The rows as a table of text cells: `header` names the columns; a missing value is
// std::nullopt (an empty CSV field, a JSON null). Numbers are kept apart from text so
// that JSON Lines writes them as numbers.
struct ExportTable {
  std::vector<std::string> header;
  struct Cell {
    std::optional<std::string> text;
    bool number = false;  // text holds a number (JSON writes it bare)
  };
  std::vector<std::vector<Cell>> rows;
};

// Lays the rows out in the documented columns. `root` (the store's folder) makes the
// outputs' paths absolute.
ExportTable BuildExport(const std::vector<ExportRow>& rows, const std::string& root);

// Renders as "csv" (a header line, then RFC 4180 records ending in CRLF-free "\n") or
// "jsonl" (one object per row, keys in column order). Errors: another format.
Result<std::string> RenderExport(const ExportTable& t, const std::string& format);

// The default selection from the store alone (drover export then orders and completes it
// by the workflow's plan): per workflow and job name, the job
// with the attempt that succeeded last (by end time); a name with no succeeded attempt
// gives its newest job with that job's latest attempt. Rows ordered by the first id of
// each name, so a rerun never moves a row. `attempts` as ReadJobAttempts returns them.
std::vector<JobAttempt> LatestSucceeded(const std::vector<JobAttempt>& attempts);

// Per job, its latest attempt (or the job alone when it has none), in job order.
std::vector<JobAttempt> LatestAttemptPerJob(const std::vector<JobAttempt>& attempts);

// A CSV field per RFC 4180: as is, or in double quotes (a quote doubled) when it holds
// a comma, a quote, a CR or a LF.
std::string CsvQuote(const std::string& s);

// Seconds since the epoch as "2026-12-03T15:04:05Z" (UTC, whole seconds); "" for 0.
std::string IsoTime(double seconds);

// A metric's history as "text" (aligned: name, step, value, time), "csv" or "jsonl"
// (name, step, value, time in seconds since the epoch). Errors: another format.
Result<std::string> RenderMetricSeries(const std::vector<MetricRecord>& series,
                                       const std::string& format);

}  // namespace drover
