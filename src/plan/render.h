// Per-step template preparation for the planner (private to plan/): parses a step's
// command once, finds the words that name files in the workflow folder ("code"),
// and renders a job's command in its two forms.
#pragma once

#include <string>
#include <vector>

#include "spec/template.h"
#include "spec/workflow.h"
#include "util/status.h"

namespace drover {

// A step's command, parsed once and shared by all its jobs.
struct PreparedCommand {
  std::vector<TemplatePart> parts;
  // For each literal part: the text with code words as written (for the key) and
  // with code words replaced by quoted absolute paths (to run from the job's folder).
  std::vector<std::string> key_text;
  std::vector<std::string> run_text;
  std::vector<std::string> code_files;  // relative paths of files hashed into the key
  std::string code_hash;                // hash over code_files' names and contents
};

Result<PreparedCommand> PrepareCommand(const Workflow& wf, const Step& step);

// Replaces {axis} in `text` with the raw value (no quoting): for env values and
// input paths. `lookup` returns nullptr for an unknown axis (left as written).
template <typename Lookup>
std::string SubstituteRaw(const std::string& text, Lookup lookup) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && (i == 0 || text[i - 1] != '$')) {
      size_t end = text.find('}', i);
      if (end != std::string::npos) {
        const std::string* v = lookup(text.substr(i + 1, end - i - 1));
        if (v) {
          out += *v;
          i = end;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace drover
