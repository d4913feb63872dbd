// Command templates: every form, and every error with the offset it points at.
#include "spec/template.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

using Kind = TemplatePart::Kind;

std::vector<TemplatePart> Parse(std::string_view text) {
  size_t off = 12345;
  auto parts = ParseTemplate(text, &off);
  EXPECT_TRUE(parts.ok()) << text << ": " << parts.status().message();
  return parts.ok() ? *parts : std::vector<TemplatePart>{};
}

TEST(TemplateTest, EmptyAndPlainText) {
  EXPECT_TRUE(Parse("").empty());
  auto parts = Parse("python3 train.py --lr 0.1");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].kind, Kind::kLiteral);
  EXPECT_EQ(parts[0].text, "python3 train.py --lr 0.1");
  EXPECT_EQ(parts[0].offset, 0u);
}

TEST(TemplateTest, AxisParameter) {
  auto parts = Parse("train --seed {seed} --task {task-name_2}");
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1].kind, Kind::kParam);
  EXPECT_EQ(parts[1].text, "seed");
  EXPECT_EQ(parts[1].offset, 13u);
  EXPECT_EQ(parts[2].text, " --task ");
  EXPECT_EQ(parts[2].offset, 19u);
  EXPECT_EQ(parts[3].kind, Kind::kParam);
  EXPECT_EQ(parts[3].text, "task-name_2");
  EXPECT_EQ(parts[3].offset, 27u);
}

TEST(TemplateTest, OneToOneReference) {
  auto parts = Parse("{train.model.pkl}");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].kind, Kind::kRef);
  EXPECT_EQ(parts[0].step, "train");
  EXPECT_EQ(parts[0].output, "model.pkl");  // the output keeps its dots
  EXPECT_FALSE(parts[0].gather);
  EXPECT_EQ(parts[0].offset, 0u);
}

TEST(TemplateTest, GatherReference) {
  auto parts = Parse("ensemble --models {train.out/model.pkl...}");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].kind, Kind::kRef);
  EXPECT_EQ(parts[1].step, "train");
  EXPECT_EQ(parts[1].output, "out/model.pkl");
  EXPECT_TRUE(parts[1].gather);
  EXPECT_EQ(parts[1].offset, 18u);
}

TEST(TemplateTest, EscapedBracesAreLiteral) {
  auto parts = Parse("awk '{{print $1}}' {f}");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].kind, Kind::kLiteral);
  EXPECT_EQ(parts[0].text, "awk '{print $1}' ");
  EXPECT_EQ(parts[0].offset, 0u);
  EXPECT_EQ(parts[1].text, "f");
  EXPECT_EQ(parts[1].offset, 19u);
}

TEST(TemplateTest, ShellExpansionPassesThrough) {
  auto parts = Parse("echo ${HOME}/x ${A:-default}{seed}$PATH");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].text, "echo ${HOME}/x ${A:-default}");
  EXPECT_EQ(parts[1].kind, Kind::kParam);
  EXPECT_EQ(parts[1].text, "seed");
  EXPECT_EQ(parts[1].offset, 28u);
  EXPECT_EQ(parts[2].text, "$PATH");
  EXPECT_EQ(parts[2].offset, 34u);
}

TEST(TemplateTest, LiteralAfterEscapeStartsAtTheEscape) {
  auto parts = Parse("{a}}}x");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].text, "}x");
  EXPECT_EQ(parts[1].offset, 3u);
}

struct BadTemplate {
  const char* text;
  size_t offset;
  const char* message;
};

class TemplateErrorTest : public ::testing::TestWithParam<BadTemplate> {};

TEST_P(TemplateErrorTest, PointsAtTheOffendingCharacter) {
  const BadTemplate& c = GetParam();
  size_t off = 9999;
  auto parts = ParseTemplate(c.text, &off);
  ASSERT_FALSE(parts.ok()) << c.text;
  EXPECT_EQ(off, c.offset) << c.text;
  EXPECT_NE(parts.status().message().find(c.message), std::string::npos)
      << parts.status().message();
  EXPECT_FALSE(ParseTemplate(c.text, nullptr).ok());  // the offset is optional
}

INSTANTIATE_TEST_SUITE_P(
    Errors, TemplateErrorTest,
    ::testing::Values(
        BadTemplate{"echo {seed", 5, "unclosed '{'"}, BadTemplate{"echo {", 5, "unclosed '{'"},
        BadTemplate{"echo ${HOME", 5, "unclosed '${'"}, BadTemplate{"echo done}", 9, "stray '}'"},
        BadTemplate{"}", 0, "stray '}'"}, BadTemplate{"rm {} +", 3, "empty '{}'"},
        BadTemplate{"x {1seed}", 3, "neither {axis} nor {step.output}"},
        BadTemplate{"awk '{print $1}'", 11, "write {{ and }}"},
        BadTemplate{"x { seed}", 3, "neither"}, BadTemplate{"x {se ed}", 5, "neither"},
        BadTemplate{"x {.out}", 3, "neither"},
        BadTemplate{"x {train.}", 8, "missing output name after 'train.'"},
        BadTemplate{"x {train....}", 8, "missing output name"},
        BadTemplate{"x {seed...}", 7, "'...' gathers a step's outputs"},
        BadTemplate{"{a} {b}}", 7, "stray '}'"}, BadTemplate{"${a:-{b}}", 8, "stray '}'"}));

}  // namespace
}  // namespace drover
