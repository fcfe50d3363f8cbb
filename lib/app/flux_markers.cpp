// SPDX-License-Identifier: Apache-2.0
// Finding setter markers: yaml-cpp gives each scalar's start; its end, the comment after it on
// its line and the comment line above it are read from the file's bytes.
#include "app/flux_markers.hpp"

#include "app/flux_v2_detail.hpp"
#include "app/yaml_detail.hpp"

#include <algorithm>
#include <unordered_set>

namespace argoimg::app {

namespace {

constexpr std::string_view k_screen = "\"$imagepolicy\"";
constexpr std::string_view k_bom = "\xEF\xBB\xBF";

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// The file's lines, to turn yaml-cpp's (line, column) into byte offsets.
class Lines {
public:
  explicit Lines(std::string_view text) : m_text(text) {
    m_starts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        m_starts.push_back(i + 1);
      }
    }
  }

  size_t count() const { return m_starts.size(); }
  size_t start(size_t line) const { return m_starts[line]; }
  size_t line_of(size_t offset) const {
    return static_cast<size_t>(std::upper_bound(m_starts.begin(), m_starts.end(), offset)
                               - m_starts.begin())
           - 1;
  }
  // The line without its line break (and without a CR before it).
  std::string_view text(size_t line) const {
    size_t begin = m_starts[line];
    size_t end = line + 1 < m_starts.size() ? m_starts[line + 1] - 1 : m_text.size();
    std::string_view out = m_text.substr(begin, end - begin);
    if (!out.empty() && out.back() == '\r') {
      out.remove_suffix(1);
    }
    return out;
  }

private:
  std::string_view m_text;
  std::vector<size_t> m_starts;
};

// Where a scalar is in the file.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  bool plain = true;
  std::string value;
};

// The single-line span of the scalar (or explicit null) `node`, or nullopt for a multi-line,
// block or empty one.
std::optional<Span> span_of(const YAML::Node& node,
                            std::string_view text,
                            const Lines& lines,
                            const yaml::FileRef& at) {
  YAML::Mark mark = node.Mark();
  size_t line = static_cast<size_t>(mark.line + at.line_offset);
  if (mark.line < 0 || line >= lines.count()) {
    return std::nullopt;
  }
  size_t p = lines.start(line) + static_cast<size_t>(mark.column);
  if (line == 0 && text.substr(0, k_bom.size()) == k_bom) {
    p += k_bom.size(); // yaml-cpp does not count the byte order mark
  }
  // The mark is where the node starts: skip its properties (&anchor, !tag).
  while (p < text.size() && (text[p] == '&' || text[p] == '!')) {
    while (p < text.size() && !is_blank(text[p]) && text[p] != '\n' && text[p] != '\r') {
      ++p;
    }
    while (p < text.size() && is_blank(text[p])) {
      ++p;
    }
  }
  if (p >= text.size()) {
    return std::nullopt;
  }
  Span span{p, p, true, {}};
  char c = text[p];
  if (c == '"' || c == '\'') {
    span.plain = false;
    for (size_t i = p + 1; i < text.size() && text[i] != '\n'; ++i) {
      if (c == '"' && text[i] == '\\') {
        ++i;
      } else if (c == '\'' && text[i] == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;
      } else if (text[i] == c) {
        span.end = i + 1;
        span.value = node.IsScalar() ? node.Scalar() : std::string();
        return span;
      }
    }
    return std::nullopt; // multi-line
  }
  std::string value = node.IsScalar() ? node.Scalar() : std::string();
  if (node.IsNull()) {
    size_t end = p;
    while (end < text.size() && !is_blank(text[end]) && text[end] != '\r' && text[end] != '\n'
           && text[end] != ',' && text[end] != '}' && text[end] != ']') {
      ++end;
    }
    value = std::string(text.substr(p, end - p));
    if (value != "~" && value != "null" && value != "Null" && value != "NULL") {
      return std::nullopt; // an empty value has no bytes to mark
    }
  }
  // A plain scalar on one line is its value; folded lines, a block scalar (| or >) or an
  // alias read differently.
  if (value.empty() || value.find('\n') != std::string::npos
      || text.substr(p, value.size()) != value) {
    return std::nullopt;
  }
  span.end = p + value.size();
  span.value = std::move(value);
  return span;
}

class Finder {
public:
  Finder(std::string_view text, const std::string& path, std::vector<FluxMarker>& out)
      : m_text(text), m_lines(text), m_path(path), m_out(out) {}

  void document(const YAML::Node& doc, const yaml::FileRef& at) {
    m_at = &at;
    m_seen.clear();
    NodePath path;
    Object object{doc.IsMap() ? read_object_id(doc) : ObjectId{}, yaml::position_of(doc, at)};
    walk(doc, path, object, true);
  }

private:
  struct Object {
    ObjectId id;
    Position origin;
  };

  void walk(const YAML::Node& node, NodePath& path, const Object& object, bool is_object) {
    // An alias stands for a node already walked (same mark): its marker is the anchor's.
    if (node.Mark().pos >= 0 && !m_seen.insert(node.Mark().pos).second) {
      return;
    }
    if (node.IsMap()) {
      bool list = is_object && yaml::text(node, "kind") == "List";
      for (const auto& item : node) {
        if (!item.first.IsScalar()) {
          continue; // a complex key cannot be a path step
        }
        path.push_back(NodeStep{item.first.Scalar(), std::nullopt});
        if (list && item.first.Scalar() == "items" && item.second.IsSequence()) {
          walk_items(item.second, path);
        } else {
          visit(item.second, path, object);
        }
        path.pop_back();
      }
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) {
        path.push_back(NodeStep{{}, i});
        visit(node[i], path, object);
        path.pop_back();
      }
    }
  }

  // The items of a `kind: List`: each is an object of its own, walked in place.
  void walk_items(const YAML::Node& items, NodePath& path) {
    if (items.Mark().pos >= 0 && !m_seen.insert(items.Mark().pos).second) {
      return;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      path.push_back(NodeStep{{}, i});
      YAML::Node item = items[i];
      Object object{item.IsMap() ? read_object_id(item) : ObjectId{},
                    yaml::position_of(item, *m_at)};
      if (item.IsMap() || item.IsSequence()) {
        walk(item, path, object, item.IsMap());
      } else {
        visit(item, path, object);
      }
      path.pop_back();
    }
  }

  void visit(const YAML::Node& node, NodePath& path, const Object& object) {
    if (node.IsMap() || node.IsSequence()) {
      walk(node, path, object, false);
      return;
    }
    if (!node.IsScalar() && !node.IsNull()) {
      return;
    }
    // Only a scalar with bytes is remembered: an empty null's mark is some other node's.
    auto span = span_of(node, m_text, m_lines, *m_at);
    if (!span || !m_seen.insert(node.Mark().pos).second) {
      return;
    }
    auto comment = comment_of(*span);
    if (!comment) {
      return;
    }
    auto ref = read_marker_comment(*comment);
    if (!ref) {
      return;
    }
    size_t line = m_lines.line_of(span->begin);
    FluxMarker marker;
    marker.field = ref->field;
    marker.policy_namespace = std::move(ref->policy_namespace);
    marker.policy_name = std::move(ref->policy_name);
    marker.setter = std::move(ref->setter);
    marker.slot.document = m_at->document;
    marker.slot.path = path;
    marker.slot.value = std::move(span->value);
    marker.slot.plain = span->plain;
    marker.slot.position = Position{m_path,
                                    static_cast<int>(line) + 1,
                                    static_cast<int>(span->begin - m_lines.start(line)) + 1};
    marker.document = object.id;
    marker.document_origin = object.origin;
    m_out.push_back(std::move(marker));
  }

  // The scalar's line comment, or without one the comment lines directly above it; nullopt when
  // there is none (or it belongs elsewhere).
  std::optional<std::string> comment_of(const Span& span) const {
    size_t line = m_lines.line_of(span.begin);
    std::string_view text = m_lines.text(line);
    size_t column = span.begin - m_lines.start(line);
    std::string_view rest = text.substr(std::min(text.size(), span.end - m_lines.start(line)));
    size_t p = 0;
    while (p < rest.size() && is_blank(rest[p])) {
      ++p;
    }
    bool separated = p > 0;
    if (p < rest.size() && rest[p] == ',') {
      // `value, # marker` in a multi-line flow collection marks the value.
      for (++p, separated = true; p < rest.size() && is_blank(rest[p]); ++p) {
      }
    }
    if (p < rest.size()) {
      if (rest[p] == '#' && separated) {
        return std::string(rest.substr(p));
      }
      return std::nullopt; // more of a flow collection: a marker after it is the collection's
    }
    // No line comment: the comment lines directly above, when the scalar starts its line (a
    // sequence item, or a value below its key); above a `key: value` line they are the key's.
    std::string_view before = text.substr(0, column);
    if (!std::all_of(
            before.begin(), before.end(), [](char c) { return is_blank(c) || c == '-'; })) {
      return std::nullopt;
    }
    std::vector<std::string_view> head;
    for (size_t above = line; above > 0; --above) {
      std::string_view previous = m_lines.text(above - 1);
      size_t first = previous.find_first_not_of(" \t");
      if (first == std::string_view::npos || previous[first] != '#') {
        break;
      }
      head.push_back(previous.substr(first));
    }
    if (head.empty()) {
      return std::nullopt;
    }
    std::string joined;
    for (auto it = head.rbegin(); it != head.rend(); ++it) {
      joined += (joined.empty() ? "" : "\n") + std::string(*it);
    }
    return joined;
  }

  std::string_view m_text;
  Lines m_lines;
  const std::string& m_path;
  std::vector<FluxMarker>& m_out;
  const yaml::FileRef* m_at = nullptr;
  std::unordered_set<int> m_seen; // marks of the nodes walked in this document
};

} // namespace

util::Result<std::vector<FluxMarker>>
find_markers(std::string_view text, const std::string& path, const LoadLimits& limits) {
  std::vector<FluxMarker> markers;
  if (text.find(k_screen) == std::string_view::npos) {
    return markers;
  }
  std::vector<util::Error> errors;
  Finder finder(text, path, markers);
  yaml::for_each_document(
      text,
      path,
      limits,
      // A duplicate key is an error, so its file's markers are not applied: the writeback
      // resolves a marker's path to the first key, Kubernetes reads the last.
      yaml::DuplicateKeys::error,
      [&finder](const YAML::Node& doc, const yaml::FileRef& at) { finder.document(doc, at); },
      errors);
  if (!errors.empty()) {
    return tl::unexpected(errors.front());
  }
  return markers;
}

} // namespace argoimg::app
