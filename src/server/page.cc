#include "server/page.h"

#include <cstring>
#include <string>
#include <string_view>

#include "server/compress.h"
#include "server/http_util.h"
#include "server/page_assets.h"

namespace drover::server {
namespace {

// The embedded file at `path`, or nullptr.
const EmbeddedFile* FindFile(std::string_view path) {
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    if (path == kEmbeddedFiles[i].path) return &kEmbeddedFiles[i];
  }
  return nullptr;
}

// True when If-None-Match names `etag` (or is "*").
bool EtagMatches(const httplib::Request& req, const char* etag) {
  const std::string inm = req.get_header_value("If-None-Match");
  if (inm.empty()) return false;
  return inm == "*" || inm.find(etag) != std::string::npos;
}

// Answers `file`: 304 when the client has it, else its bytes (gzipped when accepted).
void SendFile(const httplib::Request& req, httplib::Response& res, const EmbeddedFile& file) {
  res.set_header("ETag", file.etag);
  res.set_header("Cache-Control",
                 file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set_header("Vary", "Accept-Encoding");
  res.set_header("X-Content-Type-Options", "nosniff");
  if (EtagMatches(req, file.etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  if (AcceptsGzip(req) && file.gz_size < file.size) {
    // A sized content provider: cpp-httplib compresses plain bodies itself (brotli when
    // the client accepts it), which would wrap the gzipped bytes a second time.
    res.set_header("Content-Encoding", "gzip");
    const unsigned char* gz = file.gz;
    res.set_content_provider(file.gz_size, file.content_type,
                             [gz](size_t offset, size_t length, httplib::DataSink& sink) {
                               sink.write(reinterpret_cast<const char*>(gz) + offset, length);
                               return true;
                             });
  } else {
    res.set_content(reinterpret_cast<const char*>(file.data), file.size, file.content_type);
  }
}

// The page's shell for `path`: the asset itself under /assets/, index.html elsewhere.
void ServePath(const httplib::Request& req, httplib::Response& res) {
  const std::string& path = req.path;
  if (path.rfind("/api/", 0) == 0 || path == "/api") {
    SendError(res, 404, "no API route " + req.method + " " + path +
                            "; the API is described in the README under \"drover serve\"");
    return;
  }
  if (path.rfind("/assets/", 0) == 0) {
    const EmbeddedFile* file = FindFile(path);
    if (file == nullptr) {
      SendError(res, 404, "no page asset " + path + "; reload the page");
      return;
    }
    SendFile(req, res, *file);
    return;
  }
  const EmbeddedFile* index = FindFile("/index.html");
  if (index == nullptr) {
    SendError(res, 500, "this drover was built without its page");
    return;
  }
  SendFile(req, res, *index);
}

}  // namespace

void RegisterPageRoutes(httplib::Server& srv, const ServeContext& /*ctx*/) {
  srv.Get(".*", ServePath);
}

}  // namespace drover::server
