#include "util/shell.h"

#include <algorithm>
#include <optional>

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

namespace drover {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsMeta(char c) {  // ends an unquoted word
  return IsBlank(c) || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
         c == '<' || c == '>';
}
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }

// Reserved words after which the next word is again in command position.
bool OpensCommand(const std::string& w) {
  return w == "if" || w == "then" || w == "else" || w == "elif" || w == "do" || w == "while" ||
         w == "until" || w == "{" || w == "!";
}
bool IsReserved(const std::string& w) {
  return OpensCommand(w) || w == "fi" || w == "done" || w == "}" || w == "esac" ||
         w == "case" || w == "for" || w == "in";
}

// Splits s[from, to) into words, appending them to *out (see ShellWords).
class Splitter {
 public:
  Splitter(std::string_view s, size_t to, std::vector<ShellWord>* out, int* commands)
      : s_(s), end_(to), out_(out), commands_(commands) {}

  void Run(size_t from) {
    i_ = from;
    NewCommand();
    while (i_ < end_) Step();
  }

 private:
  struct HereDoc {
    std::string delimiter;
    bool strip_tabs;
  };

  void Step() {
    char c = s_[i_];
    if (IsBlank(c)) return void(++i_);
    if (c == '\\' && At(i_ + 1) == '\n') return void(i_ += 2);
    if (c == '\n') {
      ++i_;
      SkipHereDocs();
      return NewCommand();
    }
    if (c == '#') {
      while (i_ < end_ && s_[i_] != '\n') ++i_;
      return;
    }
    if (c == '&' && At(i_ + 1) == '>') {  // &> and &>> (bash): both outputs to a file
      i_ += At(i_ + 2) == '>' ? 3 : 2;
      pending_ = ShellWord::Role::kRedirectOut;
      return;
    }
    if (c == ';' || c == '&' || c == '|') {
      i_ += (At(i_ + 1) == c || (c == '|' && At(i_ + 1) == '&')) ? 2 : 1;
      return NewCommand();
    }
    if (c == '(' || c == ')') {
      Mark(c == '(' ? ShellWord::Role::kOpen : ShellWord::Role::kClose, i_++);
      if (c == '(') NewCommand();
      else cmd_start_ = false;
      return;
    }
    size_t d = i_;
    while (d < end_ && IsDigitChar(s_[d])) ++d;
    if (At(d) == '<' || At(d) == '>') {  // [n]< [n]> ...: the digits are a descriptor
      i_ = d;
      return Redirect();
    }
    Word();
  }

  char At(size_t k) const { return k < end_ ? s_[k] : '\0'; }

  void NewCommand() {
    cmd_start_ = true;
    pending_.reset();
    command_ = (*commands_)++;
  }

  void Mark(ShellWord::Role role, size_t at) {
    ShellWord w;
    w.text = role == ShellWord::Role::kOpen ? "(" : ")";
    w.begin = w.end = at;
    w.role = role;
    w.command = command_;
    out_->push_back(std::move(w));
  }

  void Redirect() {
    using R = ShellWord::Role;
    auto starts = [&](std::string_view op) { return s_.substr(i_, op.size()) == op; };
    heredoc_ = 0;
    if (starts("<<-")) i_ += 3, heredoc_ = 2, pending_ = R::kRedirectOut;
    else if (starts("<<")) i_ += 2, heredoc_ = 1, pending_ = R::kRedirectOut;
    else if (starts("<>")) i_ += 2, pending_ = R::kRedirectIn;
    else if (starts("<&")) i_ += 2, pending_ = R::kRedirectOut;
    else if (starts("<")) i_ += 1, pending_ = R::kRedirectIn;
    else if (starts(">>") || starts(">|") || starts(">&")) i_ += 2, pending_ = R::kRedirectOut;
    else i_ += 1, pending_ = R::kRedirectOut;
  }

  void Word() {
    ShellWord w;
    w.begin = i_;
    w.command = command_;
    while (i_ < end_ && !IsMeta(s_[i_])) {
      char c = s_[i_];
      if (c == '\\') {
        w.quoted = true;
        if (At(i_ + 1) != '\n' && i_ + 1 < end_) w.text += s_[i_ + 1];
        i_ += 2;
      } else if (c == '\'') {
        w.quoted = true;
        size_t close = std::min(s_.find('\'', i_ + 1), end_);
        w.text += s_.substr(i_ + 1, close - i_ - 1);
        i_ = close + 1;
      } else if (c == '"') {
        w.quoted = true;
        DoubleQuoted(&w);
      } else if (c == '$') {
        Dollar(&w);
      } else if (c == '`') {
        Backticks(&w);
      } else {
        if (c == '*' || c == '?' || c == '[' || (c == '~' && i_ == w.begin)) w.literal = false;
        w.text += c;
        ++i_;
      }
    }
    i_ = std::min(i_, end_);
    w.end = i_;
    Classify(&w);
    out_->push_back(std::move(w));
  }

  void DoubleQuoted(ShellWord* w) {
    ++i_;
    while (i_ < end_ && s_[i_] != '"') {
      char c = s_[i_];
      if (c == '\\' && i_ + 1 < end_ && std::string_view("$`\"\\\n").find(s_[i_ + 1]) != std::string_view::npos) {
        if (s_[i_ + 1] != '\n') w->text += s_[i_ + 1];
        i_ += 2;
      } else if (c == '$') {
        Dollar(w);
      } else if (c == '`') {
        Backticks(w);
      } else {
        w->text += c;
        ++i_;
      }
    }
    ++i_;  // the closing quote
  }

  // The index of the ')' that closes the '(' at `open`, skipping quoted text; end_ if none.
  size_t CloseParen(size_t open) const {
    int depth = 0;
    for (size_t k = open; k < end_; ++k) {
      char c = s_[k];
      if (c == '\\') ++k;
      else if (c == '\'') k = std::min(s_.find('\'', k + 1), end_);
      else if (c == '"') k = CloseQuote(k);
      else if (c == '(') ++depth;
      else if (c == ')' && --depth == 0) return k;
    }
    return end_;
  }

  // The index of the '"' that closes the one at `open`; end_ if none.
  size_t CloseQuote(size_t open) const {
    for (size_t k = open + 1; k < end_; ++k) {
      if (s_[k] == '\\') ++k;
      else if (s_[k] == '"') return k;
    }
    return end_;
  }

  // Splits s_[from, to) as a nested command between kOpen and kClose marks.
  void Nested(size_t from, size_t to) {
    Mark(ShellWord::Role::kOpen, from);
    Splitter(s_, to, out_, commands_).Run(from);
    Mark(ShellWord::Role::kClose, to);
  }

  void Dollar(ShellWord* w) {
    size_t start = i_;
    char n = At(i_ + 1);
    if (n == '(' && At(i_ + 2) == '(') {  // $(( arithmetic ))
      i_ = CloseParen(i_ + 1) + 1;
    } else if (n == '(') {  // $( command )
      size_t close = CloseParen(i_ + 1);
      Nested(i_ + 2, close);
      i_ = close + 1;
    } else if (n == '{') {
      size_t close = std::min(s_.find('}', i_ + 2), end_);
      i_ = close + 1;
    } else if (IsNameStart(n)) {
      i_ += 1;
      while (i_ < end_ && IsNameChar(s_[i_])) ++i_;
    } else if (n != '\0' && std::string_view("@*#?-$!0123456789").find(n) != std::string_view::npos) {
      i_ += 2;
    } else {  // a lone '$' is itself
      w->text += '$';
      ++i_;
      return;
    }
    i_ = std::min(i_, end_);
    w->text += s_.substr(start, i_ - start);
    w->literal = false;
  }

  void Backticks(ShellWord* w) {
    size_t close = i_ + 1;
    while (close < end_ && s_[close] != '`') close += s_[close] == '\\' ? 2 : 1;
    close = std::min(close, end_);
    std::string_view inner = s_.substr(i_ + 1, close - i_ - 1);
    if (inner.find('\\') == std::string_view::npos) Nested(i_ + 1, close);
    w->text += s_.substr(i_, std::min(close + 1, end_) - i_);
    w->literal = false;
    i_ = std::min(close + 1, end_);
  }

  void Classify(ShellWord* w) {
    using R = ShellWord::Role;
    if (pending_) {
      w->role = *pending_;
      if (heredoc_) here_docs_.push_back({w->text, heredoc_ == 2});
      pending_.reset();
      heredoc_ = 0;
      return;
    }
    if (!cmd_start_) return;  // kArgument
    size_t k = w->begin;
    if (IsNameStart(s_[k])) {
      while (k < w->end && IsNameChar(s_[k])) ++k;
      if (k < w->end && s_[k] == '=') return void(w->role = R::kAssignment);
    }
    if (!w->quoted && IsReserved(w->text)) {
      cmd_start_ = OpensCommand(w->text);
      return;  // kArgument
    }
    w->role = R::kCommand;
    cmd_start_ = false;
  }

  void SkipHereDocs() {
    for (const HereDoc& h : here_docs_) {
      while (i_ < end_) {
        size_t nl = std::min(s_.find('\n', i_), end_);
        std::string_view line = s_.substr(i_, nl - i_);
        if (h.strip_tabs) line.remove_prefix(std::min(line.find_first_not_of('\t'), line.size()));
        i_ = std::min(nl + 1, end_);
        if (line == h.delimiter) break;
      }
    }
    here_docs_.clear();
  }

  std::string_view s_;
  size_t end_;
  std::vector<ShellWord>* out_;
  int* commands_;
  size_t i_ = 0;
  bool cmd_start_ = true;
  int command_ = 0;
  std::optional<ShellWord::Role> pending_;
  int heredoc_ = 0;  // the pending redirection is <<  (1) or <<- (2)
  std::vector<HereDoc> here_docs_;
};

}  // namespace

std::vector<ShellWord> ShellWords(std::string_view command) {
  std::vector<ShellWord> out;
  int commands = 0;
  Splitter(command, command.size(), &out, &commands).Run(0);
  return out;
}

}  // namespace drover
