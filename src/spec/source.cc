#include "spec/source.h"

#include <algorithm>

#include "spec/parser.h"

namespace drover {
namespace {

// The 1-based line `line` of `source` without its line break; empty when out of range.
std::string_view LineOf(std::string_view source, int line) {
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = source.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  size_t end = source.find('\n', start);
  std::string_view text = source.substr(start, end == std::string_view::npos ? end : end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

// Spaces (or the line's own tabs) that put a caret under byte `col` (1-based) of `line`;
// UTF-8 continuation bytes take no room on the screen.
std::string CaretPad(std::string_view line, int col) {
  std::string pad;
  for (size_t i = 0; i + 1 < static_cast<size_t>(col) && i < line.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    if ((c & 0xC0) == 0x80) continue;
    pad.push_back(c == '\t' ? '\t' : ' ');
  }
  if (static_cast<size_t>(col) > line.size() + 1) pad.append(col - 1 - line.size(), ' ');
  return pad;
}

}  // namespace

std::string FormatLocated(const SourceLoc& loc, const std::string& message,
                          const std::string& source) {
  if (loc.line <= 0) return loc.file + ": error: " + message;
  std::string out = loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) +
                    ": error: " + message;
  std::string_view line = LineOf(source, loc.line);
  if (line.empty()) return out;
  out += "\n    ";
  out += line;
  out += "\n    " + CaretPad(line, loc.col) + "^";
  return out;
}

namespace spec {

SourceText::SourceText(std::string file, std::string_view text)
    : file_(std::move(file)), text_(text) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
}

size_t SourceText::OffsetOf(const YAML::Mark& mark) const {
  if (mark.line < 0 || mark.column < 0) return std::string_view::npos;
  if (static_cast<size_t>(mark.line) >= line_starts_.size()) return text_.size();
  return std::min(text_.size(), line_starts_[mark.line] + mark.column);
}

SourceLoc SourceText::AtOffset(size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  size_t line = static_cast<size_t>(it - line_starts_.begin()) - 1;
  return SourceLoc{file_, static_cast<int>(line) + 1,
                   static_cast<int>(offset - line_starts_[line]) + 1};
}

SourceLoc SourceText::At(const YAML::Mark& mark) const {
  size_t offset = OffsetOf(mark);
  if (offset == std::string_view::npos) return SourceLoc{file_, 0, 0};
  return AtOffset(offset);
}

namespace {

// Skips a tag ("!!str") or an anchor ("&a") written before a value.
size_t SkipProperties(std::string_view text, size_t p) {
  while (p < text.size() && (text[p] == '!' || text[p] == '&')) {
    while (p < text.size() && text[p] != ' ' && text[p] != '\n') ++p;
    while (p < text.size() && text[p] == ' ') ++p;
  }
  return p;
}

}  // namespace

ScalarStyle SourceText::StyleOf(const YAML::Node& scalar) const {
  size_t offset = OffsetOf(scalar.Mark());
  if (offset == std::string_view::npos) return ScalarStyle::kPlain;
  size_t p = SkipProperties(text_, offset);
  if (p >= text_.size()) return ScalarStyle::kPlain;
  switch (text_[p]) {
    case '"':
      return ScalarStyle::kDoubleQuoted;
    case '\'':
      return ScalarStyle::kSingleQuoted;
    case '|':
      return ScalarStyle::kLiteral;
    case '>':
      return ScalarStyle::kFolded;
    default:
      return ScalarStyle::kPlain;
  }
}

size_t SourceText::ContentStart(size_t token) const {
  size_t p = SkipProperties(text_, token);
  if (p >= text_.size()) return text_.size();
  char c = text_[p];
  if (c == '"' || c == '\'') return p + 1;
  if (c == '|' || c == '>') {
    size_t nl = text_.find('\n', p);
    return nl == std::string_view::npos ? text_.size() : nl + 1;
  }
  return p;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Finds the source byte that produced value character `c`, starting at *j, and moves
// *j past it. Quotes, escapes, indentation and folded line breaks in the source are
// skipped; when nothing matches, the current position is the best guess.
size_t Match(std::string_view text, char c, size_t* j) {
  size_t start = *j;
  if (start >= text.size()) return text.size();
  if (text[start] == c) return (*j = start + 1) - 1;
  size_t k = start;
  if (!IsSpace(c)) {
    while (k < text.size() && IsSpace(text[k])) ++k;
    if (k < text.size() && text[k] == c) return (*j = k + 1) - 1;
  }
  for (k = start + 1; k < text.size() && k < start + 8; ++k)
    if (text[k] == c) return (*j = k + 1) - 1;
  *j = start + 1;
  return start;
}

}  // namespace

SourceLoc SourceText::InScalar(const YAML::Node& scalar, size_t offset) const {
  size_t token = OffsetOf(scalar.Mark());
  if (token == std::string_view::npos) return SourceLoc{file_, 0, 0};
  const std::string& value = scalar.Scalar();
  size_t j = ContentStart(token);
  if (value.empty()) return AtOffset(j);
  size_t pos = j;
  for (size_t i = 0; i <= offset && i < value.size(); ++i) pos = Match(text_, value[i], &j);
  if (offset >= value.size()) pos = j;
  return AtOffset(pos);
}

Status SourceText::Error(const SourceLoc& loc, const std::string& message) const {
  return Status::Invalid(FormatLocated(loc, message, std::string(text_)));
}

}  // namespace spec
}  // namespace drover
