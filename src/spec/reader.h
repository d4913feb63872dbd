// Internal to spec/: typed, located access to the nodes of a parsed YAML document.
// Each function checks one node and returns a located Status naming `what` (e.g.
// "cpus in resources of step 'train'") when the node is not what the format expects.
// None of these throw; callers still catch YAML::Exception at the edge, as a backstop.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec/source.h"
#include "util/status.h"

namespace drover::spec {

// True for [A-Za-z_][A-Za-z0-9_-]*: the names of steps and axes.
bool IsName(std::string_view s);
// "a map", "a list", "a string", "nothing": for "expected X, got Y" messages.
std::string KindOf(const YAML::Node& node);
// "; did you mean 'x'?" when one of `candidates` is a small edit away from `word`.
std::string Suggest(const std::string& word, const std::vector<std::string>& candidates);
// "a, b, c"
std::string Join(const std::vector<std::string>& names);
// The index of the first item equal to an earlier one, or npos when all differ.
// Linear time (a hash set): an axis may hold hundreds of thousands of values.
size_t FirstRepeat(const std::vector<std::string>& items);
// The value of `key` in `map`, if present (map must be a map with scalar keys).
std::optional<YAML::Node> FindKey(const YAML::Node& map, std::string_view key);

class Reader {
 public:
  explicit Reader(const SourceText& src) : src_(src) {}
  const SourceText& src() const { return src_; }
  Status Error(const YAML::Node& node, const std::string& message) const {
    return src_.Error(node, message);
  }

  // `node` must be a map whose keys are distinct scalars, each one of `allowed`.
  // `where` names the map in messages: "step 'train'", "the top level".
  Status CheckMap(const YAML::Node& node, const std::vector<std::string>& allowed,
                  const std::string& where) const;
  // `node` must be a map (or null, read as empty) whose keys are distinct scalars.
  Status CheckOpenMap(const YAML::Node& node, const std::string& where) const;

  // A scalar, as written (null is an error).
  Status String(const YAML::Node& node, const std::string& what, std::string* out) const;
  // A list of scalars (null reads as empty). `items` receives the item nodes.
  Status StringList(const YAML::Node& node, const std::string& what, std::vector<std::string>* out,
                    std::vector<YAML::Node>* items = nullptr) const;
  // A list of names ([A-Za-z_][A-Za-z0-9_-]*), each at most once.
  Status NameList(const YAML::Node& node, const std::string& what, std::vector<std::string>* out,
                  std::vector<YAML::Node>* items) const;
  Status Number(const YAML::Node& node, const std::string& what, double* out) const;
  Status Integer(const YAML::Node& node, const std::string& what, int64_t* out) const;
  Status Int(const YAML::Node& node, const std::string& what, int lo, int* out) const;
  Status Duration(const YAML::Node& node, const std::string& what, double* out) const;
  Status Memory(const YAML::Node& node, const std::string& what, int64_t* out) const;
  // A map of environment variable names to scalar values (null reads as empty).
  Status Env(const YAML::Node& node, const std::string& what,
             std::vector<std::pair<std::string, std::string>>* out) const;

 private:
  const SourceText& src_;
};

// One key of a map that the format defines, with the function that reads its value
// into a T. `what` is "'key' in <where>", for messages.
template <typename T>
struct Field {
  const char* key;
  bool nullable;  // may be written with no value (`after:`); otherwise that is an error
  Status (*read)(const Reader& r, const YAML::Node& key, const YAML::Node& value,
                 const std::string& what, T* out);
};

// Checks `map` (unknown keys, duplicates; null reads as empty) and reads each key
// present through its Field, in the order written. Required keys are the caller's job.
template <typename T>
Status ReadFields(const Reader& r, const YAML::Node& map, const std::vector<Field<T>>& fields,
                  const std::string& where, T* out) {
  std::vector<std::string> allowed;
  for (const auto& f : fields) allowed.push_back(f.key);
  DROVER_RETURN_IF_ERROR(r.CheckMap(map, allowed, where));
  if (map.IsNull()) return Status::Ok();
  for (const auto& kv : map) {
    const std::string& key = kv.first.Scalar();
    const Field<T>* field = nullptr;
    for (const auto& f : fields)
      if (key == f.key) field = &f;
    std::string what = "'" + key + "' in " + where;
    if (kv.second.IsNull() && !field->nullable) return r.Error(kv.first, what + " has no value");
    DROVER_RETURN_IF_ERROR(field->read(r, kv.first, kv.second, what, out));
  }
  return Status::Ok();
}

}  // namespace drover::spec
