#include "util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <vector>

namespace drover {

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

// "a FIFO", "a folder", ...: what a non-regular file is, for messages.
static const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a plain file";
}

static Status NotRegular(const std::string& shown, mode_t mode) {
  return Status::Invalid(shown + " is " + KindOf(mode) + ", not a regular file");
}

Result<Fd> OpenRegularFileAt(int dirfd, const std::string& path, const std::string& shown,
                             Links links, int64_t* size) {
  int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  if (links == Links::kRefuse) flags |= O_NOFOLLOW;
  Fd fd(::openat(dirfd, path.c_str(), flags));
  struct stat st;
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(shown + ": no such file");
    // A socket (ENXIO), a link under O_NOFOLLOW (ELOOP): say what it is.
    int at = links == Links::kRefuse ? AT_SYMLINK_NOFOLLOW : 0;
    if (::fstatat(dirfd, path.c_str(), &st, at) == 0 && !S_ISREG(st.st_mode))
      return NotRegular(shown, st.st_mode);
    return Status::FromErrno("cannot read " + shown, err);
  }
  if (::fstat(fd.get(), &st) != 0) return Status::FromErrno("cannot read " + shown, errno);
  if (!S_ISREG(st.st_mode)) return NotRegular(shown, st.st_mode);
  if (size) *size = st.st_size;
  return fd;
}

Result<Fd> OpenRegularFile(const std::string& path, Links links, int64_t* size) {
  return OpenRegularFileAt(AT_FDCWD, path, path, links, size);
}

std::string ByteLimit(int64_t bytes) {
  if (bytes >= (1 << 30) && bytes % (1 << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (1 << 10) && bytes % (1 << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Result<std::string> ReadRegularFile(const std::string& path, int64_t max_bytes, Links links) {
  auto fd = OpenRegularFile(path, links);
  if (!fd.ok()) return fd.status();
  std::string out;
  char buf[1 << 16];
  // Read to the end (a /proc file says size 0), but never past one byte over the limit.
  while (true) {
    int64_t room = max_bytes - static_cast<int64_t>(out.size()) + 1;
    ssize_t n = ::read(fd->get(), buf, static_cast<size_t>(std::min<int64_t>(room, sizeof buf)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::FromErrno("cannot read " + path, errno);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<int64_t>(out.size()) > max_bytes)
      return Status::Invalid(path + " is larger than " + ByteLimit(max_bytes) +
                             ", the most drover reads of it");
  }
  return out;
}

Result<std::string> ReadFile(const std::string& path) {
  return ReadRegularFile(path, std::numeric_limits<int64_t>::max() - 1);
}

static Status WriteAll(int fd, const std::string& path, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("cannot write " + path, errno);
    }
    off += n;
  }
  return Status::Ok();
}

Status WriteFile(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno("cannot write " + path, errno);
  Status st = WriteAll(fd, path, data);
  if (::close(fd) != 0 && st.ok()) st = Status::FromErrno("cannot write " + path, errno);
  return st;
}

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  DROVER_RETURN_IF_ERROR(WriteFile(tmp, data));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::FromErrno("cannot rename " + tmp + " to " + path, err);
  }
  return Status::Ok();
}

Status MakeDirs(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::Io("cannot create folder " + path + ": " + ec.message());
  return Status::Ok();
}

Status RemoveAll(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::Io("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

bool PathExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

FileStat StatPath(const std::string& path) {
  struct stat st;
  FileStat out;
  if (::stat(path.c_str(), &st) != 0) return out;
  out.exists = true;
  out.is_dir = S_ISDIR(st.st_mode);
  out.size = st.st_size;
  out.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return out;
}

// The components of a relative path, without "" and "."; false when one is "..".
static bool Components(const std::string& rel, std::vector<std::string>* out) {
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    std::string c = rel.substr(start, slash - start);
    if (c == "..") return false;
    if (!c.empty() && c != ".") out->push_back(std::move(c));
    start = slash + 1;
  }
  return true;
}

// Where an open descriptor lies now, from /proc/self/fd.
static Result<std::string> WhereIs(int fd) {
  char buf[PATH_MAX];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  if (n < 0) return Status::FromErrno("cannot resolve " + link, errno);
  return std::string(buf, static_cast<size_t>(n));
}

static bool Under(const std::string& path, const std::string& root) {
  return path == root || root == "/" || path.rfind(root + "/", 0) == 0;
}

Result<PathInside> OpenPathInside(const std::string& dir, const std::string& rel) {
  std::vector<std::string> parts;
  if (rel.empty() || rel[0] == '/' || !Components(rel, &parts))
    return Status::Invalid("'" + rel + "' is not a path inside " + dir);
  PathInside out;
  out.name = parts.empty() ? "." : parts.back();
  std::string folder = ".";
  for (size_t i = 0; i + 1 < parts.size(); ++i) folder += "/" + parts[i];
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) return Status::FromErrno("cannot resolve " + dir, errno);
  std::string root(real);
  std::free(real);
  // Follows links on the way, then checks where it arrived: one open, no race.
  out.parent = Fd(::open((dir + "/" + folder).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  std::string shown = folder == "." ? dir : "'" + folder.substr(2) + "'";
  if (out.parent.get() < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(shown + " does not exist");
    if (err == ENOTDIR) return Status::Invalid(shown + " is not a folder");
    return Status::FromErrno("cannot open " + shown, err);
  }
  auto where = WhereIs(out.parent.get());
  if (!where.ok()) return where.status();
  if (!Under(*where, root))
    return Status::Invalid(shown + " leads outside " + dir + " (a symbolic link to " + *where +
                           ")");
  return out;
}

void RemoveInside(const std::string& dir, const std::string& rel) {
  std::vector<std::string> parts;
  if (rel.empty() || rel[0] == '/' || !Components(rel, &parts) || parts.empty()) return;
  Fd cur(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (cur.get() < 0) return;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    struct stat st;
    if (::fstatat(cur.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;
    if (S_ISLNK(st.st_mode)) {  // the link itself is inside dir; what it points to is not ours
      ::unlinkat(cur.get(), parts[i].c_str(), 0);
      return;
    }
    // O_NOFOLLOW: a folder swapped for a link since the fstatat is not entered.
    Fd next(::openat(cur.get(), parts[i].c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (next.get() < 0) return;
    cur = std::move(next);
  }
  ::unlinkat(cur.get(), parts.back().c_str(), 0);  // a file or a link; a folder stays
}

std::string TailFile(const std::string& path, int max_lines, int64_t max_bytes) {
  auto fd = OpenRegularFile(path, Links::kRefuse);
  if (!fd.ok()) return "";
  off_t size = ::lseek(fd->get(), 0, SEEK_END);
  if (size < 0) return "";
  off_t start = size > max_bytes ? size - max_bytes : 0;
  std::string buf(size - start, '\0');
  ssize_t n = ::pread(fd->get(), buf.data(), buf.size(), start);
  if (n <= 0) return "";
  buf.resize(n);
  if (!buf.empty() && buf.back() == '\n') buf.pop_back();
  size_t pos = buf.size();
  for (int i = 0; i < max_lines && pos != std::string::npos; ++i)
    pos = pos == 0 ? std::string::npos : buf.rfind('\n', pos - 1);
  return pos == std::string::npos ? buf : buf.substr(pos + 1);
}

std::string SelfExeDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ".";
  return p.parent_path().string();
}

}  // namespace drover
