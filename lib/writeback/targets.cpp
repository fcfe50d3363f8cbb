// SPDX-License-Identifier: Apache-2.0
#include "writeback/targets.hpp"

#include "app/current_image.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"
#include "writeback/verify.hpp"
#include "writeback/yaml_text.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

namespace argoimg::writeback {

namespace {

using util::ErrorKind;

std::string repository_of(std::string_view name) {
  auto ref = image::parse_image_ref(name);
  return ref ? ref->repository() : std::string(name);
}

YAML::Node node_at(const YAML::Node& root, const YamlPath& path);

// Collects edits on one text plus what they must produce, then verifies them as a whole.
class Editor {
public:
  explicit Editor(std::string_view text) : m_before(text), m_yaml(std::string(text)) {}

  util::Result<bool> set(size_t doc, const YamlPath& path, const std::string& value) {
    auto aliases = paths_of_same_node(doc, path); // an alias edits its anchor: all views change
    auto done = m_yaml.set(doc, path, value);
    if (done) {
      m_expected.push_back({doc, path, value});
      m_allowed.emplace_back(doc, path);
      for (auto& alias : aliases) {
        m_allowed.emplace_back(doc, std::move(alias));
      }
    }
    return done;
  }

  // Append an item to the list at `path`, whose current size is `size`.
  util::Result<bool> append(size_t doc, const YamlPath& path, size_t size, const NewItem& item) {
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

  util::Result<bool> remove(size_t doc, const YamlPath& path, const std::string& key) {
    YamlPath removed = path;
    removed.push_back(PathStep{key, std::nullopt});
    m_allowed.emplace_back(doc, removed);
    return m_yaml.remove(doc, path, key);
  }

  const YamlText& yaml() const { return m_yaml; }

private:
  // Every path in document `doc` that reaches the same node as `path` (anchors and aliases).
  std::vector<YamlPath> paths_of_same_node(size_t doc, const YamlPath& path) const {
    std::vector<YamlPath> found;
    try {
      auto docs = YAML::LoadAll(m_yaml.text());
      if (doc >= docs.size()) {
        return found;
      }
      YAML::Node target = node_at(docs[doc], path);
      if (!target || !target.IsDefined()) {
        return found;
      }
      std::set<int> seen; // each aliased collection once, as in verify_edit
      std::function<void(const YAML::Node&, YamlPath&, int)> visit =
          [&](const YAML::Node& node, YamlPath& at, int depth) {
            if (depth > 64) {
              return;
            }
            if (node.is(target)) {
              found.push_back(at);
            }
            if ((node.IsMap() || node.IsSequence()) && !seen.insert(node.Mark().pos).second) {
              return;
            }
            if (node.IsMap()) {
              for (const auto& entry : node) {
                at.push_back(PathStep{entry.first.Scalar(), std::nullopt});
                visit(entry.second, at, depth + 1);
                at.pop_back();
              }
            } else if (node.IsSequence()) {
              for (size_t i = 0; i < node.size(); ++i) {
                at.push_back(PathStep{at.empty() ? "" : at.back().key, i});
                visit(node[i], at, depth + 1);
                at.pop_back();
              }
            }
          };
      YamlPath start;
      visit(docs[doc], start, 0);
    } catch (const YAML::Exception&) {
    }
    return found;
  }

public:
  util::Result<std::string> finish() const {
    auto verified = verify_edit(m_before, m_yaml.text(), m_expected, m_allowed);
    if (!verified) {
      return tl::unexpected(verified.error());
    }
    return m_yaml.text();
  }

private:
  std::string m_before;
  YamlText m_yaml;
  std::vector<ExpectedValue> m_expected;
  std::vector<std::pair<size_t, YamlPath>> m_allowed;
};

util::Result<YAML::Node> load_document(std::string_view text, size_t doc) {
  try {
    auto docs = YAML::LoadAll(std::string(text));
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
    YAML::Node child =
        step.index ? (node.IsSequence() && *step.index < node.size()
                          ? node[*step.index]
                          : YAML::Node(YAML::NodeType::Undefined))
                   : (node.IsMap() ? node[step.key] : YAML::Node(YAML::NodeType::Undefined));
    node.reset(child);
  }
  return node;
}

enum class IfMissing { add, skip };
enum class Compare { text, repository };

// Set helm parameter `name` to `value` in the list at `list`: in place, or appended. With
// Compare::repository an existing value naming the same repository is left alone (short and
// long forms of one image are the same image).
util::Result<bool> set_parameter(Editor& editor,
                                 size_t doc,
                                 const YamlPath& list,
                                 const std::string& name,
                                 const std::string& value,
                                 const char* force_key,
                                 IfMissing if_missing = IfMissing::add,
                                 Compare compare = Compare::text) {
  auto root = load_document(editor.yaml().text(), doc);
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
  auto root = load_document(editor.yaml().text(), doc);
  if (!root) {
    return tl::unexpected(root.error());
  }
  const auto& config = change.config;
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

} // namespace

std::string ImageChange::tag_value() const {
  return new_digest.empty() ? new_tag : new_tag + "@" + new_digest;
}

std::string ImageChange::full_value() const {
  return config.entry.image.name() + ":" + tag_value();
}

util::Result<std::string> edit_argocd_source(std::string_view text,
                                             app::AppType type,
                                             const std::vector<ImageChange>& changes) {
  Editor editor(text);
  for (const auto& change : changes) {
    util::Result<bool> done = true;
    if (type == app::AppType::kustomize) {
      done = set_kustomize_image(editor, 0, join({}, {"kustomize", "images"}), change);
    } else {
      auto names = app::helm_names(change.config);
      YamlPath list = join({}, {"helm", "parameters"});
      if (names.spec) {
        done = set_parameter(editor, 0, list, *names.spec, change.full_value(), "forcestring");
      } else {
        done = set_parameter(editor,
                             0,
                             list,
                             names.name,
                             change.config.entry.image.name(),
                             "forcestring",
                             IfMissing::add,
                             Compare::repository);
        if (done) {
          done = set_parameter(editor, 0, list, names.tag, change.tag_value(), "forcestring");
        }
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        util::quote(change.config.entry.image_text) + ": " + done.error().message);
    }
  }
  return editor.finish();
}

util::Result<std::string> edit_kustomization(std::string_view text,
                                             const std::vector<ImageChange>& changes) {
  Editor editor(text);
  auto docs = YamlText(std::string(text)).documents();
  if (docs && *docs > 1) {
    return util::fail(ErrorKind::invalid_input, "a kustomization must hold a single YAML document");
  }
  YamlPath list = join({}, {"images"});
  for (const auto& change : changes) {
    auto root = load_document(editor.yaml().text(), 0);
    if (!root) {
      return tl::unexpected(root.error());
    }
    const auto& config = change.config;
    std::string name = config.kustomize_image_name.value_or(config.entry.image.name());
    YAML::Node images = node_at(*root, list);
    std::optional<size_t> found;
    size_t size = images && images.IsSequence() ? images.size() : 0;
    for (size_t i = 0; i < size; ++i) {
      if (images[i].IsMap() && images[i]["name"]
          && repository_of(images[i]["name"].Scalar()) == repository_of(name)) {
        found = i;
        break;
      }
    }
    bool rename = config.kustomize_image_name
                  && repository_of(*config.kustomize_image_name) != config.entry.image.repository();
    util::Result<bool> done = true;
    if (!found) {
      NewItem item{"", {{"name", name}}, {}};
      if (rename) {
        item.fields.emplace_back("newName", config.entry.image.name());
      }
      item.fields.emplace_back("newTag", change.new_tag);
      if (!change.new_digest.empty()) {
        item.fields.emplace_back("digest", change.new_digest);
      }
      done = editor.append(0, list, size, item);
    } else {
      YamlPath entry = at(list, *found);
      done = editor.set(0, join(entry, {"newTag"}), change.new_tag);
      if (done && rename) {
        done = editor.set(0, join(entry, {"newName"}), config.entry.image.name());
      }
      if (done && !change.new_digest.empty()) {
        done = editor.set(0, join(entry, {"digest"}), change.new_digest);
      } else if (done && images[*found]["digest"]) {
        done = editor.remove(0, entry, "digest"); // a tag without digest, as kustomize sets it
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        util::quote(config.entry.image_text) + ": " + done.error().message);
    }
  }
  return editor.finish();
}

util::Result<std::string> edit_helm_values(std::string_view text,
                                           const std::vector<ImageChange>& changes) {
  Editor editor(text);
  auto path_for = [&editor](const std::string& helm_path) -> util::Result<YamlPath> {
    // AIU: a literal dotted key at the root wins over the nested path.
    auto literal = editor.yaml().get(0, YamlPath{PathStep{helm_path, std::nullopt}});
    if (literal && *literal) {
      return YamlPath{PathStep{helm_path, std::nullopt}};
    }
    return parse_helm_path(helm_path);
  };
  for (const auto& change : changes) {
    auto names = app::helm_names(change.config);
    util::Result<bool> done = true;
    if (names.spec) {
      auto path = path_for(*names.spec);
      done = path ? editor.set(0, *path, change.full_value()) : tl::unexpected(path.error());
    } else {
      auto tag_path = path_for(names.tag);
      auto name_path = path_for(names.name);
      if (!tag_path || !name_path) {
        return tl::unexpected(!tag_path ? tag_path.error() : name_path.error());
      }
      done = editor.set(0, *tag_path, change.tag_value());
      auto current = editor.yaml().get(0, *name_path);
      std::string configured = change.config.entry.image.name();
      if (done && current
          && (!*current || repository_of(**current) != change.config.entry.image.repository())) {
        // AIU 0.18: keep the short form (`bitnami/nginx`) when the file uses it.
        bool short_form = *current && image::parse_image_ref(**current)
                          && image::parse_image_ref(**current)->registry.empty();
        auto ref = change.config.entry.image;
        std::string value =
            short_form && ref.registry_host() == image::k_docker_hub ? ref.path : configured;
        done = editor.set(0, *name_path, value);
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        util::quote(change.config.entry.image_text) + ": " + done.error().message);
    }
  }
  return editor.finish();
}

util::Result<std::string> edit_application_manifest(std::string_view text,
                                                    const app::Application& application,
                                                    const app::TypeDecision& type,
                                                    const std::vector<ImageChange>& changes) {
  // Find the document (and List item) holding this Application.
  std::optional<std::pair<size_t, YamlPath>> where;
  try {
    auto docs = YAML::LoadAll(std::string(text));
    for (size_t d = 0; d < docs.size() && !where; ++d) {
      auto is_app = [&](const YAML::Node& n) {
        return n.IsMap() && n["kind"] && n["kind"].Scalar() == "Application" && n["metadata"]
               && n["metadata"]["name"] && n["metadata"]["name"].Scalar() == application.name;
      };
      if (is_app(docs[d])) {
        where = std::make_pair(d, YamlPath{});
      } else if (docs[d].IsMap() && docs[d]["items"] && docs[d]["items"].IsSequence()) {
        for (size_t i = 0; i < docs[d]["items"].size() && !where; ++i) {
          if (is_app(docs[d]["items"][i])) {
            where = std::make_pair(d, at(join({}, {"items"}), i));
          }
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return util::fail(ErrorKind::invalid_input, "invalid YAML: " + e.msg);
  }
  if (!where) {
    return util::fail(ErrorKind::not_found,
                      "Application " + util::quote(application.name) + " is no longer in the file");
  }
  auto [doc, base] = *where;
  YamlPath source = application.multi_source
                        ? at(join(base, {"spec", "sources"}), type.source_index)
                        : join(base, {"spec", "source"});
  Editor editor(text);
  for (const auto& change : changes) {
    util::Result<bool> done = true;
    if (type.type == app::AppType::kustomize) {
      done = set_kustomize_image(editor, doc, join(source, {"kustomize", "images"}), change);
    } else {
      const auto& src = application.sources[type.source_index];
      auto names = app::helm_names(change.config);
      bool in_values_object =
          !src.helm_values_object.empty()
          && app::find_current_image(application, type, change.config, {}, {}, nullptr)
                     .value_or(app::CurrentImage{})
                     .found_in.find("valuesObject")
                 != std::string::npos;
      if (in_values_object) {
        YamlPath object = join(source, {"helm", "valuesObject"});
        auto add = [&](const std::string& helm_path,
                       const std::string& value) -> util::Result<bool> {
          auto steps = parse_helm_path(helm_path);
          if (!steps) {
            return tl::unexpected(steps.error());
          }
          YamlPath full = object;
          full.insert(full.end(), steps->begin(), steps->end());
          return editor.set(doc, full, value);
        };
        done =
            names.spec ? add(*names.spec, change.full_value()) : add(names.tag, change.tag_value());
      } else {
        YamlPath list = join(source, {"helm", "parameters"});
        if (names.spec) {
          done = set_parameter(editor, doc, list, *names.spec, change.full_value(), "forceString");
        } else {
          done = set_parameter(editor,
                               doc,
                               list,
                               names.name,
                               change.config.entry.image.name(),
                               "forceString",
                               IfMissing::skip,
                               Compare::repository);
          if (done) {
            done = set_parameter(editor, doc, list, names.tag, change.tag_value(), "forceString");
          }
        }
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        util::quote(change.config.entry.image_text) + ": " + done.error().message);
    }
  }
  return editor.finish();
}

} // namespace argoimg::writeback
