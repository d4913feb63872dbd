// The web page of `drover serve`: the embedded single-page app (web/) with its views of
// runs, jobs, results and studies, which read the JSON API under /api/v1.
#pragma once

#include <httplib.h>

namespace drover::server {

struct ServeContext;  // server/server.h

// Serves the page: "/" and every other GET path outside /api/ (so that /runs/3 or
// /jobs?step=train are linkable) answer index.html, "/assets/..." the bundled files.
// Answers carry Content-Type, an ETag (If-None-Match answers 304) and Cache-Control
// (immutable for content-hashed asset names, revalidate for index.html), gzipped when
// the client accepts gzip. Register it last: it adds a catch-all GET route.
void RegisterPageRoutes(httplib::Server& srv, const ServeContext& ctx);

}  // namespace drover::server
