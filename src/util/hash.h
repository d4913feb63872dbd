// Content hashing for job keys and artifacts: XXH3-128, printed as 32 hex digits.
// Not cryptographic: keys identify work, they do not authenticate it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace drover {

// Incremental hasher. Each Add() is length-prefixed, so ("ab","c") != ("a","bc").
class Hasher {
 public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher& Add(std::string_view field);
  Hasher& Add(int64_t v);
  std::string HexDigest();  // 32 lowercase hex digits

 private:
  void* state_;
};

std::string HashString(std::string_view data);
// Hash of a regular file's bytes, streamed. Opened as OpenRegularFile (util/fs.h) does:
// a FIFO, a device or a folder is an Invalid error, never a read that blocks or has
// no end.
Result<std::string> HashFile(const std::string& path);
// Hash of the bytes of an open file from its current offset to its end; `shown` names
// it in errors. The caller checks that it is a regular file.
Result<std::string> HashFd(int fd, const std::string& shown);

}  // namespace drover
