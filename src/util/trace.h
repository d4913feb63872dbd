// Phase timings for finding where time goes: with DROVER_TRACE=1 in the environment,
// each TracePhase prints "drover: trace: NAME: W s wall, C s CPU" to stderr when it
// ends. Costs one getenv per phase otherwise.
#pragma once

#include <time.h>

#include <cstdio>
#include <cstdlib>

namespace drover {

class TracePhase {
 public:
  explicit TracePhase(const char* name) : name_(name), on_(Enabled()) {
    if (on_) Now(&wall0_, &cpu0_);
  }
  ~TracePhase() {
    if (!on_) return;
    double wall, cpu;
    Now(&wall, &cpu);
    std::fprintf(stderr, "drover: trace: %s: %.3f s wall, %.3f s CPU\n", name_, wall - wall0_,
                 cpu - cpu0_);
  }
  TracePhase(const TracePhase&) = delete;
  TracePhase& operator=(const TracePhase&) = delete;

  static bool Enabled() {
    static const bool on = [] {
      const char* v = std::getenv("DROVER_TRACE");
      return v && *v && *v != '0';
    }();
    return on;
  }

 private:
  static void Now(double* wall, double* cpu) {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    *wall = t.tv_sec + t.tv_nsec / 1e9;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    *cpu = t.tv_sec + t.tv_nsec / 1e9;
  }

  const char* name_;
  bool on_;
  double wall0_ = 0, cpu0_ = 0;
};

}  // namespace drover
