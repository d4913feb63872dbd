// Small file-system helpers with Status errors. Paths are plain strings.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "util/status.h"

namespace drover {

// An owned file descriptor, closed when it goes. Movable, not copyable.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd();
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// Whether a reader follows a symbolic link in the last component of a path. Files a
// job writes in its own folder (status.json, metrics.jsonl) are read with kRefuse, so
// a job cannot make drover read elsewhere through them.
enum class Links { kFollow, kRefuse };

// Opens a regular file for reading without ever blocking: O_NONBLOCK (a FIFO opens at
// once), then fstat. Errors: NotFound when missing; Invalid "<path> is a FIFO, not a
// regular file" for anything else (a folder, a device, a socket; a symbolic link under
// kRefuse). *size (optional) gets the file's size. `dirfd` as for openat (AT_FDCWD:
// `path` is plain), `shown` names the file in messages.
Result<Fd> OpenRegularFileAt(int dirfd, const std::string& path, const std::string& shown,
                             Links links, int64_t* size = nullptr);
Result<Fd> OpenRegularFile(const std::string& path, Links links = Links::kFollow,
                           int64_t* size = nullptr);

// The whole of a regular file (as OpenRegularFile), at most max_bytes: a longer file is
// an Invalid error that names the limit ("<path> is larger than 1 MiB, the most drover
// reads of it"). Never blocks on a FIFO, never reads a device.
Result<std::string> ReadRegularFile(const std::string& path, int64_t max_bytes,
                                    Links links = Links::kFollow);

// "1 MiB", "64 KiB", "300 bytes": a limit as messages print it.
std::string ByteLimit(int64_t bytes);

// ReadRegularFile without a size limit (for small files drover or the user wrote).
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

// A path under a folder, reached without leaving it: `parent` is the folder holding
// the last component, opened (O_PATH) and checked to lie inside `dir` after every
// symbolic link on the way; `name` is the last component ("." when rel names dir
// itself). The last component is not followed: use it with *at(parent, name, ...)
// and AT_SYMLINK_NOFOLLOW / O_NOFOLLOW.
struct PathInside {
  Fd parent;
  std::string name;
};
// Errors: NotFound when a folder on the way is missing; Invalid when one leads outside
// `dir` ("'data' leads outside <dir>, to /elsewhere") or is not a folder, or when rel
// is absolute or holds '..'.
Result<PathInside> OpenPathInside(const std::string& dir, const std::string& rel);

// Removes the file or link at rel under dir (not a folder), never through a symbolic
// link: when a folder on the way is a symbolic link, that link (which lies inside dir)
// is removed instead, so nothing outside dir is ever touched. A missing path is fine.
void RemoveInside(const std::string& dir, const std::string& rel);

// The last `max_lines` lines of a regular file (at most max_bytes read from its end);
// "" when missing or not a regular file.
std::string TailFile(const std::string& path, int max_lines, int64_t max_bytes = 64 * 1024);

// The folder holding the running executable (from /proc/self/exe).
std::string SelfExeDir();

}  // namespace drover
