// What the read API's routes (api_*.cc) share: each worker thread's store connections,
// opened lazily and kept for the thread's life, and answering a Status as JSON.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

#include "server/server.h"
#include "store/api_reader.h"
#include "store/store.h"
#include "util/status.h"

namespace drover::server {

// This thread's read-only reader of the store (store/api_reader.h).
Result<ApiReader*> ThreadReader(const ServeContext& ctx);
// This thread's read-only Store of `ctx.store_root`.
Result<Store*> ThreadStore(const ServeContext& ctx);

// Answers an error Status as {"error": ...}: 400 invalid, 404 not found, 409 busy,
// 500 anything else (the message then says that the store could not be read).
void SendStatus(httplib::Response& res, const Status& st);

// Query parameter `name` as an integer in [lo, hi]; `fallback` when absent. Invalid
// (naming the parameter and the range) when it is not one.
Result<int64_t> IntParam(const httplib::Request& req, const char* name, int64_t fallback,
                         int64_t lo, int64_t hi);

// The routes of the read API (and cancel), by group.
void RegisterRunRoutes(httplib::Server& srv, const ServeContext& ctx);
void RegisterJobRoutes(httplib::Server& srv, const ServeContext& ctx);
void RegisterTableRoutes(httplib::Server& srv, const ServeContext& ctx);

}  // namespace drover::server
