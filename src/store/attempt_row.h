// The one reader of an attempts row, for every query that reads attempts (SqliteStore,
// the read-only results reader): the columns to select and how each becomes an
// AttemptRecord field. Header-only.
#pragma once

#include <string>

#include "store/sqlite.h"
#include "store/store.h"

namespace drover {

// The attempt columns in the order ReadAttemptRow reads them, each prefixed with `alias`
// ("a." gives "a.id, a.job_id, ..."; "" the bare names).
inline std::string AttemptColumns(const std::string& alias) {
  static const char* const kNames[] = {"id",      "job_id", "number", "executor", "handle",
                                       "state",   "exit_code", "signal", "started", "ended",
                                       "user_s",  "sys_s",  "max_rss_kb", "host", "reason"};
  std::string out;
  for (const char* n : kNames) out += (out.empty() ? "" : ", ") + alias + n;
  return out;
}

// The attempt whose AttemptColumns start at column `col` of the current row of `s`.
// A NULL exit code (an attempt that never ended with one: still running, lost, cancelled
// before it started) reads as -1, AttemptRecord's "no exit code"; other NULLs as 0 or "".
inline AttemptRecord ReadAttemptRow(const sql::Stmt& s, int col = 0) {
  AttemptRecord a;
  a.id = s.Int(col + 0);
  a.job_id = s.Int(col + 1);
  a.number = static_cast<int>(s.Int(col + 2));
  a.executor = s.Text(col + 3);
  a.handle = s.Text(col + 4);
  a.state = ParseAttemptState(s.Text(col + 5)).value_or(AttemptState::kLost);
  a.exit_code = s.IsNull(col + 6) ? -1 : static_cast<int>(s.Int(col + 6));
  a.term_signal = static_cast<int>(s.Int(col + 7));
  a.started = s.Double(col + 8);
  a.ended = s.Double(col + 9);
  a.user_s = s.Double(col + 10);
  a.sys_s = s.Double(col + 11);
  a.max_rss_kb = s.Int(col + 12);
  a.host = s.Text(col + 13);
  a.reason = s.Text(col + 14);
  return a;
}

}  // namespace drover
