#include "plan/render.h"

#include <cctype>

#include "util/fs.h"
#include "util/hash.h"
#include "util/shell.h"

namespace drover {
namespace {

bool IsPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ',' ||
         c == '+' || c == '@' || c == '%' || c == '/' || c == '-';
}

// If `word` (or its part after the last '=') names a file or folder inside the
// workflow folder, returns that part's offset in word; npos otherwise.
size_t CodePathOffset(const std::string& dir, const std::string& word, FileStat* st) {
  size_t eq = word.rfind('=');
  size_t off = eq == std::string::npos ? 0 : eq + 1;
  std::string path = word.substr(off);
  if (path.empty() || path[0] == '/' || path[0] == '-' || path.find("..") != std::string::npos)
    return std::string::npos;
  for (char c : path)
    if (!IsPathChar(c)) return std::string::npos;
  *st = StatPath(dir + "/" + path);
  return st->exists ? off : std::string::npos;
}

// Rewrites one literal part. `open_start`/`open_end`: the part touches a
// substitution on that side, so its first/last word is incomplete and left alone.
Status RewriteLiteral(const Workflow& wf, const std::string& text, bool open_start,
                      bool open_end, std::string* run, std::vector<std::string>* code) {
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      *run += text[i++];
      continue;
    }
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    std::string word = text.substr(i, j - i);
    bool partial = (i == 0 && open_start) || (j == text.size() && open_end);
    FileStat st;
    size_t off = partial ? std::string::npos : CodePathOffset(wf.dir, word, &st);
    if (off == std::string::npos) {
      *run += word;
    } else {
      std::string rel = word.substr(off);
      *run += word.substr(0, off) + ShellQuote(wf.dir + "/" + rel);
      if (!st.is_dir) code->push_back(rel);
    }
    i = j;
  }
  return Status::Ok();
}

}  // namespace

Result<PreparedCommand> PrepareCommand(const Workflow& wf, const Step& step) {
  PreparedCommand pc;
  auto parts = ParseTemplate(step.run, nullptr);
  if (!parts.ok()) return parts.status().With("step '" + step.name + "'");
  pc.parts = std::move(*parts);
  pc.key_text.resize(pc.parts.size());
  pc.run_text.resize(pc.parts.size());
  for (size_t i = 0; i < pc.parts.size(); ++i) {
    const TemplatePart& p = pc.parts[i];
    if (p.kind != TemplatePart::Kind::kLiteral) continue;
    pc.key_text[i] = p.text;
    DROVER_RETURN_IF_ERROR(RewriteLiteral(wf, p.text, i > 0, i + 1 < pc.parts.size(),
                                          &pc.run_text[i], &pc.code_files));
  }
  Hasher h;
  for (const std::string& rel : pc.code_files) {
    auto fh = HashFile(wf.dir + "/" + rel);
    if (!fh.ok()) return fh.status().With("step '" + step.name + "'");
    h.Add(rel).Add(*fh);
  }
  pc.code_hash = h.HexDigest();
  return pc;
}

}  // namespace drover
