// Shell quoting. Every value drover substitutes into a command goes through
// ShellQuote, so a parameter is always one shell word of data, never code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace drover {

// Returns `s` as one POSIX sh word: unchanged when it is made only of characters
// that are never special ([A-Za-z0-9_@%+=:,./-], non-empty), otherwise in single
// quotes with each ' written as '\''. Works for any bytes, newlines and UTF-8 included.
std::string ShellQuote(std::string_view s);

}  // namespace drover

namespace drover {

// One word of a command line as a POSIX shell splits it (ShellWords). drover reads
// commands this way to find the words that name files (README, "Code files"); it never
// runs or rewrites anything on its own.
struct ShellWord {
  enum class Role {
    kCommand,      // the command name of a simple command (after any NAME=value)
    kArgument,     // an argument (reserved words such as `then` are arguments too)
    kAssignment,   // NAME=value before the command name
    kRedirectIn,   // the file of `<` or `<>`
    kRedirectOut,  // the target of `>` `>>` `>|` `>&` `<&`, or a here-document's delimiter
    kOpen,         // "(" of a subshell, `$(` or "`": not a word, marks a nested scope
    kClose,        // its end
  };
  std::string text;     // after quote removal
  size_t begin = 0;     // [begin, end): the word as written in the command, quotes included
  size_t end = 0;
  Role role = Role::kArgument;
  bool literal = true;  // no expansion ($, `...`, unquoted * ? [ or a leading ~): the
                        // shell passes `text` as it is
  bool quoted = false;  // written with quotes or backslashes
  int command = 0;      // the simple command the word belongs to (counted from 0)
};

// Splits `command` into words: quotes and backslashes, comments, `;` `&` `&&` `||` `|`
// and newlines, ( ) subshells, redirections with or without a file descriptor number
// (`>out`, `2>&1`, `<in`), here-documents (their bodies are skipped), and NAME=value
// assignments. The commands inside $(...) and `...` are split too, between a kOpen and
// a kClose entry; the word that holds them is not literal. Never fails: text a shell
// would refuse (an unclosed quote) ends the last word at the end of the command.
std::vector<ShellWord> ShellWords(std::string_view command);

}  // namespace drover
