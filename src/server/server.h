// drover serve: one HTTP(S) server over the store, its JSON API, the study service
// (study_routes.h) and the embedded page (page.h). cpp-httplib's thread pool answers
// requests; each worker thread reads the store through its own read-only connection,
// opened lazily, and holds no lock or transaction across requests, so `drover run` can
// write the store at the same time (WAL).
//
// Every request passes one pre-routing handler that authenticates it (a bearer token or
// the login cookie) and authorises it by method and path (auth.h); route handlers never
// check tokens themselves. Every GET /api answer carries an ETag; a matching
// If-None-Match is answered 304.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "util/status.h"

namespace drover::server {

// What every route of the server shares.
struct ServeContext {
  std::string store_root;  // the folder holding .drover/
};

// How `drover serve` runs.
struct ServeOptions {
  std::string store_root;          // the folder holding .drover/ (made when missing)
  std::string bind = "127.0.0.1";  // the address to listen on
  int port = 8765;                 // 0: any free port
  std::string tls_cert, tls_key;   // both or neither: PEM files; with them, HTTPS
  bool insecure = false;           // allows a non-loopback bind without TLS
  int threads = 16;                // worker threads
  // Called once the server listens, with its URL (the login link when tokens exist).
  std::function<void(const std::string& url)> on_listening;
};

// Checks the options, opens (and migrates) the store, listens and answers until SIGINT
// or SIGTERM. Errors: a bad combination of options (a non-loopback bind without TLS or
// without a token), a store that cannot be opened, an address that cannot be bound.
Status Serve(const ServeOptions& options);

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(const std::string& address);

}  // namespace drover::server
