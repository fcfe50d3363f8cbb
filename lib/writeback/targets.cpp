// SPDX-License-Identifier: Apache-2.0
#include "writeback/targets.hpp"

#include "app/current_image.hpp"
#include "app/yaml_parse_detail.hpp"
#include "image/image_ref.hpp"
#include "util/strings.hpp"
#include "writeback/editor_detail.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <functional>
#include <set>

namespace argoimg::writeback {

using namespace detail;

namespace {

using util::ErrorKind;

// `'image': message`; a message that starts with its line (`12: ...`, `12:3: ...`) keeps it
// first, so that the caller's file name makes `file:12: 'image': ...`.
std::string with_image(const std::string& image, const std::string& message) {
  size_t digits = message.find_first_not_of("0123456789:");
  if (digits != std::string::npos && digits > 1 && message[digits - 1] == ':'
      && message[digits] == ' ' && std::isdigit(static_cast<unsigned char>(message[0]))) {
    return message.substr(0, digits + 1) + util::quote(image) + ": " + message.substr(digits + 1);
  }
  return util::quote(image) + ": " + message;
}

} // namespace

ImageChange owned_change(app::ImageConfig config, std::string new_tag, std::string new_digest) {
  return ImageChange{std::make_shared<const app::ImageConfig>(std::move(config)),
                     std::move(new_tag),
                     std::move(new_digest)};
}

std::string ImageChange::tag_value() const {
  return new_digest.empty() ? new_tag : new_tag + "@" + new_digest;
}

std::string ImageChange::full_value() const {
  return config->entry.image.name() + ":" + tag_value();
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
      auto names = app::helm_names(*change.config);
      YamlPath list = join({}, {"helm", "parameters"});
      if (names.spec) {
        done = set_parameter(editor, 0, list, *names.spec, change.full_value(), "forcestring");
      } else {
        done = set_parameter(editor,
                             0,
                             list,
                             names.name,
                             change.config->entry.image.name(),
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
                        with_image(change.config->entry.image_text, done.error().message));
    }
  }
  return editor.finish();
}

util::Result<std::vector<HelmPaths>> detail::helm_paths(const YAML::Node& root,
                                                        const std::vector<ImageChange>& changes) {
  auto path_for = [&root](const std::string& helm_path) -> util::Result<YamlPath> {
    // AIU: a literal dotted key at the root wins over the nested path.
    YamlPath literal{PathStep{helm_path, std::nullopt}};
    YAML::Node node = node_at(root, literal);
    if (node.IsDefined() && node.IsScalar()) {
      return literal;
    }
    return parse_helm_path(helm_path);
  };
  std::vector<HelmPaths> out;
  for (const auto& change : changes) {
    auto names = app::helm_names(*change.config);
    HelmPaths paths;
    paths.spec = names.spec.has_value();
    for (auto [name, into] : {std::make_pair(names.spec ? *names.spec : names.tag, &paths.tag),
                              std::make_pair(names.name, &paths.name)}) {
      if (paths.spec && into == &paths.name) {
        break; // a spec value holds the name
      }
      auto path = path_for(name);
      if (!path) {
        return util::fail(path.error().kind,
                          util::quote(change.config->entry.image_text) + ": "
                              + path.error().message);
      }
      *into = std::move(*path);
    }
    out.push_back(std::move(paths));
  }
  return out;
}

namespace {

// The scalar at `path`, where a key missing from a mapping is looked up in the mappings it
// merges (`<<: *base`, `<<: [*a, *b]`), as Helm reads the file.
std::optional<std::string> value_through_merges(const YAML::Node& root, const YamlPath& path) {
  // Each mapping is searched once per step: merges that share anchors (`b2: {<<: [*b1, *b1]}`,
  // `b3: {<<: [*b2, *b2]}`, ...) would otherwise be searched exponentially often.
  std::set<int> searched;
  std::function<YAML::Node(const YAML::Node&, const std::string&, int)> child =
      [&child, &searched](const YAML::Node& map, const std::string& key, int depth) -> YAML::Node {
    if (!searched.insert(map.Mark().pos).second) {
      return YAML::Node();
    }
    YAML::Node found = std::as_const(map)[key];
    YAML::Node merge = found || depth > 16 ? YAML::Node() : std::as_const(map)["<<"];
    if (merge && merge.IsMap()) {
      return child(merge, key, depth + 1);
    }
    for (size_t i = 0; merge && merge.IsSequence() && i < merge.size(); ++i) {
      if (YAML::Node inner = merge[i].IsMap() ? child(merge[i], key, depth + 1) : YAML::Node()) {
        return inner;
      }
    }
    return found;
  };
  try {
    YAML::Node node;
    node.reset(root);
    for (const auto& step : path) {
      searched.clear();
      YAML::Node next =
          step.index
              ? (node.IsSequence() && *step.index < node.size() ? node[*step.index] : YAML::Node())
              : (node.IsMap() ? child(node, step.key, 0) : YAML::Node());
      if (!next || !next.IsDefined()) {
        return std::nullopt;
      }
      node.reset(next);
    }
    return node.IsScalar() ? std::optional<std::string>(node.Scalar()) : std::nullopt;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

} // namespace

util::Result<std::string>
detail::edit_helm_values_at(std::string_view text,
                            const std::vector<ImageChange>& changes,
                            const std::vector<HelmPaths>& paths,
                            size_t first_line,
                            std::shared_ptr<const YamlText::Parsed>* parsed) {
  Editor editor(text, first_line);
  return edit_helm_values_in(editor, changes, paths, parsed);
}

util::Result<std::string>
detail::edit_helm_values_in(Editor& editor,
                            const std::vector<ImageChange>& changes,
                            const std::vector<HelmPaths>& paths,
                            std::shared_ptr<const YamlText::Parsed>* parsed) {
  for (size_t i = 0; i < changes.size(); ++i) {
    const auto& change = changes[i];
    util::Result<bool> done = true;
    if (paths[i].spec) {
      done = editor.set(0, paths[i].tag, change.full_value());
    } else {
      done = editor.set(0, paths[i].tag, change.tag_value());
      auto current = editor.yaml().get(0, paths[i].name);
      if (current && !*current) { // a name merged in with `<<: *base` is the current one too
        auto root = editor.document(0);
        *current = root ? value_through_merges(*root, paths[i].name) : std::nullopt;
      }
      std::string configured = change.config->entry.image.name();
      if (done && current
          && (!*current || repository_of(**current) != change.config->entry.image.repository())) {
        // AIU 0.18: keep the short form (`bitnami/nginx`) when the file uses it.
        bool short_form = *current && image::parse_image_ref(**current)
                          && image::parse_image_ref(**current)->registry.empty();
        auto ref = change.config->entry.image;
        std::string value =
            short_form && ref.registry_host() == image::k_docker_hub ? ref.path : configured;
        done = editor.set(0, paths[i].name, value);
      }
    }
    if (!done) {
      return util::fail(done.error().kind,
                        with_image(change.config->entry.image_text, done.error().message));
    }
  }
  return editor.finish(parsed);
}

util::Result<std::string> edit_helm_values(std::string_view text,
                                           const std::vector<ImageChange>& changes) {
  Editor editor(text); // one parse for the paths, the edit's lookups and its verification
  auto root = editor.document(0); // a broken file: reported by the edit
  auto paths = helm_paths(root ? *root : YAML::Node(), changes);
  if (!paths) {
    return tl::unexpected(paths.error());
  }
  return edit_helm_values_in(editor, changes, *paths, nullptr);
}

util::Result<std::string> edit_application_manifest(std::string_view text,
                                                    const app::Application& application,
                                                    const app::TypeDecision& type,
                                                    const std::vector<ImageChange>& changes) {
  return edit_application_manifest_at(text, application, type, changes, 1);
}

util::Result<std::string>
detail::edit_application_manifest_at(std::string_view text,
                                     const app::Application& application,
                                     const app::TypeDecision& type,
                                     const std::vector<ImageChange>& changes,
                                     size_t first_line,
                                     std::shared_ptr<const YamlText::Parsed>* parsed) {
  // Find the document (and List item) holding this Application.
  std::optional<std::pair<size_t, YamlPath>> where;
  Editor editor(text, first_line);
  try {
    auto parse = editor.yaml().parsed();
    if (!parse->docs) {
      app::yaml::load_all(text); // throws, with the position to report
    }
    const auto& docs = parse->docs ? *parse->docs : std::vector<YAML::Node>{};
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
    return util::fail(ErrorKind::invalid_input,
                      std::to_string(static_cast<size_t>(e.mark.line) + first_line) + ":"
                          + std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (!where) {
    return util::fail(ErrorKind::not_found,
                      "Application " + util::quote(application.name) + " is no longer in the file");
  }
  auto [doc, base] = *where;
  if (!base.empty()) {
    editor.confine(doc, base); // a List item: other items are other applications
  }
  YamlPath source = application.multi_source
                        ? at(join(base, {"spec", "sources"}), type.source_index)
                        : join(base, {"spec", "source"});
  for (const auto& change : changes) {
    util::Result<bool> done = true;
    if (type.type == app::AppType::kustomize) {
      done = set_kustomize_image(editor, doc, join(source, {"kustomize", "images"}), change);
    } else {
      const auto& src = application.sources[type.source_index];
      auto names = app::helm_names(*change.config);
      bool in_values_object =
          !src.helm_values_object.empty()
          && app::find_current_image(application, type, *change.config, {}, {}, nullptr)
                     .value_or(app::CurrentImage{})
                     .found_in.find("valuesObject")
                 != std::string::npos;
      if (in_values_object) {
        YamlPath object = join(source, {"helm", "valuesObject"});
        // clang 14 cannot capture a structured binding: copy `doc` in.
        auto add = [&, at_doc = doc](const std::string& helm_path,
                                     const std::string& value) -> util::Result<bool> {
          auto steps = parse_helm_path(helm_path);
          if (!steps) {
            return tl::unexpected(steps.error());
          }
          YamlPath full = object;
          full.insert(full.end(), steps->begin(), steps->end());
          return editor.set(at_doc, full, value, &object);
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
                               change.config->entry.image.name(),
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
                        with_image(change.config->entry.image_text, done.error().message));
    }
  }
  return editor.finish(parsed);
}

} // namespace argoimg::writeback
