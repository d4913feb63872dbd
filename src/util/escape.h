// Text from users and jobs, made safe to print and to store as JSON.
//
// An axis value, a job's stderr or a parameter name may hold any bytes: an ESC that
// would drive the terminal, a carriage return that would overwrite a line, bytes that
// are not UTF-8 (which JSON cannot carry). These helpers find and escape them. Pure
// functions, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace drover {

// The offset of the first byte that does not start or continue a valid UTF-8
// sequence (overlong forms, surrogates and code points past U+10FFFF are invalid),
// or std::string_view::npos when all of `s` is valid UTF-8.
size_t InvalidUtf8At(std::string_view s);

// `s` for a terminal: control characters (C0, DEL, and the C1 range U+0080..U+009F)
// and bytes that are not valid UTF-8 become \n, \t, \r or \xNN; everything else,
// including backslashes and printable non-ASCII text, stays as is. The result is valid
// UTF-8 without control characters.
std::string Escape(std::string_view s);

// As Escape, but newlines and tabs stay: for multi-line messages whose lines are
// meant (a located error with its source line and caret, a job's stderr).
std::string EscapeKeepLines(std::string_view s);

}  // namespace drover
