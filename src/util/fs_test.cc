#include "util/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hash.h"

namespace drover {
namespace {

TEST(Fs, AtomicWriteReplacesWholeFile) {
  std::string dir = ::testing::TempDir() + "/fs_test";
  ASSERT_TRUE(MakeDirs(dir + "/a/b").ok());
  std::string p = dir + "/a/b/f";
  ASSERT_TRUE(WriteFileAtomic(p, "first").ok());
  ASSERT_TRUE(WriteFileAtomic(p, "second").ok());
  EXPECT_EQ(*ReadFile(p), "second");
  EXPECT_EQ(StatPath(p).size, 6);
  ASSERT_TRUE(RemoveAll(dir).ok());
  EXPECT_FALSE(PathExists(p));
  EXPECT_EQ(ReadFile(p).status().code(), Code::kNotFound);
}

TEST(Fs, TailFileGivesLastLines) {
  std::string p = ::testing::TempDir() + "/tail_test";
  ASSERT_TRUE(WriteFile(p, "1\n2\n3\n4\n").ok());
  EXPECT_EQ(TailFile(p, 2), "3\n4");
  EXPECT_EQ(TailFile(p, 10), "1\n2\n3\n4");
  EXPECT_EQ(TailFile(p + "x", 3), "");
}

std::string FreshDir(const std::string& name) {
  std::string d = ::testing::TempDir() + "/fs_test_" + name;
  (void)RemoveAll(d);
  EXPECT_TRUE(MakeDirs(d).ok());
  return d;
}

bool Mentions(const Status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

// Every test below would hang (a FIFO) or run out of memory (/dev/zero) if a reader
// opened or read these the plain way.
TEST(ReadRegularFile, RefusesFifosDevicesAndOversizeFiles) {
  std::string d = FreshDir("regular");
  ASSERT_EQ(::mkfifo((d + "/fifo").c_str(), 0600), 0);
  ASSERT_EQ(::symlink("/dev/zero", (d + "/zero").c_str()), 0);
  ASSERT_TRUE(WriteFile(d + "/big", std::string(2000, 'x')).ok());
  auto fifo = ReadRegularFile(d + "/fifo", 1000);
  EXPECT_EQ(fifo.status().code(), Code::kInvalid);
  EXPECT_TRUE(Mentions(fifo.status(), "is a FIFO, not a regular file")) << fifo.status().message();
  auto zero = ReadRegularFile(d + "/zero", 1000);
  EXPECT_TRUE(Mentions(zero.status(), "a character device")) << zero.status().message();
  auto big = ReadRegularFile(d + "/big", 1024);
  EXPECT_TRUE(Mentions(big.status(), "larger than 1 KiB")) << big.status().message();
  EXPECT_EQ(ReadRegularFile(d + "/big", 2000)->size(), 2000u);
  EXPECT_EQ(ReadRegularFile(d + "/none", 10).status().code(), Code::kNotFound);
  EXPECT_TRUE(Mentions(ReadRegularFile(d, 10).status(), "is a folder"));
  // The generic readers too.
  EXPECT_EQ(ReadFile(d + "/fifo").status().code(), Code::kInvalid);
  EXPECT_EQ(HashFile(d + "/fifo").status().code(), Code::kInvalid);
  EXPECT_TRUE(Mentions(HashFile(d + "/zero").status(), "not a regular file"));
  EXPECT_EQ(TailFile(d + "/fifo", 3), "");
  EXPECT_EQ(TailFile(d + "/zero", 3), "");
  // /proc files say size 0 and still have content.
  EXPECT_FALSE(ReadRegularFile("/proc/self/stat", 1 << 20)->empty());
}

TEST(ReadRegularFile, RefusedLinksAreNotFollowed) {
  std::string d = FreshDir("links");
  ASSERT_TRUE(WriteFile(d + "/target", "secret").ok());
  ASSERT_EQ(::symlink("target", (d + "/link").c_str()), 0);
  EXPECT_EQ(*ReadRegularFile(d + "/link", 100), "secret");
  auto refused = ReadRegularFile(d + "/link", 100, Links::kRefuse);
  EXPECT_TRUE(Mentions(refused.status(), "is a symbolic link, not a regular file"))
      << refused.status().message();
}

TEST(PathInside, FoldersThatLeadOutsideAreRefused) {
  std::string root = FreshDir("inside");
  std::string job = root + "/job", outside = root + "/outside";
  ASSERT_TRUE(MakeDirs(job + "/real/sub").ok());
  ASSERT_TRUE(MakeDirs(outside).ok());
  ASSERT_EQ(::symlink(outside.c_str(), (job + "/data").c_str()), 0);
  ASSERT_EQ(::symlink("real", (job + "/alias").c_str()), 0);
  auto out = OpenPathInside(job, "data/f");
  EXPECT_EQ(out.status().code(), Code::kInvalid);
  EXPECT_TRUE(Mentions(out.status(), "'data' leads outside")) << out.status().message();
  // A link that stays inside is fine; the last component is never followed.
  auto in = OpenPathInside(job, "alias/sub/f");
  ASSERT_TRUE(in.ok()) << in.status().message();
  EXPECT_EQ(in->name, "f");
  auto top = OpenPathInside(job, "data");
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->name, "data");
  EXPECT_EQ(OpenPathInside(job, "missing/f").status().code(), Code::kNotFound);
  EXPECT_EQ(OpenPathInside(job, "../outside/f").status().code(), Code::kInvalid);
  EXPECT_EQ(OpenPathInside(job, "/etc/passwd").status().code(), Code::kInvalid);
}

TEST(RemoveInside, NeverRemovesThroughALink) {
  std::string root = FreshDir("remove");
  std::string job = root + "/job", outside = root + "/outside";
  ASSERT_TRUE(MakeDirs(job + "/sub").ok());
  ASSERT_TRUE(MakeDirs(outside).ok());
  ASSERT_TRUE(WriteFile(outside + "/f", "keep me").ok());
  ASSERT_EQ(::symlink(outside.c_str(), (job + "/data").c_str()), 0);
  ASSERT_EQ(::symlink((outside + "/f").c_str(), (job + "/sub/link").c_str()), 0);
  ASSERT_TRUE(WriteFile(job + "/sub/out", "partial").ok());
  RemoveInside(job, "data/f");
  EXPECT_EQ(*ReadFile(outside + "/f"), "keep me");
  EXPECT_FALSE(PathExists(job + "/data")) << "the link inside the job folder goes";
  RemoveInside(job, "sub/link");
  EXPECT_EQ(*ReadFile(outside + "/f"), "keep me");
  struct stat st;
  EXPECT_NE(::lstat((job + "/sub/link").c_str(), &st), 0);
  RemoveInside(job, "sub/out");
  EXPECT_FALSE(PathExists(job + "/sub/out"));
  RemoveInside(job, "sub/missing");  // fine
}

}  // namespace
}  // namespace drover
