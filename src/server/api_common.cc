// Each worker thread's store connections, and errors as JSON.
#include <map>
#include <memory>

#include <fmt/format.h>

#include "server/api.h"
#include "server/http_util.h"

namespace drover::server {
namespace {

// One thread's connections, by store root (one server per process in practice; tests
// may start several).
struct ThreadConnections {
  std::map<std::string, std::unique_ptr<ApiReader>> readers;
  std::map<std::string, std::unique_ptr<Store>> stores;
};
thread_local ThreadConnections t_conn;

}  // namespace

Result<ApiReader*> ThreadReader(const ServeContext& ctx) {
  auto& slot = t_conn.readers[ctx.store_root];
  if (!slot) {
    auto r = ApiReader::Open(ctx.store_root);
    if (!r.ok()) return r.status();
    slot = std::move(*r);
  }
  return slot.get();
}

Result<Store*> ThreadStore(const ServeContext& ctx) {
  auto& slot = t_conn.stores[ctx.store_root];
  if (!slot) {
    auto s = OpenSqliteStore(ctx.store_root, StoreAccess::kReadOnly);
    if (!s.ok()) return s.status();
    slot = std::move(*s);
  }
  return slot.get();
}

void SendStatus(httplib::Response& res, const Status& st) {
  switch (st.code()) {
    case Code::kInvalid: return SendError(res, 400, st.message());
    case Code::kNotFound: return SendError(res, 404, st.message());
    case Code::kBusy: return SendError(res, 409, st.message());
    default: return SendError(res, 500, "the store could not be read: " + st.message());
  }
}

Result<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t fallback,
                         int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  size_t used = 0;
  long long n = 0;
  try {
    n = std::stoll(v, &used);
  } catch (...) {
    used = 0;
  }
  if (v.empty() || used != v.size() || n < lo || n > hi)
    return Status::Invalid(fmt::format("{}={}: give a whole number from {} to {}", name, v, lo, hi));
  return static_cast<int64_t>(n);
}

}  // namespace drover::server
