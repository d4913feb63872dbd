// Shell quoting. Every value drover substitutes into a command goes through
// ShellQuote, so a parameter is always one shell word of data, never code.
#pragma once

#include <string>
#include <string_view>

namespace drover {

// Returns `s` as one POSIX sh word: unchanged when it is made only of characters
// that are never special ([A-Za-z0-9_@%+=:,./-], non-empty), otherwise in single
// quotes with each ' written as '\''. Works for any bytes, newlines and UTF-8 included.
std::string ShellQuote(std::string_view s);

}  // namespace drover
