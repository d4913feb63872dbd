// Small helpers every route of `drover serve` uses, so that answers look alike:
// JSON bodies, errors as {"error": "..."} with the right status, bounded bodies.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace drover::server {

// The largest request body any route accepts (1 MiB); a larger one is answered 413.
inline constexpr size_t kMaxBodyBytes = 1 << 20;

// Answers `body` as JSON with `status`. Strings that are not UTF-8 (a log, a name) are
// sent with U+FFFD in place of their bad bytes, never an exception.
inline void SendJson(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

// Answers {"error": message} with `status` (400 bad input, 401/403 auth, 404 unknown,
// 409 conflict, 413 too large, 500 the store failed). The message is for the user: what
// went wrong and what to do, never internals.
inline void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, nlohmann::json{{"error", message}});
}

}  // namespace drover::server
