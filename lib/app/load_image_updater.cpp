// SPDX-License-Identifier: Apache-2.0
#include "app/load_image_updater_detail.hpp"
#include "app/values.hpp"
#include "app/yaml_detail.hpp"
#include "tag/glob.hpp"
#include "tag/min_age.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace argoimg::app {

namespace {

using yaml::child;
using yaml::position_of;
using yaml::text;

tl::unexpected<util::Error>
invalid(const YAML::Node& node, const yaml::FileRef& path, const std::string& detail) {
  return util::fail(util::ErrorKind::config,
                    position_of(node, path).to_string(true) + ": " + detail);
}

// The CRD's alias pattern: ^[a-zA-Z0-9][a-zA-Z0-9._-]*$
bool valid_alias(const std::string& alias) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (alias.empty() || !alnum(alias.front())) {
    return false;
  }
  return std::all_of(alias.begin(), alias.end(), [&](char c) {
    return alnum(c) || c == '.' || c == '_' || c == '-';
  });
}

std::optional<std::string> optional_text(const YAML::Node& node, const char* key) {
  if (node && node.IsMap() && node[key] && node[key].IsScalar()) {
    return node[key].Scalar();
  }
  return std::nullopt;
}

util::Result<UpdateSettings> parse_settings(const YAML::Node& node, const yaml::FileRef& path) {
  UpdateSettings settings;
  if (!node || node.IsNull()) {
    return settings;
  }
  if (!node.IsMap()) {
    return invalid(node, path, "commonUpdateSettings must be a mapping");
  }
  settings.update_strategy = optional_text(node, "updateStrategy");
  if (auto force = optional_text(node, "forceUpdate")) {
    settings.force_update = yaml::boolean(*force);
    if (!settings.force_update) {
      return invalid(node["forceUpdate"],
                     path,
                     "forceUpdate must be true or false, not " + util::quote(*force));
    }
  }
  settings.allow_tags = optional_text(node, "allowTags");
  if (node["ignoreTags"]) {
    settings.ignore_tags = yaml::string_list(node["ignoreTags"]);
    for (const auto& glob : *settings.ignore_tags) {
      if (auto problem = tag::glob_problem(glob)) {
        return invalid(node["ignoreTags"],
                       path,
                       "ignoreTags: malformed glob " + util::quote(glob) + " at position "
                           + std::to_string(problem->offset + 1) + ": " + problem->what);
      }
    }
  }
  settings.pull_secret = optional_text(node, "pullSecret");
  if (node["platforms"]) {
    settings.platforms = yaml::string_list(node["platforms"]);
  }
  settings.min_age = optional_text(node, "minAge"); // argoimg's extension
  if (settings.min_age) {
    if (auto parsed = tag::parse_min_age(*settings.min_age); !parsed) {
      return invalid(node["minAge"], path, "minAge: " + parsed.error().message);
    }
  }
  return settings;
}

WriteBackConfig parse_write_back(const YAML::Node& node) {
  WriteBackConfig config;
  if (!node || !node.IsMap()) {
    return config;
  }
  config.method = optional_text(node, "method");
  if (YAML::Node git = node["gitConfig"]; git && git.IsMap()) {
    config.repository = optional_text(git, "repository");
    config.branch = optional_text(git, "branch");
    config.target = optional_text(git, "writeBackTarget");
    if (YAML::Node pull_request = git["pullRequest"]; pull_request && !pull_request.IsNull()) {
      PullRequestSettings settings;
      if (pull_request.IsMap()) {
        for (const auto& item : pull_request) {
          if (item.first.Scalar() != "labels") {
            settings.providers.push_back(item.first.Scalar());
          }
        }
        settings.labels = yaml::string_list(pull_request["labels"]);
      }
      config.pull_request = settings;
    }
  }
  return config;
}

util::Result<LabelSelector> parse_selector(const YAML::Node& node, const yaml::FileRef& path) {
  LabelSelector selector;
  if (YAML::Node labels = node["matchLabels"]; labels && labels.IsMap()) {
    for (const auto& item : labels) {
      selector.requirements.push_back(LabelRequirement{
          item.first.Scalar(), LabelRequirement::Op::equals, {item.second.Scalar()}});
    }
  }
  if (YAML::Node expressions = node["matchExpressions"]; expressions && expressions.IsSequence()) {
    for (const auto& expression : expressions) {
      if (!expression.IsMap()) {
        return invalid(expression, path, "matchExpressions entries must be mappings");
      }
      std::string op = text(expression, "operator");
      LabelRequirement requirement{text(expression, "key"),
                                   LabelRequirement::Op::exists,
                                   yaml::string_list(expression["values"])};
      if (op == "In") {
        requirement.op = LabelRequirement::Op::in;
      } else if (op == "NotIn") {
        requirement.op = LabelRequirement::Op::not_in;
      } else if (op == "Exists") {
        requirement.op = LabelRequirement::Op::exists;
      } else if (op == "DoesNotExist") {
        requirement.op = LabelRequirement::Op::does_not_exist;
      } else {
        return invalid(expression,
                       path,
                       "unknown label selector operator " + util::quote(op)
                           + "; use In, NotIn, Exists or DoesNotExist");
      }
      selector.requirements.push_back(std::move(requirement));
    }
  }
  return selector;
}

util::Result<ImageUpdaterImage> parse_image(const YAML::Node& node, const yaml::FileRef& path) {
  ImageUpdaterImage image;
  image.position = position_of(node, path);
  if (!node.IsMap()) {
    return invalid(node, path, "images entries must be mappings");
  }
  image.alias = text(node, "alias");
  image.image_name = text(node, "imageName");
  if (!valid_alias(image.alias)) {
    return invalid(node,
                   path,
                   "image alias " + util::quote(image.alias)
                       + " must match ^[a-zA-Z0-9][a-zA-Z0-9._-]*$");
  }
  if (image.image_name.empty()) {
    return invalid(node, path, "image " + util::quote(image.alias) + " has no imageName");
  }
  auto settings = parse_settings(node["commonUpdateSettings"], path);
  if (!settings) {
    return tl::unexpected(settings.error());
  }
  image.settings = *settings;
  if (YAML::Node targets = node["manifestTargets"]; targets && targets.IsMap()) {
    if (targets["helm"] && targets["kustomize"]) {
      return invalid(targets,
                     path,
                     "image " + util::quote(image.alias)
                         + " has both helm and kustomize manifest targets");
    }
    if (YAML::Node helm = targets["helm"]) {
      image.helm_name = optional_text(helm, "name");
      image.helm_tag = optional_text(helm, "tag");
      image.helm_spec = optional_text(helm, "spec");
      for (const char* key : {"name", "tag", "spec"}) {
        auto value = optional_text(helm, key);
        if (auto checked = value ? check_helm_path(*value) : util::Result<bool>(true); !checked) {
          return invalid(helm[key],
                         path,
                         "manifestTargets.helm." + std::string(key) + ": "
                             + checked.error().message);
        }
      }
    }
    if (YAML::Node kustomize = targets["kustomize"]) {
      image.kustomize_name = optional_text(kustomize, "name");
      if (!image.kustomize_name) {
        return invalid(kustomize, path, "kustomize manifest target needs a name");
      }
    }
  }
  return image;
}

util::Result<ApplicationRef> parse_ref(const YAML::Node& node, const yaml::FileRef& path) {
  ApplicationRef ref;
  ref.position = position_of(node, path);
  if (!node.IsMap()) {
    return invalid(node, path, "applicationRefs entries must be mappings");
  }
  ref.name_pattern = text(node, "namePattern");
  if (ref.name_pattern.empty()) {
    return invalid(node, path, "applicationRef without namePattern");
  }
  if (auto problem = tag::glob_problem(ref.name_pattern)) {
    return invalid(node["namePattern"],
                   path,
                   "namePattern: malformed glob " + util::quote(ref.name_pattern) + " at position "
                       + std::to_string(problem->offset + 1) + ": " + problem->what);
  }
  if (YAML::Node selector = node["labelSelectors"]; selector && selector.IsMap()) {
    auto parsed = parse_selector(selector, path);
    if (!parsed) {
      return tl::unexpected(parsed.error());
    }
    ref.label_selector = *parsed;
  }
  ref.use_annotations = yaml::boolean(text(node, "useAnnotations")).value_or(false);
  auto settings = parse_settings(node["commonUpdateSettings"], path);
  if (!settings) {
    return tl::unexpected(settings.error());
  }
  ref.settings = *settings;
  ref.write_back = parse_write_back(node["writeBackConfig"]);
  if (YAML::Node images = node["images"]; images && images.IsSequence()) {
    for (const auto& item : images) {
      auto image = parse_image(item, path);
      if (!image) {
        return tl::unexpected(image.error());
      }
      ref.images.push_back(std::move(*image));
    }
  }
  if (ref.images.empty() && !ref.use_annotations) {
    return invalid(node,
                   path,
                   "applicationRef " + util::quote(ref.name_pattern)
                       + " needs images (or useAnnotations: true)");
  }
  return ref;
}

} // namespace

util::Result<ImageUpdater> parse_image_updater(const YAML::Node& doc, const yaml::FileRef& path) {
  ImageUpdater updater;
  updater.origin = position_of(doc, path);
  updater.name = text(child(doc, "metadata"), "name");
  updater.cr_namespace = text(child(doc, "metadata"), "namespace");
  YAML::Node spec = child(doc, "spec");
  if (auto shape = yaml::expect(spec, YAML::NodeType::Map, "spec", path); !shape) {
    return tl::unexpected(shape.error());
  }
  auto settings = parse_settings(child(spec, "commonUpdateSettings"), path);
  if (!settings) {
    return tl::unexpected(settings.error());
  }
  updater.settings = *settings;
  updater.write_back = parse_write_back(child(spec, "writeBackConfig"));
  YAML::Node refs = child(spec, "applicationRefs");
  if (!refs || !refs.IsSequence() || refs.size() == 0) {
    return invalid(doc,
                   path,
                   "ImageUpdater " + util::quote(updater.name)
                       + " needs at least one applicationRefs entry");
  }
  for (const auto& node : refs) {
    auto ref = parse_ref(node, path);
    if (!ref) {
      return tl::unexpected(ref.error());
    }
    updater.refs.push_back(std::move(*ref));
  }
  return updater;
}

} // namespace argoimg::app
