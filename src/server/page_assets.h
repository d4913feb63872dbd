// The built page (web/), embedded in the binary at build time by web/embed.py into a
// generated page_assets.cc in the build folder, so `drover serve` works offline from the
// one drover file.
#pragma once

#include <cstddef>

namespace drover::server {

// One built file of the page: its bytes as is and gzipped, served at `path`.
struct EmbeddedFile {
  const char* path;          // "/index.html", "/assets/app-HASH.js"
  const char* content_type;  // "text/javascript; charset=utf-8"
  const unsigned char* data;
  size_t size;
  const unsigned char* gz;   // the same bytes, gzipped
  size_t gz_size;
  const char* etag;          // a strong ETag, quoted
  bool immutable;            // the name carries a content hash: cache it for good
};

// Every embedded file (kEmbeddedFileCount of them; "/index.html" among them).
extern const EmbeddedFile kEmbeddedFiles[];
extern const size_t kEmbeddedFileCount;

}  // namespace drover::server
