// Token hashing and checking, and which role each request needs.
#include "server/auth.h"
#include "server/server.h"

#include <gtest/gtest.h>

namespace drover::server {
namespace {

TEST(AuthTest, ATokenMatchesItsOwnRecordOnlyAndTheRecordHoldsNoSecret) {
  const std::string token = NewToken();
  EXPECT_EQ(token.rfind("drover_", 0), 0u);
  EXPECT_EQ(token.size(), 7u + 40u);
  EXPECT_NE(token, NewToken());
  const TokenRecord rec = MakeTokenRecord("alice", Role::kRead, token, 1.0);
  EXPECT_EQ(rec.role, "read");
  EXPECT_EQ(rec.hash.size(), 64u);  // hex SHA-256
  EXPECT_EQ(rec.hash.find(token.substr(7)), std::string::npos);
  EXPECT_EQ(rec.hash, HashToken(rec.salt, token));
  auto found = FindToken({rec}, token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
  EXPECT_FALSE(FindToken({rec}, token + "x"));
  EXPECT_FALSE(FindToken({rec}, ""));
  EXPECT_FALSE(FindToken({}, token));
}

TEST(AuthTest, TheSameTokenHashesDifferentlyUnderEachSalt) {
  const std::string token = NewToken();
  const TokenRecord a = MakeTokenRecord("a", Role::kRead, token, 1.0);
  const TokenRecord b = MakeTokenRecord("b", Role::kAdmin, NewToken(), 1.0);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(HashToken(a.salt, token), HashToken(b.salt, token));
  auto found = FindToken({b, a}, token);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "a");
}

TEST(AuthTest, ReadsNeedReadStudiesNeedSubmitAndTheRestNeedsAdmin) {
  EXPECT_EQ(RequiredRole("GET", "/api/v1/jobs"), Role::kRead);
  EXPECT_EQ(RequiredRole("HEAD", "/"), Role::kRead);
  EXPECT_EQ(RequiredRole("GET", "/api/v1/studies/s/trials"), Role::kRead);
  EXPECT_EQ(RequiredRole("POST", "/api/v1/studies"), Role::kSubmit);
  EXPECT_EQ(RequiredRole("POST", "/api/v1/studies/s/ask"), Role::kSubmit);
  EXPECT_EQ(RequiredRole("PUT", "/api/v1/studies/s/trials/3/tell"), Role::kSubmit);
  EXPECT_EQ(RequiredRole("POST", "/api/v1/studiesx"), Role::kAdmin);
  EXPECT_EQ(RequiredRole("POST", "/api/v1/runs/3/cancel"), Role::kAdmin);
  EXPECT_EQ(RequiredRole("DELETE", "/api/v1/tokens/alice"), Role::kAdmin);
  EXPECT_EQ(RequiredRole("PATCH", "/api/v1/studies/s"), Role::kAdmin);
}

TEST(AuthTest, RolesOrderAndParse) {
  EXPECT_LT(Role::kRead, Role::kSubmit);
  EXPECT_LT(Role::kSubmit, Role::kAdmin);
  for (Role r : {Role::kRead, Role::kSubmit, Role::kAdmin}) EXPECT_EQ(ParseRole(RoleName(r)), r);
  EXPECT_FALSE(ParseRole("root"));
  EXPECT_FALSE(ParseRole(""));
  EXPECT_TRUE(ValidTokenName("ci-bot_2.x"));
  EXPECT_FALSE(ValidTokenName(""));
  EXPECT_FALSE(ValidTokenName("a b"));
  EXPECT_FALSE(ValidTokenName(std::string(65, 'a')));
}

TEST(AuthTest, OnlyLoopbackAddressesAreLoopback) {
  for (const char* a : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) EXPECT_TRUE(IsLoopback(a)) << a;
  for (const char* a : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.org", ""})
    EXPECT_FALSE(IsLoopback(a)) << a;
}

}  // namespace
}  // namespace drover::server
