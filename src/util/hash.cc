#include "util/hash.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>

#include "util/fs.h"

namespace drover {

Hasher::Hasher() : state_(XXH3_createState()) {
  XXH3_128bits_reset(static_cast<XXH3_state_t*>(state_));
}

Hasher::~Hasher() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

Hasher& Hasher::Add(std::string_view field) {
  uint64_t n = field.size();
  auto* st = static_cast<XXH3_state_t*>(state_);
  XXH3_128bits_update(st, &n, sizeof n);
  XXH3_128bits_update(st, field.data(), field.size());
  return *this;
}

Hasher& Hasher::Add(int64_t v) {
  XXH3_128bits_update(static_cast<XXH3_state_t*>(state_), &v, sizeof v);
  return *this;
}

static std::string Hex(XXH128_hash_t h) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

std::string Hasher::HexDigest() {
  return Hex(XXH3_128bits_digest(static_cast<XXH3_state_t*>(state_)));
}

std::string HashString(std::string_view data) {
  return Hex(XXH3_128bits(data.data(), data.size()));
}

Result<std::string> HashFd(int fd, const std::string& shown) {
  XXH3_state_t* st = XXH3_createState();
  XXH3_128bits_reset(st);
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    XXH3_128bits_update(st, buf, static_cast<size_t>(n));
  }
  int err = errno;
  std::string out = Hex(XXH3_128bits_digest(st));
  XXH3_freeState(st);
  if (n < 0) return Status::FromErrno("cannot read " + shown, err);
  return out;
}

Result<std::string> HashFile(const std::string& path) {
  auto fd = OpenRegularFile(path);
  if (!fd.ok()) return fd.status();
  return HashFd(fd->get(), path);
}

}  // namespace drover
