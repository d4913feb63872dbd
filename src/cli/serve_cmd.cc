// `drover serve`: the HTTP server over the store (server/server.h). Prints its URL (the
// login link when the store has tokens) as the first line of stdout, flushed, so that
// scripts and tests can read the port that --port 0 picked.
#include <cstdio>

#include "cli/commands.h"
#include "server/server.h"

namespace drover::cli {

int ServeCmd(const GlobalOptions& g, const ServeArgs& a) {
  server::ServeOptions o;
  o.store_root = StoreRoot(g);
  o.bind = a.bind;
  o.port = a.port;
  o.tls_cert = a.tls_cert;
  o.tls_key = a.tls_key;
  o.insecure = a.insecure;
  if (a.threads > 0) o.threads = a.threads;
  o.on_listening = [&](const std::string& url) {
    std::printf("%s\n", url.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "drover: serving the store in %s; Ctrl-C stops\n", o.store_root.c_str());
  };
  Status st = server::Serve(o);
  if (!st.ok()) return Fail(st);
  return 0;
}

}  // namespace drover::cli
