#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "exec/executor.h"

namespace drover {
namespace {

namespace fs = std::filesystem;

class StatusFileTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/drover-status-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/status.json";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& text) {
    FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  Status ReadError(const std::string& text) {
    Write(text);
    return ReadStatusFile(path_).status();
  }

  std::string dir_, path_;
};

JobStatus Sample() {
  JobStatus s;
  s.exit_code = 3;
  s.term_signal = 0;
  s.walltime_exceeded = true;
  s.cancelled = false;
  s.started = 1700000000.25;
  s.ended = 1700000012.5;
  s.user_s = 1.125;
  s.sys_s = 0.0625;
  s.max_rss_kb = 123456789012;
  s.host = "node-7.\"cluster\"\\\n";
  return s;
}

TEST_F(StatusFileTest, RoundTrip) {
  JobStatus in = Sample();
  Write(FormatStatus(in));
  Result<JobStatus> out = ReadStatusFile(path_);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_EQ(out->term_signal, 0);
  EXPECT_TRUE(out->walltime_exceeded);
  EXPECT_FALSE(out->cancelled);
  EXPECT_DOUBLE_EQ(out->started, in.started);
  EXPECT_DOUBLE_EQ(out->ended, in.ended);
  EXPECT_DOUBLE_EQ(out->user_s, in.user_s);
  EXPECT_DOUBLE_EQ(out->sys_s, in.sys_s);
  EXPECT_EQ(out->max_rss_kb, in.max_rss_kb);
  EXPECT_EQ(out->host, in.host);
  EXPECT_EQ(out->attempt, 0);
  in.attempt = 4;
  Write(FormatStatus(in));
  out = ReadStatusFile(path_);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->attempt, 4);
}

TEST_F(StatusFileTest, KilledBySignalRoundTrips) {
  JobStatus in;
  in.exit_code = -1;
  in.term_signal = 9;
  in.cancelled = true;
  Write(FormatStatus(in));
  Result<JobStatus> out = ReadStatusFile(path_);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, -1);
  EXPECT_EQ(out->term_signal, 9);
  EXPECT_TRUE(out->cancelled);
}

TEST_F(StatusFileTest, MissingFileIsNotFound) {
  Status st = ReadStatusFile(path_).status();
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_NE(st.message().find(path_), std::string::npos);
}

// A crash (or a reader racing a writer without rename) can leave any prefix.
TEST_F(StatusFileTest, EveryTruncationIsCorrupt) {
  std::string full = FormatStatus(Sample());
  size_t close = full.rfind('}');
  for (size_t n = 0; n <= close; ++n) {
    Status st = ReadError(full.substr(0, n));
    EXPECT_EQ(st.code(), Code::kCorrupt) << "prefix of " << n << " bytes";
    EXPECT_NE(st.message().find(path_), std::string::npos) << st.message();
  }
  EXPECT_TRUE(ReadError(full.substr(0, close + 1)).ok());
}

TEST_F(StatusFileTest, GarbageIsCorrupt) {
  for (const char* text : {"", "\n", "garbage", "\x01\xff", "[1,2,3]", "42", "null",
                           "\"exit_code\"", "{\"exit_code\":0}{", "{}"}) {
    Status st = ReadError(text);
    EXPECT_EQ(st.code(), Code::kCorrupt) << text;
  }
  EXPECT_NE(ReadError("{}").message().find("exit_code"), std::string::npos);
}

TEST_F(StatusFileTest, WrongTypesAreCorrupt) {
  for (const char* text : {
           R"({"exit_code":"0"})", R"({"exit_code":1.5})", R"({"exit_code":null})",
           R"({"exit_code":99999999999})", R"({"exit_code":0,"signal":true})",
           R"({"exit_code":0,"walltime_exceeded":1})", R"({"exit_code":0,"cancelled":"no"})",
           R"({"exit_code":0,"started":"today"})", R"({"exit_code":0,"user_s":[]})",
           R"({"exit_code":0,"max_rss_kb":1.5})", R"({"exit_code":0,"host":7})"}) {
    Status st = ReadError(text);
    EXPECT_EQ(st.code(), Code::kCorrupt) << text;
  }
  EXPECT_NE(ReadError(R"({"exit_code":0,"host":7})").message().find("host"), std::string::npos);
}

TEST_F(StatusFileTest, OnlyExitCodeIsRequired) {
  Write(R"({"exit_code":7,"future_field":{"x":1}})");
  Result<JobStatus> out = ReadStatusFile(path_);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->exit_code, 7);
  EXPECT_EQ(out->host, "");
}

TEST_F(StatusFileTest, DirectoryInsteadOfFileIsAnError) {
  fs::create_directory(path_);
  Status st = ReadStatusFile(path_).status();
  EXPECT_FALSE(st.ok());
}

// A job can put anything where its status.json goes: drover must neither block on a
// FIFO, nor read a device, nor follow a link, nor read a huge file whole.
TEST_F(StatusFileTest, HostileFilesAreErrorsNotHangs) {
  ASSERT_EQ(mkfifo(path_.c_str(), 0600), 0);
  Status fifo = ReadStatusFile(path_).status();
  EXPECT_NE(fifo.message().find("is a FIFO, not a regular file"), std::string::npos)
      << fifo.message();
  fs::remove(path_);
  ASSERT_EQ(symlink("/dev/zero", path_.c_str()), 0);
  Status link = ReadStatusFile(path_).status();
  EXPECT_NE(link.message().find("is a symbolic link"), std::string::npos) << link.message();
  fs::remove(path_);
  Write("{\"exit_code\":0,\"host\":\"" + std::string(2 << 20, 'x') + "\"}");
  Status big = ReadStatusFile(path_).status();
  EXPECT_NE(big.message().find("larger than 1 MiB"), std::string::npos) << big.message();
}

}  // namespace
}  // namespace drover
