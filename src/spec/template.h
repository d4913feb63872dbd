// Command templates: the text of a step's `run:` (and of `env:` values).
//
//   {axis}             the job's value of an axis, shell-quoted when substituted
//   {step.output}      the path of `output` of the one job of `step` this job consumes
//   {step.output...}   the paths of `output` of every job of `step` this job consumes
//   {{ and }}          a literal { and }
//   ${...}             passed to the shell untouched (shell parameter expansion)
//
// A name is [A-Za-z_][A-Za-z0-9_-]*; an output may contain any character but '}'.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace drover {

struct TemplatePart {
  enum class Kind { kLiteral, kParam, kRef };
  Kind kind = Kind::kLiteral;
  std::string text;     // kLiteral: the text (escapes resolved); kParam: the axis name
  std::string step;     // kRef
  std::string output;   // kRef
  bool gather = false;  // kRef written with "..."
  size_t offset = 0;    // byte offset of the part in the template (of '{' for params/refs)
};

// Parses a template. On error the Status message says what is wrong and *err_offset
// (when non-null) receives the byte offset of the offending character.
Result<std::vector<TemplatePart>> ParseTemplate(std::string_view text, size_t* err_offset);

}  // namespace drover
