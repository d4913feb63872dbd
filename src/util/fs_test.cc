#include "util/fs.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace drover
