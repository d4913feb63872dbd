// Reading the one YAML document of a file. yaml-cpp's YAML::Load reads the first
// document and silently ignores what follows (even text after a dedent that is no
// document at all), and its YAML::LoadAll never returns on some malformed inputs; this
// reads the documents through the event API and refuses all but one.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "spec/source.h"
#include "util/status.h"

namespace drover::spec {

// Sets *root to the file's one document and returns true; false (and no error) when
// the file holds no document or an empty one. Errors, located: a second document
// ("`kind` holds one YAML document"), text the parser cannot read. May throw
// YAML::Exception, as YAML::Load does; callers catch it at their edge.
Result<bool> ReadOneDocument(const SourceText& src, const std::string& text,
                             const std::string& kind, YAML::Node* root);

}  // namespace drover::spec
