// SPDX-License-Identifier: Apache-2.0
#include "writeback/batch.hpp"

#include "app/current_image.hpp"
#include "util/strings.hpp"
#include "writeback/editor_detail.hpp"
#include "writeback/yaml_lines_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

namespace argoimg::writeback {

using namespace detail;

namespace {

using util::ErrorKind;
using WindowEdit = std::function<util::Result<std::string>(std::string_view, size_t)>;

std::string key_of(size_t doc, const YamlPath& path) {
  std::string key = std::to_string(doc);
  for (const auto& step : path) {
    key += step.index ? "/" + std::to_string(*step.index) : "/" + step.key;
  }
  return key;
}

size_t pos_of(const YAML::Node& node, size_t shift) {
  int pos = node.Mark().pos;
  return (pos < 0 ? 0 : static_cast<size_t>(pos)) + shift;
}

// Where an edit lands: the lines of a block mapping, from the line of its first key to its
// block end, with what precedes the first key on its line (sequence dashes) blanked, so that
// the window parses on its own as that mapping, every byte at its offset.
struct Window {
  size_t begin = 0;
  size_t end = 0;
  size_t indent = 0; // bytes blanked at the start
  size_t first_line = 1;
  std::string text;
};

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

struct Pending {
  size_t begin = 0;
  size_t end = 0;
  std::string text;   // the new bytes of [begin, end)
  std::string window; // the edited window as it was parsed (dashes blanked)
  std::string key;    // doc/path of the window's mapping
  size_t id = 0;
  FileBatch::WholeEdit whole;
};

// The combined check: `before` and `after` are equal outside the pending windows, and each
// window's mapping in `after` is what its own edit produced.
class Combined {
public:
  explicit Combined(const std::vector<Pending>& pending) {
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
        key += "/" + x->first.Scalar();
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

  std::map<std::string, const Pending*> m_windows;
  std::set<int> m_seen;
  size_t m_visited = 0;
};

// A duplicate key in the mappings on the way to `scope` (not inside it).
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

} // namespace

struct FileBatch::Impl {
  std::string base;
  bool parsed = false;
  bool parse_failed = false;
  std::vector<YAML::Node> docs;
  std::vector<size_t> line_starts;
  std::optional<std::map<std::string, std::pair<size_t, YamlPath>>> applications;
  std::optional<util::Result<bool>> unique; // duplicate keys anywhere in the file
  std::vector<Pending> pending;
  std::map<size_t, size_t> spans; // begin -> end of the pending windows
  std::vector<util::Result<bool>> outcomes;

  void parse() {
    if (parsed) {
      return;
    }
    parsed = true;
    parse_failed = false;
    applications.reset();
    unique.reset();
    try {
      docs = YAML::LoadAll(base);
    } catch (const YAML::Exception&) {
      parse_failed = true; // the whole-text edits report it
      docs.clear();
    }
    line_starts.assign(1, 0);
    for (size_t i = base.find('\n'); i != std::string::npos; i = base.find('\n', i + 1)) {
      line_starts.push_back(i + 1);
    }
  }

  size_t line_of(size_t pos) const {
    return static_cast<size_t>(std::upper_bound(line_starts.begin(), line_starts.end(), pos)
                               - line_starts.begin());
  }

  std::optional<Window> window_of(const YAML::Node& node) const {
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
    window.first_line = line_of(begin);
    window.text = base.substr(begin, window.end - begin);
    std::fill_n(window.text.begin(), window.indent, ' ');
    if (window.text.find_first_of("&*") != std::string::npos) {
      return std::nullopt; // anchors and aliases may reach across the window's edge
    }
    return window;
  }

  bool overlaps(size_t begin, size_t end) const {
    auto next = spans.upper_bound(begin);
    if (next != spans.begin() && std::prev(next)->second > begin) {
      return true;
    }
    return next != spans.end() && next->first < end;
  }

  void flush() {
    if (pending.empty()) {
      return;
    }
    std::vector<const Pending*> order;
    for (const auto& p : pending) {
      order.push_back(&p);
    }
    std::sort(order.begin(), order.end(), [](const Pending* x, const Pending* y) {
      return x->begin < y->begin;
    });
    std::string out;
    out.reserve(base.size() + base.size() / 8);
    size_t pos = 0;
    for (const Pending* p : order) {
      out.append(base, pos, p->begin - pos);
      out += p->text;
      pos = p->end;
    }
    out.append(base, pos, std::string::npos);
    bool same = false;
    try {
      same = Combined(pending).same(docs, YAML::LoadAll(out));
    } catch (const YAML::Exception&) {
      same = false;
    }
    if (same) {
      base = std::move(out);
    } else {
      // Replay one by one on the whole text: slow, but each edit is checked on its own.
      for (const auto& p : pending) {
        auto edited = p.whole(base);
        if (edited) {
          base = std::move(*edited);
          outcomes[p.id] = true;
        } else {
          outcomes[p.id] = tl::unexpected(edited.error());
        }
      }
    }
    pending.clear();
    spans.clear();
    parsed = false;
  }

  void run_whole(size_t id, const WholeEdit& edit) {
    flush();
    auto edited = edit(base);
    if (!edited) {
      outcomes[id] = tl::unexpected(edited.error());
      return;
    }
    if (*edited != base) {
      base = std::move(*edited);
      parsed = false;
    }
    outcomes[id] = true;
  }

  // Edit the block mapping at `scope` of document `doc` in its window; on the whole text when
  // it has none. `whole_document`: duplicate keys anywhere in the file refuse the edit (else
  // only those on the way to the window and in it).
  void windowed(size_t id,
                size_t doc,
                const YamlPath& scope,
                bool whole_document,
                const WindowEdit& edit,
                const WholeEdit& whole) {
    parse();
    if (parse_failed || doc >= docs.size()) {
      run_whole(id, whole);
      return;
    }
    YAML::Node node = node_at(docs[doc], scope);
    auto window = node.IsDefined() ? window_of(node) : std::nullopt;
    if (!window) {
      run_whole(id, whole);
      return;
    }
    if (overlaps(window->begin, window->end)) {
      flush();
      windowed(id, doc, scope, whole_document, edit, whole); // nothing pending now
      return;
    }
    if (whole_document && !unique) {
      unique = check_unique_keys(base);
    }
    auto ok = whole_document ? *unique : unique_on_path(docs[doc], scope);
    if (!ok) {
      outcomes[id] = tl::unexpected(ok.error());
      return;
    }
    auto edited = edit(window->text, window->first_line);
    if (!edited) {
      outcomes[id] = tl::unexpected(edited.error());
      return;
    }
    outcomes[id] = true;
    if (*edited == window->text) {
      return;
    }
    if (edited->compare(0, window->indent, window->text, 0, window->indent) != 0) {
      outcomes[id] = false;
      run_whole(id, whole); // the edit reached before the first key: not a window edit
      return;
    }
    Pending p;
    p.begin = window->begin;
    p.end = window->end;
    p.text = base.substr(window->begin, window->indent) + edited->substr(window->indent);
    p.window = std::move(*edited);
    p.key = key_of(doc, scope);
    p.id = id;
    p.whole = whole;
    spans.emplace(p.begin, p.end);
    pending.push_back(std::move(p));
  }

  const std::map<std::string, std::pair<size_t, YamlPath>>& application_index() {
    if (applications) {
      return *applications;
    }
    applications.emplace();
    auto is_app = [](const YAML::Node& n) {
      return n.IsMap() && n["kind"] && n["kind"].IsScalar() && n["kind"].Scalar() == "Application"
             && n["metadata"] && n["metadata"].IsMap() && n["metadata"]["name"]
             && n["metadata"]["name"].IsScalar();
    };
    for (size_t d = 0; d < docs.size(); ++d) {
      const YAML::Node& root = docs[d];
      if (is_app(root)) {
        applications->emplace(root["metadata"]["name"].Scalar(), std::make_pair(d, YamlPath{}));
      } else if (root.IsMap() && root["items"] && root["items"].IsSequence()) {
        const YAML::Node items = root["items"];
        for (size_t i = 0; i < items.size(); ++i) {
          if (is_app(items[i])) {
            applications->emplace(items[i]["metadata"]["name"].Scalar(),
                                  std::make_pair(d, at(join({}, {"items"}), i)));
          }
        }
      }
    }
    return *applications;
  }
};

FileBatch::FileBatch(std::string text) : m_impl(std::make_unique<Impl>()) {
  m_impl->base = std::move(text);
}
FileBatch::~FileBatch() = default;
FileBatch::FileBatch(FileBatch&&) noexcept = default;
FileBatch& FileBatch::operator=(FileBatch&&) noexcept = default;

void FileBatch::application_manifest(const app::Application& application,
                                     const app::TypeDecision& type,
                                     const std::vector<ImageChange>& changes) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  WholeEdit whole = [application, type, changes](std::string_view text) {
    return edit_application_manifest(text, application, type, changes);
  };
  m_impl->parse();
  if (m_impl->parse_failed) {
    m_impl->run_whole(id, whole);
    return;
  }
  const auto& index = m_impl->application_index();
  auto where = index.find(application.name);
  if (where == index.end()) {
    m_impl->run_whole(id, whole); // reports it missing
    return;
  }
  auto [doc, scope] = where->second;
  m_impl->windowed(
      id,
      doc,
      scope,
      false,
      [&](std::string_view window, size_t first_line) {
        return edit_application_manifest_at(window, application, type, changes, first_line);
      },
      whole);
}

void FileBatch::helm_values(const std::vector<ImageChange>& changes) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  WholeEdit whole = [changes](std::string_view text) { return edit_helm_values(text, changes); };
  m_impl->parse();
  if (m_impl->parse_failed || m_impl->docs.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  auto paths = helm_paths(m_impl->docs[0], changes);
  if (!paths) {
    m_impl->outcomes[id] = tl::unexpected(paths.error());
    return;
  }
  // The window: the deepest existing mapping that holds every key written.
  std::vector<const YamlPath*> all;
  for (const auto& p : *paths) {
    all.push_back(&p.tag);
    if (!p.spec) {
      all.push_back(&p.name);
    }
  }
  if (all.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  size_t common = all.front()->size() - 1;
  for (const YamlPath* p : all) {
    common = std::min(common, p->size() - 1);
    for (size_t i = 0; i < common; ++i) {
      const auto& a = (*p)[i];
      const auto& b = (*all.front())[i];
      if (a.key != b.key || a.index != b.index) {
        common = i;
        break;
      }
    }
  }
  YamlPath scope(all.front()->begin(), all.front()->begin() + static_cast<long>(common));
  while (!scope.empty()) {
    YAML::Node node = node_at(m_impl->docs[0], scope);
    if (node.IsDefined() && node.IsMap() && node.size() > 0) {
      break;
    }
    scope.pop_back();
  }
  if (scope.empty()) {
    m_impl->run_whole(id, whole);
    return;
  }
  std::vector<HelmPaths> rebased = *paths;
  for (auto& p : rebased) {
    p.tag.erase(p.tag.begin(), p.tag.begin() + static_cast<long>(scope.size()));
    if (!p.spec) {
      p.name.erase(p.name.begin(), p.name.begin() + static_cast<long>(scope.size()));
    }
  }
  m_impl->windowed(
      id,
      0,
      scope,
      true,
      [&](std::string_view window, size_t first_line) {
        return edit_helm_values_at(window, changes, rebased, first_line);
      },
      whole);
}

void FileBatch::whole(WholeEdit edit) {
  size_t id = m_impl->outcomes.size();
  m_impl->outcomes.emplace_back(false);
  m_impl->run_whole(id, edit);
}

FileBatch::Outcome FileBatch::finish() {
  m_impl->flush();
  return Outcome{m_impl->base, m_impl->outcomes};
}

} // namespace argoimg::writeback
