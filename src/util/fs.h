// Small file-system helpers with Status errors. Paths are plain strings.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace drover {

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to `path` through a temporary file in the same folder and rename(),
// so readers see the old content or the new, never a mix. No fsync: this protects
// against a crash of drover, not of the machine.
Status WriteFileAtomic(const std::string& path, const std::string& data);
// Plain write (truncate), for files nobody reads concurrently.
Status WriteFile(const std::string& path, const std::string& data);
// mkdir -p. Existing folders are fine.
Status MakeDirs(const std::string& path);
// rm -rf; a missing path is fine.
Status RemoveAll(const std::string& path);
bool PathExists(const std::string& path);

struct FileStat {
  bool exists = false;
  bool is_dir = false;
  int64_t size = 0;
  int64_t mtime_ns = 0;
};
FileStat StatPath(const std::string& path);

// The last `max_lines` lines of a file (at most max_bytes read from its end).
std::string TailFile(const std::string& path, int max_lines, int64_t max_bytes = 64 * 1024);

// The folder holding the running executable (from /proc/self/exe).
std::string SelfExeDir();

}  // namespace drover
