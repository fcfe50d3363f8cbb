// SPDX-License-Identifier: Apache-2.0
#pragma once

// Building blocks of the write-back targets: an Editor that collects edits on one text and
// verifies them as a whole, and the Helm-parameter / Kustomize-image list operations. Include
// only from writeback .cpp files (it exposes yaml-cpp).

#include "writeback/targets.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

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
  explicit Editor(std::string_view text) : m_before(text), m_yaml(std::string(text)) {}
  util::Result<bool> set(size_t doc, const YamlPath& path, const std::string& value);
  util::Result<bool> append(size_t doc, const YamlPath& path, size_t size, const NewItem& item);
  util::Result<bool> remove(size_t doc, const YamlPath& path, const std::string& key);
  const YamlText& yaml() const { return m_yaml; }
  util::Result<std::string> finish() const;

private:
  std::vector<YamlPath> paths_of_same_node(size_t doc, const YamlPath& path) const;
  std::string m_before;
  YamlText m_yaml;
  std::vector<ExpectedValue> m_expected;
  std::vector<std::pair<size_t, YamlPath>> m_allowed;
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

} // namespace argoimg::writeback::detail
