// Durations and amounts of memory as users write them (see parser.h).
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>

#include "spec/parser.h"

namespace drover {
namespace {

// Reads an unsigned decimal number ("12", "1.5") at the front of *s and removes it.
bool TakeNumber(std::string_view* s, double* out) {
  size_t i = 0, digits = 0;
  while (i < s->size() && std::isdigit(static_cast<unsigned char>((*s)[i]))) ++i, ++digits;
  if (i < s->size() && (*s)[i] == '.') {
    ++i;
    while (i < s->size() && std::isdigit(static_cast<unsigned char>((*s)[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  *out = std::strtod(std::string(s->substr(0, i)).c_str(), nullptr);
  s->remove_prefix(i);
  return true;
}

// Reads exactly two digits below 60 ("05", "59").
bool TakeSexagesimal(std::string_view* s, double* out) {
  if (s->size() < 2 || !std::isdigit(static_cast<unsigned char>((*s)[0])) ||
      !std::isdigit(static_cast<unsigned char>((*s)[1])))
    return false;
  int v = ((*s)[0] - '0') * 10 + ((*s)[1] - '0');
  if (v >= 60) return false;
  *out = v;
  s->remove_prefix(2);
  return true;
}

// "H:MM:SS" or "D-H:MM:SS".
bool ParseClock(std::string_view s, double* out) {
  double days = 0, hours = 0, minutes = 0, seconds = 0;
  size_t dash = s.find('-');
  if (dash != std::string_view::npos) {
    std::string_view d = s.substr(0, dash);
    if (!TakeNumber(&d, &days) || !d.empty() || days != std::floor(days)) return false;
    s.remove_prefix(dash + 1);
  }
  if (!TakeNumber(&s, &hours) || hours != std::floor(hours)) return false;
  if (s.empty() || s[0] != ':') return false;
  s.remove_prefix(1);
  if (!TakeSexagesimal(&s, &minutes) || s.empty() || s[0] != ':') return false;
  s.remove_prefix(1);
  if (!TakeSexagesimal(&s, &seconds) || !s.empty()) return false;
  *out = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
  return true;
}

// "45", "90s", "1h30m", "1d12h": numbers with units d > h > m > s, each at most once.
bool ParseUnits(std::string_view s, double* out) {
  static const std::string_view kUnits = "dhms";
  static const double kSeconds[] = {86400, 3600, 60, 1};
  double total = 0, v = 0;
  size_t next_unit = 0;
  if (!TakeNumber(&s, &v)) return false;
  if (s.empty()) return (*out = v), true;  // a plain number: seconds
  while (true) {
    size_t u = s.empty() ? std::string_view::npos : kUnits.find(s[0], next_unit);
    if (u == std::string_view::npos) return false;
    total += v * kSeconds[u];
    next_unit = u + 1;
    s.remove_prefix(1);
    if (s.empty()) break;
    if (!TakeNumber(&s, &v)) return false;
  }
  *out = total;
  return true;
}

}  // namespace

Result<double> ParseDuration(const std::string& text) {
  double seconds = 0;
  bool ok =
      text.find(':') != std::string::npos ? ParseClock(text, &seconds) : ParseUnits(text, &seconds);
  if (!ok || !std::isfinite(seconds))
    return Status::Invalid("'" + text +
                           "' is not a duration; write e.g. 90s, 30m, 1h30m, 2d, 1:30:00 "
                           "or 1-00:00:00");
  return seconds;
}

Result<int64_t> ParseMemory(const std::string& text) {
  std::string_view s = text;
  double v = 0;
  bool ok = TakeNumber(&s, &v);
  if (ok && !s.empty() && s[0] == ' ') s.remove_prefix(1);
  double scale = 1;
  if (ok && !s.empty()) {
    static const std::string_view kPrefixes = "kmgtp";
    size_t p = kPrefixes.find(static_cast<char>(std::tolower(static_cast<unsigned char>(s[0]))));
    if (p != std::string_view::npos) {
      scale = std::pow(1024.0, static_cast<double>(p + 1));
      s.remove_prefix(1);
      if (!s.empty() && (s[0] == 'i' || s[0] == 'I')) s.remove_prefix(1);
    }
    if (!s.empty() && (s[0] == 'b' || s[0] == 'B')) s.remove_prefix(1);
    ok = s.empty();
  }
  double bytes = std::round(v * scale);
  if (!ok || !(bytes < 9.2e18))
    return Status::Invalid("'" + text +
                           "' is not an amount of memory; write e.g. 512M, 2G, 1.5GiB or "
                           "1024 (bytes)");
  return static_cast<int64_t>(bytes);
}

}  // namespace drover
