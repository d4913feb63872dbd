#include "util/status.h"

#include <cstring>

namespace drover {

Status Status::FromErrno(const std::string& what, int err) {
  return Status(Code::kIo, what + ": " + std::strerror(err));
}

}  // namespace drover
