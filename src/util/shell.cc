#include "util/shell.h"

namespace drover {

static bool IsSafe(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_': case '@': case '%': case '+': case '=': case ':':
    case ',': case '.': case '/': case '-':
      return true;
    default:
      return false;
  }
}

std::string ShellQuote(std::string_view s) {
  bool safe = !s.empty();
  for (char c : s) safe = safe && IsSafe(c);
  if (safe) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

}  // namespace drover
