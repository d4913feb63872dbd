// Compression of the API's answers. cpp-httplib (Debian's, built with brotli) compresses
// answers itself, with brotli at its slowest quality when the client accepts `br`, as
// every browser does: 9.3 s for the 5 MB of 10,000 trials, against 0.4 s with gzip. So an
// answer to a client that accepts gzip is gzipped instead.
#pragma once

#include <httplib.h>

namespace drover::server {

// True when the request's Accept-Encoding lists gzip (and not with q=0).
bool AcceptsGzip(const httplib::Request& req);

// When the client accepts gzip, makes cpp-httplib compress the answer with gzip rather
// than brotli (it picks brotli first): rewrites the request's Accept-Encoding to "gzip".
// Call it first, from the pre-routing handler: cpp-httplib compresses before the
// post-routing handler runs.
void PreferGzip(const httplib::Request& req);

}  // namespace drover::server
