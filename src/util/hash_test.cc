#include "util/hash.h"

#include <gtest/gtest.h>

#include "util/fs.h"

namespace drover {
namespace {

TEST(Hasher, FieldsAreLengthPrefixed) {
  Hasher a, b;
  a.Add("ab").Add("c");
  b.Add("a").Add("bc");
  EXPECT_NE(a.HexDigest(), b.HexDigest());
}

TEST(Hasher, SameInputSameDigest) {
  Hasher a, b;
  a.Add("x").Add(int64_t{7});
  b.Add("x").Add(int64_t{7});
  std::string d = a.HexDigest();
  EXPECT_EQ(d, b.HexDigest());
  EXPECT_EQ(d.size(), 32u);
}

TEST(HashFile, MatchesHashString) {
  std::string path = ::testing::TempDir() + "/hash_test_file";
  ASSERT_TRUE(WriteFile(path, "hello drover").ok());
  auto h = HashFile(path);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, HashString("hello drover"));
  EXPECT_FALSE(HashFile(path + ".missing").ok());
}

}  // namespace
}  // namespace drover
