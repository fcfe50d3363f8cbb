// SPDX-License-Identifier: Apache-2.0
#include "util/strings.hpp"
#include "writeback/batch_detail.hpp"
#include "writeback/editor_detail.hpp"
#include "writeback/yaml_lines_detail.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace argoimg::writeback::detail {

namespace {

using util::ErrorKind;

size_t pos_of(const YAML::Node& node, size_t shift) {
  int pos = node.Mark().pos;
  return (pos < 0 ? 0 : static_cast<size_t>(pos)) + shift;
}

size_t line_of(const std::vector<size_t>& line_starts, size_t pos) {
  return static_cast<size_t>(std::upper_bound(line_starts.begin(), line_starts.end(), pos)
                             - line_starts.begin());
}

// Two trees equal in type, tag, value, key order and size.
bool same_tree(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type() || a.Tag() != b.Tag()) {
    return false;
  }
  if (a.IsScalar()) {
    return a.Scalar() == b.Scalar();
  }
  if (a.size() != b.size()) {
    return false;
  }
  if (a.IsMap()) {
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
      if (!same_tree(x->first, y->first) || !same_tree(x->second, y->second)) {
        return false;
      }
    }
  } else if (a.IsSequence()) {
    for (size_t i = 0; i < a.size(); ++i) {
      if (!same_tree(a[i], b[i])) {
        return false;
      }
    }
  }
  return true;
}

// An exact encoding of a tree, equal for two trees exactly when same_tree() holds: type, tag,
// scalar, and entries in order, every string length-prefixed. Windows hold no aliases.
void fingerprint(const YAML::Node& node, std::string& out) {
  auto add = [&out](const std::string& text) {
    out += std::to_string(text.size());
    out += ':';
    out += text;
  };
  out += static_cast<char>('0' + static_cast<int>(node.Type()));
  add(node.Tag());
  if (node.IsScalar()) {
    add(node.Scalar());
  } else if (node.IsMap()) {
    out += std::to_string(node.size()) + "{";
    for (const auto& entry : node) {
      fingerprint(entry.first, out);
      fingerprint(entry.second, out);
    }
  } else if (node.IsSequence()) {
    out += std::to_string(node.size()) + "[";
    for (const auto& item : node) {
      fingerprint(item, out);
    }
  }
}

// The combined check: `before` and `after` are equal outside the pending windows, and each
// window's mapping in `after` is what its own edit produced.
class Combined {
public:
  explicit Combined(const std::vector<PendingSplice>& pending) {
    for (const auto& p : pending) {
      m_windows.emplace(p.key, &p);
    }
  }
  bool same(const std::vector<YAML::Node>& before, const std::vector<YAML::Node>& after) {
    if (before.size() != after.size()) {
      return false;
    }
    for (size_t d = 0; d < before.size(); ++d) {
      std::string key = std::to_string(d);
      if (!outside(before[d], after[d], key)) {
        return false;
      }
    }
    return m_visited == m_windows.size();
  }

private:
  bool outside(const YAML::Node& b, const YAML::Node& a, std::string& key) {
    if (auto it = m_windows.find(key); it != m_windows.end()) {
      ++m_visited;
      if (!it->second->tree.empty()) {
        return detail::fingerprint(a) == it->second->tree;
      }
      try {
        return same_tree(a, YAML::Load(it->second->window));
      } catch (const YAML::Exception&) {
        return false;
      }
    }
    if (b.Type() != a.Type() || b.Tag() != a.Tag()) {
      return false;
    }
    if (b.IsScalar()) {
      return b.Scalar() == a.Scalar();
    }
    if (!b.IsMap() && !b.IsSequence()) {
      return true;
    }
    if (b.size() != a.size()) {
      return false;
    }
    if (!m_seen.insert(b.Mark().pos).second) {
      return true; // an alias: compared at its anchor
    }
    size_t length = key.size();
    if (b.IsMap()) {
      for (auto x = b.begin(), y = a.begin(); x != b.end(); ++x, ++y) {
        if (!same_tree(x->first, y->first)) {
          return false;
        }
        detail::append_key(key, x->first.Scalar());
        bool same = outside(x->second, y->second, key);
        key.resize(length);
        if (!same) {
          return false;
        }
      }
      return true;
    }
    for (size_t i = 0; i < b.size(); ++i) {
      key += "/" + std::to_string(i);
      bool same = outside(b[i], a[i], key);
      key.resize(length);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  std::map<std::string, const PendingSplice*> m_windows;
  std::set<int> m_seen;
  size_t m_visited = 0;
};

} // namespace

std::optional<Window>
window_of(std::string_view base, const std::vector<size_t>& line_starts, const YAML::Node& node) {
  size_t bom = base.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  if (!node.IsMap() || node.size() == 0 || pos_of(node, bom) >= base.size()
      || base[pos_of(node, bom)] == '{') {
    return std::nullopt;
  }
  size_t first = pos_of(node.begin()->first, bom);
  size_t begin = line_start(base, first);
  if (first >= base.size() || begin < bom) {
    return std::nullopt;
  }
  for (size_t i = begin; i < first; ++i) {
    if (base[i] != ' ' && base[i] != '-') {
      return std::nullopt;
    }
  }
  Window window;
  window.begin = begin;
  window.indent = first - begin;
  window.end = block_end(base, first, window.indent, false);
  window.first_line = line_of(line_starts, begin);
  window.text = std::string(base.substr(begin, window.end - begin));
  std::fill_n(window.text.begin(), window.indent, ' ');
  if (window.text.find_first_of("&*") != std::string::npos) {
    return std::nullopt; // anchors and aliases may reach across the window's edge
  }
  return window;
}

std::string fingerprint(const YAML::Node& node) {
  std::string out;
  fingerprint(node, out);
  return out;
}

bool same_outside_windows(const std::vector<PendingSplice>& pending,
                          const std::vector<YAML::Node>& before,
                          const std::vector<YAML::Node>& after) {
  return Combined(pending).same(before, after);
}

util::Result<bool> unique_on_path(const YAML::Node& root, const YamlPath& scope) {
  YAML::Node node;
  node.reset(root);
  for (size_t i = 0; i <= scope.size(); ++i) {
    if (node.IsMap()) {
      std::map<std::string, YAML::Mark> keys;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          continue;
        }
        auto [it, fresh] = keys.emplace(entry.first.Scalar(), entry.first.Mark());
        if (!fresh) {
          auto at = [](const YAML::Mark& m) {
            return std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
          };
          return util::fail(ErrorKind::invalid_input,
                            at(entry.first.Mark()) + ": duplicate key "
                                + util::quote(entry.first.Scalar()) + " (first at " + at(it->second)
                                + "): YAML readers disagree on which one counts; remove one");
        }
      }
    }
    if (i == scope.size() - 1 || scope.empty()) {
      break; // the scope's own mapping is checked with its window
    }
    YAML::Node child = node_at(node, YamlPath{scope[i]});
    node.reset(child);
  }
  return true;
}

} // namespace argoimg::writeback::detail
