// Wall-clock time for records and rates.
#pragma once

#include <sys/time.h>

namespace drover {

// Seconds since the Unix epoch, with microseconds.
inline double NowSeconds() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return tv.tv_sec + tv.tv_usec / 1e6;
}

}  // namespace drover
