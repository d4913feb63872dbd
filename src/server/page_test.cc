// The embedded page as a browser sees it: index.html for the views' paths, the hashed
// assets cached for good, ETags with 304, gzip only when asked for, JSON 404s under /api.
#include "server/page.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "server/compress.h"
#include "server/page_assets.h"
#include "server/server.h"

namespace drover::server {
namespace {

class PageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterPageRoutes(srv_, ServeContext{});
    port_ = srv_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !srv_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(srv_.is_running());
  }
  void TearDown() override {
    srv_.stop();
    thread_.join();
  }
  // A GET with `headers`; the client neither asks for nor decodes compression itself.
  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client cli("127.0.0.1", port_);
    cli.set_decompress(false);
    return cli.Get(path, headers);
  }
  // The path of the bundled script, from the index.
  std::string ScriptPath() {
    for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
      const std::string p = kEmbeddedFiles[i].path;
      if (p.rfind("/assets/", 0) == 0 && p.size() > 3 && p.substr(p.size() - 3) == ".js") return p;
    }
    return "";
  }
  httplib::Server srv_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(PageTest, ViewsPathsAnswerTheIndex) {
  for (const char* path : {"/", "/runs", "/runs/3", "/jobs?step=train&state=failed", "/studies/a%2Fb"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_NE(res->body.find("<main id=\"view\""), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache") << path;
  }
}

TEST_F(PageTest, HashedAssetsAreImmutableWithEtagAnd304) {
  const std::string js = ScriptPath();
  ASSERT_FALSE(js.empty()) << "no bundled script embedded";
  auto index = Get("/");
  ASSERT_TRUE(index);
  EXPECT_NE(index->body.find(js), std::string::npos) << "index does not load " << js;
  auto res = Get(js);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(res->get_header_value("Cache-Control").find("immutable"), std::string::npos);
  const std::string etag = res->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto again = Get(js, {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
}

TEST_F(PageTest, GzipOnlyWhenAccepted) {
  const std::string js = ScriptPath();
  auto plain = Get(js);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->get_header_value("Content-Encoding"), "");
  EXPECT_GT(plain->body.size(), 1000u);
  auto gz = Get(js, {{"Accept-Encoding", "gzip, deflate, br"}});
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->get_header_value("Content-Encoding"), "gzip");
  ASSERT_GE(gz->body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz->body[0]), 0x1f);  // one gzip layer, not two
  EXPECT_EQ(static_cast<unsigned char>(gz->body[1]), 0x8b);
  EXPECT_LT(gz->body.size(), plain->body.size() / 2);
}

TEST_F(PageTest, UnknownApiAndAssetPathsAreJson404s) {
  for (const char* path : {"/api/v1/nothing", "/assets/app-NOPE.js"}) {
    auto res = Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << path;
    EXPECT_NE(res->body.find("\"error\""), std::string::npos) << path;
  }
}

// Browsers accept brotli, which cpp-httplib would pick (at its slowest quality): the
// request is made to accept gzip only, and left alone when gzip is not accepted.
TEST(PreferGzipTest, BrowsersGetGzipNotBrotli) {
  httplib::Request req;
  req.headers.emplace("Accept-Encoding", "gzip, deflate, br");
  PreferGzip(req);
  EXPECT_EQ(req.get_header_value("Accept-Encoding"), "gzip");
  httplib::Request br;
  br.headers.emplace("Accept-Encoding", "br");
  PreferGzip(br);
  EXPECT_EQ(br.get_header_value("Accept-Encoding"), "br");
  httplib::Request refused;
  refused.headers.emplace("Accept-Encoding", "gzip;q=0, br");
  PreferGzip(refused);
  EXPECT_EQ(refused.get_header_value("Accept-Encoding"), "gzip;q=0, br");
}

}  // namespace
}  // namespace drover::server
