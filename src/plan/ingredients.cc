#include "plan/ingredients.h"

#include <glob.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "plan/render.h"
#include "util/fs.h"
#include "util/hash.h"

namespace drover {
namespace {

constexpr size_t kShort = 16;  // hex digits kept of each hash

// `s` as a JSON string (invalid UTF-8 replaced).
std::string Str(const std::string& s) {
  bool plain = std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\';
  });
  if (plain) return "\"" + s + "\"";
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Short(std::string hex) { return hex.substr(0, kShort); }

}  // namespace

Result<std::string> IngredientsMaker::FileHash(const std::string& abs) {
  auto it = files_.find(abs);
  if (it != files_.end()) return it->second;
  std::string hash = "dir";
  if (!StatPath(abs).is_dir) {
    auto h = HashFile(abs);
    if (!h.ok()) return h.status();
    hash = Short(*h);
  }
  files_.emplace(abs, hash);
  return hash;
}

Result<std::string> IngredientsMaker::StepPart(uint32_t s) {
  auto it = steps_.find(s);
  if (it != steps_.end()) return it->second;
  const Workflow& wf = plan_.workflow();
  const Step& step = wf.steps[s];
  std::string out = "\"run\":" + Str(Short(HashString(step.run)));
  auto pc = PrepareCommand(wf, step);
  if (!pc.ok()) return pc.status();
  if (!pc->code_files.empty()) {
    out += ",\"code\":{";
    for (size_t i = 0; i < pc->code_files.size(); ++i) {
      auto h = FileHash(wf.dir + "/" + pc->code_files[i]);
      if (!h.ok()) return h.status().With("step '" + step.name + "'");
      out += (i ? "," : "") + Str(pc->code_files[i]) + ":" + Str(*h);
    }
    out += "}";
  }
  if (!step.outputs.empty()) {
    out += ",\"out\":[";
    for (size_t i = 0; i < step.outputs.size(); ++i) out += (i ? "," : "") + Str(step.outputs[i]);
    out += "]";
  }
  if (step.study) {
    const StudySpec& st = *step.study;
    Hasher h;
    h.Add(st.space_json).Add(st.sampler_json).Add(st.pruner_json).Add(st.metric);
    h.Add(st.direction).Add(std::to_string(st.seed)).Add(st.name).Add(st.warm_start);
    out += ",\"study\":" + Str(Short(h.HexDigest()));
  }
  steps_.emplace(s, out);
  return out;
}

Status IngredientsMaker::Inputs(uint32_t j, std::string* out) {
  const Workflow& wf = plan_.workflow();
  const Step& step = wf.steps[plan_.jobs()[j].step];
  bool first = true;
  for (const std::string& in : step.inputs) {
    std::string pattern =
        SubstituteRaw(in, [&](const std::string& axis) { return plan_.Value(j, axis); });
    auto part = InputPart(pattern);
    if (!part.ok()) return part.status().With("step '" + step.name + "': input");
    if (part->empty()) continue;
    *out += (first ? ",\"in\":{" : ",") + *part;
    first = false;
  }
  if (!first) *out += "}";
  return Status::Ok();
}

Result<std::string> IngredientsMaker::InputPart(const std::string& pattern) {
  auto it = patterns_.find(pattern);
  if (it != patterns_.end()) return it->second;
  const std::string& dir = plan_.workflow().dir;
  std::string abs = !pattern.empty() && pattern[0] == '/' ? pattern : dir + "/" + pattern;
  glob_t g{};
  int rc = ::glob(abs.c_str(), 0, nullptr, &g);
  std::vector<std::string> files(g.gl_pathv, g.gl_pathv + (rc == 0 ? g.gl_pathc : 0));
  ::globfree(&g);
  std::string out;
  for (const std::string& f : files) {
    auto h = FileHash(f);
    if (!h.ok()) return h.status();
    std::string rel = f.rfind(dir + "/", 0) == 0 ? f.substr(dir.size() + 1) : f;
    out += (out.empty() ? "" : ",") + Str(rel) + ":" + Str(*h);
  }
  patterns_.emplace(pattern, out);
  return out;
}

Result<std::string> IngredientsMaker::Of(uint32_t j) {
  const PlannedJob& job = plan_.jobs()[j];
  auto part = StepPart(job.step);
  if (!part.ok()) return part.status();
  std::string out = "{" + *part;
  DROVER_RETURN_IF_ERROR(Inputs(j, &out));
  for (size_t i = 0; i < job.env.size(); ++i) {
    size_t eq = job.env[i].find('=');
    out += (i ? "," : ",\"env\":{") + Str(job.env[i].substr(0, eq)) + ":" +
           Str(eq == std::string::npos ? "" : job.env[i].substr(eq + 1));
  }
  if (!job.env.empty()) out += "}";
  if (!job.deps.empty()) {
    Hasher h;
    for (uint32_t d : job.deps) h.Add(plan_.jobs()[d].key);
    out += ",\"dep\":" + Str(Short(h.HexDigest()));
  }
  return out + "}";
}

}  // namespace drover
