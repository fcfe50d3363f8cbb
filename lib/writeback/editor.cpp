// SPDX-License-Identifier: Apache-2.0
#include "app/current_image.hpp"
#include "app/yaml_parse_detail.hpp"
#include "image/image_ref.hpp"
#include "util/redact.hpp"
#include "util/strings.hpp"
#include "writeback/editor_detail.hpp"

#include <algorithm>
#include <functional>
#include <set>

namespace argoimg::writeback::detail {

using util::ErrorKind;

std::string repository_of(std::string_view name) {
  auto ref = image::parse_image_ref(name);
  return ref ? ref->repository() : std::string(name);
}

namespace {

bool starts_with(const YamlPath& path, const YamlPath& scope) {
  return path.size() >= scope.size()
         && std::equal(scope.begin(), scope.end(), path.begin(), [](auto& a, auto& b) {
              return a.key == b.key && a.index == b.index;
            });
}

std::string dotted(const YamlPath& path) {
  std::string out;
  for (const auto& step : path) {
    out +=
        step.index ? "[" + std::to_string(*step.index) + "]" : (out.empty() ? "" : ".") + step.key;
  }
  return out;
}

} // namespace

util::Result<bool>
Editor::set(size_t doc, const YamlPath& path, const std::string& value, const YamlPath* within) {
  bool utf8 = util::is_valid_utf8(m_before) && util::is_valid_utf8(value);
  for (const auto& step : path) {
    utf8 = utf8 && util::is_valid_utf8(step.key);
  }
  if (!utf8) {
    return util::fail(util::ErrorKind::invalid_input,
                      "the file, the path or the value is not valid UTF-8, which YAML requires");
  }
  // YAML allows no C0 control character but tab, LF and CR (a NUL ends some parsers' view of
  // the text): refuse to edit such a file rather than verify against a partial reading.
  for (size_t i = 0; i < m_before.size(); ++i) {
    auto byte = static_cast<unsigned char>(m_before[i]);
    if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7f) {
      size_t line = 1
                    + static_cast<size_t>(std::count(
                        m_before.begin(), m_before.begin() + static_cast<std::ptrdiff_t>(i), '\n'));
      return util::fail(util::ErrorKind::invalid_input,
                        std::to_string(line) + ": the file holds a control character ("
                            + util::escape_control(std::string(1, m_before[i]))
                            + "), which YAML does not allow");
    }
  }
  auto aliases = paths_of_same_node(doc, path); // an alias edits its anchor: all views change
  for (const auto& alias : aliases) {
    bool outside_item =
        m_scope && (m_scope->first != doc || !starts_with(alias.path, m_scope->second));
    bool outside_object = within && !starts_with(alias.path, *within);
    if (!outside_item && !outside_object) {
      continue;
    }
    auto [anchor, anchor_line] = anchor_of(doc, path);
    std::string where = std::to_string(anchor_line) + ": the value is the anchor "
                        + util::quote("&" + anchor) + ", which " + util::quote(dotted(alias.path))
                        + " (line " + std::to_string(alias.line) + ") also shows";
    if (outside_item) {
      return util::fail(ErrorKind::invalid_input,
                        where
                            + " outside this Application; argoimg does not change another "
                              "application's value: give this one its own value");
    }
    return util::fail(ErrorKind::invalid_input,
                      where + " outside " + util::quote(dotted(*within))
                          + "; argoimg changes only the Helm values there: give the image its "
                            "own value");
  }
  auto done = m_yaml.set(doc, path, value);
  if (done) {
    m_expected.push_back({doc, path, value});
    m_allowed.emplace_back(doc, path);
    for (auto& alias : aliases) {
      m_allowed.emplace_back(doc, std::move(alias.path));
    }
  }
  return done;
}

util::Result<bool>
Editor::append(size_t doc, const YamlPath& path, size_t size, const NewItem& item) {
  auto done = m_yaml.append(doc, path, item);
  if (done) {
    YamlPath added = path;
    added.push_back(PathStep{path.empty() ? "" : path.back().key, size});
    m_allowed.emplace_back(doc, added);
    m_allowed.emplace_back(doc, path); // the list itself may be new
    if (!item.scalar.empty()) {
      m_expected.push_back({doc, added, item.scalar});
    }
  }
  return done;
}

util::Result<bool> Editor::remove(size_t doc, const YamlPath& path, const std::string& key) {
  YamlPath removed = path;
  removed.push_back(PathStep{key, std::nullopt});
  m_allowed.emplace_back(doc, removed);
  return m_yaml.remove(doc, path, key);
}

util::Result<YAML::Node> Editor::document(size_t doc) const {
  auto parse = m_yaml.parsed();
  if (!parse->docs) {
    return tl::unexpected(parse->docs.error());
  }
  return doc < parse->docs->size() ? (*parse->docs)[doc] : YAML::Node();
}

util::Result<YAML::Node> Editor::original_document(size_t doc) const {
  if (!m_before_parsed->docs) {
    return tl::unexpected(m_before_parsed->docs.error());
  }
  const auto& docs = *m_before_parsed->docs;
  return doc < docs.size() ? docs[doc] : YAML::Node();
}

util::Result<std::string> Editor::finish(std::shared_ptr<const YamlText::Parsed>* parsed) const {
  if (!m_before_parsed->docs) {
    return tl::unexpected(check_unique_keys(m_before, m_first_line).error()); // names the line
  }
  auto unique = check_unique_keys_in(*m_before_parsed->docs, m_first_line);
  if (!unique) {
    return tl::unexpected(unique.error());
  }
  // Only scalars replaced in place, each provably a whole token: no parse of the result is
  // needed. A caller that wants the parse (a window of a batch) gets the full check.
  if (parsed == nullptr
      && proven_by_replacements(m_before, m_yaml.text(), m_yaml.replacements(), m_expected)) {
    return m_yaml.text();
  }
  auto after = m_yaml.parsed();
  if (!after->docs) {
    return util::fail(ErrorKind::internal,
                      "the edited file does not parse (after): " + after->docs.error().message);
  }
  auto verified = verify_parsed(*m_before_parsed->docs, *after->docs, m_expected, m_allowed);
  if (!verified) {
    return tl::unexpected(verified.error());
  }
  if (parsed) {
    *parsed = after;
  }
  return m_yaml.text();
}

// Every path in document `doc` that reaches the same node as `path` (anchors and aliases).
std::vector<Editor::Reach> Editor::paths_of_same_node(size_t doc, const YamlPath& path) const {
  std::vector<Reach> found;
  if (m_yaml.text().find('&') == std::string::npos) {
    return found; // no anchor, so no alias: the path is the only one (and no parse is needed)
  }
  auto parse = m_yaml.parsed();
  if (!parse->docs) {
    return found;
  }
  const auto& docs = *parse->docs;
  try {
    if (doc >= docs.size()) {
      return found;
    }
    YAML::Node target = node_at(docs[doc], path);
    if (!target || !target.IsDefined()) {
      return found;
    }
    std::set<int> seen; // each aliased collection once, as in verify_edit
    // `line`: of the key (or the list's key) that leads to `node`; an alias node's own mark is
    // its anchor's.
    std::function<void(const YAML::Node&, YamlPath&, size_t, int)> visit =
        [&](const YAML::Node& node, YamlPath& at, size_t line, int depth) {
          if (depth > 64) {
            return;
          }
          if (node.is(target)) {
            found.push_back(Reach{at, line});
          }
          if ((node.IsMap() || node.IsSequence()) && !seen.insert(node.Mark().pos).second) {
            return;
          }
          if (node.IsMap()) {
            for (const auto& entry : node) {
              at.push_back(PathStep{entry.first.Scalar(), std::nullopt});
              visit(entry.second,
                    at,
                    static_cast<size_t>(std::max(entry.first.Mark().line, 0)) + m_first_line,
                    depth + 1);
              at.pop_back();
            }
          } else if (node.IsSequence()) {
            for (size_t i = 0; i < node.size(); ++i) {
              at.push_back(PathStep{at.empty() ? "" : at.back().key, i});
              visit(node[i], at, line, depth + 1);
              at.pop_back();
            }
          }
        };
    YamlPath start;
    visit(docs[doc], start, m_first_line, 0);
  } catch (const YAML::Exception&) {
  }
  return found;
}

std::pair<std::string, size_t> Editor::anchor_of(size_t doc, const YamlPath& path) const {
  auto root = document(doc);
  if (!root) {
    return {};
  }
  YAML::Node node = node_at(*root, path);
  if (!node.IsDefined() || node.Mark().pos < 0) {
    return {};
  }
  const std::string& text = m_yaml.text();
  size_t bom = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  size_t pos = static_cast<size_t>(node.Mark().pos) + bom;
  size_t line = static_cast<size_t>(std::max(node.Mark().line, 0)) + m_first_line;
  // Node properties come first, in either order: `&name !tag value`.
  while (pos < text.size() && (text[pos] == '&' || text[pos] == '!')) {
    size_t end = text.find_first_of(" \t\r\n,]}", pos);
    end = end == std::string::npos ? text.size() : end;
    if (text[pos] == '&') {
      return {text.substr(pos + 1, end - pos - 1), line};
    }
    pos = text.find_first_not_of(" \t", end);
  }
  return {"", line};
}

util::Result<YAML::Node> load_document(std::string_view text, size_t doc) {
  try {
    auto docs = app::yaml::load_all(text);
    return doc < docs.size() ? docs[doc] : YAML::Node();
  } catch (const YAML::Exception& e) {
    return util::fail(ErrorKind::invalid_input,
                      std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1)
                          + ": invalid YAML: " + e.msg);
  }
}

YamlPath join(YamlPath base, std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    base.push_back(PathStep{key, std::nullopt});
  }
  return base;
}

YamlPath at(YamlPath base, size_t index) {
  base.push_back(PathStep{base.empty() ? "" : base.back().key, index});
  return base;
}

YAML::Node node_at(const YAML::Node& root, const YamlPath& path) {
  YAML::Node node;
  node.reset(root);
  for (const auto& step : path) {
    if (!node || !node.IsDefined()) {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    // Read-only lookups: `root` may be a shared parse (a missing key must not be added).
    YAML::Node child = step.index ? (node.IsSequence() && *step.index < node.size()
                                         ? node[*step.index]
                                         : YAML::Node(YAML::NodeType::Undefined))
                                  : (node.IsMap() ? std::as_const(node)[step.key]
                                                  : YAML::Node(YAML::NodeType::Undefined));
    if (!child.IsDefined()) {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    node.reset(child);
  }
  return node;
}

// Set helm parameter `name` to `value` in the list at `list`: in place, or appended. With
// Compare::repository an existing value naming the same repository is left alone (short and
// long forms of one image are the same image).
util::Result<bool> set_parameter(Editor& editor,
                                 size_t doc,
                                 const YamlPath& list,
                                 const std::string& name,
                                 const std::string& value,
                                 const char* force_key,
                                 IfMissing if_missing,
                                 Compare compare) {
  auto root = editor.document(doc);
  if (!root) {
    return tl::unexpected(root.error());
  }
  YAML::Node parameters = node_at(*root, list);
  size_t size = 0;
  if (parameters && parameters.IsSequence()) {
    size = parameters.size();
    for (size_t i = 0; i < size; ++i) {
      if (parameters[i].IsMap() && parameters[i]["name"]
          && parameters[i]["name"].Scalar() == name) {
        if (compare == Compare::repository && parameters[i]["value"]
            && repository_of(parameters[i]["value"].Scalar()) == repository_of(value)) {
          return false;
        }
        return editor.set(doc, join(at(list, i), {"value"}), value);
      }
    }
  }
  if (if_missing == IfMissing::skip) {
    return false;
  }
  return editor.append(
      doc,
      list,
      size,
      NewItem{"", {{"name", name}, {"value", value}, {force_key, "true"}}, {force_key}});
}

// Set the Kustomize image string for `change` in the list at `list`.
util::Result<bool>
set_kustomize_image(Editor& editor, size_t doc, const YamlPath& list, const ImageChange& change) {
  auto root = editor.document(doc);
  if (!root) {
    return tl::unexpected(root.error());
  }
  const auto& config = *change.config;
  std::string value =
      (config.kustomize_image_name ? *config.kustomize_image_name + "=" : "") + change.full_value();
  std::string wanted =
      repository_of(config.kustomize_image_name.value_or(config.entry.image.name()));
  YAML::Node images = node_at(*root, list);
  size_t size = 0;
  if (images && images.IsSequence()) {
    size = images.size();
    for (size_t i = 0; i < size; ++i) {
      if (!images[i].IsScalar()) {
        continue;
      }
      const std::string& entry = images[i].Scalar();
      size_t eq = entry.find('=');
      std::string name =
          eq == std::string::npos ? app::split_image_text(entry).name : entry.substr(0, eq);
      if (repository_of(name) == wanted || repository_of(name) == config.entry.image.repository()) {
        return editor.set(doc, at(list, i), value);
      }
    }
  }
  return editor.append(doc, list, size, NewItem{value, {}, {}});
}

} // namespace argoimg::writeback::detail
