#include "util/escape.h"

#include <gtest/gtest.h>

namespace drover {
namespace {

TEST(Escape, ControlBytesCannotReachTheTerminalRaw) {
  EXPECT_EQ(Escape("a\x1b[2Jb"), "a\\x1b[2Jb");
  EXPECT_EQ(Escape("line\nnext\rover\ttab"), "line\\nnext\\rover\\ttab");
  EXPECT_EQ(Escape(std::string("nul\0del\x7f", 8)), "nul\\x00del\\x7f");
  EXPECT_EQ(Escape("csi \xc2\x9b" "2J"), "csi \\xc2\\x9b2J");  // U+009B, a C1 control
}

TEST(Escape, PrintableTextStaysAsWritten) {
  EXPECT_EQ(Escape("train/task=digits,seed=0"), "train/task=digits,seed=0");
  EXPECT_EQ(Escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a\\b"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 a\\b");
}

TEST(Escape, BytesThatAreNotUtf8AreShownAsHex) {
  EXPECT_EQ(Escape("b\xff"), "b\\xff");
  EXPECT_EQ(Escape("\xc3"), "\\xc3");                 // cut short
  EXPECT_EQ(Escape("\xc0\xaf"), "\\xc0\\xaf");        // overlong '/'
  EXPECT_EQ(Escape("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
}

TEST(Escape, KeepLinesKeepsNewlinesAndTabsOnly) {
  EXPECT_EQ(EscapeKeepLines("a:1:2: error: x\n  \tline\r\x1b[31m"),
            "a:1:2: error: x\n  \tline\\r\\x1b[31m");
}

TEST(Utf8, FindsTheFirstInvalidByte) {
  EXPECT_EQ(InvalidUtf8At("plain"), std::string_view::npos);
  EXPECT_EQ(InvalidUtf8At("caf\xc3\xa9"), std::string_view::npos);
  EXPECT_EQ(InvalidUtf8At("ab\xff"), 2u);
  EXPECT_EQ(InvalidUtf8At("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(InvalidUtf8At("x\xe2\x82"), 1u);
}

}  // namespace
}  // namespace drover
