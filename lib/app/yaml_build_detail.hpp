// SPDX-License-Identifier: Apache-2.0
#pragma once

// Building yaml-cpp documents from parser events, for the one-pass loading of yaml_load.cpp.
// Include only from lib/app sources (and the tests that prove it builds what LoadAll builds).

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/node/node.h>
#include <yaml-cpp/node/ptr.h>

#include <string>
#include <string_view>
#include <vector>

namespace argoimg::app::yaml {

// An event handler that builds each document's YAML::Node tree the way YAML::LoadAll does
// (one memory per document, every node's mark, anchors and aliases as one shared node, map
// pairs in order with duplicates kept, tags and styles), so that a single parser pass can both
// check a document and build it. A subclass checks an event, then calls the method here.
class DocumentBuilder : public YAML::EventHandler {
public:
  DocumentBuilder();
  ~DocumentBuilder() override;
  DocumentBuilder(const DocumentBuilder&) = delete;
  DocumentBuilder& operator=(const DocumentBuilder&) = delete;

  void OnDocumentStart(const YAML::Mark& mark) override;
  void OnDocumentEnd() override;
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override;
  void OnScalar(const YAML::Mark& mark,
                const std::string& tag,
                YAML::anchor_t anchor,
                const std::string& value) override;
  void OnSequenceStart(const YAML::Mark& mark,
                       const std::string& tag,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override;
  void OnSequenceEnd() override;
  void OnMapStart(const YAML::Mark& mark,
                  const std::string& tag,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override;
  void OnMapEnd() override;

  // The documents finished so far (a document is added at its end), moved out.
  std::vector<YAML::Node> take_documents();

private:
  struct Open { // a collection being built
    YAML::detail::node* node = nullptr;
    bool map = false;
    YAML::detail::node* key = nullptr; // a mapping's key, until its value is complete
  };
  YAML::detail::node& create(const YAML::Mark& mark, YAML::anchor_t anchor);
  void open(YAML::detail::node& node, bool map);
  void close(); // not OnSequenceEnd: a subclass's override must see each event once
  void finish(YAML::detail::node& node); // a node is complete: add it to its parent

  YAML::detail::shared_memory_holder m_memory; // the current document's
  YAML::detail::node* m_root = nullptr;
  std::vector<Open> m_open;
  std::vector<YAML::detail::node*> m_anchors; // by the parser's anchor number
  std::vector<YAML::Node> m_documents;
};

// YAML::LoadAll(text) through DocumentBuilder: the same documents, or the same exception.
std::vector<YAML::Node> build_all(std::string_view text);

} // namespace argoimg::app::yaml
