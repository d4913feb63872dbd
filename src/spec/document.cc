#include "spec/document.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace drover::spec {
namespace {

// The first documents of a YAML stream (at most three: enough to tell one from several),
// found through yaml-cpp's event API: YAML::LoadAll of yaml-cpp 0.7 loops without end,
// allocating until the machine runs out of memory, on some malformed inputs (it keeps
// adding empty documents without reading on; fixed upstream after 0.8.0, yaml-cpp
// pull request 1319). Not every malformed stream throws: this one stops instead.
class DocumentScan : public YAML::EventHandler {
 public:
  struct Doc {
    YAML::Mark mark;     // of its root node
    bool null = true;    // the root is empty (or null, ~)
    bool stuck = false;  // the parser read nothing since the document before: bad syntax
  };
  static constexpr size_t kEnough = 3;

  static std::vector<Doc> Run(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentScan scan;
    while (scan.docs_.size() < kEnough && parser.HandleNextDocument(scan)) {
      const size_t n = scan.docs_.size();
      if (n >= 2 && scan.docs_[n - 1].mark.pos == scan.docs_[n - 2].mark.pos) {
        scan.docs_[n - 1].stuck = true;
        break;
      }
    }
    return std::move(scan.docs_);
  }

  void OnDocumentStart(const YAML::Mark& m) override { docs_.push_back({m}), root_ = true; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { Node(m, true); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Node(m, false); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override {
    Node(m, false);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(m, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(m, false);
  }
  void OnMapEnd() override {}

 private:
  void Node(const YAML::Mark& m, bool null) {
    if (!root_ || docs_.empty()) return;
    docs_.back() = {m, null, false};
    root_ = false;
  }
  std::vector<Doc> docs_;
  bool root_ = false;  // the next node is a document's root
};

}  // namespace

Result<bool> ReadOneDocument(const SourceText& src, const std::string& text,
                             const std::string& kind, YAML::Node* root) {
  const std::vector<DocumentScan::Doc> docs = DocumentScan::Run(text);
  if (!docs.empty() && docs.back().stuck) {
    const size_t at = std::min<size_t>(docs.back().mark.pos, text.size());
    return src.Error(src.At(docs.back().mark),
                     "YAML syntax error: unexpected '" + text.substr(at, 1) + "'");
  }
  if (docs.size() > 1 && !(docs.size() == 2 && docs[1].null))
    return src.Error(src.At(docs[1].mark), kind + " holds one YAML document; remove this one "
                                                  "or the '---' before it, or indent it");
  if (docs.empty() || docs[0].null) return false;
  *root = YAML::Load(text);  // the first document only
  return true;
}

}  // namespace drover::spec
