// Internal to spec/: the text of one workflow file, for turning yaml-cpp marks and
// offsets inside scalars into SourceLocs, and for building located errors.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "spec/workflow.h"
#include "util/status.h"

namespace drover::spec {

// How a scalar was written in the file.
enum class ScalarStyle { kPlain, kSingleQuoted, kDoubleQuoted, kLiteral, kFolded };

// Borrows `text`, which must outlive this object. Never throws.
class SourceText {
 public:
  SourceText(std::string file, std::string_view text);

  const std::string& file() const { return file_; }

  // The location of a yaml-cpp mark; line 0 when the mark is unknown.
  SourceLoc At(const YAML::Mark& mark) const;
  SourceLoc At(const YAML::Node& node) const { return At(node.Mark()); }
  // The location of byte `offset` of the node's scalar value, following the value back
  // into the source through quotes, escapes, folded lines and block indentation.
  SourceLoc InScalar(const YAML::Node& scalar, size_t offset) const;
  ScalarStyle StyleOf(const YAML::Node& scalar) const;

  // Status::Invalid carrying FormatLocated(loc, message, text).
  Status Error(const SourceLoc& loc, const std::string& message) const;
  Status Error(const YAML::Node& node, const std::string& message) const {
    return Error(At(node), message);
  }

 private:
  size_t OffsetOf(const YAML::Mark& mark) const;  // npos when unknown
  size_t ContentStart(size_t token) const;        // first byte of the value proper
  SourceLoc AtOffset(size_t offset) const;

  std::string file_;
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

}  // namespace drover::spec
