// Wall-clock time for records and rates; a monotonic clock for intervals.
#pragma once

#include <sys/time.h>
#include <time.h>

namespace drover {

// Seconds since the Unix epoch, with microseconds.
inline double NowSeconds() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return tv.tv_sec + tv.tv_usec / 1e6;
}

// Seconds on a clock that never jumps (for intervals and deadlines).
inline double MonotonicSeconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace drover
