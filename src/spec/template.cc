// Command templates (see template.h): a single left-to-right scan, no backtracking.
// Every error names the offending character by its byte offset so the parser can put
// a caret under it in the workflow file.
#include "spec/template.h"

#include <utility>

namespace drover {
namespace {

bool IsNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-'; }

// Offset of the first character of `name` that breaks [A-Za-z_][A-Za-z0-9_-]*, or
// npos when the whole name is valid. An empty name is invalid at offset 0.
size_t BadNameChar(std::string_view name) {
  if (name.empty() || !IsNameStart(name[0])) return 0;
  for (size_t i = 1; i < name.size(); ++i)
    if (!IsNameChar(name[i])) return i;
  return std::string_view::npos;
}

// Accumulates the parts; consecutive literal text is merged into one part.
class Builder {
 public:
  void Literal(std::string_view text, size_t offset) {
    if (parts_.empty() || parts_.back().kind != TemplatePart::Kind::kLiteral) {
      TemplatePart p;
      p.offset = offset;
      parts_.push_back(std::move(p));
    }
    parts_.back().text.append(text);
  }
  void Add(TemplatePart p) { parts_.push_back(std::move(p)); }
  std::vector<TemplatePart> Take() { return std::move(parts_); }

 private:
  std::vector<TemplatePart> parts_;
};

struct Failure {
  std::string message;
  size_t offset;
};

const char kBraceHint[] = "; write {{ and }} for literal braces";

// Parses the inside of "{...}" (`inner`, which starts at byte `base` of the template).
// On failure fills *fail and returns false.
bool ParseBraced(std::string_view inner, size_t base, TemplatePart* part, Failure* fail) {
  std::string_view body = inner;
  bool gather = false;
  if (body.size() >= 3 && body.substr(body.size() - 3) == "...") {
    gather = true;
    body.remove_suffix(3);
  }
  size_t dot = body.find('.');
  std::string_view name = body.substr(0, dot);
  size_t bad = BadNameChar(name);
  if (bad != std::string_view::npos) {
    *fail = {"'{" + std::string(inner) + "}' is neither {axis} nor {step.output} (names are " +
                 "[A-Za-z_][A-Za-z0-9_-]*)" + kBraceHint,
             base + bad};
    return false;
  }
  if (dot == std::string_view::npos) {
    if (gather) {
      *fail = {"'...' gathers a step's outputs, as in {step.output...}; an axis {" +
                   std::string(name) + "} has one value per job",
               base + name.size()};
      return false;
    }
    part->kind = TemplatePart::Kind::kParam;
    part->text = std::string(name);
    return true;
  }
  if (dot + 1 == body.size()) {
    *fail = {"missing output name after '" + std::string(name) + ".'; write {" + std::string(name) +
                 ".OUTPUT}",
             base + dot};
    return false;
  }
  part->kind = TemplatePart::Kind::kRef;
  part->step = std::string(name);
  part->output = std::string(body.substr(dot + 1));
  part->gather = gather;
  return true;
}

// Handles the '{' at text[*i]: an escape "{{" or a braced name. Advances *i.
bool OpenBrace(std::string_view text, size_t* i, Builder* out, Failure* fail) {
  size_t at = *i;
  if (at + 1 < text.size() && text[at + 1] == '{') {
    out->Literal("{", at);
    *i = at + 2;
    return true;
  }
  size_t close = text.find('}', at + 1);
  if (close == std::string_view::npos) {
    *fail = {"unclosed '{': add the closing '}'" + std::string(kBraceHint), at};
    return false;
  }
  if (close == at + 1) {
    *fail = {"empty '{}': write {axis} or {step.output}" + std::string(kBraceHint), at};
    return false;
  }
  TemplatePart part;
  part.offset = at;
  if (!ParseBraced(text.substr(at + 1, close - at - 1), at + 1, &part, fail)) return false;
  out->Add(std::move(part));
  *i = close + 1;
  return true;
}

// Handles "${...}" at text[*i]: copied as literal text up to the first '}'.
bool ShellExpansion(std::string_view text, size_t* i, Builder* out, Failure* fail) {
  size_t at = *i;
  size_t close = text.find('}', at + 2);
  if (close == std::string_view::npos) {
    *fail = {"unclosed '${': add the closing '}'", at};
    return false;
  }
  out->Literal(text.substr(at, close + 1 - at), at);
  *i = close + 1;
  return true;
}

// Handles the '}' at text[*i]: only "}}" is allowed outside a braced name.
bool CloseBrace(std::string_view text, size_t* i, Builder* out, Failure* fail) {
  size_t at = *i;
  if (at + 1 < text.size() && text[at + 1] == '}') {
    out->Literal("}", at);
    *i = at + 2;
    return true;
  }
  *fail = {"stray '}' with no '{' before it" + std::string(kBraceHint), at};
  return false;
}

}  // namespace

Result<std::vector<TemplatePart>> ParseTemplate(std::string_view text, size_t* err_offset) {
  Builder out;
  Failure fail;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    bool ok = true;
    if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      ok = ShellExpansion(text, &i, &out, &fail);
    } else if (c == '{') {
      ok = OpenBrace(text, &i, &out, &fail);
    } else if (c == '}') {
      ok = CloseBrace(text, &i, &out, &fail);
    } else {
      size_t end = text.find_first_of("${}", i + 1);
      if (end == std::string_view::npos) end = text.size();
      out.Literal(text.substr(i, end - i), i);
      i = end;
    }
    if (!ok) {
      if (err_offset != nullptr) *err_offset = fail.offset;
      return Status::Invalid(fail.message);
    }
  }
  return out.Take();
}

}  // namespace drover
