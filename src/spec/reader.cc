#include "spec/reader.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>
#include <unordered_set>

#include "spec/parser.h"

namespace drover::spec {

bool IsName(std::string_view s) {
  auto start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (s.empty() || !start(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [&](char c) { return start(c) || (c >= '0' && c <= '9') || c == '-'; });
}

std::string KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    default:
      return "nothing";
  }
}

namespace {

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string Suggest(const std::string& word, const std::vector<std::string>& candidates) {
  // Close enough: at most half the longer name's letters differ, and not all of word's.
  const std::string* best = nullptr;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    size_t limit = std::max<size_t>(1, std::max(word.size(), c.size()) / 2);
    if (d <= limit && d < word.size() && d < best_d) best = &c, best_d = d;
  }
  return best == nullptr ? "" : "; did you mean '" + *best + "'?";
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

size_t FirstRepeat(const std::vector<std::string>& items) {
  std::unordered_set<std::string_view> seen;
  seen.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i)
    if (!seen.insert(items[i]).second) return i;
  return std::string::npos;
}

std::optional<YAML::Node> FindKey(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& kv : map)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return std::nullopt;
}

Status Reader::CheckOpenMap(const YAML::Node& node, const std::string& where) const {
  if (node.IsNull()) return Status::Ok();
  if (!node.IsMap()) return Error(node, where + " must be a map (key: value), got " + KindOf(node));
  std::map<std::string, int> seen;
  for (const auto& kv : node) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar())
      return Error(key, "keys in " + where + " must be names, got " + KindOf(key));
    auto [prev, fresh] = seen.emplace(key.Scalar(), src_.At(key).line);
    if (!fresh)
      return Error(key, "duplicate key '" + key.Scalar() + "' in " + where + " (first on line " +
                            std::to_string(prev->second) + "); keep only one");
  }
  return Status::Ok();
}

Status Reader::CheckMap(const YAML::Node& node, const std::vector<std::string>& allowed,
                        const std::string& where) const {
  DROVER_RETURN_IF_ERROR(CheckOpenMap(node, where));
  if (node.IsNull()) return Status::Ok();
  for (const auto& kv : node) {
    const std::string& k = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string hint = Suggest(k, allowed);
    if (hint.empty()) hint = " (known keys: " + Join(allowed) + ")";
    return Error(kv.first, "unknown key '" + k + "' in " + where + hint);
  }
  return Status::Ok();
}

Status Reader::String(const YAML::Node& node, const std::string& what, std::string* out) const {
  if (!node.IsScalar()) return Error(node, what + " must be a string, got " + KindOf(node));
  *out = node.Scalar();
  return Status::Ok();
}

Status Reader::StringList(const YAML::Node& node, const std::string& what,
                          std::vector<std::string>* out, std::vector<YAML::Node>* items) const {
  out->clear();
  if (node.IsNull()) return Status::Ok();
  if (!node.IsSequence())
    return Error(node, what + " must be a list such as [a, b], got " + KindOf(node));
  for (const auto& item : node) {
    if (!item.IsScalar()) return Error(item, what + " must list plain values, got " + KindOf(item));
    out->push_back(item.Scalar());
    if (items != nullptr) items->push_back(item);
  }
  return Status::Ok();
}

Status Reader::NameList(const YAML::Node& node, const std::string& what,
                        std::vector<std::string>* out, std::vector<YAML::Node>* items) const {
  std::vector<YAML::Node> nodes;
  DROVER_RETURN_IF_ERROR(StringList(node, what, out, &nodes));
  for (size_t i = 0; i < out->size(); ++i) {
    const std::string& n = (*out)[i];
    if (!IsName(n))
      return Error(nodes[i], "'" + n + "' in " + what + " is not a name ([A-Za-z_][A-Za-z0-9_-]*)");
  }
  if (size_t i = FirstRepeat(*out); i != std::string::npos)
    return Error(nodes[i], "'" + (*out)[i] + "' is listed twice in " + what);
  if (items != nullptr) *items = std::move(nodes);
  return Status::Ok();
}

Status Reader::Number(const YAML::Node& node, const std::string& what, double* out) const {
  std::string s;
  if (node.IsScalar()) s = node.Scalar();
  char* end = nullptr;
  errno = 0;
  double v = s.empty() ? NAN : std::strtod(s.c_str(), &end);
  if (!node.IsScalar() || s.empty() || *end != '\0' || errno != 0 || !std::isfinite(v))
    return Error(node, what + " must be a number, got " + KindOf(node));
  *out = v;
  return Status::Ok();
}

Status Reader::Integer(const YAML::Node& node, const std::string& what, int64_t* out) const {
  std::string s;
  if (node.IsScalar()) s = node.Scalar();
  char* end = nullptr;
  errno = 0;
  long long v = s.empty() ? 0 : std::strtoll(s.c_str(), &end, 10);
  if (!node.IsScalar() || s.empty() || *end != '\0' || errno != 0)
    return Error(node, what + " must be a whole number, got " + KindOf(node));
  *out = v;
  return Status::Ok();
}

Status Reader::Int(const YAML::Node& node, const std::string& what, int lo, int* out) const {
  int64_t v = 0;
  DROVER_RETURN_IF_ERROR(Integer(node, what, &v));
  if (v < lo || v > INT_MAX)
    return Error(node, what + " must be " +
                           (lo == 0 ? "0 or more" : "at least " + std::to_string(lo)) + ", got " +
                           node.Scalar());
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status Reader::Duration(const YAML::Node& node, const std::string& what, double* out) const {
  if (!node.IsScalar())
    return Error(node, what + " must be a duration such as 30m, got " + KindOf(node));
  Result<double> d = ParseDuration(node.Scalar());
  if (!d.ok()) return Error(node, what + ": " + d.status().message());
  *out = *d;
  return Status::Ok();
}

Status Reader::Memory(const YAML::Node& node, const std::string& what, int64_t* out) const {
  if (!node.IsScalar())
    return Error(node, what + " must be an amount such as 2G, got " + KindOf(node));
  Result<int64_t> m = ParseMemory(node.Scalar());
  if (!m.ok()) return Error(node, what + ": " + m.status().message());
  *out = *m;
  return Status::Ok();
}

Status Reader::Env(const YAML::Node& node, const std::string& what,
                   std::vector<std::pair<std::string, std::string>>* out) const {
  DROVER_RETURN_IF_ERROR(CheckOpenMap(node, what));
  if (node.IsNull()) return Status::Ok();
  for (const auto& kv : node) {
    const std::string& k = kv.first.Scalar();
    if (!IsName(k) || k.find('-') != std::string::npos)
      return Error(kv.first,
                   "'" + k + "' in " + what + " is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    if (kv.second.IsNull())
      return Error(kv.first, "'" + k + "' in " + what + " has no value; write " + k +
                                 ": \"\" for an empty one");
    std::string v;
    DROVER_RETURN_IF_ERROR(String(kv.second, "'" + k + "' in " + what, &v));
    out->emplace_back(k, std::move(v));
  }
  return Status::Ok();
}

}  // namespace drover::spec
