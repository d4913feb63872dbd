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

// `when:` on an int parent (values written as numbers, as YAML reads [2, 3]) names the
// real mistake, the parent's type, not the type of the values.
TEST(SpaceTest, WhenOnANumericParentSaysTheParentMustBeCategorical) {
  std::string msg = ErrorOf(R"({"layers": {"type":"int","low":1,"high":4},
                                "width": {"type":"int","low":8,"high":64,"when":{"layers":[2,3]}}})");
  EXPECT_NE(msg.find("parameter 'width': when: needs a categorical parent, and 'layers' is an int"),
            std::string::npos) << msg;
  EXPECT_EQ(msg.find("must be strings"), std::string::npos) << msg;
  msg = ErrorOf(R"({"lr": {"type":"float","low":0,"high":1},
                    "m": {"type":"float","low":0,"high":1,"when":{"lr":["0.1"]}}})");
  EXPECT_NE(msg.find("'lr' is a float"), std::string::npos) << msg;
  // A numeric value under a categorical parent is compared with its choices as written.
  msg = ErrorOf(R"({"opt": {"type":"categorical","choices":["adam","sgd"]},
                    "m": {"type":"float","low":0,"high":1,"when":{"opt":[2]}}})");
  EXPECT_NE(msg.find("'2' is not a choice of 'opt'"), std::string::npos) << msg;
}

// JSON holds only UTF-8: a name or choice with another byte is an error at load, never
// an exception when the space is stored or a trial's params are written out.
TEST(SpaceTest, TextThatIsNotUtf8IsAnErrorNotAnAbort) {
  std::vector<ParamSpec> bad_choice = {ParamSpec::Categorical("act", {"relu", "b\xff"})};
  auto s = Space::Make(bad_choice);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "search space: parameter 'act': the choice 'b\\xff' holds the byte 0xff, which is not UTF-8 text");
  auto n = Space::Make({ParamSpec::Float("l\xc3r", 0, 1)});
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("the name 'l\\xc3r' holds the byte 0xc3"), std::string::npos);
  nlohmann::json j = {{"x", {{"type", "categorical"}, {"choices", {"a"}}}},
                      {"y", {{"type", "float"}, {"low", 0}, {"high", 1}, {"when", {{"x", {"a\x80"}}}}}}};
  auto w = Space::FromJson(j);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("the value 'a\\x80'"), std::string::npos);
  auto good = Space::Make({ParamSpec::Categorical("caf\xc3\xa9", {"\xe2\x82\xac"})});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->ToJson().dump(), "{\"caf\xc3\xa9\":{\"choices\":[\"\xe2\x82\xac\"],\"type\":\"categorical\"}}");
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
