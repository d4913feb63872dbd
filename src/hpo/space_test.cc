#include "hpo/space.h"

#include <gtest/gtest.h>

namespace drover::hpo {
namespace {

const char* kExample = R"({
  "lr": {"type":"float","low":1e-4,"high":1e-1,"log":true},
  "layers": {"type":"int","low":1,"high":4},
  "opt": {"type":"categorical","choices":["adam","sgd"]},
  "momentum": {"type":"float","low":0,"high":0.99,"when":{"opt":["sgd"]}}})";

std::string ErrorOf(const std::string& text) {
  auto s = Space::Parse(text);
  return s.ok() ? "" : s.status().message();
}

TEST(SpaceTest, ParsesTheExample) {
  auto s = Space::Parse(kExample);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 4u);
  const auto lr = s->Find("lr");
  ASSERT_TRUE(lr);
  EXPECT_TRUE((*s)[*lr].log);
  const auto mom = s->Find("momentum"), opt = s->Find("opt");
  EXPECT_LT(*opt, *mom) << "parents come before children";
  EXPECT_EQ(*s->parent(*mom), *opt);
  EXPECT_TRUE(s->IsActive(*mom, {{"opt", std::string("sgd")}}));
  EXPECT_FALSE(s->IsActive(*mom, {{"opt", std::string("adam")}}));
}

TEST(SpaceTest, RoundTripsThroughJson) {
  auto s = Space::Parse(kExample);
  ASSERT_TRUE(s.ok());
  auto again = Space::FromJson(s->ToJson());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->ToJson(), s->ToJson());
}

TEST(SpaceTest, RejectsBadSpacesWithClearErrors) {
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":1,"high":1}})").find("'x': low must be < high"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":2,"high":1}})").find("low must be < high"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":0,"high":1,"log":true}})").find("log needs low > 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":0,"high":1,"step":0}})").find("step must be > 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"int","low":0,"high":9,"step":-2}})").find("step must be > 0"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"categorical","choices":[]}})").find("empty choices"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":0,"high":1,"when":{"nope":["a"]}}})").find("unknown parent 'nope'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"double","low":0,"high":1}})").find("unknown type 'double'"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"low":0,"high":1}})").find("needs a type: float, int or categorical"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"n": {"type":"int","low":1,"high":1e30}})").find("within -2^53 .. 2^53"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":3,"low":0,"high":1}})").find("type must be float, int or categorical, got 3"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"int","low":0.5,"high":3}})").find("integers"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"x": {"type":"float","low":0.1,"high":1,"log":true,"step":0.1}})").find("log and step"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"a": {"type":"categorical","choices":["x"],"when":{"b":["y"]}},
                        "b": {"type":"categorical","choices":["y"],"when":{"a":["x"]}}})").find("cycle"),
            std::string::npos);
  EXPECT_NE(ErrorOf("{not json").find("bad JSON"), std::string::npos);
  EXPECT_NE(ErrorOf("{}").find("empty"), std::string::npos);
}

TEST(SpaceTest, StepNotDividingTheRangeIsFine) {
  auto s = Space::Parse(R"({"x": {"type":"float","low":0,"high":1,"step":0.3}})");
  ASSERT_TRUE(s.ok());
  EXPECT_NEAR((*s)[0].grid_high(), 0.9, 1e-12);
  EXPECT_TRUE((*s)[0].Contains(0.6));
  EXPECT_FALSE((*s)[0].Contains(0.5));
}

TEST(SpaceTest, ValidatesParams) {
  auto s = Space::Parse(kExample);
  ASSERT_TRUE(s.ok());
  Params ok = {{"lr", 0.01}, {"layers", int64_t{2}}, {"opt", std::string("adam")}};
  EXPECT_TRUE(s->Validate(ok).ok());
  Params inactive = ok;
  inactive["momentum"] = 0.5;
  EXPECT_FALSE(s->Validate(inactive).ok());
  Params missing = {{"lr", 0.01}, {"layers", int64_t{2}}, {"opt", std::string("sgd")}};
  EXPECT_FALSE(s->Validate(missing).ok());
  Params out_of_range = ok;
  out_of_range["lr"] = 1.0;
  EXPECT_FALSE(s->Validate(out_of_range).ok());
}

}  // namespace
}  // namespace drover::hpo
