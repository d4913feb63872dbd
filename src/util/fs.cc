#include "util/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

namespace drover {

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::FromErrno("cannot read " + path, err);
  }
  std::string out;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  int err = errno;
  ::close(fd);
  if (n < 0) return Status::FromErrno("cannot read " + path, err);
  return out;
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

std::string TailFile(const std::string& path, int max_lines, int64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  off_t size = ::lseek(fd, 0, SEEK_END);
  off_t start = size > max_bytes ? size - max_bytes : 0;
  std::string buf(size - start, '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), start);
  ::close(fd);
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
