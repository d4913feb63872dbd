#include "util/shell.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace drover {
namespace {

// Runs `printf %s <quoted>` through /bin/sh and returns what it printed.
std::string RoundTrip(const std::string& value) {
  std::string cmd = "printf %s " + ShellQuote(value);
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(ShellQuote, SafeWordsStayReadable) {
  EXPECT_EQ(ShellQuote("0.25"), "0.25");
  EXPECT_EQ(ShellQuote("digits"), "digits");
  EXPECT_EQ(ShellQuote("/a/b-c_d.pkl"), "/a/b-c_d.pkl");
}

TEST(ShellQuote, EmptyIsAnEmptyWord) { EXPECT_EQ(ShellQuote(""), "''"); }

TEST(ShellQuote, HostileValuesAreData) {
  for (std::string v : {"$(touch pwned)", "; rm -rf x", "a'b", "\"quoted\"", "two words",
                        "line1\nline2", "`id`", "Zürich ✓", "*", "$HOME", "a\\b", "'", "-n"}) {
    EXPECT_EQ(RoundTrip(v), v) << v;
  }
}

using Role = ShellWord::Role;

// "text:role" for each word ("(" and ")" for nested scopes), roles as c a = < > for
// command, argument, assignment, input and output redirection.
std::string Split(const std::string& cmd) {
  std::string out;
  for (const ShellWord& w : ShellWords(cmd)) {
    if (!out.empty()) out += ' ';
    if (w.role == Role::kOpen || w.role == Role::kClose) {
      out += w.text;
      continue;
    }
    const char* r = w.role == Role::kCommand      ? "c"
                    : w.role == Role::kArgument   ? "a"
                    : w.role == Role::kAssignment ? "="
                    : w.role == Role::kRedirectIn ? "<"
                                                  : ">";
    out += w.text + ":" + r;
  }
  return out;
}

TEST(ShellWords, OperatorsEndWordsWithoutSpaces) {
  EXPECT_EQ(Split("python3 hello.py>out.txt; echo ok"),
            "python3:c hello.py:a out.txt:> echo:c ok:a");
  EXPECT_EQ(Split("(python3 hello.py)"), "( python3:c hello.py:a )");
  EXPECT_EQ(Split("python3 hello.py|tr a-z A-Z"), "python3:c hello.py:a tr:c a-z:a A-Z:a");
  EXPECT_EQ(Split("cd sub && ./run.sh||exit 1&"), "cd:c sub:a ./run.sh:c exit:c 1:a");
  EXPECT_EQ(Split("a\nb"), "a:c b:c");
}

TEST(ShellWords, RedirectionsWithDescriptors) {
  EXPECT_EQ(Split("python3 x.py 2>&1 >>log <in.txt 2>err"),
            "python3:c x.py:a 1:> log:> in.txt:< err:>");
  EXPECT_EQ(Split("run &>all.log"), "run:c all.log:>");
  EXPECT_EQ(Split("sort<in.txt"), "sort:c in.txt:<");
}

TEST(ShellWords, QuotesAndBackslashesAreRemoved) {
  auto w = ShellWords("python3 'my script.py' \"b.py\" c\\ d.py");
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[1].text, "my script.py");
  EXPECT_TRUE(w[1].quoted);
  EXPECT_TRUE(w[1].literal);
  EXPECT_EQ(w[1].begin, 8u);
  EXPECT_EQ(w[1].end, 22u);
  EXPECT_EQ(w[2].text, "b.py");
  EXPECT_EQ(w[3].text, "c d.py");
  EXPECT_FALSE(w[0].quoted);
  EXPECT_EQ(Split("echo 'a;b' \"c|d\" e\\;f"), "echo:c a;b:a c|d:a e;f:a");
}

TEST(ShellWords, AssignmentsComeBeforeTheCommand) {
  EXPECT_EQ(Split("A=1 B=x.py python3 run.py C=2"), "A=1:= B=x.py:= python3:c run.py:a C=2:a");
  EXPECT_EQ(Split("if true; then python3 a.py; fi"),
            "if:a true:c then:a python3:c a.py:a fi:a");
}

TEST(ShellWords, SubstitutionsAreSplitInside) {
  auto w = ShellWords("python3 $(ls x.py) `cat y.txt` \"$(echo z)\"");
  EXPECT_EQ(Split("python3 $(ls x.py) `cat y.txt`"),
            "python3:c ( ls:c x.py:a ) $(ls x.py):a ( cat:c y.txt:a ) `cat y.txt`:a");
  for (const ShellWord& x : w) {
    if (x.text.find('$') == 0 || x.text.find('`') == 0 || x.text == "$(echo z)") {
      EXPECT_FALSE(x.literal) << x.text;
    }
  }
  EXPECT_EQ(Split("echo $((1 + 2)) ${HOME}/a $1"), "echo:c $((1 + 2)):a ${HOME}/a:a $1:a");
}

TEST(ShellWords, ExpansionsAndGlobsAreNotLiteral) {
  auto w = ShellWords("cat *.txt ~/a $X plain");
  ASSERT_EQ(w.size(), 5u);
  EXPECT_FALSE(w[1].literal);
  EXPECT_FALSE(w[2].literal);
  EXPECT_FALSE(w[3].literal);
  EXPECT_TRUE(w[4].literal);
}

TEST(ShellWords, CommentsAndHereDocumentsAreSkipped) {
  EXPECT_EQ(Split("echo a # python3 b.py\npython3 c.py"), "echo:c a:a python3:c c.py:a");
  EXPECT_EQ(Split("cat <<EOF >out\npython3 nope.py\nEOF\npython3 c.py"),
            "cat:c EOF:> out:> python3:c c.py:a");
  EXPECT_EQ(Split("cat <<-'END'\n\tx.py\n\tEND\nrun"), "cat:c END:> run:c");
}

TEST(ShellWords, WordsOfOneCommandShareItsNumber) {
  auto w = ShellWords("a b; c d | e");
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(w[0].command, w[1].command);
  EXPECT_NE(w[1].command, w[2].command);
  EXPECT_EQ(w[2].command, w[3].command);
  EXPECT_NE(w[3].command, w[4].command);
}

TEST(ShellWords, UnclosedQuotesEndAtTheEnd) {
  for (std::string bad : {"echo 'abc", "echo \"abc", "echo $(ls", "echo `ls", "echo \\",
                          "echo ${x", "cat <<EOF\nno end", "))((", "echo \"$(\""}) {
    auto w = ShellWords(bad);
    for (const ShellWord& x : w) EXPECT_LE(x.end, bad.size()) << bad;
  }
}

}  // namespace
}  // namespace drover
