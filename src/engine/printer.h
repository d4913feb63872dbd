// What the user sees while a run goes on. On a terminal: one status line rewritten in
// place and cut to the terminal's width, with finished-job lines only for failures.
// Elsewhere: one line per event. Honours NO_COLOR. Not thread-safe (engine thread).
// Job names, reasons and stderr lines are printed escaped (util/escape.h): a value or a
// job's output never drives the terminal with raw control bytes.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace drover {

struct Progress {
  int total = 0;
  int done = 0;       // succeeded in this run
  int reused = 0;
  int running = 0;
  int remote = 0;     // of running, on a cluster (Slurm)
  int queued = 0;     // of remote, still waiting in the cluster's queue
  int failed = 0;
  int skipped = 0;
  double elapsed_s = 0;
  double eta_s = -1;  // seconds left by the jobs' duration estimates; < 0: unknown
  int late = 0;       // unfinished jobs whose estimated end is past their deadline
};

class Printer {
 public:
  // `smart`: rewrite a status line (terminal); otherwise one line per event.
  Printer(FILE* out, bool smart, bool color);
  static Printer ForStdout(bool quiet);
  Printer(const Printer&) = delete;
  Printer& operator=(const Printer&) = delete;
  Printer(Printer&&) = default;

  void Started(const std::string& name, int attempt, const Progress& p);
  void Finished(const std::string& name, double seconds, const Progress& p);
  void Note(const std::string& name, const std::string& what, const Progress& p);
  // A failure: what happened, the tail of stderr, and how to see the whole log. A tail
  // already shown for an earlier failure is not shown again: that job is named with
  // the first, and Done() lists each group of jobs that failed with the same tail.
  void Failed(const std::string& name, const std::string& reason, const std::string& tail,
              const std::string& log_hint, const Progress& p);
  void Refresh(const Progress& p);  // the status line only (terminal)
  void Line(const std::string& text);  // a message of its own, on its own line
  void Warn(const std::string& text);  // the same, on stderr (clears the status line first)
  // Clears the status line; then, for each stderr tail that more than one job failed
  // with: "N jobs failed with:", the tail once, and the jobs (the first few by name).
  void Done();

 private:
  std::string StatusText(const Progress& p) const;
  void Emit(const std::string& text, const Progress& p);
  // Jobs that failed with the same (non-empty) stderr tail, in order of first failure.
  struct FailureGroup {
    std::string tail;
    std::vector<std::string> names;
  };
  void FailureSummary();
  std::vector<FailureGroup> failures_;
  FILE* out_;
  bool smart_;
  bool color_;
  bool quiet_ = false;
  bool line_open_ = false;
  double last_refresh_ = 0;
};

}  // namespace drover
