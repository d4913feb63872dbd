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

}  // namespace
}  // namespace drover
