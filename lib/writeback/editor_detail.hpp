// SPDX-License-Identifier: Apache-2.0
#pragma once

// Building blocks of the write-back targets: an Editor that collects edits on one text and
// verifies them as a whole, and the Helm-parameter / Kustomize-image list operations. Include
// only from writeback .cpp files (it exposes yaml-cpp).

#include "writeback/targets.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_parse_detail.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace argoimg::writeback::detail {

std::string repository_of(std::string_view name);
YAML::Node node_at(const YAML::Node& root, const YamlPath& path);
util::Result<YAML::Node> load_document(std::string_view text, size_t doc);
YamlPath join(YamlPath base, std::initializer_list<const char*> keys);
YamlPath at(YamlPath base, size_t index);

// Collects edits on one text plus what they must produce, then verifies them as a whole.
class Editor {
public:
  // `first_line`: the line of the file `text` starts on, for messages (a window of a file).
  // The text is parsed here, once; lookups and the final check share that parse.
  explicit Editor(std::string_view text, size_t first_line = 1)
      : m_before(text), m_yaml(std::string(text)), m_before_parsed(m_yaml.parsed()),
        m_first_line(first_line) {}
  // `within`, when given, confines this edit further (see confine): an anchor in an
  // Application's `valuesObject` that an alias outside it shows is not edited through.
  util::Result<bool>
  set(size_t doc, const YamlPath& path, const std::string& value, const YamlPath* within = nullptr);
  util::Result<bool> append(size_t doc, const YamlPath& path, size_t size, const NewItem& item);
  util::Result<bool> remove(size_t doc, const YamlPath& path, const std::string& key);
  const YamlText& yaml() const { return m_yaml; }
  // Document `doc` of the current text (an undefined node past the last), or its parse error.
  util::Result<YAML::Node> document(size_t doc) const;
  // Document `doc` of the text before any edit (no parse of the edited text).
  util::Result<YAML::Node> original_document(size_t doc) const;
  // Refuse to set a value that an alias also shows outside `scope` of document `doc` (an
  // anchor in one List item used by another: the edit would change the other application).
  void confine(size_t doc, YamlPath scope) { m_scope = std::pair{doc, std::move(scope)}; }
  // Verify and return the edited text; `parsed`, when given, receives its parse.
  util::Result<std::string> finish(std::shared_ptr<const YamlText::Parsed>* parsed = nullptr) const;

private:
  // A path that reaches a node, with the line of its key (1-based, in the file).
  struct Reach {
    YamlPath path;
    size_t line = 0;
  };
  std::vector<Reach> paths_of_same_node(size_t doc, const YamlPath& path) const;
  // `&name` of the anchored node at `path` of document `doc`, and its line; empty if none.
  std::pair<std::string, size_t> anchor_of(size_t doc, const YamlPath& path) const;
  std::string m_before;
  YamlText m_yaml;
  std::shared_ptr<const YamlText::Parsed> m_before_parsed;
  size_t m_first_line = 1;
  std::vector<ExpectedValue> m_expected;
  std::vector<std::pair<size_t, YamlPath>> m_allowed;
  std::optional<std::pair<size_t, YamlPath>> m_scope;
};

enum class IfMissing { add, skip };
enum class Compare { text, repository };

// Set helm parameter `name` to `value` in the list at `list`: in place, or appended. With
// Compare::repository an existing value naming the same repository is left alone.
util::Result<bool> set_parameter(Editor& editor,
                                 size_t doc,
                                 const YamlPath& list,
                                 const std::string& name,
                                 const std::string& value,
                                 const char* force_key,
                                 IfMissing if_missing = IfMissing::add,
                                 Compare compare = Compare::text);

// Set the Kustomize image string for `change` in the list at `list`.
util::Result<bool>
set_kustomize_image(Editor& editor, size_t doc, const YamlPath& list, const ImageChange& change);

// The paths a Helm values edit writes, per change: the tag (or spec) key and the name key, a
// literal dotted root key winning over the nested path as in AIU.
struct HelmPaths {
  bool spec = false; // `tag` holds the spec path (name:tag in one value)
  YamlPath tag;
  YamlPath name;
};
util::Result<std::vector<HelmPaths>> helm_paths(const YAML::Node& root,
                                                const std::vector<ImageChange>& changes);

// The targets on a window of a file (a mapping cut out with its bytes in place) that starts on
// line `first_line`: paths relative to the window's root.
// `parsed`, when given, receives the parse of the edited text (the batch's combined check
// compares against it instead of parsing the window again).
util::Result<std::string>
edit_helm_values_at(std::string_view text,
                    const std::vector<ImageChange>& changes,
                    const std::vector<HelmPaths>& paths,
                    size_t first_line,
                    std::shared_ptr<const YamlText::Parsed>* parsed = nullptr);
// The same on an Editor already holding the text (its parse shared with the caller's lookups).
util::Result<std::string> edit_helm_values_in(Editor& editor,
                                              const std::vector<ImageChange>& changes,
                                              const std::vector<HelmPaths>& paths,
                                              std::shared_ptr<const YamlText::Parsed>* parsed);
util::Result<std::string>
edit_application_manifest_at(std::string_view text,
                             const app::Application& application,
                             const app::TypeDecision& type,
                             const std::vector<ImageChange>& changes,
                             size_t first_line,
                             std::shared_ptr<const YamlText::Parsed>* parsed = nullptr);

} // namespace argoimg::writeback::detail
