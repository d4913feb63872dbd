#include "server/compress.h"

#include <cstdlib>

namespace drover::server {

bool AcceptsGzip(const httplib::Request& req) {
  const std::string accept = req.get_header_value("Accept-Encoding");
  const size_t at = accept.find("gzip");
  if (at == std::string::npos) return false;
  const size_t end = accept.find(',', at);
  const std::string item = accept.substr(at, end == std::string::npos ? end : end - at);
  const size_t q = item.find("q=");
  if (q == std::string::npos) return true;
  return std::strtod(item.c_str() + q + 2, nullptr) > 0;
}

void PreferGzip(const httplib::Request& req) {
  if (!AcceptsGzip(req)) return;
  // cpp-httplib's own object, not const, handed to handlers as const.
  auto& headers = const_cast<httplib::Request&>(req).headers;
  headers.erase("Accept-Encoding");
  headers.emplace("Accept-Encoding", "gzip");
}

}  // namespace drover::server
