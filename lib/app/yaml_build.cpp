// SPDX-License-Identifier: Apache-2.0
// DocumentBuilder: the documents YAML::LoadAll would build, from events argoimg already reads.
// yaml-cpp's public API cannot make a node with a mark, so the builder works on its
// detail::node and memory_holder, and wraps a root in a YAML::Node through the one door the
// library leaves: Node befriends every specialization of YAML::as_if, and the one below is
// keyed on a type of ours, so it can never clash with another.
#include "app/yaml_build_detail.hpp"

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/node/detail/memory.h>
#include <yaml-cpp/node/detail/node.h>
#include <yaml-cpp/node/impl.h>
#include <yaml-cpp/parser.h>

#include <memory>
#include <sstream>
#include <utility>

namespace argoimg::app::yaml {
struct RootAccess; // the key of YAML::as_if below; never defined
} // namespace argoimg::app::yaml

namespace YAML {
template <> struct as_if<argoimg::app::yaml::RootAccess, void> {
  static Node wrap(detail::node& root, const detail::shared_memory_holder& memory) {
    return Node(root, memory);
  }
};
} // namespace YAML

namespace argoimg::app::yaml {

namespace {
using Access = YAML::as_if<RootAccess, void>;
} // namespace

DocumentBuilder::DocumentBuilder() = default;
DocumentBuilder::~DocumentBuilder() = default;

void DocumentBuilder::OnDocumentStart(const YAML::Mark& /*mark*/) {
  // LoadAll gives every document a builder, and so a memory, of its own.
  m_memory = std::make_shared<YAML::detail::memory_holder>();
  m_root = nullptr;
  m_open.clear();
  m_anchors.clear();
}

void DocumentBuilder::OnDocumentEnd() {
  m_documents.push_back(m_root != nullptr ? Access::wrap(*m_root, m_memory) : YAML::Node());
  m_root = nullptr;
  m_memory.reset();
}

void DocumentBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  YAML::detail::node& node = create(mark, anchor);
  node.set_null();
  finish(node);
}

void DocumentBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  // An alias is the anchored node itself (with the anchor's mark), not a copy.
  if (anchor >= m_anchors.size() || m_anchors[anchor] == nullptr) {
    // The parser refuses an unknown anchor before it gets here.
    throw YAML::ParserException(mark, YAML::ErrorMsg::UNKNOWN_ANCHOR);
  }
  finish(*m_anchors[anchor]);
}

void DocumentBuilder::OnScalar(const YAML::Mark& mark,
                               const std::string& tag,
                               YAML::anchor_t anchor,
                               const std::string& value) {
  YAML::detail::node& node = create(mark, anchor);
  node.set_scalar(value);
  node.set_tag(tag);
  finish(node);
}

void DocumentBuilder::OnSequenceStart(const YAML::Mark& mark,
                                      const std::string& tag,
                                      YAML::anchor_t anchor,
                                      YAML::EmitterStyle::value style) {
  YAML::detail::node& node = create(mark, anchor);
  node.set_tag(tag);
  node.set_type(YAML::NodeType::Sequence);
  node.set_style(style);
  open(node, false);
}

void DocumentBuilder::OnSequenceEnd() {
  close();
}

void DocumentBuilder::OnMapStart(const YAML::Mark& mark,
                                 const std::string& tag,
                                 YAML::anchor_t anchor,
                                 YAML::EmitterStyle::value style) {
  YAML::detail::node& node = create(mark, anchor);
  node.set_type(YAML::NodeType::Map);
  node.set_tag(tag);
  node.set_style(style);
  open(node, true);
}

void DocumentBuilder::OnMapEnd() {
  close();
}

std::vector<YAML::Node> DocumentBuilder::take_documents() {
  std::vector<YAML::Node> out = std::move(m_documents);
  m_documents.clear();
  return out;
}

YAML::detail::node& DocumentBuilder::create(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (!m_memory) { // events without a document start: only from a caller of ours
    m_memory = std::make_shared<YAML::detail::memory_holder>();
  }
  YAML::detail::node& node = m_memory->create_node();
  node.set_mark(mark);
  if (anchor != YAML::NullAnchor) {
    // The anchor is known from here on: an alias inside the node's own content is the node.
    if (anchor >= m_anchors.size()) {
      m_anchors.resize(anchor + 1, nullptr);
    }
    m_anchors[anchor] = &node;
  }
  return node;
}

void DocumentBuilder::open(YAML::detail::node& node, bool map) {
  m_open.push_back(Open{&node, map, nullptr});
}

void DocumentBuilder::close() {
  if (m_open.empty()) { // an end without a start: only from a caller of ours
    return;
  }
  YAML::detail::node& node = *m_open.back().node;
  m_open.pop_back();
  finish(node);
}

void DocumentBuilder::finish(YAML::detail::node& node) {
  if (m_open.empty()) {
    m_root = &node;
    return;
  }
  Open& parent = m_open.back();
  if (!parent.map) {
    parent.node->push_back(node, m_memory);
  } else if (parent.key == nullptr) {
    parent.key = &node; // the pair is added when its value is complete
  } else {
    parent.node->insert(*parent.key, node, m_memory);
    parent.key = nullptr;
  }
}

std::vector<YAML::Node> build_all(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  DocumentBuilder builder;
  while (parser.HandleNextDocument(builder)) {
  }
  return builder.take_documents();
}

} // namespace argoimg::app::yaml
