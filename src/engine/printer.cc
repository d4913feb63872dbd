#include "engine/printer.h"

#include "util/clock.h"
#include "util/escape.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

namespace drover {
namespace {

int TerminalWidth(FILE* f) {
  struct winsize ws;
  if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col;
  return 80;
}

std::string Duration(double s) {
  if (s < 60) return fmt::format("{:.0f}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return fmt::format("{}h{:02}m", static_cast<int>(s) / 3600, static_cast<int>(s) % 3600 / 60);
}

}  // namespace

Printer::Printer(FILE* out, bool smart, bool color) : out_(out), smart_(smart), color_(color) {}

Printer Printer::ForStdout(bool quiet) {
  const char* term = std::getenv("TERM");
  bool tty = isatty(fileno(stdout)) && !(term && std::string(term) == "dumb");
  bool color = tty && !std::getenv("NO_COLOR");
  Printer p(stdout, tty, color);
  p.quiet_ = quiet;
  return p;
}

std::string Printer::StatusText(const Progress& p) const {
  int finished = p.done + p.reused + p.failed + p.skipped;
  std::string s = fmt::format("[{}/{}] ", finished, p.total);
  int local = p.running - p.remote;
  if (p.remote == 0 || local > 0) s += fmt::format("{} running, ", local);
  if (p.remote > 0)  // "3 queued, 5 running on slurm"
    s += fmt::format("{} queued, {} running on slurm, ", p.queued, p.remote - p.queued);
  s += fmt::format("{} done, {} reused", p.done, p.reused);
  if (p.failed) s += fmt::format(", {} failed", p.failed);
  if (p.skipped) s += fmt::format(", {} skipped", p.skipped);
  if (p.late) s += fmt::format(", {} going to miss their deadline", p.late);
  if (p.done > 0 && p.elapsed_s > 0) {
    double rate = p.done / p.elapsed_s;
    int left = p.total - finished;
    s += fmt::format(" | {:.1f} jobs/s", rate);
    if (left > 0) s += " | ETA " + Duration(p.eta_s >= 0 ? p.eta_s : left / rate);
  }
  return s;
}

void Printer::Emit(const std::string& text, const Progress& p) {
  if (smart_) {
    if (line_open_) fputs("\r\x1b[K", out_);
    fputs(text.c_str(), out_);
    fputc('\n', out_);
    line_open_ = false;
    Refresh(p);
  } else if (!quiet_) {
    int finished = p.done + p.reused + p.failed + p.skipped;
    fprintf(out_, "[%d/%d] %s\n", finished, p.total, text.c_str());
  }
  fflush(out_);
}

void Printer::Started(const std::string& name, int attempt, const Progress& p) {
  if (smart_) {
    Refresh(p);
    return;
  }
  Emit(attempt > 1 ? fmt::format("start {} (attempt {})", Escape(name), attempt)
                   : "start " + Escape(name),
       p);
}

void Printer::Finished(const std::string& name, double seconds, const Progress& p) {
  if (smart_) {
    Refresh(p);
    return;
  }
  Emit(fmt::format("done  {} ({:.1f}s)", Escape(name), seconds), p);
}

void Printer::Note(const std::string& name, const std::string& what, const Progress& p) {
  Emit(EscapeKeepLines(what) + " " + Escape(name), p);
}

namespace {

// "  stderr (last lines):" and the tail, each line indented and escaped.
std::string TailBlock(const std::string& tail) {
  std::string text = "\n  stderr (last lines):";
  size_t start = 0;
  while (start <= tail.size()) {
    size_t nl = tail.find('\n', start);
    text += "\n    " + Escape(tail.substr(start, nl == std::string::npos ? nl : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return text;
}

}  // namespace

void Printer::Failed(const std::string& name, const std::string& reason,
                     const std::string& tail, const std::string& log_hint, const Progress& p) {
  std::string red = color_ ? "\x1b[31m" : "", off = color_ ? "\x1b[0m" : "";
  std::string text = red + "FAILED " + off + Escape(name) + ": " + EscapeKeepLines(reason);
  FailureGroup* same = nullptr;
  for (FailureGroup& g : failures_)
    if (!tail.empty() && g.tail == tail) same = &g;
  if (same) {
    text += "\n  stderr: the same last lines as " + Escape(same->names.front());
    same->names.push_back(name);
  } else {
    if (!tail.empty()) text += TailBlock(tail);
    if (!tail.empty()) failures_.push_back({tail, {name}});
  }
  text += "\n  whole log: " + Escape(log_hint);
  bool was_quiet = quiet_;
  quiet_ = false;  // failures are always shown
  Emit(text, p);
  quiet_ = was_quiet;
}

void Printer::FailureSummary() {
  constexpr size_t kNamesShown = 10;
  for (const FailureGroup& g : failures_) {
    if (g.names.size() < 2) continue;
    std::string text = fmt::format("{} jobs failed with:", g.names.size()) + TailBlock(g.tail) +
                       "\n  jobs:";
    for (size_t i = 0; i < g.names.size() && i < kNamesShown; ++i)
      text += (i ? ", " : " ") + Escape(g.names[i]);
    if (g.names.size() > kNamesShown)
      text += fmt::format(" and {} more (drover jobs --state failed)", g.names.size() - kNamesShown);
    fputs((text + "\n").c_str(), out_);
  }
  failures_.clear();
}

void Printer::Refresh(const Progress& p) {
  if (!smart_) return;
  double now = NowSeconds();
  if (line_open_ && now - last_refresh_ < 0.05) return;
  last_refresh_ = now;
  std::string s = StatusText(p);
  size_t width = static_cast<size_t>(TerminalWidth(out_)) - 1;
  if (s.size() > width) s.resize(width);
  fputs("\r", out_);
  fputs(s.c_str(), out_);
  fputs("\x1b[K", out_);
  fflush(out_);
  line_open_ = true;
}

void Printer::Line(const std::string& text) {
  if (smart_ && line_open_) fputs("\r\x1b[K", out_);
  line_open_ = false;
  fputs(EscapeKeepLines(text).c_str(), out_);
  fputc('\n', out_);
  fflush(out_);
}

void Printer::Warn(const std::string& text) {
  if (smart_ && line_open_) fputs("\r\x1b[K", out_);
  line_open_ = false;
  fflush(out_);
  fputs((EscapeKeepLines(text) + "\n").c_str(), stderr);
  fflush(stderr);
}

void Printer::Done() {
  if (smart_ && line_open_) fputs("\r\x1b[K", out_);
  line_open_ = false;
  FailureSummary();
  fflush(out_);
}

}  // namespace drover
