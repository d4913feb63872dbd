#include "plan/render.h"

#include <cctype>
#include <optional>
#include <unordered_set>

#include "spec/parser.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/shell.h"

namespace drover {
namespace {

// Stands for a substitution ({axis}, {step.output}) while the command is split into
// words: a substituted value is always one quoted word, so the hole is part of a word.
constexpr char kHole = '\x03';

bool IsPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ',' ||
         c == '+' || c == '@' || c == '%' || c == '/' || c == '-';
}

bool EndsWith(const std::string& s, const char* tail) {
  std::string t(tail);
  return s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

// Commands whose first argument that is not an option is a script they run.
bool IsInterpreter(const std::string& command) {
  std::string base = command.substr(command.rfind('/') + 1);
  if (base.rfind("python", 0) == 0)
    return base.find_first_not_of("0123456789.", 6) == std::string::npos;
  for (const char* i : {"bash", "sh", "dash", "zsh", "ksh", "Rscript", "julia", "perl", "ruby", "node"})
    if (base == i) return true;
  return false;
}

// Commands that run the command named by their first argument that is not an option.
bool IsWrapper(const std::string& command) {
  for (const char* w : {"env", "time", "exec", "nohup", "command"})
    if (command == w) return true;
  return false;
}

bool HasScriptExtension(const std::string& path) {
  for (const char* e : {".py", ".sh", ".bash", ".R", ".r", ".jl", ".pl", ".rb", ".js"})
    if (EndsWith(path, e)) return true;
  return false;
}

// What the simple command being read has shown so far.
struct CommandState {
  int id = -1;
  std::string name;           // the command run (after env, time, ...)
  bool wrapper = false;       // the next argument that is not an option names the command
  bool interpreter = false;
  bool script_seen = false;   // its script argument has been read
  bool no_script = false;     // -c, -m or -e: code given inline or by module name
  bool cd_target_seen = false;
};

// Finds the words of a step's command that name files of the workflow folder, rewrites
// them to absolute paths and lists the files among the code files (README, "Code files").
class CodeFinder {
 public:
  CodeFinder(const Workflow& wf, const Step& step, PreparedCommand* pc)
      : wf_(wf), step_(step), pc_(pc) {}

  Status Run() {
    Skeletonize();
    words_ = ShellWords(skeleton_);
    for (const ShellWord& w : words_) DROVER_RETURN_IF_ERROR(Visit(w));
    Render();
    return Status::Ok();
  }

 private:
  struct Edit {
    size_t begin, end;  // in skeleton_
    std::string with;
  };

  void Skeletonize() {
    part_at_.assign(pc_->parts.size(), std::string::npos);
    for (size_t i = 0; i < pc_->parts.size(); ++i) {
      if (pc_->parts[i].kind != TemplatePart::Kind::kLiteral) {
        skeleton_ += kHole;
        continue;
      }
      part_at_[i] = skeleton_.size();
      skeleton_ += pc_->parts[i].text;
    }
  }

  Status Visit(const ShellWord& w) {
    using R = ShellWord::Role;
    if (w.role == R::kOpen || w.role == R::kClose) {  // a subshell: cd ends with it
      if (w.role == R::kOpen) dirs_.push_back(dirs_.back());
      if (w.role == R::kClose && dirs_.size() > 1) dirs_.pop_back();
      return Status::Ok();
    }
    if (w.command != cmd_.id) {
      cmd_ = CommandState();
      cmd_.id = w.command;
    }
    bool hole = skeleton_.find(kHole, w.begin) < w.end;
    if (w.role == R::kRedirectOut) {
      if (!hole) written_.insert(w.text);
      return Status::Ok();
    }
    bool is_command = w.role == R::kCommand ||
                      (w.role == R::kArgument && cmd_.wrapper && !w.text.empty() &&
                       w.text[0] != '-' && w.text.find('=') == std::string::npos);
    bool script = false;  // the script an interpreter runs
    if (is_command) {
      cmd_.wrapper = IsWrapper(w.text);
      cmd_.name = w.text;
      cmd_.interpreter = IsInterpreter(w.text);
    } else if (w.role == R::kArgument && cmd_.interpreter && !cmd_.script_seen && !cmd_.no_script) {
      if (w.text == "-c" || w.text == "-m" || w.text == "-e" || w.text.rfind("-m", 0) == 0)
        cmd_.no_script = true;
      else if (w.text.empty() || w.text[0] != '-')
        script = cmd_.script_seen = true;
    }
    bool cd_target = !is_command && w.role == R::kArgument && cmd_.name == "cd" &&
                     !cmd_.cd_target_seen && (w.text.empty() || w.text[0] != '-');
    if (cd_target) cmd_.cd_target_seen = true;
    std::optional<std::string> dir = dirs_.back();
    if (hole || !w.literal) {
      if (cd_target) dirs_.back().reset();  // somewhere drover cannot know
      return Status::Ok();
    }
    DROVER_RETURN_IF_ERROR(Word(w, is_command, script, dir));
    if (cd_target) dirs_.back() = CdTarget(dir, w.text);
    return Status::Ok();
  }

  // The folder (relative to the workflow's) that `cd target` from `dir` enters, when
  // it is inside the workflow folder and exists.
  std::optional<std::string> CdTarget(const std::optional<std::string>& dir,
                                      const std::string& target) const {
    if (!dir || target.empty() || target[0] == '/' || target.find("..") != std::string::npos)
      return std::nullopt;
    std::string rel = Join(*dir, target);
    if (!StatPath(wf_.dir + "/" + rel).is_dir) return std::nullopt;
    while (rel.size() > 1 && rel.back() == '/') rel.pop_back();
    return rel;
  }

  static std::string Join(const std::string& dir, std::string path) {
    if (dir.empty()) return path;
    while (path.rfind("./", 0) == 0) path.erase(0, 2);
    return dir + "/" + path;
  }

  // A literal word without substitutions: rewritten when it (or its part after the
  // last '=') names a file or folder of the workflow folder; an error when it must name
  // a script that is not there.
  Status Word(const ShellWord& w, bool is_command, bool script,
              const std::optional<std::string>& dir) {
    if (!dir) return Status::Ok();  // after a cd drover cannot follow
    size_t off = 0;
    if (!is_command && !w.quoted) {
      size_t eq = w.text.rfind('=');
      if (eq != std::string::npos) off = eq + 1;
    }
    std::string path = w.text.substr(off);
    if (path.empty() || path[0] == '/' || path[0] == '-' || path.find("..") != std::string::npos)
      return Status::Ok();
    if (!w.quoted)
      for (char c : path)
        if (!IsPathChar(c)) return Status::Ok();
    std::string rel = Join(*dir, path);
    FileStat st = StatPath(wf_.dir + "/" + rel);
    if (st.exists) {
      edits_.push_back({w.begin + off, w.end, ShellQuote(wf_.dir + "/" + rel)});
      if (!st.is_dir) pc_->code_files.push_back(rel);
      return Status::Ok();
    }
    bool must_exist = (is_command && path.find('/') != std::string::npos) ||
                      (script && HasScriptExtension(path));
    if (!must_exist || written_.count(w.text)) return Status::Ok();
    for (const std::string& out : step_.outputs)
      if (out == path) return Status::Ok();
    return Missing(w, rel);
  }

  Status Missing(const ShellWord& w, const std::string& rel) const {
    std::string msg = "step '" + step_.name + "' runs '" + rel +
                      "', which is not in the workflow folder " + wf_.dir +
                      "; each job runs in a folder of its own, so the code it runs must be in "
                      "the workflow folder: create it there, or correct the name";
    SourceLoc loc = LocationOf(w.begin);
    if (loc.line <= 0) return Status::Invalid(wf_.path + ": " + msg);
    auto source = ReadRegularFile(wf_.path, kMaxSpecFileBytes);
    return Status::Invalid(FormatLocated(loc, msg, source.ok() ? *source : ""));
  }

  // Where skeleton_[at] was written in the workflow file: exact for one-line run:
  // values and literal blocks, approximate for quoted values with escapes.
  SourceLoc LocationOf(size_t at) const {
    SourceLoc loc = step_.run_loc;
    if (loc.line <= 0) return loc;
    size_t in_run = 0;
    for (size_t i = 0; i < part_at_.size(); ++i)
      if (part_at_[i] != std::string::npos && part_at_[i] <= at)
        in_run = pc_->parts[i].offset + (at - part_at_[i]);
    in_run = std::min(in_run, step_.run.size());
    size_t nl = step_.run.rfind('\n', in_run == 0 ? 0 : in_run - 1);
    if (nl == std::string::npos || in_run == 0) {
      loc.col += static_cast<int>(in_run);
      return loc;
    }
    if (!step_.run_is_block) return loc;  // a value over several lines: its start
    for (size_t k = 0; k < in_run; ++k) loc.line += step_.run[k] == '\n';
    loc.col += static_cast<int>(in_run - nl - 1);
    return loc;
  }

  // Each literal part as run: its text with the edits that fall in it.
  void Render() {
    for (size_t i = 0; i < pc_->parts.size(); ++i) {
      if (part_at_[i] == std::string::npos) continue;
      const std::string& text = pc_->parts[i].text;
      pc_->key_text[i] = text;
      size_t start = part_at_[i], done = 0;
      std::string& run = pc_->run_text[i];
      for (const Edit& e : edits_) {
        if (e.begin < start || e.end > start + text.size()) continue;
        run += text.substr(done, e.begin - start - done) + e.with;
        done = e.end - start;
      }
      run += text.substr(done);
    }
  }

  const Workflow& wf_;
  const Step& step_;
  PreparedCommand* pc_;
  std::string skeleton_;
  std::vector<size_t> part_at_;  // where each literal part starts in skeleton_ (npos: others)
  std::vector<ShellWord> words_;
  std::vector<Edit> edits_;      // in order
  std::vector<std::optional<std::string>> dirs_{std::string()};  // per scope: where cd went
  std::unordered_set<std::string> written_;  // targets of > seen so far
  CommandState cmd_;
};

}  // namespace

Result<PreparedCommand> PrepareCommand(const Workflow& wf, const Step& step) {
  PreparedCommand pc;
  auto parts = ParseTemplate(step.run, nullptr);
  if (!parts.ok()) return parts.status().With("step '" + step.name + "'");
  pc.parts = std::move(*parts);
  pc.key_text.resize(pc.parts.size());
  pc.run_text.resize(pc.parts.size());
  DROVER_RETURN_IF_ERROR(CodeFinder(wf, step, &pc).Run());
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
