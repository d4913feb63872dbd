#include "util/escape.h"

namespace drover {
namespace {

// The length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
  if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

void AppendHex(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  *out += "\\x";
  *out += kHex[c >> 4];
  *out += kHex[c & 15];
}

std::string EscapeImpl(std::string_view s, bool keep_lines) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = SequenceLength(s, i);
    if (n == 1 && c >= 0x20 && c != 0x7F) {
      out += s[i++];
    } else if (n == 1 && keep_lines && (c == '\n' || c == '\t')) {
      out += s[i++];
    } else if (n == 1 && (c == '\n' || c == '\t' || c == '\r')) {
      out += c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r";
      ++i;
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      AppendHex(c, &out);  // a C1 control character (U+0080..U+009F), such as CSI
      AppendHex(static_cast<unsigned char>(s[i + 1]), &out);
      i += 2;
    } else if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      AppendHex(c, &out);  // another control character, or not UTF-8
      ++i;
    }
  }
  return out;
}

}  // namespace

size_t InvalidUtf8At(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string Escape(std::string_view s) { return EscapeImpl(s, false); }

std::string EscapeKeepLines(std::string_view s) { return EscapeImpl(s, true); }

}  // namespace drover
